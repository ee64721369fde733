import SfunnelCore
import Testing

/// The reference semantics, on hand-picked packets (rules.md).
struct InterpreterTests {
    static let rules = """
        ip saddr 10.0.0.0/8 daddr != 10.9.0.0/16 udp dport 2055 actions funnel tcp dport 179 sport 540
        ip udp dport { 53, 5353 } actions accept
        ip tcp sport 1000-2000 actions drop
        ip daddr 192.0.2.1 actions drop
        ip tcp dport != 22 actions accept
        """

    static func ip(_ s: String) -> UInt32 {
        s.split(separator: ".").reduce(0) { $0 << 8 | UInt32($1)! }
    }

    /// (saddr, daddr, proto, sport, dport) → index of the first matching rule.
    static let cases: [(String, String, UInt8, UInt16, UInt16, Int?)] = [
        ("10.1.2.3", "198.51.100.1", 17, 5000, 2055, 0),
        ("10.1.2.3", "10.9.1.1", 17, 5000, 2055, nil),   // daddr != excludes it, nothing else matches
        ("11.1.2.3", "198.51.100.1", 17, 5000, 2055, nil),
        ("10.1.2.3", "198.51.100.1", 17, 5000, 5353, 1),
        ("10.1.2.3", "198.51.100.1", 6, 5000, 53, 4),     // tcp, not udp: falls to rule 5
        ("10.1.2.3", "198.51.100.1", 6, 1500, 22, 2),
        ("10.1.2.3", "198.51.100.1", 6, 2001, 22, nil),
        ("10.1.2.3", "192.0.2.1", 1, 0, 0, 3),             // ICMP hits the protocol-less rule
        ("10.1.2.3", "192.0.2.2", 1, 0, 0, nil),
        ("10.1.2.3", "192.0.2.1", 17, 5000, 2055, 0),      // first match wins over rule 4
    ]

    @Test(arguments: cases)
    func firstMatch(_ c: (String, String, UInt8, UInt16, UInt16, Int?)) {
        let file = SourceFile(name: "t.rules", text: Self.rules)
        let (ruleset, diagnostics) = Frontend.load(file)
        #expect(!diagnostics.hasErrors)
        let packet = PacketDescription(saddr: Self.ip(c.0), daddr: Self.ip(c.1), proto: c.2, sport: c.3, dport: c.4)
        #expect(Interpreter.firstMatch(ruleset, packet) == c.5)
    }
}
