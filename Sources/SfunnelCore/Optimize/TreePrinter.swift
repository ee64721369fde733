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
        Self.digraph(body(prefix: "", indent: "\t", noMatch: nil))
    }

    /// The trees of groups of consecutive rules (`TreeBuilder.buildGroups`)
    /// as one graph: a cluster per group, in the order they are asked, each
    /// group's "no match" leading to the next group's root.
    public static func groupsDot(_ trees: [DecisionTree], ruleset: Ruleset, source: SourceFile) -> String {
        func entry(_ k: Int) -> String { "g\(k)_" + (trees[k].reachableNodes.isEmpty ? "root" : "n0") }
        var out = ""
        for (k, tree) in trees.enumerated() {
            let printer = TreePrinter(tree: tree, ruleset: ruleset, source: source)
            let next = k + 1 < trees.count ? entry(k + 1) : nil
            out += "\tsubgraph cluster_g\(k) {\n"
            out += "\t\tlabel=\"group \(k)\";\n"
            if tree.reachableNodes.isEmpty, case .leaf(let r) = tree.root {
                // A group that tests nothing: one box for its answer.
                if r == nil, let next {
                    out += "\t\tg\(k)_root [shape=point];\n\t\tg\(k)_root -> \(next);\n"
                } else {
                    out += "\t\tg\(k)_root [shape=box, label=\"\(dotSafe(printer.leafLabel(r)))\"];\n"
                }
            } else {
                out += printer.body(prefix: "g\(k)_", indent: "\t\t", noMatch: next)
            }
            out += "\t}\n"
        }
        return digraph(out)
    }

    private static func digraph(_ body: String) -> String {
        "digraph sfunnel {\n\trankdir=LR;\n\tnode [fontname=\"monospace\"];\n" + body + "}\n"
    }

    /// Nodes, leaves and edges, named with `prefix`. With `noMatch`, the
    /// "no match" leaf is not drawn: its edges go to that node instead.
    private func body(prefix: String, indent: String, noMatch: String?) -> String {
        let (order, number) = numbering
        var out = ""
        var leaves: [Int?] = []
        func leafName(_ rule: Int?) -> String {
            if rule == nil, let noMatch { return noMatch }
            if !leaves.contains(rule) { leaves.append(rule) }
            return prefix + (rule.map { "r\($0 + 1)" } ?? "none")
        }
        if order.isEmpty {
            if case .leaf(let r) = tree.root { _ = leafName(r) }
        }
        for n in order {
            out += "\(indent)\(prefix)n\(number[n]!) [shape=ellipse, label=\"\(tree.nodes[n].field.name)\"];\n"
        }
        var lines: [String] = []
        for n in order {
            let node = tree.nodes[n]
            for edge in node.edges {
                let to: String
                switch edge.target {
                case .node(let c): to = "\(prefix)n\(number[c]!)"
                case .leaf(let r): to = leafName(r)
                }
                lines.append("\(indent)\(prefix)n\(number[n]!) -> \(to) [label=\"\(values(edge.lo, edge.hi, node.field))\"];\n")
            }
        }
        for r in leaves {
            out += "\(indent)\(prefix)\(r.map { "r\($0 + 1)" } ?? "none") [shape=box, label=\"\(Self.dotSafe(leafLabel(r)))\"];\n"
        }
        return out + lines.joined()
    }

    private func describe(_ target: DecisionTree.Target, _ number: [Int: Int]) -> String {
        switch target {
        case .node(let n): return "n\(number[n]!)"
        case .leaf(let r): return leafLabel(r)
        }
    }

    /// With `.rule` leaves, the rule and its line; with `.action` leaves
    /// only the action (several rules may lead there).
    fileprivate func leafLabel(_ rule: Int?) -> String {
        guard let rule else { return "no match" }
        let action = CEmitter.describe(ruleset.rules[rule].action.value)
        guard tree.leafMode == .rule else { return action }
        let line = source.location(of: ruleset.rules[rule].range.start).line
        return "rule \(rule + 1) (line \(line)): \(action)"
    }

    fileprivate static func dotSafe(_ s: String) -> String {
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
