/// Turns a ruleset's text into a `Ruleset`.
///
/// The token stream is cut into rules at line ends and `;` first, and each
/// rule is parsed on its own: an error ends that rule only (it is left out of
/// the result) and parsing goes on with the next one, so one run reports
/// every error of the file.
public struct Parser {
    /// Parses `file`; the diagnostics are the lexer's and the parser's, in
    /// source order per rule.
    public static func parse(_ file: SourceFile) -> (Ruleset, [Diagnostic]) {
        let (tokens, lexerDiagnostics) = Lexer.tokenize(file)
        var diagnostics = lexerDiagnostics
        var rules: [Rule] = []
        var start = 0
        for i in tokens.indices where tokens[i].isRuleSeparator {
            defer { start = i + 1 }
            guard i > start else { continue }
            let slice = tokens[start..<i]
            // The lexer has already reported what is wrong with this rule.
            if slice.contains(where: { $0.kind == .invalid }) { continue }
            var parser = Parser(tokens: Array(slice), separator: tokens[i])
            if let rule = parser.parseRule() { rules.append(rule) }
            diagnostics += parser.diagnostics
        }
        return (Ruleset(rules: rules), diagnostics)
    }

    /// An error that ends the current rule.
    struct Failure: Error {
        var diagnostic: Diagnostic
    }

    /// The tokens of one rule, without its separator.
    let tokens: [Token]
    /// The token that ends the rule (line end, `;` or end of file).
    let separator: Token
    var index = 0
    /// Warnings and errors of this rule.
    var diagnostics: [Diagnostic] = []

    private init(tokens: [Token], separator: Token) {
        self.tokens = tokens
        self.separator = separator
    }

    // MARK: Cursor

    var atEnd: Bool { index >= tokens.count }

    /// The next token, or the separator at the end of the rule.
    var peek: Token { atEnd ? separator : tokens[index] }

    /// The next token if it is a word.
    var peekWord: String? { !atEnd && tokens[index].kind == .word ? tokens[index].text : nil }

    @discardableResult
    mutating func advance() -> Token {
        let token = peek
        if !atEnd { index += 1 }
        return token
    }

    /// Where "found end of line" points: just after the rule's last token.
    var endPoint: SourceRange { .point(tokens.last?.range.end ?? separator.range.start) }

    /// The range to point at for `peek`: the token, or the end of the rule.
    var peekRange: SourceRange { atEnd ? endPoint : tokens[index].range }

    func fail(_ diagnostic: Diagnostic) -> Failure { Failure(diagnostic: diagnostic) }

    // MARK: Rules

    /// `<matches> actions <action>`; nil (with an error recorded) if the rule is wrong.
    mutating func parseRule() -> Rule? {
        do {
            var matches = try parseMatches()
            let action = try parseAction()
            try expectEndOfRule(after: action)
            let range = tokens[0].range.union(action.range)
            let errors = validate(&matches, action: action)
            diagnostics += errors
            guard errors.isEmpty else { return nil }
            return Rule(family: matches.family, saddr: matches.saddr, daddr: matches.daddr,
                        proto: matches.proto, sport: matches.sport, dport: matches.dport,
                        action: action, range: range)
        } catch {
            diagnostics.append(error.diagnostic)
            return nil
        }
    }
}
