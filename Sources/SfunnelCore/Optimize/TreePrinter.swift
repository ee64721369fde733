/// Renders a `DecisionTree` for people: `text` for `--emit tree`, `dot` for
/// `--emit dot` (Graphviz). Deterministic: nodes are numbered in the order
/// a depth-first walk from the root meets them.
public struct TreePrinter {
    public let tree: DecisionTree
    public let ruleset: Ruleset
    public let source: SourceFile

    public init(tree: DecisionTree, ruleset: Ruleset, source: SourceFile) {
        self.tree = tree
        self.ruleset = ruleset
        self.source = source
    }

    /// Display numbers: n0 is the root.
    private var numbering: (order: [Int], number: [Int: Int]) {
        let order = tree.reachableNodes
        var number: [Int: Int] = [:]
        for (i, n) in order.enumerated() { number[n] = i }
        return (order, number)
    }

    public func text() -> String {
        let (order, number) = numbering
        let edges = order.reduce(0) { $0 + tree.nodes[$1].edges.count }
        var out = "# decision tree: \(tree.ruleCount) rule\(tree.ruleCount == 1 ? "" : "s"), "
        out += "\(order.count) node\(order.count == 1 ? "" : "s"), \(edges) edge\(edges == 1 ? "" : "s")\n"
        out += "# field order: \(tree.order.map(\.name).joined(separator: " ")); leaves: "
        out += tree.leafMode == .action ? "first rule with the action that applies\n" : "first matching rule\n"
        if order.isEmpty {
            out += "every packet -> \(describe(tree.root, number))\n"
            return out
        }
        for n in order {
            let node = tree.nodes[n]
            out += "n\(number[n]!): \(node.field.name)\n"
            for edge in node.edges {
                out += "  \(values(edge.lo, edge.hi, node.field)) -> \(describe(edge.target, number))\n"
            }
        }
        return out
    }

    public func dot() -> String {
        let (order, number) = numbering
        var out = "digraph sfunnel {\n"
        out += "\trankdir=LR;\n"
        out += "\tnode [fontname=\"monospace\"];\n"
        var leaves: [Int?] = []
        func leafName(_ rule: Int?) -> String {
            if !leaves.contains(rule) { leaves.append(rule) }
            return rule.map { "r\($0 + 1)" } ?? "none"
        }
        if order.isEmpty {
            if case .leaf(let r) = tree.root { _ = leafName(r) }
        }
        for n in order {
            out += "\tn\(number[n]!) [shape=ellipse, label=\"\(tree.nodes[n].field.name)\"];\n"
        }
        var lines: [String] = []
        for n in order {
            let node = tree.nodes[n]
            for edge in node.edges {
                let to: String
                switch edge.target {
                case .node(let c): to = "n\(number[c]!)"
                case .leaf(let r): to = leafName(r)
                }
                lines.append("\tn\(number[n]!) -> \(to) [label=\"\(values(edge.lo, edge.hi, node.field))\"];\n")
            }
        }
        for r in leaves {
            out += "\t\(r.map { "r\($0 + 1)" } ?? "none") [shape=box, label=\"\(dotSafe(leafLabel(r)))\"];\n"
        }
        out += lines.joined()
        out += "}\n"
        return out
    }

    private func describe(_ target: DecisionTree.Target, _ number: [Int: Int]) -> String {
        switch target {
        case .node(let n): return "n\(number[n]!)"
        case .leaf(let r): return leafLabel(r)
        }
    }

    /// With `.rule` leaves, the rule and its line; with `.action` leaves
    /// only the action (several rules may lead there).
    private func leafLabel(_ rule: Int?) -> String {
        guard let rule else { return "no match" }
        let action = CEmitter.describe(ruleset.rules[rule].action.value)
        guard tree.leafMode == .rule else { return action }
        let line = source.location(of: ruleset.rules[rule].range.start).line
        return "rule \(rule + 1) (line \(line)): \(action)"
    }

    private func dotSafe(_ s: String) -> String {
        s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
    }

    /// `lo-hi` in the field's notation; addresses as a prefix when the
    /// interval is exactly one.
    func values(_ lo: UInt32, _ hi: UInt32, _ field: DecisionTree.Field) -> String {
        switch field {
        case .daddr, .saddr:
            let size = UInt64(hi) - UInt64(lo) + 1
            if size & (size - 1) == 0, UInt64(lo) % size == 0 {
                let length = UInt8(32 - (size.trailingZeroBitCount))
                return IPv4Prefix(address: lo, length: length).description
            }
            return IPv4Prefix(address: lo, length: 32).description + "-" + IPv4Prefix(address: hi, length: 32).description
        case .proto:
            func name(_ v: UInt32) -> String { v == 6 ? "6 (tcp)" : v == 17 ? "17 (udp)" : "\(v)" }
            return lo == hi ? name(lo) : "\(lo)-\(hi)"
        case .sport, .dport:
            return lo == hi ? "\(lo)" : "\(lo)-\(hi)"
        }
    }
}
