/// The form a ruleset's matcher gets, chosen by `CEmitter.plan`.
public enum Plan: Sendable, Equatable {
    /// The decision tree as code (`TreeEmitter`).
    case tree(DecisionTree)
    /// The decision tree as constant tables in `.rodata` (`TableEmitter`).
    case table(DecisionTree, TableEmitter.Options)
    /// Several trees, for consecutive groups of rules, as tables: the first
    /// group with a match decides (`TreeBuilder.buildGroups`).
    case tableGroups([DecisionTree], TableEmitter.Options)
    /// The chain; `reason` says why when a tree was asked for.
    case linear(reason: String?)

    /// The tree, for either tree form.
    public var tree: DecisionTree? {
        switch self {
        case .tree(let t), .table(let t, _): return t
        case .tableGroups, .linear: return nil
        }
    }

    /// One word for the form, as `sfunnelc status` shows it (from the
    /// program's BTF, see `CEmitter.rulesetTypeName`): `tree` (decision tree
    /// as code), `tables` (decision tree as constant tables) or `chain`.
    public var formName: String {
        switch self {
        case .tree: return "tree"
        case .table, .tableGroups: return "tables"
        case .linear: return "chain"
        }
    }

    /// One line for headers and `--emit tree`.
    public var summary: String {
        switch self {
        case .tree(let t):
            return "decision tree as code (\(Plan.shape(t)))"
        case .table(let t, let options):
            return "decision tree as tables in .rodata\(Plan.codePart([t], options)) (\(Plan.shape(t)))"
        case .tableGroups(let trees, let options):
            let rules = trees.map { String($0.ruleCount) }.joined(separator: " + ")
            let edges = trees.reduce(0) { $0 + $1.edgeCount }
            return "\(trees.count) decision trees as tables in .rodata\(Plan.codePart(trees, options)), "
                + "for groups of \(rules) rules tried in order (\(edges) edges)"
        case .linear(let reason?):
            return "linear chain: \(reason)"
        case .linear(nil):
            return "linear chain"
        }
    }

    /// " after code for proto dport" when the leading fields are code
    /// (`TableEmitter.codePositions`; groups whose trees differ in it: "after
    /// code for their leading fields").
    private static func codePart(_ trees: [DecisionTree], _ options: TableEmitter.Options) -> String {
        let prefixes = Set(trees.map { t in
            t.order.prefix(TableEmitter.codePositions(t, codeEdges: options.codeEdges)).map(\.name).joined(separator: " ")
        })
        guard let only = prefixes.first, prefixes.count == 1 else { return " after code for their leading fields" }
        return only.isEmpty ? "" : " after code for \(only)"
    }

    private static func shape(_ t: DecisionTree) -> String {
        let reachable = t.reachableNodes
        let edges = reachable.reduce(0) { $0 + t.nodes[$1].edges.count }
        return "fields \(t.order.map(\.name).joined(separator: " ")), \(reachable.count) nodes, \(edges) edges"
    }
}

/// Which form a decision tree takes (`CEmitter.plan`).
public enum TreeForm: String, Sendable, CaseIterable {
    /// Code up to `TreeEmitter.maxCodeEdges` edges, tables above.
    case auto
    /// Always code (up to `TreeBuilder.defaultEdgeBudget` edges).
    case code
    /// Always tables (up to `TableEmitter.edgeBudget` edges); for tests.
    case table
}
