import Foundation
@testable import SfunnelCore
import SfunnelTestSupport
import Testing

/// Compiled decision trees in the kernel against the reference interpreter:
/// random rulesets (every kind of match and action) × random packets.
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF); runs always when CI=true"))
struct TreeKernelTests {
    /// Both forms of the tree: code, and constant tables (forced here; by
    /// default only large trees get them), with the default buckets (small
    /// rulesets: mostly one bucket per value), few buckets (search within a
    /// bucket) and none (binary searches only); and tables for groups of 3
    /// rules asked in order (what a ruleset no single tree fits gets). Code
    /// also with jumps of a few instructions' reach, so that its far jumps
    /// (`gotol`, and conditional ones turned around a `gotol`) are
    /// exercised in small trees (by default only large trees have them).
    @Test(arguments: [(TreeForm.code, nil, nil, nil, UInt64(0x6e_7ee)),
                      (.code, nil, nil, 6, 0x5b1_17),
                      (.table, nil, nil, nil, 0x7ab_1e5),
                      (.table, TableEmitter.Options(bucketsPerEdge: 2, spareBuckets: 0), nil, nil, 0xb0c_4e7),
                      (.table, TableEmitter.Options.noBuckets, nil, nil, 0x5ea_4c4),
                      (.table, nil, 3, nil, 0x6a0_0b5)])
    func compiledTreeAgreesWithInterpreter(form: TreeForm, tables: TableEmitter.Options?, groupSize: Int?,
                                           reach: Int?, seed: UInt64) throws {
        var gen = RandomRulesets(seed: seed)
        var disagreements: [String] = []
        var packets = 0
        var farRounds = 0
        for round in 0..<16 {
            let text = gen.ruleset(count: 4 + round * 3)
            let program = try TreeEmitter.$jumpReach.withValue(reach ?? TreeEmitter.jumpReach) {
                try KernelSupport.load(rules: text, strategy: .tree, form: form, tables: tables, groupSize: groupSize)
            }
            if let reach {
                // How many programs really have far jumps of both kinds.
                let tree = try #require(CEmitter.plan(program.ruleset, strategy: .tree, form: form).tree)
                let (c, needsV4) = TreeEmitter.$jumpReach.withValue(reach) {
                    TreeEmitter.emitRules(program.ruleset, tree: tree, source: SourceFile(name: "fixture.rules", text: text))
                }
                if needsV4, c.contains("goto +1\\n"), c.contains("\tgotol .Ln") { farRounds += 1 }
            }
            let plan = CEmitter.plan(program.ruleset, strategy: .tree, form: form)
            switch (form, plan) {
            case (.code, .tree), (.table, .table): break
            default: Issue.record("round \(round) got \(plan.summary), not the \(form) form")
            }
            for _ in 0..<40 {
                let p = gen.packet()
                // 40 bytes of payload: enough for any inner header, so that
                // unfunnel never declines and every action shows in the output.
                let frame = RandomPackets.frame(p, payloadSize: 40)
                let result = try program.run(frame)
                let got = Outcome(retval: result.retval, growth: result.packet.count - frame.count)
                let expected = Outcome(Interpreter.action(program.ruleset, p), packet: p)
                packets += 1
                if got != expected, disagreements.count < 5 {
                    disagreements.append("\(p): kernel \(got), interpreter \(expected)\n\(text)")
                }
            }
        }
        #expect(packets == 640)
        if reach != nil { #expect(farRounds >= 10) }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n---\n"))")
    }
}

/// A node of many single ports around one common target is searched
/// among the single values only (`TreeAsm.switchDefault`): every port, its
/// neighbours and the ends of the range, in the kernel, as the interpreter
/// decides them.
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF); runs always when CI=true"))
struct TreeSwitchKernelTests {
    @Test func singlePortsAroundOneTarget() throws {
        // 13 single ports (a leaf scan of 1 to 3 values after the search) and
        // one range that goes where the gaps go (to "no rule").
        let ports = [7, 53, 80, 123, 161, 443, 514, 2055, 4739, 6343, 8080, 9995, 65534]
        var text = ""
        for (i, p) in ports.enumerated() {
            text += "ip udp dport \(p) actions \(["accept", "drop", "funnel tcp dport 179 sport 540"][i % 3])\n"
        }
        let program = try KernelSupport.load(rules: text, strategy: .tree, form: .code)
        let tree = try #require(CEmitter.plan(program.ruleset, strategy: .tree, form: .code).tree)
        #expect(tree.nodes.contains { TreeAsm.switchDefault($0.edges) != nil })
        var values = Set([0, 1, 65535])
        for p in ports { values.formUnion([p - 1, p, p + 1].filter { $0 >= 0 && $0 <= 65535 }) }
        var disagreements: [String] = []
        for v in values.sorted() {
            let p = PacketDescription(saddr: 0x0a00_0001, daddr: 0x0a00_0002, proto: 17, sport: 1234, dport: UInt16(v))
            let frame = RandomPackets.frame(p, payloadSize: 40)
            let result = try program.run(frame)
            let got = Outcome(retval: result.retval, growth: result.packet.count - frame.count)
            let expected = Outcome(Interpreter.action(program.ruleset, p), packet: p)
            if got != expected { disagreements.append("dport \(v): kernel \(got), interpreter \(expected)") }
        }
        #expect(values.count >= 40)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }
}

/// What a program visibly did to a packet: its verdict and how much the
/// frame grew (funnel: +20 or +8) or shrank (unfunnel: the outer header).
struct Outcome: Equatable, CustomStringConvertible {
    var retval: Int32
    var growth: Int

    init(retval: Int32, growth: Int) {
        self.retval = retval
        self.growth = retval == 2 ? 0 : growth  // a dropped packet's bytes do not matter
    }

    init(_ action: Action?, packet p: PacketDescription) {
        switch action {
        case nil: self.init(retval: -1, growth: 0)
        case .drop?: self.init(retval: 2, growth: 0)
        case .accept?: self.init(retval: 0, growth: 0)
        case .funnel(let f)?: self.init(retval: 0, growth: f.proto == .tcp ? 20 : 8)
        case .unfunnel?: self.init(retval: 0, growth: p.proto == 6 ? -20 : -8)
        }
    }

    var description: String { "retval \(retval), growth \(growth)" }
}
