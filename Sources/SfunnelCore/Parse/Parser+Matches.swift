/// The matches of a rule, as written, before the checks that need all of them.
struct ParsedMatches {
    var familyKeyword: Located<IPFamily>?
    var proto: Located<L4Protocol>?
    var saddr: AddressMatch?
    var daddr: AddressMatch?
    var sport: PortMatch?
    var dport: PortMatch?
    /// Each field's match as written, also `sport 0`, which is left out of the AST.
    var fieldRanges: [String: SourceRange] = [:]
    /// Set by `validate`: the rule's IP family.
    var family: IPFamily = .ip
}

extension Parser {
    static let actionKeywords: Set<String> = ["accept", "drop", "funnel", "unfunnel", "dnat"]

    /// Whether a word reads as a value (number, address, range) rather than a keyword.
    static func looksLikeValue(_ word: String) -> Bool {
        guard let first = word.utf8.first else { return false }
        return (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || word.contains(":")
    }

    /// Matches up to and including `actions`, in any order.
    mutating func parseMatches() throws(Failure) -> ParsedMatches {
        var m = ParsedMatches()
        while true {
            let token = peek
            guard token.kind == .word, !atEnd else {
                if atEnd { throw fail(.missingActions(found: token, at: endPoint)) }
                throw fail(.unexpectedToken(token, expected: "a match or 'actions'", at: token.range))
            }
            switch token.text {
            case "actions":
                advance()
                return m
            case "ip", "ip6":
                advance()
                let family = IPFamily(rawValue: token.text)!
                if let first = m.familyKeyword, first.value != family {
                    throw fail(.conflictingFamilies("keyword '\(token.text)'", isIPv6: family == .ip6,
                                                    because: "'\(first.value.rawValue)'",
                                                    at: token.range, causeRange: first.range))
                }
                if m.familyKeyword == nil { m.familyKeyword = Located(family, at: token.range) }
            case "tcp", "udp":
                advance()
                let proto = L4Protocol(rawValue: token.text)!
                if let first = m.proto, first.value != proto {
                    throw fail(.conflictingProtocols(token.text, first: first.value.rawValue,
                                                     at: token.range, firstRange: first.range))
                }
                // `udp dport 1 udp sport 2` (nft) names the protocol again: fine.
                if m.proto == nil { m.proto = Located(proto, at: token.range) }
            case "saddr", "daddr":
                try parseAddressMatch(&m)
            case "sport", "dport":
                try parsePortMatch(&m)
            case let word where Parser.actionKeywords.contains(word):
                throw fail(.missingActions(before: token, at: token.range))
            case let word where Parser.looksLikeValue(word):
                throw fail(.unexpectedToken(token, expected: "a match or 'actions'", at: token.range))
            case let word:
                let position = Diagnostic.KeywordPosition.match
                throw fail(.unknownKeyword(word, expected: position,
                                           suggestion: Spelling.suggestion(for: word, among: position.keywords),
                                           at: token.range))
            }
        }
    }

    /// `saddr [!=] A` or `saddr [!=] { A, B }`.
    mutating func parseAddressMatch(_ m: inout ParsedMatches) throws(Failure) {
        let keyword = advance()
        let what = "an address or prefix (like 10.0.0.0/8)"
        let negated = try parseNegation(after: keyword, what: what)
        let (values, isSet, end) = try parseValueTokens(after: keyword, what: what)
        var elements: [Located<IPPrefix>] = []
        for token in values {
            switch AddressLiteral.parse(token.text) {
            case .failure(let problem):
                throw fail(.invalidAddress(token.text, after: keyword.text, problem: problem, at: token.range))
            case .success(let parsed):
                if parsed.hadHostBits {
                    diagnostics.append(.maskedHostBits(token.text, masked: parsed.prefix, at: token.range))
                }
                elements.append(Located(parsed.prefix, at: token.range))
            }
        }
        let range = keyword.range.union(end)
        try noteField(keyword.text, at: range, in: &m)
        let match = AddressMatch(negated: negated, elements: elements, isSet: isSet, range: range)
        if keyword.text == "saddr" { m.saddr = match } else { m.daddr = match }
    }

    /// `sport [!=] P`, `sport [!=] P-Q` or `sport [!=] { P, Q-R }`.
    mutating func parsePortMatch(_ m: inout ParsedMatches) throws(Failure) {
        let keyword = advance()
        let what = "a port number (0-65535), range or set"
        let negated = try parseNegation(after: keyword, what: what)
        let (values, isSet, end) = try parseValueTokens(after: keyword, what: what)
        var elements: [Located<PortRange>] = []
        for token in values {
            elements.append(Located(try portRange(token, after: keyword.text), at: token.range))
        }
        let range = keyword.range.union(end)
        try noteField(keyword.text, at: range, in: &m)
        // sfunnel reads a single port 0 as "any port"; 0 in a range or set is port 0.
        if !isSet, elements.count == 1, elements[0].value == PortRange(0), !values[0].text.contains("-") {
            diagnostics.append(.portZeroMatch(keyword.text, negated: negated, at: range))
            return
        }
        let match = PortMatch(negated: negated, elements: elements, isSet: isSet, range: range)
        if keyword.text == "sport" { m.sport = match } else { m.dport = match }
    }

    /// Records a field's match, rejecting a second one.
    func noteField(_ field: String, at range: SourceRange, in m: inout ParsedMatches) throws(Failure) {
        if let first = m.fieldRanges[field] {
            throw fail(.duplicateMatch(field, at: range, first: first))
        }
        m.fieldRanges[field] = range
    }

    /// `!=` or `! =` (as sfunnel and nft accept both); false if absent.
    mutating func parseNegation(after keyword: Token, what: String) throws(Failure) -> Bool {
        guard !atEnd else { return false }
        switch peek.kind {
        case .bang:
            advance()
            guard !atEnd, peek.kind == .equals else {
                throw fail(.unexpectedToken(peek, expected: "'=' after '!' (write '!=' to negate)", at: peekRange))
            }
            advance()
            return true
        case .equals:
            throw fail(.unexpectedToken(peek, expected: "\(what) after '\(keyword.text)' (no '=' needed; '!=' negates)",
                                        at: peekRange))
        default:
            return false
        }
    }

    /// A single value word, or the words of `{ a, b, … }`; `end` is the range
    /// of the last token consumed.
    mutating func parseValueTokens(after keyword: Token, what: String) throws(Failure)
        -> (values: [Token], isSet: Bool, end: SourceRange)
    {
        let token = peek
        if atEnd {
            throw fail(.expectedValue(what, after: keyword.text, found: Diagnostic.describe(token), at: endPoint))
        }
        if token.kind == .word {
            advance()
            return ([token], false, token.range)
        }
        guard token.kind == .leftBrace else {
            throw fail(.expectedValue(what, after: keyword.text, found: Diagnostic.describe(token), at: token.range))
        }
        let open = advance()
        var values: [Token] = []
        while true {
            let next = peek
            if atEnd { throw fail(.unterminatedSet(found: next, at: endPoint, open: open.range)) }
            switch next.kind {
            case .rightBrace:
                advance()
                if values.isEmpty {
                    throw fail(.emptySet(after: keyword.text, at: open.range.union(next.range)))
                }
                return (values, true, next.range)
            case .word:
                advance()
                values.append(next)
                if atEnd { throw fail(.unterminatedSet(found: peek, at: endPoint, open: open.range)) }
                switch peek.kind {
                case .comma: advance()
                case .rightBrace: break
                default: throw fail(.unexpectedToken(peek, expected: "',' or '}' in the set", at: peek.range))
                }
            default:
                throw fail(.unexpectedToken(next, expected: "\(what) in the set", at: next.range))
            }
        }
    }

    /// `P` or `P-Q`, each 0-65535, P <= Q.
    func portRange(_ token: Token, after keyword: String) throws(Failure) -> PortRange {
        let parts = token.text.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.map(Parser.portNumber)
        guard parts.count <= 2, let lo = numbers.first ?? nil, let hi = numbers.last ?? nil else {
            throw fail(.invalidPort(token.text, after: keyword, at: token.range))
        }
        guard lo <= hi else { throw fail(.invalidPortRange(token.text, lo: lo, hi: hi, at: token.range)) }
        return PortRange(lo, hi)
    }

    /// A decimal 0-65535, or nil.
    static func portNumber(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let digits = text.drop { $0 == "0" }
        guard digits.count <= 5 else { return nil }
        return UInt16(exactly: Int(digits) ?? 0)
    }

    // MARK: Checks that need the whole rule

    /// Family, protocol and action consistency; returns the errors and sets
    /// `m.family`.
    func validate(_ m: inout ParsedMatches, action: Located<Action>) -> [Diagnostic] {
        var errors: [Diagnostic] = []

        // One IP family per rule: `ip`/`ip6`, or else the first address, decides.
        let elements = ((m.saddr?.elements ?? []) + (m.daddr?.elements ?? [])).sorted { $0.range.start < $1.range.start }
        let anchor: (family: IPFamily, cause: String, range: SourceRange)?
        if let keyword = m.familyKeyword {
            anchor = (keyword.value, "'\(keyword.value.rawValue)'", keyword.range)
        } else if let first = elements.first {
            anchor = (first.value.family, "address '\(first.value)'", first.range)
        } else {
            anchor = nil
        }
        m.family = anchor?.family ?? .ip
        if let anchor, let odd = elements.first(where: { $0.value.family != anchor.family }) {
            errors.append(.conflictingFamilies("address '\(odd.value)'", isIPv6: odd.value.family == .ip6,
                                               because: anchor.cause, at: odd.range, causeRange: anchor.range))
        }

        // Ports and funnels need a protocol (the protocol-less rule is an extension).
        if m.proto == nil {
            for field in ["sport", "dport"] {
                if let range = m.fieldRanges[field] { errors.append(.portMatchWithoutProtocol(field, at: range)) }
            }
            switch action.value {
            case .funnel: errors.append(.actionNeedsProtocol("funnel", at: action.range))
            case .unfunnel: errors.append(.actionNeedsProtocol("unfunnel", at: action.range))
            case .accept, .drop: break
            }
        }

        // IP-in-UDP: the outer header is UDP (and IP of the rule's family).
        if case .unfunnel(.ip) = action.value, let proto = m.proto, proto.value != .udp {
            errors.append(.unfunnelIPNeedsUDP(found: proto.value.rawValue, at: action.range))
        }
        return errors
    }
}
