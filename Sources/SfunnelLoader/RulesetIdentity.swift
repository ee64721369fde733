/// Which ruleset a program runs, as sfunnelc writes it into the program's
/// BTF: a type named `sfunnel_ruleset_<sha-256 of the ruleset bytes>_<rules>_<form>`
/// (see CEmitter; objects from before the form was added end at `<rules>`).
/// Read back from the kernel, it needs no BPF map.
public struct RulesetIdentity: Sendable, Equatable {
    public static let typePrefix = "sfunnel_ruleset_"

    /// SHA-256 of the ruleset file's bytes, lowercase hex.
    public var digest: String
    public var ruleCount: Int
    /// The matcher's form: `tree`, `tables` or `chain`; nil if not recorded.
    public var form: String?

    public init(digest: String, ruleCount: Int, form: String? = nil) {
        self.digest = digest
        self.ruleCount = ruleCount
        self.form = form
    }

    /// Parses the BTF type name; nil if it is not one of ours.
    public init?(typeName: String) {
        guard typeName.hasPrefix(RulesetIdentity.typePrefix) else { return nil }
        let parts = typeName.dropFirst(RulesetIdentity.typePrefix.count).split(separator: "_")
        guard parts.count == 2 || parts.count == 3, parts[0].count == 64,
              parts[0].allSatisfy({ $0.isHexDigit }), let n = Int(parts[1]) else { return nil }
        digest = String(parts[0])
        ruleCount = n
        form = parts.count == 3 ? String(parts[2]) : nil
    }
}
