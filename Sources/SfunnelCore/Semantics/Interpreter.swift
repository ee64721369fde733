/// The reference semantics of a ruleset: first match wins. The oracle that
/// compiled programs and decision trees are tested against; written
/// directly from rules.md, sharing no code with the emitters.
///
/// IPv4 and IPv6 packets are matched by disjoint sets of rules: a rule
/// applies to the family `effectiveFamily` names (IPv4 unless `ip6` or an
/// IPv6 address says so).
public enum Interpreter {
    /// The index of the first rule that matches, or nil (the packet is left alone).
    public static func firstMatch(_ ruleset: Ruleset, _ packet: PacketDescription) -> Int? {
        ruleset.rules.firstIndex { matches($0, packet) }
    }

    /// The index of the first rule that matches an IPv6 packet, or nil.
    public static func firstMatch(_ ruleset: Ruleset, _ packet: PacketDescription6) -> Int? {
        ruleset.rules.firstIndex { matches($0, packet) }
    }

    /// The action taken for `packet`, nil when no rule matches.
    public static func action(_ ruleset: Ruleset, _ packet: PacketDescription) -> Action? {
        firstMatch(ruleset, packet).map { ruleset.rules[$0].action.value }
    }

    /// The action taken for an IPv6 `packet`, nil when no rule matches.
    public static func action(_ ruleset: Ruleset, _ packet: PacketDescription6) -> Action? {
        firstMatch(ruleset, packet).map { ruleset.rules[$0].action.value }
    }

    public static func matches(_ rule: Rule, _ p: PacketDescription) -> Bool {
        if rule.effectiveFamily != .ip { return false }  // the packet is IPv4
        if let m = rule.saddr, !holds(m, { $0.contains(p.saddr) }, { _ in false }) { return false }
        if let m = rule.daddr, !holds(m, { $0.contains(p.daddr) }, { _ in false }) { return false }
        return transportMatches(rule, proto: p.proto, sport: p.sport, dport: p.dport)
    }

    public static func matches(_ rule: Rule, _ p: PacketDescription6) -> Bool {
        if rule.effectiveFamily != .ip6 { return false }  // the packet is IPv6
        let s = p.saddr, d = p.daddr
        if let m = rule.saddr, !holds(m, { _ in false }, { $0.contains(high: s.high, low: s.low) }) { return false }
        if let m = rule.daddr, !holds(m, { _ in false }, { $0.contains(high: d.high, low: d.low) }) { return false }
        return transportMatches(rule, proto: p.proto, sport: p.sport, dport: p.dport)
    }

    /// Protocol and ports: a port match needs a protocol with ports.
    static func transportMatches(_ rule: Rule, proto: UInt8, sport: UInt16, dport: UInt16) -> Bool {
        if let p = rule.proto, p.value.number != proto { return false }
        let hasPorts = proto == L4Protocol.tcp.number || proto == L4Protocol.udp.number
        if let m = rule.sport, !(hasPorts && holds(m, sport)) { return false }
        if let m = rule.dport, !(hasPorts && holds(m, dport)) { return false }
        return true
    }

    /// Whether the address is inside any element (negated: inside none); an
    /// element of the other family contains nothing.
    static func holds(_ m: AddressMatch, _ v4: (IPv4Prefix) -> Bool, _ v6: (IPv6Prefix) -> Bool) -> Bool {
        let inside = m.elements.contains { element in
            switch element.value {
            case .v4(let prefix): return v4(prefix)
            case .v6(let prefix): return v6(prefix)
            }
        }
        return inside != m.negated
    }

    static func holds(_ m: PortMatch, _ port: UInt16) -> Bool {
        m.elements.contains { $0.value.contains(port) } != m.negated
    }
}
