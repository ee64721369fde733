extension Action {
    /// The keyword that starts the action in rules: `funnel`, `unfunnel`, `accept`, `drop`.
    public var keyword: String {
        switch self {
        case .funnel: return "funnel"
        case .unfunnel: return "unfunnel"
        case .accept: return "accept"
        case .drop: return "drop"
        }
    }
}
