/// Splits a ruleset's text into tokens.
///
/// Comments (`#` to the end of the line) and blank space (spaces, tabs, and the
/// `\r` of CRLF line ends) are dropped; every line end becomes a `newline`
/// token, because a line end separates rules. The token list always ends with
/// `endOfFile`.
public enum Lexer {
    public static func tokenize(_ file: SourceFile) -> ([Token], [Diagnostic]) {
        let bytes = file.bytes
        var tokens: [Token] = []
        var diagnostics: [Diagnostic] = []
        var i = 0

        func emit(_ kind: Token.Kind, from start: Int, to end: Int) {
            let range = SourceRange(start: start, end: end)
            tokens.append(Token(kind, file.text(of: range), at: range))
        }

        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                i += 1
            case UInt8(ascii: "\n"):
                tokens.append(Token(.newline, "", at: SourceRange(start: i, end: i + 1)))
                i += 1
            case UInt8(ascii: "#"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "!"):
                emit(.bang, from: i, to: i + 1); i += 1
            case UInt8(ascii: "="):
                emit(.equals, from: i, to: i + 1); i += 1
            case UInt8(ascii: "{"):
                emit(.leftBrace, from: i, to: i + 1); i += 1
            case UInt8(ascii: "}"):
                emit(.rightBrace, from: i, to: i + 1); i += 1
            case UInt8(ascii: ","):
                emit(.comma, from: i, to: i + 1); i += 1
            case UInt8(ascii: ";"):
                emit(.semicolon, from: i, to: i + 1); i += 1
            default:
                let start = i
                if isWordByte(b) {
                    while i < bytes.count, isWordByte(bytes[i]) { i += 1 }
                    emit(.word, from: start, to: i)
                } else {
                    // A run of unexpected characters is one mistake: report it once.
                    while i < bytes.count, isUnexpected(bytes[i]) { i += 1 }
                    emit(.invalid, from: start, to: i)
                    let range = SourceRange(start: start, end: i)
                    diagnostics.append(.unexpectedCharacter(file.text(of: range), at: range))
                }
            }
        }
        tokens.append(Token(.endOfFile, "", at: .point(bytes.count)))
        return (tokens, diagnostics)
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// Bytes that neither start a token nor are blank space.
    static func isUnexpected(_ b: UInt8) -> Bool {
        if isWordByte(b) { return false }
        switch b {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x0B, 0x0C,
             UInt8(ascii: "#"), UInt8(ascii: "!"), UInt8(ascii: "="), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: ","), UInt8(ascii: ";"):
            return false
        default:
            return true
        }
    }
}
