/// An ordered decision diagram over the match fields of IPv4 packets: each
/// node tests one field and partitions its values into intervals; each
/// interval leads to another node (of a field later in `order`) or to a leaf.
/// Nodes are shared (hash-consed), so it is a DAG; a packet meets at most one
/// node per field on its way from the root.
///
/// A leaf names the rule whose action the packet gets (nil: no rule
/// matches). With `LeafMode.rule` that is exactly the first matching rule;
/// with `LeafMode.action` it is the first rule that has the same action as
/// the first matching rule, so that subtrees differing only in which rule
/// decides, not in what happens, are shared.
public struct DecisionTree: Sendable, Equatable {
    /// A match field, with the values it can take.
    public enum Field: Int, Sendable, Hashable, CaseIterable {
        case proto, dport, sport, daddr, saddr

        public var name: String {
            switch self {
            case .proto: return "proto"
            case .dport: return "dport"
            case .sport: return "sport"
            case .daddr: return "daddr"
            case .saddr: return "saddr"
            }
        }

        public var maxValue: UInt32 {
            switch self {
            case .proto: return 255
            case .dport, .sport: return 65535
            case .daddr, .saddr: return UInt32.max
            }
        }

        /// The field's value as the datapath's classifier sees it (ports are
        /// 0 for protocols without ports).
        public func value(in p: PacketDescription) -> UInt32 {
            switch self {
            case .proto: return UInt32(p.proto)
            case .dport: return UInt32(p.dport)
            case .sport: return UInt32(p.sport)
            case .daddr: return p.daddr
            case .saddr: return p.saddr
            }
        }
    }

    public enum LeafMode: String, Sendable, Hashable {
        case rule
        case action
    }

    /// Where an edge leads.
    public enum Target: Sendable, Hashable {
        /// Index into `nodes`.
        case node(Int)
        /// The rule whose action applies; nil when no rule matches.
        case leaf(Int?)
    }

    /// Values `lo...hi` of the node's field lead to `target`.
    public struct Edge: Sendable, Hashable {
        public var lo: UInt32
        public var hi: UInt32
        public var target: Target
    }

    /// A test of one field: edges sorted, disjoint, covering `0...maxValue`,
    /// adjacent edges leading to different targets.
    public struct Node: Sendable, Hashable {
        public var field: Field
        public var edges: [Edge]
    }

    /// The order in which fields are tested along every path.
    public var order: [Field]
    public var leafMode: LeafMode
    /// Children come before their parents.
    public var nodes: [Node]
    public var root: Target
    /// How many rules the tree was built from.
    public var ruleCount: Int

    public var edgeCount: Int { nodes.reduce(0) { $0 + $1.edges.count } }

    /// The same tree with every leaf's rule index moved by `offset`: a tree
    /// built from rules `offset...` of a ruleset, renumbered for the whole.
    public func offsettingRules(by offset: Int) -> DecisionTree {
        var t = self
        for n in t.nodes.indices {
            for e in t.nodes[n].edges.indices {
                if case .leaf(let r?) = t.nodes[n].edges[e].target { t.nodes[n].edges[e].target = .leaf(r + offset) }
            }
        }
        if case .leaf(let r?) = t.root { t.root = .leaf(r + offset) }
        return t
    }

    /// The rule whose action `packet` gets (see `LeafMode`), nil for none.
    public func evaluate(_ packet: PacketDescription) -> Int? {
        var target = root
        while case .node(let n) = target {
            let node = nodes[n]
            let v = node.field.value(in: packet)
            // Binary search: the last edge whose lo <= v.
            var lo = 0
            var hi = node.edges.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if node.edges[mid].lo <= v { lo = mid } else { hi = mid - 1 }
            }
            target = node.edges[lo].target
        }
        guard case .leaf(let rule) = target else { return nil }
        return rule
    }

    /// Nodes reachable from the root, each once, parents before children
    /// (depth first, edges in order): the order printers and emitters use.
    public var reachableNodes: [Int] {
        var seen = Set<Int>()
        var out: [Int] = []
        var stack: [Int] = []
        if case .node(let r) = root { stack.append(r) }
        // Iterative preorder, children pushed in reverse so they pop in order.
        while let n = stack.popLast() {
            guard seen.insert(n).inserted else { continue }
            out.append(n)
            for edge in nodes[n].edges.reversed() {
                if case .node(let c) = edge.target, !seen.contains(c) { stack.append(c) }
            }
        }
        return out
    }
}
