/// Emits `sf_classify` as a decision tree (see `DecisionTree`).
///
/// One inlined function for trees of up to `inlineEdges` edges; larger
/// ones, which need a call anyway, are split (`split`) where
/// the limits allow: the nodes near the root stay in `sf_classify`,
/// and each run of their edges leading to subtrees of up to about
/// `functionEdges` edges becomes a global function (verified once, with
/// BTF) holding everything below, so a packet makes at most one call. Each
/// reachable node is a
/// block: it reads its field afresh through `SF_FIELD` into `v`, then
/// binary-searches the edges' lower bounds with `<` (a `switch` where a run
/// of edges is single values around one common target; one unsigned range
/// test `v - lo <= hi - lo` for one interval inside a common surrounding,
/// the typical prefix node), and ends in a
/// `goto` to the child's block or to the shared `return` of an action. Shared
/// subtrees are one block reached by several `goto`s (within a function;
/// a subtree below two functions' roots is copied into both).
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

    /// Up to this many edges `sf_classify` is inlined into the program (of a
    /// split tree: its own part); above it, it is a global function,
    /// verified once on its own. Measured here (docs/performance.md): a
    /// call costs about 10–17 ns a packet (the kernel's return thunk: this
    /// AMD machine mitigates SRSO with "Safe RET"; static and global
    /// functions measured the same, random 100: +20 ns for two calls), but
    /// inlined, the verifier's time for large trees grows from under a
    /// second to over ten (random 10k rules, 46k edges: 0.7 s → 12 s for
    /// the same processed-instruction count) and clang's by half. Up to the
    /// code form's limit (`maxCodeEdges`) both stay small: fw1_1k (22k
    /// edges) inlined compiles in 9.1 s, loads in 1.0 s and measured 1.34 ×
    /// the empty program, against 8.8 s and 1.65 × as a global function.
    static let inlineEdges = 25_000

    /// Larger trees take the table form (`TableEmitter`) unless code is
    /// forced. Above `inlineEdges` code costs a call per packet; split into
    /// functions (`functionEdges`) it compiles in about 6–10 s here at
    /// 31k–46k edges (ipc1_1k, random 10k), but the run in
    /// docs/performance.md measured random 10k (46k edges) at 1.67 × the
    /// empty program as code against 1.35 × as tables (1.1 s to compile),
    /// while ClassBench trees stay faster as code (ipc1_1k: 1.71 against
    /// 2.97 ×). 25,000 keeps fw1_1k (22k edges) as code.
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
        let whole = tree
        let (tree, parts) = split(whole)
        let order = tree.reachableNodes
        var number: [Int: Int] = [:]
        for (i, n) in order.enumerated() { number[n] = i }

        emitRuleComments(ruleset, source: source, decidedIn: "the tree", into: &out)
        out.line("/*")
        out.line(" * First match wins, as a decision tree: fields tested in the order")
        let wholeOrder = whole.reachableNodes
        out.line(" * \(tree.order.map(\.name).joined(separator: ", ")); \(wholeOrder.count) nodes, "
                 + "\(wholeOrder.reduce(0) { $0 + whole.nodes[$1].edges.count }) edges (sfunnelc compile --emit tree).")
        if parts.count > 1 {
            out.line(" * Split into sf_classify and \(parts.count - 1) global functions, each verified once; a")
            out.line(" * packet makes at most one call (a function holds everything below its root).")
        }
        out.line(" * Returns the action of the first rule that holds, 0 for none.")
        out.line(" */")
        // The functions sf_classify calls, then sf_classify.
        for part in parts.dropFirst() {
            emitFunction("__attribute__((noinline)) int sf_node\(number[part[0]]!)(const struct sf_pkt *pkt)",
                         nodes: part, ruleset, tree: tree, number: number,
                         actions: actions, source: source, into: &out)
            out.line()
        }
        let rootEdges = (parts.first ?? []).reduce(0) { $0 + tree.nodes[$1].edges.count }
        let signature = rootEdges <= inlineEdges ? "static __always_inline int" : "__attribute__((noinline)) int"
        emitFunction("\(signature) sf_classify(const struct sf_pkt *pkt)", nodes: parts.first ?? [],
                     ruleset, tree: tree, number: number, actions: actions, source: source, into: &out)
        return out.text
    }

    /// Trees of more than `inlineEdges` edges are split into functions of
    /// about this many edges each (`split`): clang's time grows faster than
    /// linearly with a function's size (3 runs each, medians: ipc1_1k, 31k
    /// edges, 15.3 s as one function, 10.2 s as 35; random 10k, 46k edges,
    /// 16.3 s → 9.1 s as 25). Only trees forced to code above
    /// `maxCodeEdges` get here; fw1_1k's tree, forced to split, would stay
    /// one function: its subtrees share so much that copies would exceed
    /// `maxCopies`.
    public static let functionEdges = 2000

    /// At most this many functions (the kernel allows 256 subprograms in
    /// all): where more would be needed, larger ones.
    static let maxFunctions = 64

    /// At most this many times the tree's edges in all, copies included:
    /// where more would be needed, larger functions, or none.
    static let maxCopies = 1.25

    /// How `split` sizes functions.
    public struct SplitLimits: Sendable {
        public var functionEdges: Int
        public var maxCopies: Double

        public init(functionEdges: Int, maxCopies: Double) {
            self.functionEdges = functionEdges
            self.maxCopies = maxCopies
        }
    }

    /// Replaces `functionEdges` and `maxCopies` (tests: split small trees).
    @TaskLocal public static var splitLimits: SplitLimits?

    /// The tree as functions: `parts[0]` the nodes of `sf_classify`, each
    /// other part a global function, its root first. A function holds every
    /// node below its root (a node below two functions' roots is copied
    /// into both), so a packet makes at most one call. Splitting adds
    /// nodes: a run of a large node's edges becomes a node of its own (a
    /// function's root) that covers only the run's values, so the tree
    /// returned replaces `tree`; it decides every packet as `tree` does.
    static func split(_ tree: DecisionTree) -> (DecisionTree, [[Int]]) {
        let order = tree.reachableNodes
        var limit = splitLimits?.functionEdges ?? functionEdges
        let maxCopies = splitLimits?.maxCopies ?? maxCopies
        // Trees up to `inlineEdges` stay one inlined function: splitting
        // them would add a call (10–17 ns a packet here) where there was none.
        let splitAbove = splitLimits == nil ? max(limit, inlineEdges) : limit
        guard case .node = tree.root, tree.edgeCount > splitAbove else { return (tree, order.isEmpty ? [] : [order]) }
        // Fewer, larger functions where there would be too many, or too
        // many copies; none where nothing fits.
        while limit < tree.edgeCount {
            if let (t, parts) = split(tree, order: order, limit: limit) {
                let emitted = parts.joined().reduce(0) { (sum: Int, n: Int) in sum + t.nodes[n].edges.count }
                if Double(emitted) <= Double(tree.edgeCount) * maxCopies { return (t, parts) }
            }
            limit *= 2
        }
        return (tree, [order])
    }

    private static func children(_ node: DecisionTree.Node) -> [Int] {
        var seen = Set<Int>()
        return node.edges.compactMap {
            if case .node(let c) = $0.target, seen.insert(c).inserted { return c }
            return nil
        }
    }

    private static func split(_ tree: DecisionTree, order: [Int], limit: Int) -> (DecisionTree, [[Int]])? {
        // Edges below each node, shared nodes counted once per parent (what
        // copies cost at most), saturating.
        var size = [Int](repeating: 0, count: tree.nodes.count)
        for n in order.sorted() {  // children before parents (DecisionTree.nodes)
            size[n] = children(tree.nodes[n]).reduce(tree.nodes[n].edges.count) { min($0 + size[$1], 1 << 40) }
        }
        guard case .node(let root) = tree.root, size[root] > limit else { return (tree, [order]) }
        var t = tree
        var roots: [Int] = []
        // Nodes with more below them than `limit` stay in sf_classify; runs
        // of their other edges become functions of up to `limit` edges.
        for n in order where size[n] > limit {
            var edges: [DecisionTree.Edge] = []
            var run: [DecisionTree.Edge] = []
            var runKids = Set<Int>()
            var runSize = 0
            func flush() {
                if runKids.isEmpty {
                    edges += run
                } else {
                    t.nodes.append(DecisionTree.Node(field: tree.nodes[n].field, edges: run))
                    roots.append(t.nodes.count - 1)
                    edges.append(DecisionTree.Edge(lo: run.first!.lo, hi: run.last!.hi, target: .node(t.nodes.count - 1)))
                }
                run = []
                runKids = []
                runSize = 0
            }
            for e in tree.nodes[n].edges {
                if case .node(let c) = e.target, size[c] > limit {
                    flush()
                    edges.append(e)
                    continue
                }
                var s = 1
                if case .node(let c) = e.target, !runKids.contains(c) { s += size[c] }
                if runSize + s > limit, !run.isEmpty { flush() }
                run.append(e)
                runSize += s
                if case .node(let c) = e.target { runKids.insert(c) }
            }
            flush()
            t.nodes[n].edges = edges
            if roots.count > maxFunctions { return nil }
        }
        let newOrder = t.reachableNodes
        var number: [Int: Int] = [:]
        for (i, n) in newOrder.enumerated() { number[n] = i }
        let functionRoots = Set(roots)
        func below(_ f: Int, stopAt: Set<Int>) -> [Int] {
            var seen: Set<Int> = [f]
            var stack = [f]
            while let n = stack.popLast() {
                for c in children(t.nodes[n]) where !stopAt.contains(c) && seen.insert(c).inserted { stack.append(c) }
            }
            return [f] + seen.subtracting([f]).sorted { number[$0]! < number[$1]! }
        }
        return (t, [below(root, stopAt: functionRoots)] + roots.map { below($0, stopAt: []) })
    }

    private static func emitFunction(_ signature: String, nodes: [Int], _ ruleset: Ruleset,
                                     tree: DecisionTree, number: [Int: Int], actions: ActionTable,
                                     source: SourceFile, into out: inout CodePrinter) {
        let members = Set(nodes)
        // Leaves jump to one shared `return` per action (labels a0, a1, …):
        // thousands of `return`s would all feed one exit block, and clang's
        // CFG simplification is quadratic in that (docs/performance.md).
        var usedActions = Set<Int>()
        var calls = Set<Int>()
        func target(_ t: DecisionTree.Target) -> String {
            switch t {
            case .node(let n) where members.contains(n): return "goto n\(number[n]!);"
            case .node(let n):
                calls.insert(number[n]!)
                return "goto f\(number[n]!);"
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
        out.block("\(signature)\n{") { out in
            if nodes.isEmpty {
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
            for n in nodes {
                let node = tree.nodes[n]
                if n != nodes[0] {
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
            for f in calls.sorted() {
                out.outdent()
                out.line("f\(f):")
                out.indent()
                out.line("return sf_node\(f)(pkt);")
            }
            for id in usedActions.sorted() {
                out.outdent()
                out.line("a\(id):")
                out.indent()
                out.line(id == 0 ? "return 0;\t/* no rule */"
                         : "return \(id);\t/* \(CEmitter.describe(actions.actions[id - 1])) */")
            }
        }
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
