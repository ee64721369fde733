import Foundation
@testable import SfunnelCore
import Testing

/// `--emit tree`, `--emit dot` and the tree's C, compared with golden files.
/// Re-record with SFUNNELC_RECORD=1.
struct TreeGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repo = root.appendingPathComponent("../..").standardizedFileURL

    enum Output: String, Sendable {
        case text = "tree"
        case dot
        case c
        /// The table form, without buckets and with a few (the default
        /// budget gives ports a bucket per value: too long for a golden file).
        case tables
        case bucketTables
        /// Trees for groups of two consecutive rules, as one graph.
        case groupsDot
    }

    /// (ruleset, leaves, output, golden file under Golden/tree)
    static let cases: [(String, DecisionTree.LeafMode, Output, String)] = [
        ("examples/telemetry/funnel.rules", .action, .text, "telemetry-funnel.tree"),
        ("examples/telemetry/unfunnel.rules", .action, .text, "telemetry-unfunnel.tree"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .action, .text, "matches.tree"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .rule, .text, "matches-rules.tree"),
        ("Tests/SfunnelCoreTests/Golden/tree/negation.rules", .rule, .text, "negation.tree"),
        ("Tests/SfunnelCoreTests/Golden/tree/negation.rules", .action, .dot, "negation.dot"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .rule, .groupsDot, "matches-groups.dot"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .action, .c, "matches-tree.c"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .action, .tables, "matches-tables.c"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .action, .bucketTables, "matches-buckets.c"),
    ]

    @Test(arguments: cases)
    func golden(_ rulesPath: String, _ mode: DecisionTree.LeafMode, _ output: Output, _ golden: String) throws {
        let url = Self.repo.appendingPathComponent(rulesPath)
        let file = SourceFile(name: url.lastPathComponent, text: try String(contentsOf: url, encoding: .utf8))
        let (ruleset, diagnostics) = Frontend.load(file)
        #expect(!diagnostics.hasErrors, "\(DiagnosticRenderer(file: file).render(diagnostics))")
        let tree = try #require(TreeBuilder.build(ruleset, options: .init(leafMode: mode)))
        let text: String
        switch output {
        case .text: text = TreePrinter(tree: tree, ruleset: ruleset, source: file).text()
        case .dot: text = TreePrinter(tree: tree, ruleset: ruleset, source: file).dot()
        case .c: text = TreeEmitter.emitRules(ruleset, tree: tree, source: file).c  // the template splice is tested in CodeGenGoldenTests
        case .tables: text = TableEmitter.emitRules(ruleset, tree: tree, source: file, options: .noBuckets).c
        case .bucketTables:
            text = TableEmitter.emitRules(ruleset, tree: tree, source: file,
                                          options: .init(bucketsPerEdge: 2, spareBuckets: 0)).c
        case .groupsDot:
            let groups = try #require(TreeBuilder.buildGroups(ruleset, options: .init(leafMode: mode), groupSize: 2))
            text = TreePrinter.groupsDot(groups, ruleset: ruleset, source: file)
        }
        try Golden.check(text, against: Self.root.appendingPathComponent("Golden/tree/\(golden)"))
    }

    /// A ruleset whose tree is over budget gets the linear chain, and the C says why.
    @Test func overBudgetFallsBackToLinear() {
        let text = "ip udp dport 1 actions accept\nip udp dport 2 actions drop\n"
        let file = SourceFile(name: "x.rules", text: text)
        let ruleset = Frontend.load(file).ruleset
        let plan = CEmitter.plan(ruleset, strategy: .tree, options: .init(edgeBudget: 2))
        let reason = "no field order gives a decision tree within 2 edges and the builder's work budget"
        #expect(plan == .linear(reason: reason))
        let c = CEmitter.emit(ruleset, source: file, sourceName: "x.rules", plan: plan)
        #expect(c.contains(" * Form: linear chain: \(reason)."))
        #expect(c.contains("if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, dport) == 1)"))
        // The builder's work budget alone also ends in the chain; enough of it gives the tree.
        #expect(CEmitter.plan(ruleset, strategy: .tree, options: .init(workBudget: 2)) == .linear(reason:
            "no field order gives a decision tree within \(TableEmitter.edgeBudget) edges and the builder's work budget"))
        #expect(CEmitter.plan(ruleset, strategy: .tree, options: .init(workBudget: 100)).tree != nil)
    }

    /// Small trees are code, large ones tables; either can be forced.
    @Test func formFollowsSize() throws {
        var lines = ""
        for i in 0..<11000 {
            lines += "ip saddr 10.\(i / 256).\(i % 256).1 daddr 11.\(i / 256).\(i % 256).2 udp sport \(2000 + i) "
                + "dport \(1000 + i) actions \(i % 2 == 0 ? "accept" : "drop")\n"
        }
        let big = Frontend.load(SourceFile(name: "big.rules", text: lines)).ruleset
        let small = Frontend.load(SourceFile(name: "s.rules", text: "ip udp dport 1 actions accept\n")).ruleset
        let bigPlan = CEmitter.plan(big, strategy: .tree)
        let bigTree = try #require(bigPlan.tree)
        #expect(bigTree.edgeCount > TreeEmitter.maxCodeEdges)
        #expect(bigPlan == .table(bigTree, .default))
        #expect(CEmitter.plan(big, strategy: .tree, form: .code) == .tree(bigTree))
        let smallTree = try #require(CEmitter.plan(small, strategy: .tree).tree)
        #expect(CEmitter.plan(small, strategy: .tree) == .tree(smallTree))
        #expect(CEmitter.plan(small, strategy: .tree, form: .table) == .table(smallTree, .default))
        #expect(bigPlan.summary.hasPrefix("decision tree as tables in .rodata after code for proto"))
    }

    /// The explicit linear strategy is the chain, byte for byte as before the tree.
    @Test func linearStrategyIsTheChain() {
        let text = "ip udp dport 1 actions accept\n"
        let file = SourceFile(name: "x.rules", text: text)
        let ruleset = Frontend.load(file).ruleset
        let c = CEmitter.emit(ruleset, source: file, sourceName: "x.rules", strategy: .linear)
        #expect(!c.contains("Form:"))
        #expect(c.contains(CEmitter.emitRules(ruleset, source: file)))
    }
}
