/// The form a ruleset's matcher gets, chosen by `CEmitter.plan`.
public enum Plan: Sendable, Equatable {
    case tree(DecisionTree)
    /// The chain; `reason` says why when a tree was asked for.
    case linear(reason: String?)

    /// One line for headers and `--emit tree`.
    public var summary: String {
        switch self {
        case .tree(let t):
            let reachable = t.reachableNodes
            let edges = reachable.reduce(0) { $0 + t.nodes[$1].edges.count }
            return "decision tree (fields \(t.order.map(\.name).joined(separator: " ")), \(reachable.count) nodes, \(edges) edges)"
        case .linear(let reason?):
            return "linear chain: \(reason)"
        case .linear(nil):
            return "linear chain"
        }
    }
}
