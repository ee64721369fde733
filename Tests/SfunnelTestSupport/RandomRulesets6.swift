import SfunnelCore

/// IPv6 rules and packets for the random tests: `ip6` rules with every kind
/// of match (prefixes on both 64-bit halves, negation, sets), mixed with the
/// IPv4 rules of `rule()` so that the two families' classifiers are checked
/// against one interpreter.
extension RandomRulesets {
    public static let addresses6: [IPv6Address] = [
        IPv6Address(high: 0x2001_0db8_0000_0000, low: 1),
        IPv6Address(high: 0x2001_0db8_0000_0000, low: 0x100),
        IPv6Address(high: 0x2001_0db8_0000_0001, low: 0),
        IPv6Address(high: 0x2001_0db8_00aa_0000, low: 0x0001_0000),
        IPv6Address(high: 0xfd00_0000_0000_0000, low: 0x5),
        IPv6Address(high: 0xfe80_0000_0000_0000, low: 0x0200_5eff_fe00_000a),
        IPv6Address(high: 0, low: 0),
        IPv6Address(high: UInt64.max, low: UInt64.max),
    ]

    /// RFC 4291 text with every group written out (the parser accepts it).
    public static func text(_ a: IPv6Address) -> String { a.description }

    public mutating func prefix6() -> String {
        let length = pick([0, 16, 32, 48, 64, 64, 96, 112, 127, 128, 128])
        let (mh, ml) = IPv6Prefix.mask(UInt8(length))
        let a = pick(Self.addresses6)
        let masked = IPv6Address(high: a.high & mh, low: a.low & ml)
        return Self.text(masked) + (length == 128 ? "" : "/\(length)")
    }

    public mutating func element6() -> String {
        let negated = chance(25) ? "!= " : ""
        if chance(25) {
            let n = 1 + Int(rng.next() % 3)
            return negated + "{ " + (0..<n).map { _ in prefix6() }.joined(separator: ", ") + " }"
        }
        return negated + prefix6()
    }

    public mutating func rule6() -> String { rule(ip6: true) }

    /// IPv4 and IPv6 rules interleaved, about half of each.
    public mutating func mixedRuleset(count: Int) -> String {
        (0..<count).map { _ in chance(50) ? rule6() : rule() }.joined(separator: "\n") + "\n"
    }

    public mutating func packet6() -> PacketDescription6 {
        func near(_ a: IPv6Address, _ r: UInt64) -> IPv6Address {
            switch r % 6 {
            case 0: return IPv6Address(high: a.high, low: a.low &+ 1)
            case 1: return IPv6Address(high: a.high, low: a.low &- 1)
            case 2: return IPv6Address(high: a.high ^ 0x0000_0000_0001_0000, low: a.low)
            case 3: return IPv6Address(high: a.high, low: a.low ^ 0x0000_0000_0001_0000)
            default: return a
            }
        }
        let proto: UInt8 = pick([6, 17, 6, 17, 58])
        var p = PacketDescription6(saddr: near(pick(Self.addresses6), rng.next()),
                                   daddr: near(pick(Self.addresses6), rng.next()), proto: proto)
        if proto == 6 || proto == 17 {
            p.sport = pick(Self.ports) &+ UInt16(pick([0, 0, 1, 65535]))
            p.dport = pick(Self.ports) &+ UInt16(pick([0, 0, 1, 65535]))
        }
        return p
    }
}
