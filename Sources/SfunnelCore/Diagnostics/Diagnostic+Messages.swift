/// Every message sfunnelc prints about a ruleset, one factory each.
///
/// Wording rules: say what was found and what was expected, quote source
/// text in single quotes, and suggest the fix when one is obvious.
extension Diagnostic {
    /// Where in a rule a keyword was expected, for "unknown keyword" messages.
    public enum KeywordPosition: Sendable, Equatable {
        case match
        case action
        case funnelProtocol
        case funnelField
        case unfunnelInner
        case encapInner

        /// "unknown match 'dprot'" and the like.
        func unknown(_ word: String) -> String {
            switch self {
            case .match: return "unknown match '\(word)'"
            case .action: return "unknown action '\(word)'"
            case .funnelProtocol: return "unknown protocol '\(word)' after 'funnel'"
            case .funnelField: return "unknown keyword '\(word)' in 'funnel'"
            case .unfunnelInner: return "unknown protocol '\(word)' after 'unfunnel'"
            case .encapInner: return "unknown header '\(word)' after 'encap'"
            }
        }

        /// The words valid there, in the order the message lists them.
        public var keywords: [String] {
            switch self {
            case .match: return ["ip", "ip6", "tcp", "udp", "saddr", "daddr", "sport", "dport", "actions"]
            case .action: return ["funnel", "unfunnel", "accept", "drop"]
            case .funnelProtocol: return ["tcp", "udp"]
            case .funnelField: return ["sport", "dport", "encap"]
            case .unfunnelInner: return ["tcp", "udp", "ip"]
            case .encapInner: return ["ip"]
            }
        }
    }

    /// How a token is named in "found …": its text, or "end of line".
    public static func describe(_ token: Token) -> String {
        switch token.kind {
        case .newline, .endOfFile: return "end of line"
        default: return "'\(token.text)'"
        }
    }

    static func list(_ words: [String]) -> String {
        let quoted = words.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    }

    // MARK: Lexical and syntax errors

    public static func unexpectedCharacter(_ text: String, at range: SourceRange) -> Diagnostic {
        let what = text.count == 1 ? "character" : "characters"
        return Diagnostic(id: .unexpectedCharacter, severity: .error,
                          message: "unexpected \(what) '\(text)'; rules are made of words, numbers, addresses, "
                              + "'!=', '{', '}', ',', ';' and '#' comments",
                          range: range)
    }

    public static func unknownKeyword(_ word: String, expected position: KeywordPosition, suggestion: String?,
                                      at range: SourceRange) -> Diagnostic {
        let tail = suggestion.map { "did you mean '\($0)'?" } ?? "expected \(list(position.keywords))"
        return Diagnostic(id: .unknownKeyword, severity: .error,
                          message: "\(position.unknown(word)); \(tail)", range: range)
    }

    /// A keyword came without the value it needs (`saddr` at the end of a rule).
    public static func expectedValue(_ what: String, after keyword: String, found: String,
                                     at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .expectedValue, severity: .error,
                   message: "expected \(what) after '\(keyword)', found \(found)", range: range)
    }

    public static func invalidAddress(_ text: String, after keyword: String, problem: AddressLiteral.Problem,
                                      at range: SourceRange) -> Diagnostic {
        let expected = "expected an IPv4 or IPv6 address or prefix after '\(keyword)' (like 10.0.0.0/8 or 2001:db8::/32)"
        let message: String
        switch problem {
        case .notAnAddress:
            message = "\(expected), found '\(text)'"
        case .octetOutOfRange(let octet):
            message = "invalid IPv4 address '\(text)' after '\(keyword)': '\(octet)' is not in 0-255"
        case .badGroup(let group):
            message = "invalid IPv6 address '\(text)' after '\(keyword)': '\(group)' is not a group of 1 to 4 hex digits"
        case .badPrefixLength(let length):
            message = "invalid prefix '\(text)' after '\(keyword)': expected a prefix length after '/', found \(length.isEmpty ? "nothing" : "'\(length)'")"
        case .prefixTooLong(_, let max):
            message = "invalid prefix '\(text)' after '\(keyword)': the prefix length must be 0-\(max)"
        }
        return Diagnostic(id: .invalidAddress, severity: .error, message: message, range: range)
    }

    public static func invalidPort(_ text: String, after keyword: String, rangesAllowed: Bool = true,
                                   at range: SourceRange) -> Diagnostic {
        let what = rangesAllowed ? "a port number (0-65535) or range (like 1000-2000)" : "a port number (0-65535)"
        return Diagnostic(id: .invalidPort, severity: .error,
                          message: "expected \(what) after '\(keyword)', found '\(text)'", range: range)
    }

    public static func invalidPortRange(_ text: String, lo: UInt16, hi: UInt16, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .invalidPortRange, severity: .error,
                   message: "port range '\(text)' is empty: its start \(lo) is above its end \(hi); write '\(hi)-\(lo)'",
                   range: range)
    }

    public static func missingActions(before token: Token, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .missingActions, severity: .error,
                   message: "expected 'actions' before the action \(describe(token)); write 'actions \(token.text)'",
                   range: range)
    }

    public static func missingActions(found: Token, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .missingActions, severity: .error,
                   message: "expected 'actions' and an action after the matches, found \(describe(found))",
                   range: range)
    }

    public static func missingAction(found: Token, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .missingAction, severity: .error,
                   message: "expected an action after 'actions' (\(list(KeywordPosition.action.keywords))), "
                       + "found \(describe(found))",
                   range: range)
    }

    public static func unexpectedToken(_ found: Token, expected: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .unexpectedToken, severity: .error,
                   message: "expected \(expected), found \(describe(found))", range: range)
    }

    public static func duplicateMatch(_ field: String, at range: SourceRange, first: SourceRange) -> Diagnostic {
        Diagnostic(id: .duplicateMatch, severity: .error,
                   message: "'\(field)' is matched twice in one rule; each field can be matched at most once "
                       + "(use a set like '\(field) { a, b }' for several values)",
                   range: range, notes: [Note("first '\(field)' match is here", at: first)])
    }

    public static func conflictingProtocols(_ second: String, first: String, at range: SourceRange,
                                            firstRange: SourceRange) -> Diagnostic {
        Diagnostic(id: .conflictingProtocols, severity: .error,
                   message: "a rule matches '\(first)' or '\(second)', not both (sfunnel silently used 'tcp'); "
                       + "remove one, or write two rules",
                   range: range, notes: [Note("'\(first)' is here", at: firstRange)])
    }

    /// An element of one IP family in a rule that is already of the other;
    /// `what` and `cause` name the tokens, like "address '2001:db8::1'".
    public static func conflictingFamilies(_ what: String, isIPv6: Bool, because cause: String,
                                           at range: SourceRange, causeRange: SourceRange) -> Diagnostic {
        let (found, rule) = isIPv6 ? ("IPv6", "IPv4") : ("IPv4", "IPv6")
        return Diagnostic(id: .conflictingFamilies, severity: .error,
                          message: "\(found) \(what) in a rule for \(rule) packets; a rule matches one IP family "
                              + "(write separate 'ip' and 'ip6' rules)",
                          range: range, notes: [Note("the rule is for \(rule) because of \(cause) here", at: causeRange)])
    }

    public static func multipleActions(_ second: String, first: String, at range: SourceRange,
                                       firstRange: SourceRange) -> Diagnostic {
        Diagnostic(id: .multipleActions, severity: .error,
                   message: "a rule has exactly one action; found a second action '\(second)' after '\(first)'",
                   range: range, notes: [Note("the first action is here", at: firstRange)])
    }

    public static func unsupportedAction(_ word: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .unsupportedAction, severity: .error,
                   message: "'\(word)' is reserved by sfunnel but not supported (sfunnel rejects it too); "
                       + "expected \(list(KeywordPosition.action.keywords))",
                   range: range)
    }

    public static func funnelMissingPort(_ field: String, proto: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .invalidFunnel, severity: .error,
                   message: "'funnel \(proto)' needs both 'sport' and 'dport'; '\(field)' is missing "
                       + "(like 'funnel \(proto) sport 540 dport 179')",
                   range: range)
    }

    public static func funnelDuplicatePort(_ field: String, at range: SourceRange, first: SourceRange) -> Diagnostic {
        Diagnostic(id: .invalidFunnel, severity: .error,
                   message: "'\(field)' is given twice in one 'funnel' action",
                   range: range, notes: [Note("first '\(field)' is here", at: first)])
    }

    public static func encapNeedsUDP(at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .invalidFunnel, severity: .error,
                   message: "'encap ip' is only available with 'funnel udp' (IP-in-UDP); use 'funnel udp' or drop 'encap ip'",
                   range: range)
    }

    public static func unfunnelIPNeedsUDP(found proto: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .invalidFunnel, severity: .error,
                   message: "'unfunnel ip' undoes 'funnel udp … encap ip', so the rule must match 'udp', not '\(proto)'",
                   range: range)
    }

    public static func portMatchWithoutProtocol(_ field: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .portMatchWithoutProtocol, severity: .error,
                   message: "'\(field)' needs 'tcp' or 'udp' in the rule: only TCP and UDP packets have ports",
                   range: range)
    }

    public static func actionNeedsProtocol(_ action: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .actionNeedsProtocol, severity: .error,
                   message: "'\(action)' needs a rule that matches 'tcp' or 'udp'; add one of them to the matches",
                   range: range)
    }

    public static func unterminatedSet(found: Token, at range: SourceRange, open: SourceRange) -> Diagnostic {
        Diagnostic(id: .unterminatedSet, severity: .error,
                   message: "expected '}' to close the set, found \(describe(found)) (a set ends on its own line)",
                   range: range, notes: [Note("the set starts here", at: open)])
    }

    public static func emptySet(after keyword: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .emptySet, severity: .error,
                   message: "empty set after '\(keyword)'; expected at least one element, like '{ 80, 443 }'",
                   range: range)
    }

    // MARK: Warnings

    public static func portZeroMatch(_ field: String, negated: Bool, at range: SourceRange) -> Diagnostic {
        let written = negated ? "\(field) != 0" : "\(field) 0"
        return Diagnostic(id: .portZero, severity: .warning,
                          message: "'\(written)' means any port in sfunnel, so sfunnelc ignores this match; "
                              + "remove it (or write '\(field) 0-0' for port 0 itself)",
                          range: range)
    }

    public static func portZeroFunnel(_ field: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .portZero, severity: .warning,
                   message: "funnel header with \(field) 0: port 0 is reserved and may be dropped on the way; "
                       + "pick another port",
                   range: range)
    }

    public static func maskedHostBits(_ text: String, masked: IPPrefix, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .maskedHostBits, severity: .warning,
                   message: "'\(text)' has bits set beyond the prefix length; it is used as '\(masked)' "
                       + "(as sfunnel does); write '\(masked)'",
                   range: range)
    }

    public static func duplicateRule(at range: SourceRange, first: SourceRange) -> Diagnostic {
        Diagnostic(id: .duplicateRule, severity: .warning,
                   message: "duplicate rule: an earlier rule has the same matches and action, so this one never matches",
                   range: range, notes: [Note("the first one is here", at: first)])
    }

    public static func shadowedRule(at range: SourceRange, by earlier: [SourceRange]) -> Diagnostic {
        let message: String
        let notes: [Note]
        if earlier.count == 1 {
            message = "rule is never reached: an earlier rule matches every packet it matches"
            notes = [Note("shadowed by this rule", at: earlier[0])]
        } else {
            message = "rule is never reached: \(earlier.count) earlier rules together match every packet it matches"
            notes = earlier.enumerated().map { Note("shadowed by this rule (\($0.offset + 1) of \(earlier.count))", at: $0.element) }
        }
        return Diagnostic(id: .shadowedRule, severity: .warning, message: message, range: range, notes: notes)
    }

    /// TCP in sfunnel's 8/20-byte format: locally generated TCP reaches tc as
    /// GSO super-packets, which the kernel cannot segment once funneled
    /// that way (wire-format.md, "Offloads").
    public static func tcpFunnelWithoutEncap(_ f: Funnel, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .tcpFunnelWithoutEncap, severity: .warning,
                   message: "TCP funneled with a bare \(f.proto.rawValue) header does not get through when the kernel "
                       + "hands it over as a GSO super-packet (always, for locally generated TCP); write "
                       + "'funnel udp sport \(f.sport) dport \(f.dport) encap ip' and 'unfunnel ip' on the other end",
                   range: range)
    }

    // MARK: Peer rulesets (check --peer)

    /// A funnel that no unfunnel rule of the peer would undo.
    public static func peerNoUnfunnel(_ funnel: String, suggestion: String, at range: SourceRange, peer: SourceFile,
                                      firstMatch: (rule: Rule, action: String)?) -> Diagnostic {
        var notes: [Note] = []
        let message: String
        if let firstMatch {
            message = "'\(funnel)' is not unfunneled by \(peer.name): its first rule for these packets is "
                + "'\(firstMatch.action)'; put '\(suggestion)' before it"
            notes.append(Note("the peer's rule that catches them", at: firstMatch.rule.range, in: peer))
        } else {
            message = "'\(funnel)' is not unfunneled by \(peer.name): no rule there matches these packets; "
                + "add '\(suggestion)'"
        }
        return Diagnostic(id: .peerNoUnfunnel, severity: .warning, message: message, range: range, notes: notes)
    }

    /// A funnel that the peer unfunnels to another inner protocol.
    public static func peerWrongInner(_ funnel: String, inner: String, peerInner: String, at range: SourceRange,
                                      peer: SourceFile, peerRule: Rule) -> Diagnostic {
        Diagnostic(id: .peerWrongInner, severity: .warning,
                   message: "'\(funnel)' carries \(inner) but \(peer.name) unfunnels it as '\(peerInner)'",
                   range: range, notes: [Note("the peer's unfunnel rule", at: peerRule.range, in: peer)])
    }
}
