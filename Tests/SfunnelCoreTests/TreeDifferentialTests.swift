@testable import SfunnelCore
import SfunnelTestSupport
import Testing

/// The decision tree, evaluated in Swift, against the reference interpreter:
/// random rulesets × random packets, for both kinds of leaves.
struct TreeDifferentialTests {
    static func load(_ text: String) -> Ruleset {
        let file = SourceFile(name: "random.rules", text: text)
        let (ruleset, diagnostics) = Frontend.load(file)
        precondition(!diagnostics.hasErrors, DiagnosticRenderer(file: file).render(diagnostics))
        return ruleset
    }

    static let modes: [DecisionTree.LeafMode] = [.rule, .action]

    @Test(arguments: modes)
    func treeAgreesWithInterpreter(_ mode: DecisionTree.LeafMode) throws {
        var gen = RandomRulesets(seed: mode == .rule ? 0x7eee : 0xac7)
        var cases = 0
        var disagreements: [String] = []
        for round in 0..<240 {
            let text = gen.ruleset(count: 1 + round % 24)
            let ruleset = Self.load(text)
            let tree = try #require(TreeBuilder.build(ruleset, options: .init(leafMode: mode)))
            for _ in 0..<40 {
                let p = gen.packet()
                let expected = Interpreter.firstMatch(ruleset, p)
                let got = tree.evaluate(p)
                let agree: Bool
                switch mode {
                case .rule: agree = got == expected
                case .action: agree = got.map { ruleset.rules[$0].action.value } == expected.map { ruleset.rules[$0].action.value }
                }
                cases += 1
                if !agree, disagreements.count < 5 {
                    disagreements.append("\(p): tree \(String(describing: got)), interpreter \(String(describing: expected))\n\(text)")
                }
            }
        }
        #expect(cases == 9600)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n---\n"))")
    }

    /// Every field order gives a correct tree (not only the smallest).
    @Test func everyOrderAgrees() throws {
        var gen = RandomRulesets(seed: 0x0dde)
        var disagreements = 0
        for _ in 0..<30 {
            let ruleset = Self.load(gen.ruleset(count: 12))
            for order in TreeBuilder.candidateOrders {
                let tree = try #require(TreeBuilder.build(ruleset, options: .init(leafMode: .rule, orders: [order])))
                for _ in 0..<30 {
                    let p = gen.packet()
                    if tree.evaluate(p) != Interpreter.firstMatch(ruleset, p) { disagreements += 1 }
                }
            }
        }
        #expect(disagreements == 0)
    }

    /// Over budget, no tree: the caller falls back to the linear chain.
    @Test func budgetIsRespected() {
        var gen = RandomRulesets(seed: 0xb0d9)
        let ruleset = Self.load(gen.ruleset(count: 40))
        let unbounded = TreeBuilder.build(ruleset, options: .init(goodEnoughEdgesPerRule: 0))
        #expect(unbounded != nil)
        let edges = unbounded?.edgeCount ?? 0
        #expect(TreeBuilder.build(ruleset, options: .init(edgeBudget: edges, goodEnoughEdgesPerRule: 0)) != nil)
        #expect(TreeBuilder.build(ruleset, options: .init(edgeBudget: edges - 1, goodEnoughEdgesPerRule: 0)) == nil)
    }

    /// Every order is tried unless one gives a tree of a few edges per rule;
    /// the smallest tree tried wins.
    @Test func smallestOrderWins() throws {
        var gen = RandomRulesets(seed: 0x5e1ec7)
        for _ in 0..<10 {
            let ruleset = Self.load(gen.ruleset(count: 30))
            let all = try #require(TreeBuilder.build(ruleset, options: .init(goodEnoughEdgesPerRule: 0)))
            for order in TreeBuilder.candidateOrders {
                let one = try #require(TreeBuilder.build(ruleset, options: .init(orders: [order])))
                #expect(all.edgeCount <= one.edgeCount)
            }
        }
    }
}

/// Trees for groups of consecutive rules (`TreeBuilder.buildGroups`), asked
/// in order, give the interpreter's first match: fixed groups of 1 to 5
/// rules, and the greedy split under an edge budget too small for one tree.
@Test(arguments: [DecisionTree.LeafMode.rule, .action])
func groupTreesAgreeWithInterpreter(_ mode: DecisionTree.LeafMode) throws {
    var gen = RandomRulesets(seed: mode == .rule ? 0x6a0_0b5 : 0x6a0_ac7)
    var disagreements: [String] = []
    var cases = 0
    for round in 0..<60 {
        let text = gen.ruleset(count: 6 + round % 20)
        let ruleset = TreeDifferentialTests.load(text)
        let fixed = try #require(TreeBuilder.buildGroups(ruleset, options: .init(leafMode: mode), groupSize: 1 + round % 5))
        #expect(fixed.count == (ruleset.rules.count + round % 5) / (1 + round % 5))
        let whole = try #require(TreeBuilder.build(ruleset, options: .init(leafMode: mode)))
        let greedy = TreeBuilder.buildGroups(ruleset, options: .init(leafMode: mode, edgeBudget: whole.edgeCount - 1),
                                             maxGroups: 64, minGroup: 1)
        for groups in [fixed, greedy].compactMap({ $0 }) {
            for _ in 0..<20 {
                let p = gen.packet()
                let expected = Interpreter.firstMatch(ruleset, p)
                let got = groups.lazy.compactMap { $0.evaluate(p) }.first
                let agree = mode == .rule ? got == expected
                    : got.map { ruleset.rules[$0].action.value } == expected.map { ruleset.rules[$0].action.value }
                cases += 1
                if !agree, disagreements.count < 5 {
                    disagreements.append("\(p): groups \(String(describing: got)), interpreter \(String(describing: expected))\n\(text)")
                }
            }
        }
    }
    #expect(cases >= 1200)
    #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n---\n"))")
}
