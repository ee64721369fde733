/// One lexical unit of a ruleset.
///
/// Keywords, numbers, addresses, prefixes and port ranges are all `word`s:
/// the lexer does not decide what a word means, the parser does, so that
/// `10.0.0.0/8`, `2001:db8::/32` and `1000-2000` each stay one token with
/// one source range for diagnostics.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A run of letters, digits and `.` `:` `/` `-` `_`.
        case word
        /// `!` (the parser joins `!` `=` into "not equal", so `! =` works).
        case bang
        /// `=`
        case equals
        case leftBrace
        case rightBrace
        case comma
        /// `;`, separates rules on one line.
        case semicolon
        /// End of a line, separates rules.
        case newline
        /// Characters the language has no use for; the lexer has already
        /// reported them, the parser only skips the rule.
        case invalid
        case endOfFile
    }

    public var kind: Kind
    /// The source text of the token (empty for `newline` and `endOfFile`).
    public var text: String
    public var range: SourceRange

    public init(_ kind: Kind, _ text: String, at range: SourceRange) {
        self.kind = kind
        self.text = text
        self.range = range
    }

    /// Whether the token ends a rule.
    public var isRuleSeparator: Bool {
        switch kind {
        case .semicolon, .newline, .endOfFile: return true
        default: return false
        }
    }
}
