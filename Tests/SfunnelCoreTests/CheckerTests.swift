import Testing
@testable import SfunnelCore
import SfunnelTestSupport

/// The checker's warnings for `text` as (id, 1-based line of the rule,
/// lines of the rules named in notes).
private func lints(_ text: String) -> [(DiagnosticID, Int, [Int])] {
    let file = SourceFile(name: "t.rules", text: text)
    let (ruleset, diagnostics) = Parser.parse(file)
    #expect(!diagnostics.hasErrors, "\(diagnostics.map(\.message))")
    return Checker.check(ruleset).map { d in
        (d.id, file.location(of: d.range.start).line,
         d.notes.compactMap { $0.range.map { file.location(of: $0.start).line } })
    }
}

private func shadowed(_ text: String) -> [Int: [Int]] {
    var out: [Int: [Int]] = [:]
    for (id, line, notes) in lints(text) where id == .shadowedRule { out[line] = notes }
    return out
}

struct CheckerTests {
    @Test func singleEarlierRuleShadows() {
        #expect(shadowed("""
            ip saddr 10.0.0.0/8 udp actions accept
            ip saddr 10.1.0.0/16 udp dport 2055 actions drop
            """) == [2: [1]])
    }

    @Test func partialOverlapIsNotShadowed() {
        #expect(shadowed("""
            ip saddr 10.0.0.0/8 udp dport 1000-2000 actions accept
            ip saddr 10.1.0.0/16 udp dport 1500-2500 actions drop
            ip saddr 0.0.0.0/1 udp dport 1500 actions drop
            """) == [:])
    }

    @Test func unionOfTwoEarlierRulesShadows() {
        #expect(shadowed("""
            udp dport 1000-1999 actions accept
            tcp dport 1-2 actions accept
            udp dport 2000-2999 actions drop
            udp dport 1500-2500 actions funnel tcp sport 1 dport 2
            """) == [4: [1, 3]])
    }

    @Test func negationIsTheComplement() {
        // `!= 10.0.0.0/8` and `10.0.0.0/8` together cover every source address.
        #expect(shadowed("""
            ip saddr != 10.0.0.0/8 tcp actions accept
            ip saddr 10.0.0.0/8 tcp dport 1-100 actions drop
            ip tcp dport 80 actions drop
            """) == [3: [1, 2]])
        // When the second rule leaves out port 80, port 80 from 10.0.0.0/8 is still reachable.
        #expect(shadowed("""
            ip saddr != 10.0.0.0/8 tcp actions accept
            ip saddr 10.0.0.0/8 tcp dport != 80 actions drop
            ip tcp dport 80 actions drop
            """) == [:])
    }

    @Test func setsAndRanges() {
        #expect(shadowed("""
            tcp dport { 1-100, 200 } actions accept
            tcp dport { 50, 200 } actions drop
            tcp dport != { 0-99, 101-65535 } actions drop
            tcp dport { 100-200 } actions drop
            """) == [2: [1], 3: [1]])
    }

    @Test func protocolLessRulesCoverBothProtocols() {
        #expect(shadowed("""
            saddr 192.0.2.0/24 actions drop
            saddr 192.0.2.1 tcp dport 80 actions accept
            saddr 192.0.2.1 udp sport 53 actions accept
            """) == [2: [1], 3: [1]])
        // tcp and udp rules do not cover a protocol-less rule (other protocols remain).
        #expect(shadowed("""
            tcp actions accept
            udp actions accept
            actions drop
            """) == [:])
    }

    @Test func ipv4AndIPv6NeverShadowEachOther() {
        #expect(shadowed("""
            tcp actions accept
            ip6 tcp dport 80 actions drop
            ip6 tcp actions accept
            ip6 daddr 2001:db8::/32 tcp dport 443 actions drop
            ip tcp dport 80 actions drop
            """) == [4: [3], 5: [1]])
    }

    @Test func duplicateRulesNoteTheFirst() {
        let found = lints("""
            udp dport { 1, 2 } actions accept
            udp dport 3 actions accept
            udp dport { 2, 1 } actions accept
            """)
        #expect(found.count == 1)
        #expect(found.first?.0 == .duplicateRule)
        #expect(found.first?.1 == 3)
        #expect(found.first?.2 == [1])
    }

    @Test func notesNameOnlyTheRulesThatMatter() {
        // Rule 1 covers part of rule 3, but rule 2 alone covers all of it.
        #expect(shadowed("""
            udp dport 10-20 actions accept
            udp dport 0-100 actions drop
            udp dport 15-30 actions drop
            """) == [3: [2]])
    }

    @Test func largeRulesetChecksQuickly() {
        var lines: [String] = []
        for i in 0..<2000 {
            lines.append("ip saddr 10.\(i / 250).\(i % 250).0/24 daddr 192.0.2.0/24 tcp dport \(1000 + i % 50)-\(2000 + i % 70) actions accept")
        }
        lines.append("ip saddr 10.0.0.0/24 tcp dport 1500 actions drop")
        let found = shadowed(lines.joined(separator: "\n"))
        #expect(found == [:], "daddr differs, so the last rule is reachable")
    }
}

/// The shadow lint's index (`HullIndex`) must find exactly the earlier rules
/// whose bounding boxes overlap, as comparing with every earlier rule does
/// (rules matching nothing, with an empty field, overlap nothing).
@Test(arguments: 0..<8)
func hullIndexFindsEveryOverlappingEarlierRule(seed: Int) {
    var random = RandomRulesets(seed: UInt64(seed) &* 0x9E37_79B9 &+ 11)
    let text = random.ruleset(count: 150)
    let (ruleset, diagnostics) = Parser.parse(SourceFile(name: "r.rules", text: text))
    #expect(!diagnostics.hasErrors)
    let analysis = ShadowAnalysis(ruleset.rules)
    let (lane, bits) = analysis.indexLane()
    var index = HullIndex(lane: lane, bits: bits)
    var overlaps = 0
    for i in ruleset.rules.indices {
        defer { analysis.add(i, to: &index) }
        if analysis.boxes[i].isEmpty { continue }  // never asked for: it matches nothing
        let bruteForce = (0..<i).filter {
            !analysis.boxes[$0].isEmpty
                && all(analysis.hullLo[$0] .<= analysis.hullHi[i]) && all(analysis.hullLo[i] .<= analysis.hullHi[$0])
        }
        #expect(analysis.overlapping(i, index: index) == bruteForce, "rule \(i) of seed \(seed)")
        overlaps += bruteForce.count
    }
    #expect(overlaps > 0)
}
