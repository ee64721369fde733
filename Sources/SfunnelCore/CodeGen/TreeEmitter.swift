/// Emits `sf_classify` as a decision tree (see `DecisionTree`): one
/// inlined function whose body is one `asm volatile` statement holding the
/// tree as BPF assembly (`TreeAsm`: per node, a binary search of its edges
/// on the field's register, ending in a jump to the child's block or to
/// the action's). Shared subtrees are one block reached by several jumps.
///
/// Why the verifier walks it in about its size: within a block, the search
/// is a tree, each instruction reached by one path; below a node its
/// field's register is dead (each field is tested once on a path), so
/// every path arriving at a shared block brings the same live state and is
/// pruned there after the first.
public enum TreeEmitter {
    /// Trees up to this many edges are code; larger ones take the table
    /// form (`TableEmitter`) unless code is forced. Bounded by the
    /// verifier: it processes 2–3 instructions per edge (1M at most), and
    /// its time grows with them (docs/performance.md: random 10k, 46k
    /// edges, 103k processed, loads in under 1 s; a 120k-edge tree, 278k
    /// in 2.7 s). Clang is no longer the bound: the tree is assembly.
    public static let maxCodeEdges = 100_000

    /// When no single tree fits: at most this many trees for groups of
    /// consecutive rules (each group costs one more lookup per packet), of
    /// at least this many rules each; beyond that, the chain.
    public static let maxGroups = 4
    public static let minGroupRules = 256

    /// Above this many instructions of assembly the object is built for
    /// -mcpu=v4, whose `gotol` reaches past 32,767 instructions: the tree's
    /// own far jumps, and clang's around the statement.
    static let v4Instructions = 16_000

    /// How far a jump of the assembly may reach before it becomes `gotol`
    /// (tests: a short reach exercises long jumps in small trees).
    @TaskLocal public static var jumpReach = TreeAsm.reach

    /// The generated C, and whether it needs -mcpu=v4 (`CEmitter.v4Marker`).
    public static func emitRules(_ ruleset: Ruleset, tree: DecisionTree, source: SourceFile) -> (c: String, needsV4: Bool) {
        let actions = ActionTable(ruleset)
        var out = CodePrinter()
        CEmitter.emitPreamble(ruleset, actions: actions, into: &out)
        let order = tree.reachableNodes

        emitRuleComments(ruleset, source: source, decidedIn: "the tree", into: &out)
        TreeAsm.padMacros(into: &out)
        out.line("/*")
        out.line(" * First match wins, as a decision tree: fields tested in the order")
        out.line(" * \(tree.order.map(\.name).joined(separator: ", ")); \(order.count) nodes, "
                 + "\(order.reduce(0) { $0 + tree.nodes[$1].edges.count }) edges (sfunnelc compile --emit tree),")
        out.line(" * as BPF assembly (see TreeAsm.swift). Returns the action of the first rule")
        out.line(" * that holds, 0 for none.")
        out.line(" */")
        let needsV4 = emitClassify(nodes: order, ruleset, tree: tree, actions: actions, into: &out)
        return (out.text, needsV4)
    }

    /// `sf_classify`; returns whether its assembly needs -mcpu=v4.
    private static func emitClassify(nodes: [Int], _ ruleset: Ruleset, tree: DecisionTree,
                                     actions: ActionTable, into out: inout CodePrinter) -> Bool {
        // A leaf's value: its action's number (0: no rule).
        func action(_ t: DecisionTree.Target) -> UInt32 {
            guard case .leaf(let r) = t, let r else { return 0 }
            return UInt32(actions.index(of: ruleset.rules[r].action.value))
        }
        func describe(_ id: UInt32) -> String {
            id == 0 ? "no rule" : CEmitter.describe(actions.actions[Int(id) - 1])
        }
        var needsV4 = false
        out.block("static __always_inline int sf_classify(const struct sf_pkt *pkt)\n{") { out in
            if nodes.isEmpty {
                // No test needed: every packet gets the same answer.
                out.line("if (!pkt)")
                out.indent()
                out.line("return 0;")
                out.outdent()
                out.line("return \(action(tree.root));\t/* \(describe(action(tree.root))) */")
                return
            }
            out.line("__u32 act;")
            out.line()
            needsV4 = TreeAsm.emitStatement(tree: tree, nodes: nodes, output: "act", value: action,
                                            describe: describe, into: &out)
            out.line("return act;")
        }
        return needsV4
    }

    /// The rules as comments, in order, before the tree that decides them
    /// (shared with `TableEmitter`).
    static func emitRuleComments(_ ruleset: Ruleset, source: SourceFile, decidedIn: String, into out: inout CodePrinter) {
        out.line("/* The rules, in order (their decisions are in \(decidedIn) below). */")
        for (i, rule) in ruleset.rules.enumerated() {
            let line = source.location(of: rule.range.start).line
            let text = CEmitter.commentSafe(CEmitter.collapseSpaces(source.text(of: rule.range)))
            out.line("/* rule \(i + 1), line \(line): \(text) */")
        }
        out.line()
    }
}
