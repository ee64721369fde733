/// What the datapath template can run today. The language (rules.md) is
/// ahead of it: IPv6 rules parse and check, but compiling them is refused
/// with a precise error rather than producing a program that would quietly
/// ignore them.
public enum DatapathSupport {
    public static func check(_ ruleset: Ruleset) -> [Diagnostic] {
        ruleset.rules.filter { $0.effectiveFamily == .ip6 }.map { .notYetSupported("IPv6 rules", at: $0.range) }
    }
}
