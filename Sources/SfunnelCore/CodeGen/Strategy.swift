/// How `sf_classify` is built (`sfunnelc compile --strategy`).
public enum Strategy: String, Sendable, CaseIterable {
    /// A decision tree (`TreeBuilder`); the linear chain when no tree fits
    /// the size budget.
    case tree
    /// The first-match chain: the baseline, and a second oracle.
    case linear
}
