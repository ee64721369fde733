/// A parsed ruleset: the rules in file order (first match wins).
public struct Ruleset: Sendable, Equatable {
    public var rules: [Rule]
    public init(rules: [Rule]) { self.rules = rules }
}
