/// Emits `sf_classify` for a decision tree as constant tables: the tree's
/// nodes and edges as read-only arrays in the object's `.rodata` (frozen by
/// libbpf when it loads the object; no map is created or updated at run
/// time) and a short walk over them. The form for trees too large for code
/// (`TreeEmitter.maxCodeEdges`): the verifier's work and time for code grow
/// with the tree; for the walk they stay fixed.
///
/// Layout, per field that has nodes (`Layout`):
/// - `sf_<field>_bucket[]`: per node, its buckets (the edge holding each
///   bucket's first value), then its last edge;
/// - `sf_<field>_lo[]`: every edge's lower bound (edges of one node are
///   consecutive and sorted), in the field's width;
/// - `sf_<field>_to[]`: every edge's target, a word: the field position + 1
///   in the top 3 bits, the node's bucket bits in the next 5 and its first
///   bucket in the low 24 (so the walk needs no per-node array: one
///   dependent load less per field), or 0 in the top bits and the action
///   number (0: no rule) below.
/// Every array is padded to a power of two, so that an index masked with
/// its size - 1 is in bounds for the verifier without a branch.
///
/// The leading fields may be code instead (`Options.codeEdges`): BPF
/// assembly as in the code form, whose exits set `t` to the word of the
/// node where the walk takes over (see `emitCode`).
///
/// The walk: `t` starts as the root's word. For each field in the tree's
/// order, if `t` names a node of that field, the packet's value picks one
/// of the node's buckets and is searched among its lower bounds (a branch-free binary search of a fixed
/// number of steps, enough for that field's largest node: the comparison
/// becomes the sign of a 64-bit difference, so the verifier sees no fork)
/// and `t` becomes the target of the edge found. At the end `t` is a leaf.
///
/// Why the verifier's work stays small and fixed: there is no data-dependent
/// branch except the `t names a node of this field` test before each field;
/// every value loaded from the tables with a variable index is an unknown
/// scalar to the verifier, so the states on both sides of that test merge.
public enum TableEmitter {
    /// Bits of a target word below the field-position tag.
    static let tagShift = 29
    /// Bits of a node's target word below its bucket bits: its first bucket.
    static let bucketBitsShift = 24

    /// Trees up to this many edges may take the table form. Bounded by the
    /// builder's time and memory (docs/architecture.md): ipc1_10k, 1.8M
    /// edges, builds in about 15 s; fw1_10k needs 5.6M in its best order.
    /// Also keeps every field's buckets (at most 2 per edge plus the spare
    /// 2^17) below 2^24, the first-bucket part of a target word.
    public static let edgeBudget = 2_500_000

    /// How many buckets each field may have: `perEdge` per edge, plus
    /// `spare` (room for a few nodes with a bucket per value of a 16-bit
    /// field). Buckets cut search steps; with none, every node is one
    /// binary search (tests use that to exercise the search).
    ///
    /// `codeEdges`: the leading fields whose nodes have at most this many
    /// edges in all are code instead (`codePositions`), as in the code form,
    /// ending in the target word where the walk takes over.
    public struct Options: Sendable, Hashable {
        public var bucketsPerEdge: Int
        public var spareBuckets: Int
        public var codeEdges: Int

        public init(bucketsPerEdge: Int = 2, spareBuckets: Int = 1 << 17, codeEdges: Int = TableEmitter.codeEdges) {
            self.bucketsPerEdge = bucketsPerEdge
            self.spareBuckets = spareBuckets
            self.codeEdges = codeEdges
        }

        public static let `default` = Options()
        /// One binary search per node, every field a table.
        public static let noBuckets = Options(bucketsPerEdge: 0, spareBuckets: 0, codeEdges: 0)
    }

    /// How many edges the leading fields may have to be code. Each field
    /// as code saves the walk's loads for that field (a bucket, the search
    /// steps, a target); the bound keeps the code's part of compile and
    /// load time small (TreeEmitter: about 1.5 instructions an edge).
    public static let codeEdges = 20_000

    /// How many of `tree.order`'s leading fields are code: as many as have
    /// at most `codeEdges` edges in all, but never every field that has
    /// nodes (the walk would be empty: that tree is the code form's).
    public static func codePositions(_ tree: DecisionTree, codeEdges: Int) -> Int {
        var edges = [Int](repeating: 0, count: tree.order.count)
        for n in tree.reachableNodes {
            edges[tree.order.firstIndex(of: tree.nodes[n].field)!] += tree.nodes[n].edges.count
        }
        guard let last = edges.lastIndex(where: { $0 > 0 }) else { return 0 }
        var k = 0
        var sum = 0
        while k < last, sum + edges[k] <= codeEdges {
            sum += edges[k]
            k += 1
        }
        return k
    }

    /// The arrays of one field.
    struct FieldTable {
        var field: DecisionTree.Field
        var position: Int
        /// Reachable nodes of this field, in `DecisionTree.reachableNodes` order.
        var nodes: [Int]
        /// Per node: where its buckets start in `buckets`, and its bucket
        /// bits b (the value's top b bits are its bucket number).
        var bucketStarts: [UInt32] = []
        var bucketBits: [UInt32] = []
        /// Per bucket: the index of the edge that holds the bucket's first
        /// value, with bit 31 set when that edge starts there; after a
        /// node's buckets, its last edge. Bucket k spans the edges from
        /// buckets[k] to buckets[k + 1], less one when that one's bit 31 is set.
        var buckets: [UInt32] = []
        var lows: [UInt32] = []
        var targets: [UInt32] = []
        /// Search steps: enough for the largest bucket.
        var steps = 0

        var bits: Int {
            switch field {
            case .proto: return 8
            case .dport, .sport: return 16
            case .daddr, .saddr: return 32
            }
        }

        /// Bucket numbers take at most this many of the value's top bits.
        var maxBucketBits: Int { min(bits, 16) }

        var cType: String {
            switch field {
            case .proto: return "__u8"
            case .dport, .sport: return "__u16"
            case .daddr, .saddr: return "__u32"
            }
        }

        var width: Int { bits / 8 }

        /// Bytes in `.rodata`, padding included.
        var bytes: Int {
            Layout.padded(buckets.count) * 4
                + Layout.padded(lows.count) * ((steps > 0 ? width : 0) + 4)
        }

        /// Fills the arrays with the nodes' lower bounds and buckets (the
        /// fewest search steps for which the buckets stay within the budget);
        /// targets come later, once every field's buckets are placed.
        mutating func fill(_ nodeEdges: [[DecisionTree.Edge]], options: Options) {
            let edgeCount = nodeEdges.reduce(0) { $0 + $1.count }
            let budget = options.bucketsPerEdge * edgeCount + options.spareBuckets
            // No buckets (one per node): the fallback when nothing fits.
            var chosen = [Int](repeating: 0, count: nodeEdges.count)
            for s in 0...bits {
                // Per node, the fewest bucket bits whose buckets need at most s steps.
                var total = 0
                var bits: [Int] = []
                for edges in nodeEdges where total <= budget {
                    var b = max(0, min(maxBucketBits, Layout.log2Ceiling(edges.count) - s))
                    while b < maxBucketBits, FieldTable.steps(FieldTable.marks(edges, bits: b, width: self.bits)) > s { b += 1 }
                    bits.append(b)
                    total += (1 << b) + 1
                }
                if total <= budget {
                    chosen = bits
                    break
                }
            }
            for (edges, b) in zip(nodeEdges, chosen) {
                let first = UInt32(lows.count)
                lows += edges.map(\.lo)
                let marks = FieldTable.marks(edges, bits: b, width: bits)
                steps = max(steps, FieldTable.steps(marks))
                bucketStarts.append(UInt32(buckets.count))
                bucketBits.append(UInt32(b))
                buckets += marks.map { (first + UInt32($0.edge)) | ($0.starts ? 1 << 31 : 0) }
            }
        }

        /// For each of the 2^b buckets, the edge holding its first value and
        /// whether it starts there, then the last edge.
        static func marks(_ edges: [DecisionTree.Edge], bits b: Int, width: Int) -> [(edge: Int, starts: Bool)] {
            var out: [(edge: Int, starts: Bool)] = []
            out.reserveCapacity((1 << b) + 1)
            var e = 0
            for k in 0..<(1 << b) {
                let x = UInt64(k) << UInt64(width - b)
                while e + 1 < edges.count, UInt64(edges[e + 1].lo) <= x { e += 1 }
                out.append((e, UInt64(edges[e].lo) == x))
            }
            out.append((edges.count - 1, false))
            return out
        }

        /// Steps of a binary search over the largest bucket's edges.
        static func steps(_ marks: [(edge: Int, starts: Bool)]) -> Int {
            var most = 1
            for k in 0..<(marks.count - 1) {
                most = max(most, marks[k + 1].edge - (marks[k + 1].starts ? 1 : 0) - marks[k].edge + 1)
            }
            return Layout.log2Ceiling(most)
        }
    }

    /// The tree as tables.
    struct Layout {
        var fields: [FieldTable]
        /// The root's target word (when no field is code).
        var root: UInt32
        var tree: DecisionTree
        /// Reachable nodes of the leading fields that are code, parents first.
        var codeNodes: [Int] = []
        /// The target word of every place the code leads to outside itself.
        var exits: [DecisionTree.Target: UInt32] = [:]

        static func padded(_ n: Int) -> Int {
            var p = 1
            while p < n { p <<= 1 }
            return p
        }

        /// The least k with 2^k >= n (0 for n <= 1).
        static func log2Ceiling(_ n: Int) -> Int {
            n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
        }

        var bytes: Int { fields.reduce(0) { $0 + $1.bytes } }

        init(_ tree: DecisionTree, ruleset: Ruleset, options: Options) {
            let actions = ActionTable(ruleset)
            let reachable = tree.reachableNodes
            let code = TableEmitter.codePositions(tree, codeEdges: options.codeEdges)
            self.tree = tree
            var tables = tree.order.enumerated().map { FieldTable(field: $1, position: $0, nodes: []) }
            var slot: [Int: (table: Int, index: Int)] = [:]
            for n in reachable {
                let t = tree.order.firstIndex(of: tree.nodes[n].field)!
                if t < code {
                    codeNodes.append(n)
                    continue
                }
                slot[n] = (t, tables[t].nodes.count)
                tables[t].nodes.append(n)
            }
            for t in tables.indices {
                tables[t].fill(tables[t].nodes.map { tree.nodes[$0].edges }, options: options)
                precondition(tables[t].buckets.count <= 1 << TableEmitter.bucketBitsShift,
                             "more buckets than a target word can address")
            }
            func word(_ target: DecisionTree.Target) -> UInt32 {
                switch target {
                case .node(let n):
                    let s = slot[n]!
                    return UInt32(s.table + 1) << TableEmitter.tagShift
                        | tables[s.table].bucketBits[s.index] << TableEmitter.bucketBitsShift
                        | tables[s.table].bucketStarts[s.index]
                case .leaf(nil):
                    return 0
                case .leaf(let r?):
                    return UInt32(actions.index(of: ruleset.rules[r].action.value))
                }
            }
            for t in tables.indices {
                let targets = tables[t].nodes.flatMap { tree.nodes[$0].edges.map { word($0.target) } }
                tables[t].targets = targets
            }
            fields = tables.filter { !$0.nodes.isEmpty }
            let inCode = Set(codeNodes)
            for n in codeNodes {
                for e in tree.nodes[n].edges {
                    if case .node(let c) = e.target, inCode.contains(c) { continue }
                    exits[e.target] = word(e.target)
                }
            }
            root = inCode.isEmpty ? word(tree.root) : 0
        }
    }

    public static func emitRules(_ ruleset: Ruleset, tree: DecisionTree, source: SourceFile,
                                 options: Options = .default) -> (c: String, needsV4: Bool) {
        emitRules(ruleset, trees: [tree], source: source, options: options)
    }

    /// Several trees for consecutive groups of rules (`TreeBuilder.buildGroups`):
    /// each gets its tables and its `sf_classify_g<k>`, and `sf_classify`
    /// asks them in order until one finds a rule. One tree: as above.
    public static func emitRules(_ ruleset: Ruleset, trees: [DecisionTree], source: SourceFile,
                                 options: Options = .default) -> (c: String, needsV4: Bool) {
        let actions = ActionTable(ruleset)
        let layouts = trees.map { Layout($0, ruleset: ruleset, options: options) }
        var out = CodePrinter()
        CEmitter.emitPreamble(ruleset, actions: actions, into: &out)
        TreeEmitter.emitRuleComments(ruleset, source: source, decidedIn: "the tables", into: &out)
        out.line("/*")
        if trees.count == 1, let tree = trees.first, let layout = layouts.first {
            out.line(" * First match wins, as a decision tree in constant tables (.rodata, frozen")
            out.line(" * at load; see TableEmitter.swift): fields tested in the order")
            out.line(" * \(tree.order.map(\.name).joined(separator: ", ")); "
                     + "\(layout.fields.reduce(0) { $0 + $1.nodes.count }) nodes, "
                     + "\(layout.fields.reduce(0) { $0 + $1.lows.count }) edges, \(layout.bytes) bytes.")
        } else {
            out.line(" * First match wins, as \(trees.count) decision trees in constant tables (.rodata,")
            out.line(" * frozen at load; see TableEmitter.swift), one per group of consecutive rules,")
            out.line(" * asked in order: the first group with a matching rule decides.")
            for (k, (tree, layout)) in zip(trees, layouts).enumerated() {
                out.line(" * Group \(k): \(tree.ruleCount) rules, fields \(tree.order.map(\.name).joined(separator: ", ")); "
                         + "\(layout.fields.reduce(0) { $0 + $1.nodes.count }) nodes, "
                         + "\(layout.fields.reduce(0) { $0 + $1.lows.count }) edges, \(layout.bytes) bytes.")
            }
        }
        for (k, layout) in layouts.enumerated() where !layout.codeNodes.isEmpty {
            let tree = layout.tree
            let fields = Set(layout.codeNodes.map { tree.nodes[$0].field })
            out.line(" * \(trees.count > 1 ? "Group \(k): the" : "The") leading fields "
                     + "\(tree.order.filter { fields.contains($0) }.map(\.name).joined(separator: ", ")) are code "
                     + "(\(layout.codeNodes.count) nodes, \(layout.codeNodes.reduce(0) { $0 + tree.nodes[$1].edges.count }) edges),")
            out.line(" * BPF assembly as in the code form (TreeAsm.swift) that ends in a target word.")
        }
        out.line(" * A target word: field position + 1 in bits 29-31, the node's bucket bits b")
        out.line(" * in bits 24-28 (the value's top b bits pick its bucket) and its first bucket")
        out.line(" * in sf_<field>_bucket below; or 0 in bits 29-31 and an action number below")
        out.line(" * (0: no rule).")
        out.line(" */")
        if layouts.contains(where: { $0.fields.contains { $0.steps > 0 } }) {
            out.line("/*")
            out.line(" * All ones when bound <= v, else 0 (both below 2^32): the high half of a")
            out.line(" * 64-bit difference, hidden from clang, which would otherwise see a")
            out.line(" * comparison and make it a branch again.")
            out.line(" */")
            out.block("static __always_inline __u32 sf_at_most(__u64 bound, __u64 v)\n{") { out in
                out.line("__u64 d = v - bound;")
                out.line()
                out.line("asm volatile(\"\" : \"+r\"(d));")
                out.line("return ~(__u32)(d >> 32);")
            }
            out.line()
        }
        if layouts.contains(where: { !$0.codeNodes.isEmpty }) { TreeAsm.padMacros(into: &out) }
        var needsV4 = false
        if layouts.count == 1 {
            needsV4 = emitGroup(layouts[0], prefix: "sf_", function: "sf_classify", into: &out)
        } else {
            for (k, layout) in layouts.enumerated() {
                if emitGroup(layout, prefix: "sf_g\(k)_", function: "sf_classify_g\(k)", into: &out) { needsV4 = true }
                out.line()
            }
            out.block("static __always_inline int sf_classify(const struct sf_pkt *pkt)\n{") { out in
                out.line("int a;")
                out.line()
                for k in layouts.indices.dropLast() {
                    out.line("if ((a = sf_classify_g\(k)(pkt)) != 0)")
                    out.line("\treturn a;")
                }
                out.line("return sf_classify_g\(layouts.count - 1)(pkt);")
            }
        }
        return (out.text, needsV4)
    }

    /// One tree's arrays (named `<prefix><field>_...`) and its lookup, a
    /// function `function` returning the action number (0: no rule).
    /// Returns whether its code needs -mcpu=v4.
    private static func emitGroup(_ layout: Layout, prefix: String, function: String, into out: inout CodePrinter) -> Bool {
        var needsV4 = false
        for f in layout.fields {
            let name = f.field.name
            emitArray("static const volatile __u32 \(prefix)\(name)_bucket", count: f.buckets.count, into: &out) { i in
                TreeAsm.literal(f.buckets[i], hex: f.buckets[i] >> 31 != 0)
            }
            let hex = f.width == 4
            if f.steps > 0 {
                emitArray("static const volatile \(f.cType) \(prefix)\(name)_lo", count: f.lows.count, into: &out) { i in
                    TreeAsm.literal(f.lows[i], hex: hex)
                }
            }
            emitArray("static const volatile __u32 \(prefix)\(name)_to", count: f.targets.count, into: &out) { i in
                TreeAsm.literal(f.targets[i], hex: f.targets[i] >> tagShift != 0)
            }
        }
        out.block("static __always_inline int \(function)(const struct sf_pkt *pkt)\n{") { out in
            if layout.codeNodes.isEmpty {
                out.line("__u32 t = \(TreeAsm.literal(layout.root, hex: layout.root >> tagShift != 0));")
            } else {
                out.line("__u32 t;")
            }
            if !layout.fields.isEmpty {
                out.line(layout.fields.contains { $0.steps > 0 } ? "__u32 base, n, half, b;" : "__u32 base, b;")
                out.line("__u64 v;")
                out.line()
                if layout.codeNodes.isEmpty {
                    out.line("/* Keep clang from folding the root's search into special cases. */")
                    out.line("asm volatile(\"\" : \"+r\"(t));")
                }
            }
            if !layout.codeNodes.isEmpty { needsV4 = emitCode(layout, into: &out) }
            for f in layout.fields {
                let name = f.field.name
                let bucketMask = Layout.padded(f.buckets.count) - 1
                let edgeMask = Layout.padded(f.lows.count) - 1
                out.line()
                out.line("/* \(name): \(f.nodes.count) nodes, \(f.lows.count) edges, \(f.buckets.count) buckets, "
                         + "\(f.steps) search steps */")
                out.block("if ((t >> \(tagShift)) == \(f.position + 1)) {") { out in
                    out.line("v = pkt->\(name);")
                    out.line("b = (t & 0x\(String((1 << bucketBitsShift) - 1, radix: 16))) "
                             + "+ (__u32)(v >> ((\(f.bits) - ((t >> \(bucketBitsShift)) & 31)) & 63));")
                    out.line("base = \(prefix)\(name)_bucket[b & \(bucketMask)] & 0x7fffffff;")
                    if f.steps > 0 {
                        out.line("n = \(prefix)\(name)_bucket[(b + 1) & \(bucketMask)];")
                        out.line("n = (n & 0x7fffffff) - (n >> 31) - base + 1;")
                    }
                    for _ in 0..<f.steps {
                        out.line("half = n >> 1;")
                        out.line("base += half & sf_at_most(\(prefix)\(name)_lo[(base + half) & \(edgeMask)], v);")
                        out.line("n -= half;")
                    }
                    out.line("t = \(prefix)\(name)_to[base & \(edgeMask)];")
                }
            }
            out.line()
            out.line("return t & \((1 << tagShift) - 1);")
        }
        return needsV4
    }

    /// The leading fields as assembly (`TreeAsm`) that sets `t` to the
    /// target word where the walk takes over; returns whether it needs v4.
    ///
    /// Each exit leaves a different constant in `t`, and the walk uses `t`
    /// for indices, so the verifier would walk it once per exit (ipc1_10k:
    /// 707k instructions processed). XOR-ing it twice with a field the code
    /// does not test leaves it unknown to the verifier on every path, so
    /// the paths' states agree and the walk is verified once.
    private static func emitCode(_ layout: Layout, into out: inout CodePrinter) -> Bool {
        let blur = layout.fields[0].field
        return TreeAsm.emitStatement(tree: layout.tree, nodes: layout.codeNodes, output: "t",
                                     value: { layout.exits[$0]! }, describe: { _ in nil },
                                     tail: Array(repeating: "%[t] ^= \(TreeAsm.register(blur))", count: 2),
                                     inputs: [blur], into: &out)
    }

    /// `declaration[padded count] = { values, zeros }`, several values a line.
    private static func emitArray(_ declaration: String, count: Int, into out: inout CodePrinter,
                                  value: (Int) -> String) {
        let size = Layout.padded(count)
        out.line("\(declaration)[\(size)] = {")
        var line = ""
        for i in 0..<count {
            let v = value(i) + ","
            if !line.isEmpty && line.utf8.count + v.utf8.count > 96 {
                out.line("\t" + line)
                line = ""
            }
            line += line.isEmpty ? v : " " + v
        }
        if !line.isEmpty { out.line("\t" + line) }
        out.line("};")
        out.line()
    }

}
