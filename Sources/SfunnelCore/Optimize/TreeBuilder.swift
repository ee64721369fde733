/// Builds a `DecisionTree` from a ruleset: a firewall decision diagram
/// (Gouda and Liu) with hash-consed subtrees.
///
/// A node is the set of rules still alive (in rule order) and the next
/// field to test. Sweeping that field's interval boundaries splits its values
/// into pieces with the same surviving rules; each distinct survivor set
/// becomes one child, built once (memoised on field position and survivor
/// set) and shared by every interval and every parent that leads to it. A
/// survivor list stops at its first rule that covers every remaining field:
/// later rules can never decide there. A node whose intervals all lead to
/// the same place is skipped, and structurally equal nodes are merged.
///
/// Size depends enormously on the field order, so several orders are tried
/// under an edge budget (each try is abandoned as soon as it exceeds the
/// best so far, and the search stops at a tree of a few edges per rule);
/// when none fits, `build` returns nil and the caller falls
/// back to the linear chain.
public enum TreeBuilder {
    public struct Options: Sendable, Hashable {
        public var leafMode: DecisionTree.LeafMode
        /// Give up on an order once its tree has more edges than this.
        public var edgeBudget: Int
        /// The orders to try; the smallest tree wins (first on ties).
        public var orders: [[DecisionTree.Field]]
        /// Stop trying orders once a tree has at most this many edges per
        /// rule: no order can do much better, and each try
        /// of a large ruleset costs seconds. 0 tries every order.
        public var goodEnoughEdgesPerRule: Int
        /// The builder's time, all orders together, in rule visits (each
        /// node's sweep visits its surviving rules): once spent, the order
        /// being built is abandoned and no further order is tried.
        public var workBudget: Int

        public init(leafMode: DecisionTree.LeafMode = .action, edgeBudget: Int = TreeBuilder.defaultEdgeBudget,
                    orders: [[DecisionTree.Field]] = TreeBuilder.candidateOrders, goodEnoughEdgesPerRule: Int = 4,
                    workBudget: Int = TreeBuilder.defaultWorkBudget) {
            self.leafMode = leafMode
            self.edgeBudget = edgeBudget
            self.orders = orders
            self.goodEnoughEdgesPerRule = goodEnoughEdgesPerRule
            self.workBudget = workBudget
        }
    }

    /// About 10–20 s of building on this machine (docs/architecture.md):
    /// ipc1_10k needs 126M over its six orders, fw1_10k's orders up to 550M
    /// each before exceeding the 2.5M-edge budget.
    public static let defaultWorkBudget = 200_000_000

    /// See docs/performance.md: what clang and the verifier handle in time.
    public static let defaultEdgeBudget = 400_000

    public static let candidateOrders: [[DecisionTree.Field]] = [
        [.proto, .dport, .sport, .daddr, .saddr],
        [.proto, .dport, .saddr, .daddr, .sport],
        [.proto, .saddr, .daddr, .dport, .sport],
        [.proto, .daddr, .saddr, .dport, .sport],
        [.proto, .saddr, .dport, .daddr, .sport],
        [.proto, .daddr, .dport, .saddr, .sport],
    ]

    /// The smallest tree among `options.orders` within the budget, or nil.
    public static func build(_ ruleset: Ruleset, options: Options = Options()) -> DecisionTree? {
        let space = RuleSpace(ruleset)
        let leaves = leafValues(ruleset, mode: options.leafMode)
        var best: DecisionTree?
        var budget = options.edgeBudget
        var work = options.workBudget
        for order in options.orders {
            var builder = Builder(order: order, space: space, leaves: leaves, budget: budget, workBudget: work)
            let built = builder.run(leafMode: options.leafMode)
            work -= builder.work
            if work <= 0 { break }
            guard let tree = built else { continue }
            if best == nil || tree.edgeCount < best!.edgeCount {
                best = tree
                budget = tree.edgeCount - 1
            }
            if budget < 0 { break }
            if options.goodEnoughEdgesPerRule > 0,
               tree.edgeCount <= options.goodEnoughEdgesPerRule * ruleset.rules.count { break }
        }
        return best
    }

    /// Trees for consecutive groups of rules, for a ruleset no single tree
    /// fits: the first group whose tree gives a rule decides, so first-match
    /// order holds (a packet's first matching rule is in the first group that
    /// has a match). Greedy: each group is as large as a tree within what is
    /// left of the edge budget allows, halving from `firstSize` (default: all
    /// remaining rules) down to `minGroup`; nil when that is not enough or
    /// more than `maxGroups` groups are needed. `groupSize` forces fixed
    /// groups, as many as it takes (tests). Leaves are numbered for the
    /// whole ruleset.
    public static func buildGroups(_ ruleset: Ruleset, options: Options = Options(), firstSize: Int? = nil,
                                   groupSize: Int? = nil, maxGroups: Int = 8, minGroup: Int = 32) -> [DecisionTree]? {
        let rules = ruleset.rules
        var groups: [DecisionTree] = []
        var start = 0
        var size = groupSize ?? firstSize ?? rules.count
        var edges = 0
        while start < rules.count {
            size = min(size, rules.count - start)
            var sub = options
            sub.edgeBudget = options.edgeBudget - edges
            if let tree = build(Ruleset(rules: Array(rules[start..<start + size])), options: sub) {
                groups.append(tree.offsettingRules(by: start))
                edges += tree.edgeCount
                start += size
                if groupSize == nil, groups.count > maxGroups { return nil }
                if groupSize == nil { size = rules.count - start }
            } else {
                if groupSize != nil { return nil }
                size /= 2
                if size < minGroup { return nil }
            }
        }
        return groups
    }

    /// What a leaf records for a packet whose first match is rule `i`.
    static func leafValues(_ ruleset: Ruleset, mode: DecisionTree.LeafMode) -> [Int] {
        guard mode == .action else { return Array(ruleset.rules.indices) }
        var first: [Action: Int] = [:]
        return ruleset.rules.indices.map { i in
            let a = ruleset.rules[i].action.value
            if let j = first[a] { return j }
            first[a] = i
            return i
        }
    }
}

/// One construction, for one field order.
private struct Builder {
    struct Key: Hashable {
        var position: Int
        var alive: [Int32]
    }

    let order: [DecisionTree.Field]
    let space: RuleSpace
    let leaves: [Int]
    let budget: Int
    let workBudget: Int
    /// `coversRest[p][r]`: rule r holds for every value of fields order[p...].
    let coversRest: [[Bool]]

    var nodes: [DecisionTree.Node] = []
    var memo: [Key: DecisionTree.Target] = [:]
    var structural: [DecisionTree.Node: Int] = [:]
    var edges = 0
    var work = 0
    var overBudget = false

    init(order: [DecisionTree.Field], space: RuleSpace, leaves: [Int], budget: Int, workBudget: Int) {
        self.order = order
        self.space = space
        self.leaves = leaves
        self.budget = budget
        self.workBudget = workBudget
        var covers = [[Bool]](repeating: [Bool](repeating: true, count: space.ruleCount), count: order.count + 1)
        for p in stride(from: order.count - 1, through: 0, by: -1) {
            let full = space.full[order[p].rawValue]
            for r in 0..<space.ruleCount { covers[p][r] = covers[p + 1][r] && full[r] }
        }
        coversRest = covers
    }

    mutating func run(leafMode: DecisionTree.LeafMode) -> DecisionTree? {
        // Rules that match nothing (an empty field) never decide anything.
        let all = (0..<space.ruleCount).filter { r in
            !DecisionTree.Field.allCases.contains { space.sets[$0.rawValue][r].isEmpty }
        }.map { Int32($0) }
        let root = build(position: 0, alive: all)
        if overBudget { return nil }
        return DecisionTree(order: order, leafMode: leafMode, nodes: nodes, root: root, ruleCount: space.ruleCount)
    }

    mutating func build(position: Int, alive input: [Int32]) -> DecisionTree.Target {
        if overBudget { return .leaf(nil) }
        work += input.count + 1
        if work > workBudget { overBudget = true }
        var alive = input
        let covers = coversRest[position]
        if let k = alive.firstIndex(where: { covers[Int($0)] }) {
            if k == 0 { return .leaf(leaves[Int(alive[0])]) }
            alive.removeSubrange((k + 1)...)
            // Every survivor does the same, and the last one catches the rest.
            let leaf = leaves[Int(alive[0])]
            if alive.allSatisfy({ leaves[Int($0)] == leaf }) { return .leaf(leaf) }
        }
        if alive.isEmpty { return .leaf(nil) }
        let key = Key(position: position, alive: alive)
        if let done = memo[key] { return done }

        let field = order[position]
        let result: DecisionTree.Target
        if alive.allSatisfy({ space.full[field.rawValue][Int($0)] }) {
            result = build(position: position + 1, alive: alive)
        } else {
            var edgesOut: [DecisionTree.Edge] = []
            for piece in sweep(field: field, alive: alive) {
                let target = build(position: position + 1, alive: piece.alive)
                if let last = edgesOut.last, last.target == target {
                    edgesOut[edgesOut.count - 1].hi = piece.hi
                } else {
                    edgesOut.append(DecisionTree.Edge(lo: piece.lo, hi: piece.hi, target: target))
                }
            }
            if edgesOut.count == 1 {
                result = edgesOut[0].target
            } else {
                let node = DecisionTree.Node(field: field, edges: edgesOut)
                if let n = structural[node] {
                    result = .node(n)
                } else {
                    nodes.append(node)
                    structural[node] = nodes.count - 1
                    edges += edgesOut.count
                    if edges > budget { overBudget = true }
                    result = .node(nodes.count - 1)
                }
            }
        }
        memo[key] = result
        return result
    }

    struct Piece {
        var lo: UInt32
        var hi: UInt32
        var alive: [Int32]
    }

    /// Splits `field`'s values into maximal runs with the same surviving
    /// rules (in rule order), covering `0...maxValue`.
    func sweep(field: DecisionTree.Field, alive: [Int32]) -> [Piece] {
        let sets = space.sets[field.rawValue]
        let top = UInt64(field.maxValue)
        var points: [UInt64] = [0]
        for r in alive {
            for iv in sets[Int(r)] {
                points.append(UInt64(iv.lo))
                if UInt64(iv.hi) < top { points.append(UInt64(iv.hi) + 1) }
            }
        }
        points.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(points.count)
        for p in points where unique.last != p { unique.append(p) }

        var starts = [[Int32]](repeating: [], count: unique.count)
        var ends = [[Int32]](repeating: [], count: unique.count + 1)
        for r in alive {
            for iv in sets[Int(r)] {
                starts[lowerBound(unique, UInt64(iv.lo))].append(r)
                let end = UInt64(iv.hi) + 1
                ends[end > top ? unique.count : lowerBound(unique, end)].append(r)
            }
        }
        var active: [Int32] = []
        var pieces: [Piece] = []
        for k in 0..<unique.count {
            for r in ends[k] {
                let i = lowerBound(active, r)
                if i < active.count, active[i] == r { active.remove(at: i) }
            }
            for r in starts[k] {
                let i = lowerBound(active, r)
                if i >= active.count || active[i] != r { active.insert(r, at: i) }
            }
            let lo = UInt32(unique[k])
            let hi = k + 1 < unique.count ? UInt32(unique[k + 1] - 1) : field.maxValue
            if let last = pieces.last, last.alive == active {
                pieces[pieces.count - 1].hi = hi
            } else {
                pieces.append(Piece(lo: lo, hi: hi, alive: active))
            }
        }
        return pieces
    }

    /// The first index of the sorted `a` whose element is not below `v`.
    private func lowerBound<T: Comparable>(_ a: [T], _ v: T) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
