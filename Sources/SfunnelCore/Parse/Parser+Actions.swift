extension Parser {
    /// The one action after `actions`.
    mutating func parseAction() throws(Failure) -> Located<Action> {
        let token = peek
        guard let word = peekWord else { throw fail(.missingAction(found: token, at: peekRange)) }
        switch word {
        case "accept":
            advance()
            return Located(.accept, at: token.range)
        case "drop":
            advance()
            return Located(.drop, at: token.range)
        case "funnel":
            return try parseFunnel()
        case "unfunnel":
            return try parseUnfunnel()
        case "dnat":
            throw fail(.unsupportedAction(word, at: token.range))
        default:
            if Parser.looksLikeValue(word) { throw fail(.missingAction(found: token, at: token.range)) }
            let position = Diagnostic.KeywordPosition.action
            throw fail(.unknownKeyword(word, expected: position,
                                       suggestion: Spelling.suggestion(for: word, among: position.keywords),
                                       at: token.range))
        }
    }

    /// Nothing may follow the action but the end of the rule.
    func expectEndOfRule(after action: Located<Action>) throws(Failure) {
        guard !atEnd else { return }
        let token = peek
        if token.kind == .word, Parser.actionKeywords.contains(token.text) {
            throw fail(.multipleActions(token.text, first: action.value.keyword, at: token.range,
                                        firstRange: action.range))
        }
        throw fail(.unexpectedToken(token, expected: "the end of the rule after the action", at: token.range))
    }

    /// `funnel tcp|udp sport S dport D [encap ip]`, `sport`/`dport` in either order.
    mutating func parseFunnel() throws(Failure) -> Located<Action> {
        let keyword = advance()
        guard let protoWord = peekWord else {
            throw fail(.expectedValue("'tcp' or 'udp'", after: "funnel", found: Diagnostic.describe(peek), at: peekRange))
        }
        guard let proto = L4Protocol(rawValue: protoWord) else {
            let position = Diagnostic.KeywordPosition.funnelProtocol
            throw fail(.unknownKeyword(protoWord, expected: position,
                                       suggestion: Spelling.suggestion(for: protoWord, among: position.keywords),
                                       at: peek.range))
        }
        var end = advance().range
        var ports: [String: (port: UInt16, range: SourceRange)] = [:]
        var encap: SourceRange?
        fields: while let word = peekWord {
            let field = peek
            switch word {
            case "sport", "dport":
                advance()
                guard let text = peekWord else {
                    throw fail(.expectedValue("a port number (0-65535)", after: word,
                                              found: Diagnostic.describe(peek), at: peekRange))
                }
                let value = advance()
                guard let port = Parser.portNumber(Substring(text)) else {
                    throw fail(.invalidPort(text, after: word, rangesAllowed: false, at: value.range))
                }
                let range = field.range.union(value.range)
                if let first = ports[word] { throw fail(.funnelDuplicatePort(word, at: range, first: first.range)) }
                if port == 0 { diagnostics.append(.portZeroFunnel(word, at: range)) }
                ports[word] = (port, range)
                end = value.range
            case "encap":
                advance()
                guard let inner = peekWord else {
                    throw fail(.expectedValue("'ip'", after: "encap", found: Diagnostic.describe(peek), at: peekRange))
                }
                guard inner == "ip" else {
                    let position = Diagnostic.KeywordPosition.encapInner
                    throw fail(.unknownKeyword(inner, expected: position,
                                               suggestion: Spelling.suggestion(for: inner, among: position.keywords),
                                               at: peek.range))
                }
                end = advance().range
                encap = field.range.union(end)
            case let word where Parser.actionKeywords.contains(word) || Parser.looksLikeValue(word):
                break fields
            default:
                let position = Diagnostic.KeywordPosition.funnelField
                throw fail(.unknownKeyword(word, expected: position,
                                           suggestion: Spelling.suggestion(for: word, among: position.keywords),
                                           at: field.range))
            }
        }
        let range = keyword.range.union(end)
        for field in ["sport", "dport"] where ports[field] == nil {
            throw fail(.funnelMissingPort(field, proto: proto.rawValue, at: range))
        }
        if let encap, proto != .udp { throw fail(.encapNeedsUDP(at: encap)) }
        let funnel = Funnel(proto: proto, sport: ports["sport"]!.port, dport: ports["dport"]!.port,
                            encapIP: encap != nil)
        return Located(.funnel(funnel), at: range)
    }

    /// `unfunnel tcp|udp|ip`.
    mutating func parseUnfunnel() throws(Failure) -> Located<Action> {
        let keyword = advance()
        guard let word = peekWord else {
            throw fail(.expectedValue("'tcp', 'udp' or 'ip'", after: "unfunnel", found: Diagnostic.describe(peek),
                                      at: peekRange))
        }
        guard let inner = UnfunnelInner(rawValue: word) else {
            let position = Diagnostic.KeywordPosition.unfunnelInner
            throw fail(.unknownKeyword(word, expected: position,
                                       suggestion: Spelling.suggestion(for: word, among: position.keywords),
                                       at: peek.range))
        }
        let value = advance()
        return Located(.unfunnel(inner), at: keyword.range.union(value.range))
    }
}
