/// The front end in one call: parse, then lint.
public enum Frontend {
    /// Parses and checks `file`. The shadowed-rule lint runs only when there
    /// are no errors (rules with errors are left out of the ruleset, which
    /// would make it wrong). Diagnostics are sorted by position.
    public static func load(_ file: SourceFile) -> (ruleset: Ruleset, diagnostics: [Diagnostic]) {
        let (ruleset, parseDiagnostics) = Parser.parse(file)
        let lints = Checker.check(ruleset, shadowing: !parseDiagnostics.hasErrors)
        let all = (parseDiagnostics + lints).enumerated().sorted {
            ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset)
        }.map(\.element)
        return (ruleset, all)
    }
}
