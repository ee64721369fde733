import SfunnelCore

/// Seeded random rulesets in the rule language (every kind of match,
/// negations, ranges, sets, protocol-less rules, every action) and random
/// packets aimed at their boundaries. Shared by the tree tests.
public struct RandomRulesets {
    public var rng: Generator

    public struct Generator: RandomNumberGenerator {
        public var state: UInt64
        public mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    public init(seed: UInt64) { rng = Generator(state: seed) }

    public static let addresses: [UInt32] = [0x0a00_0001, 0x0a00_0100, 0x0a01_0000, 0x0aff_ffff, 0xc0a8_0101, 0xc0a8_ff00,
                                      0xac10_0000, 0x0808_0808, 0x0000_0000, 0xffff_ffff]
    public static let ports: [UInt16] = [0, 1, 22, 53, 80, 443, 1000, 2000, 2055, 4739, 8080, 65000, 65535]

    public mutating func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
    public mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    public static func dotted(_ a: UInt32) -> String { "\(a >> 24).\((a >> 16) & 0xff).\((a >> 8) & 0xff).\(a & 0xff)" }

    public mutating func prefix() -> String {
        let length = pick([0, 8, 16, 24, 24, 31, 32, 32])
        let mask: UInt32 = length == 0 ? 0 : UInt32.max << (32 - UInt32(length))
        return Self.dotted(pick(Self.addresses) & mask) + (length == 32 ? "" : "/\(length)")
    }

    public mutating func portItem() -> String {
        let a = pick(Self.ports)
        if chance(40) {
            let b = pick(Self.ports)
            return "\(min(a, b))-\(max(a, b))"
        }
        return "\(a)"
    }

    public mutating func item(address: Bool) -> String { address ? prefix() : portItem() }

    public mutating func element(address: Bool) -> String {
        let negated = chance(25) ? "!= " : ""
        if chance(25) {
            let n = 1 + Int(rng.next() % 3)
            var items: [String] = []
            for _ in 0..<n { items.append(item(address: address)) }
            return negated + "{ " + items.joined(separator: ", ") + " }"
        }
        return negated + item(address: address)
    }

    public mutating func rule() -> String { rule(ip6: false) }

    /// An `ip` rule, or an `ip6` one (addresses from `element6`, and `encap ip` among the actions).
    mutating func rule(ip6: Bool) -> String {
        var parts = [ip6 ? "ip6" : "ip"]
        let proto: String? = chance(25) ? nil : pick(["tcp", "udp"])
        if chance(50) { parts.append("saddr " + (ip6 ? element6() : element(address: true))) }
        if chance(40) { parts.append("daddr " + (ip6 ? element6() : element(address: true))) }
        if let proto {
            parts.append(proto)
            if chance(50) { parts.append("dport " + element(address: false)) }
            if chance(30) { parts.append("sport " + element(address: false)) }
        }
        var actions = ["accept", "drop"]
        if proto != nil {
            actions += ["funnel tcp sport 540 dport 179", "funnel udp sport 1 dport 4789", "unfunnel udp", "unfunnel tcp"]
            if ip6 { actions.append("funnel udp sport 2 dport 4790 encap ip") }
        }
        return parts.joined(separator: " ") + " actions " + pick(actions)
    }

    public mutating func ruleset(count: Int) -> String {
        (0..<count).map { _ in rule() }.joined(separator: "\n") + "\n"
    }

    public mutating func packet() -> PacketDescription {
        func near(_ v: UInt32) -> UInt32 { pick([v, v &+ 1, v &- 1, v ^ 0x0000_0100, v ^ 0x0100_0000]) }
        let proto: UInt8 = pick([6, 17, 6, 17, 1])
        var p = PacketDescription(saddr: near(pick(Self.addresses)), daddr: near(pick(Self.addresses)), proto: proto)
        if proto == 6 || proto == 17 {
            p.sport = pick(Self.ports) &+ UInt16(pick([0, 0, 1, 65535]))
            p.dport = pick(Self.ports) &+ UInt16(pick([0, 0, 1, 65535]))
        }
        return p
    }
}
