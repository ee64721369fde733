/// The lints of a parsed ruleset: duplicate rules, shadowed rules, and TCP
/// funneled in sfunnel's own format (which GSO cannot carry).
///
/// A rule is shadowed when the rules before it together match every packet
/// it matches, so first-match evaluation never reaches it. The test is exact
/// (negations, sets and ranges included): the rule's `PacketBox` minus each
/// overlapping earlier box in turn; shadowed when nothing is left. The work
/// per rule is bounded (`boxBudget`); past it the rule gets no warning.
public enum Checker {
    /// Work units (a piece of a rule's box checked against one earlier rule) the
    /// exact shadow test may spend on one rule before it gives up on it.
    public static let boxBudget = 20_000

    public static func check(_ ruleset: Ruleset) -> [Diagnostic] {
        check(ruleset, shadowing: true)
    }

    /// `shadowing: false` runs only the lints that stay meaningful when some
    /// rules were left out for errors (duplicates).
    public static func check(_ ruleset: Ruleset, shadowing: Bool) -> [Diagnostic] {
        let rules = ruleset.rules
        var diagnostics: [Diagnostic] = []
        var firstWithKey: [RuleKey: Int] = [:]
        var isDuplicate = [Bool](repeating: false, count: rules.count)
        for (i, rule) in rules.enumerated() {
            let key = RuleKey(rule)
            if let first = firstWithKey[key] {
                isDuplicate[i] = true
                diagnostics.append(.duplicateRule(at: rule.range, first: rules[first].range))
            } else {
                firstWithKey[key] = i
            }
        }
        for rule in rules {
            if case .funnel(let f) = rule.action.value, !f.encapIP, rule.proto?.value == .tcp {
                diagnostics.append(.tcpFunnelWithoutEncap(f, at: rule.action.range))
            }
        }
        if shadowing {
            for (i, shadowers) in ShadowAnalysis(rules).shadowedRules() where !isDuplicate[i] {
                diagnostics.append(.shadowedRule(at: rules[i].range, by: shadowers.map { rules[$0].range }))
            }
        }
        return diagnostics.sorted { $0.range.start < $1.range.start }
    }
}
