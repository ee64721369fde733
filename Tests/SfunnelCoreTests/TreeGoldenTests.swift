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
    }

    /// (ruleset, leaves, output, golden file under Golden/tree)
    static let cases: [(String, DecisionTree.LeafMode, Output, String)] = [
        ("examples/telemetry/funnel.rules", .action, .text, "telemetry-funnel.tree"),
        ("examples/telemetry/unfunnel.rules", .action, .text, "telemetry-unfunnel.tree"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .action, .text, "matches.tree"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .rule, .text, "matches-rules.tree"),
        ("Tests/SfunnelCoreTests/Golden/tree/negation.rules", .rule, .text, "negation.tree"),
        ("Tests/SfunnelCoreTests/Golden/tree/negation.rules", .action, .dot, "negation.dot"),
        ("Tests/SfunnelCoreTests/Golden/codegen/matches.rules", .action, .c, "matches-tree.c"),
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
        case .c: text = TreeEmitter.emitRules(ruleset, tree: tree, source: file)  // the template splice is tested in CodeGenGoldenTests
        }
        try Golden.check(text, against: Self.root.appendingPathComponent("Golden/tree/\(golden)"))
    }

    /// A ruleset whose tree is over budget gets the linear chain, and the C says why.
    @Test func overBudgetFallsBackToLinear() {
        let text = "ip udp dport 1 actions accept\nip udp dport 2 actions drop\n"
        let file = SourceFile(name: "x.rules", text: text)
        let ruleset = Frontend.load(file).ruleset
        let plan = CEmitter.plan(ruleset, strategy: .tree, options: .init(edgeBudget: 2))
        #expect(plan == .linear(reason: "no field order gives a decision tree within 2 edges"))
        let c = CEmitter.emit(ruleset, source: file, sourceName: "x.rules", plan: plan)
        #expect(c.contains(" * Form: linear chain: no field order gives a decision tree within 2 edges."))
        #expect(c.contains("if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, dport) == 1)"))
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
