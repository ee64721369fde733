/// Emits `sf_classify` as a decision tree (see `DecisionTree`).
///
/// One function: inlined for trees of up to `inlineEdges` edges, a global
/// function (verified once, with BTF) above. Each reachable node is a
/// block: it reads its field afresh through `SF_FIELD` into `v`, then
/// binary-searches the edges' lower bounds with `<` (a `switch` where a run
/// of edges is single values around one common target; one unsigned range
/// test `v - lo <= hi - lo` for one interval inside a common surrounding,
/// the typical prefix node), and ends in a
/// `goto` to the child's block or to the shared `return` of an action. Shared
/// subtrees are one block reached by several `goto`s.
///
/// Why the verifier walks it in about its size: within a block, the search
/// is a tree, each instruction reached by one path; between blocks, `v` is
/// dead and re-read, so every path arriving at a shared block brings the
/// same state and is pruned there after the first.
public enum TreeEmitter {
    /// Above this many edges the program may exceed the 32k-instruction
    /// reach of a v3 jump.
    static let v4Edges = 6000

    static func needsV4(_ tree: DecisionTree) -> Bool { tree.edgeCount > v4Edges }

    /// Up to this many edges `sf_classify` is inlined into the program; above
    /// it, it is a global function, verified once on its own. Measured here
    /// (docs/performance.md): a call to a global function costs about 17 ns
    /// a packet (as much as the whole empty program spends in the kernel's
    /// test-run loop), but inlined, the verifier's time for large trees
    /// grows from under a second to over ten (random 10k rules: 0.7 s → 12 s
    /// for the same processed-instruction count) and clang's by half.
    static let inlineEdges = 10_000

    static func inlines(_ tree: DecisionTree) -> Bool { tree.edgeCount <= inlineEdges }

    /// Larger trees take the table form (`TableEmitter`) unless code is
    /// forced: see docs/performance.md for the measurements behind it (code
    /// is about twice as fast per packet on ClassBench-like trees; its
    /// compile time reaches about 10 s here at 25k edges).
    public static let maxCodeEdges = 25_000

    /// When no single tree fits: at most this many trees for groups of
    /// consecutive rules (each group costs one more lookup per packet), of
    /// at least this many rules each; beyond that, the chain.
    public static let maxGroups = 4
    public static let minGroupRules = 256

    public static func emitRules(_ ruleset: Ruleset, tree: DecisionTree, source: SourceFile) -> String {
        let actions = ActionTable(ruleset)
        var out = CodePrinter()
        CEmitter.emitPreamble(ruleset, actions: actions, into: &out)
        let order = tree.reachableNodes
        var number: [Int: Int] = [:]
        for (i, n) in order.enumerated() { number[n] = i }

        // Leaves jump to one shared `return` per action (labels a0, a1, …):
        // thousands of `return`s would all feed one exit block, and clang's
        // CFG simplification is quadratic in that (docs/performance.md).
        var usedActions = Set<Int>()
        func target(_ t: DecisionTree.Target) -> String {
            switch t {
            case .node(let n): return "goto n\(number[n]!);"
            case .leaf(nil):
                usedActions.insert(0)
                return "goto a0;\t/* no rule */"
            case .leaf(let r?):
                let action = ruleset.rules[r].action.value
                let id = actions.index(of: action)
                usedActions.insert(id)
                guard tree.leafMode == .rule else { return "goto a\(id);" }
                let line = source.location(of: ruleset.rules[r].range.start).line
                return "goto a\(id);\t/* rule \(r + 1), line \(line) */"
            }
        }
        func leafReturn(_ t: DecisionTree.Target) -> String {
            guard case .leaf(let r) = t, let r else { return "return 0;\t/* no rule */" }
            let action = ruleset.rules[r].action.value
            return "return \(actions.index(of: action));\t/* \(CEmitter.describe(action)) */"
        }

        emitRuleComments(ruleset, source: source, decidedIn: "the tree", into: &out)
        out.line("/*")
        out.line(" * First match wins, as a decision tree: fields tested in the order")
        out.line(" * \(tree.order.map(\.name).joined(separator: ", ")); \(order.count) nodes, "
                 + "\(order.reduce(0) { $0 + tree.nodes[$1].edges.count }) edges (sfunnelc compile --emit tree).")
        out.line(" * Returns the action of the first rule that holds, 0 for none.")
        out.line(" */")
        let signature = inlines(tree) ? "static __always_inline int" : "__attribute__((noinline)) int"
        out.block("\(signature) sf_classify(const struct sf_pkt *pkt)\n{") { out in
            if order.isEmpty {
                // No test needed: every packet gets the same answer.
                out.line("if (!pkt)")
                out.indent()
                out.line("return 0;")
                out.outdent()
                out.line(leafReturn(tree.root))
                return
            }
            out.line("__u32 v;")
            out.line()
            out.line("if (!pkt)")
            out.indent()
            out.line("return 0;")
            out.outdent()
            for n in order {
                let node = tree.nodes[n]
                if number[n]! != 0 {
                    out.outdent()
                    out.line("n\(number[n]!):")
                    out.indent()
                } else {
                    out.line()
                }
                out.line("v = SF_FIELD(pkt, \(node.field.name));")
                let hex = node.field == .saddr || node.field == .daddr
                search(node.edges, 0, node.edges.count - 1, hex: hex, target: target, into: &out)
            }
            for id in usedActions.sorted() {
                out.outdent()
                out.line("a\(id):")
                out.indent()
                out.line(id == 0 ? "return 0;\t/* no rule */"
                         : "return \(id);\t/* \(CEmitter.describe(actions.actions[id - 1])) */")
            }
        }
        return out.text
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

    /// Code that sends `v` (known to lie within edges[i...j]) to its target.
    private static func search(_ edges: [DecisionTree.Edge], _ i: Int, _ j: Int, hex: Bool,
                               target: (DecisionTree.Target) -> String, into out: inout CodePrinter) {
        if i == j {
            out.line(target(edges[i].target))
            return
        }
        if j - i == 2, edges[i].target == edges[j].target {
            // One interval inside a common surrounding: a single unsigned
            // range test (v - lo wraps below lo) instead of two comparisons.
            let e = edges[i + 1]
            out.block("if (v - \(literal(e.lo, hex: hex)) <= \(literal(e.hi - e.lo, hex: hex))) {") { out in
                out.line(target(e.target))
            }
            out.line(target(edges[i].target))
            return
        }
        if let common = switchDefault(edges, i, j) {
            out.line("switch (v) {")
            for e in edges[i...j] where e.target != common {
                out.line("case \(literal(e.lo, hex: hex)):")
                out.indent()
                out.line(target(e.target))
                out.outdent()
            }
            out.line("default:")
            out.indent()
            out.line(target(common))
            out.outdent()
            out.line("}")
            return
        }
        let mid = (i + j + 1) / 2
        out.block("if (v < \(literal(edges[mid].lo, hex: hex))) {") { out in
            search(edges, i, mid - 1, hex: hex, target: target, into: &out)
        }
        search(edges, mid, j, hex: hex, target: target, into: &out)
    }

    /// Addresses in hex (dotted quads line up in it), ports and protocols in decimal.
    private static func literal(_ v: UInt32, hex: Bool) -> String {
        guard hex else { return "\(v)U" }
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - h.count) + h + "U"
    }

    /// When edges[i...j] are single values except those going to one common
    /// target, and there are enough of them for a `switch` to pay (clang
    /// lowers it to a balanced search, no jump tables on BPF): that target.
    private static func switchDefault(_ edges: [DecisionTree.Edge], _ i: Int, _ j: Int) -> DecisionTree.Target? {
        var common: DecisionTree.Target?
        var singles = 0
        for e in edges[i...j] {
            if e.lo == e.hi {
                singles += 1
                continue
            }
            if common == nil { common = e.target } else if common != e.target { return nil }
        }
        guard let common, singles >= 4 else { return nil }
        return common
    }
}
