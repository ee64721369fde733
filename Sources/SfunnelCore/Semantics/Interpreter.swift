/// The reference semantics of a ruleset: first match wins. The oracle that
/// compiled programs and decision trees are tested against; written
/// directly from rules.md, sharing no code with the emitters.
public enum Interpreter {
    /// The index of the first rule that matches, or nil (the packet is left alone).
    public static func firstMatch(_ ruleset: Ruleset, _ packet: PacketDescription) -> Int? {
        ruleset.rules.firstIndex { matches($0, packet) }
    }

    /// The action taken for `packet`, nil when no rule matches.
    public static func action(_ ruleset: Ruleset, _ packet: PacketDescription) -> Action? {
        firstMatch(ruleset, packet).map { ruleset.rules[$0].action.value }
    }

    public static func matches(_ rule: Rule, _ p: PacketDescription) -> Bool {
        if rule.effectiveFamily != .ip { return false }  // the packet is IPv4
        if let proto = rule.proto, proto.value.number != p.proto { return false }
        if let m = rule.saddr, !holds(m, p.saddr) { return false }
        if let m = rule.daddr, !holds(m, p.daddr) { return false }
        let hasPorts = p.proto == L4Protocol.tcp.number || p.proto == L4Protocol.udp.number
        if let m = rule.sport, !(hasPorts && holds(m, p.sport)) { return false }
        if let m = rule.dport, !(hasPorts && holds(m, p.dport)) { return false }
        return true
    }

    static func holds(_ m: AddressMatch, _ addr: UInt32) -> Bool {
        let inside = m.elements.contains { element in
            if case .v4(let prefix) = element.value { return prefix.contains(addr) }
            return false
        }
        return inside != m.negated
    }

    static func holds(_ m: PortMatch, _ port: UInt16) -> Bool {
        m.elements.contains { $0.value.contains(port) } != m.negated
    }
}
