import Testing
@testable import SfunnelCore

/// Parses one file that must have no errors.
private func parseClean(_ text: String) -> [Rule] {
    let (ruleset, diagnostics) = Parser.parse(SourceFile(name: "t.rules", text: text))
    #expect(!diagnostics.hasErrors, "\(diagnostics.map(\.message))")
    return ruleset.rules
}

/// The rule with every source range zeroed, so that spellings compare by meaning.
private func erased(_ rule: Rule) -> Rule {
    let zero = SourceRange.point(0)
    func address(_ m: AddressMatch?) -> AddressMatch? {
        m.map { AddressMatch(negated: $0.negated, elements: $0.elements.map { Located($0.value, at: zero) },
                             isSet: $0.isSet, range: zero) }
    }
    func port(_ m: PortMatch?) -> PortMatch? {
        m.map { PortMatch(negated: $0.negated, elements: $0.elements.map { Located($0.value, at: zero) },
                          isSet: $0.isSet, range: zero) }
    }
    return Rule(family: rule.family, saddr: address(rule.saddr), daddr: address(rule.daddr),
                proto: rule.proto.map { Located($0.value, at: zero) }, sport: port(rule.sport),
                dport: port(rule.dport), action: Located(rule.action.value, at: zero), range: zero)
}

private func single(_ text: String) -> Rule? {
    let rules = parseClean(text)
    #expect(rules.count == 1)
    return rules.first.map(erased)
}

struct ParserTests {
    /// Each row: spellings that rules.md says mean the same.
    static let equivalentSpellings: [[String]] = [
        ["ip saddr 10.0.0.1 daddr 10.0.0.2 udp dport 2055 actions accept",
         "ip saddr 10.0.0.1 ip daddr 10.0.0.2 udp dport 2055 actions accept",
         "saddr 10.0.0.1 daddr 10.0.0.2 udp dport 2055 actions accept",
         "udp dport 2055 daddr 10.0.0.2 saddr 10.0.0.1/32 actions accept"],
        ["udp dport 2055 sport 1 actions drop",
         "udp dport 2055 udp sport 1 actions drop",
         "ip udp sport 1 dport 2055 actions drop",
         "  udp\tdport 2055   sport 1 actions drop  # trailing comment"],
        ["ip saddr != 10.0.0.0/8 tcp dport != 22 actions accept",
         "ip saddr ! = 10.0.0.0/8 tcp dport ! = 22 actions accept",
         "ip saddr!=10.0.0.0/8 tcp dport!=22 actions accept",
         "ip saddr !=10.0.0.0/8 tcp dport !  = 22 actions accept"],
        ["ip udp dport 2055 actions funnel tcp dport 179 sport 540",
         "ip udp dport 2055 actions funnel tcp sport 540 dport 179",
         "udp dport 2055 actions funnel tcp sport 540 dport 179"],
        ["ip udp dport 2055 actions funnel udp sport 1 dport 2 encap ip",
         "ip udp dport 2055 actions funnel udp encap ip dport 2 sport 1"],
        ["ip6 saddr 2001:db8::/32 tcp dport 443 actions drop",
         "saddr 2001:db8:0:0::/32 tcp dport 443 actions drop",
         "ip6 saddr 2001:0DB8::1/32 tcp dport 443 actions drop"],
        ["udp dport { 2055, 4739, 6343 } actions accept",
         "udp dport {2055,4739,6343,} actions accept"],
        // sfunnel's "port 0 = any port": the match is dropped.
        ["tcp dport 0 actions accept", "tcp dport != 0 actions accept", "tcp actions accept", "ip tcp actions accept"],
    ]

    @Test(arguments: equivalentSpellings)
    func equivalentSpellingsGiveEqualASTs(_ spellings: [String]) {
        let asts = spellings.map(single)
        for (text, ast) in zip(spellings, asts) {
            #expect(ast == asts[0], "\(text) differs from \(spellings[0])")
        }
    }

    @Test func telemetryExample() throws {
        let text = """
            ## Funneling
            ip udp dport 2055 actions funnel tcp dport 179 sport 540   # NetFlow
            ip udp dport 4739 actions funnel tcp dport 179 sport 540   # IPFIX

            ## Unfunneling
            ip tcp dport 179 sport 540 actions unfunnel udp
            """
        let rules = parseClean(text)
        try #require(rules.count == 3)
        #expect(rules[0].proto?.value == .udp)
        #expect(rules[0].dport?.elements.map(\.value) == [PortRange(2055)])
        #expect(rules[0].action.value == .funnel(Funnel(proto: .tcp, sport: 540, dport: 179)))
        #expect(rules[2].action.value == .unfunnel(.udp))
        #expect(rules[2].sport?.elements.map(\.value) == [PortRange(540)])
        #expect(rules.allSatisfy { $0.family == .ip })
    }

    @Test(arguments: [
        "tcp actions accept; udp actions drop",
        "tcp actions accept\nudp actions drop",
        "tcp actions accept\r\nudp actions drop\r\n",
        "\n\n# only a comment\ntcp actions accept ; ; udp actions drop # c ; not a rule\n\n",
    ])
    func separatorsCommentsAndBlankLines(_ text: String) {
        let rules = parseClean(text).map(erased)
        #expect(rules.count == 2)
        #expect(rules.first?.action.value == .accept)
        #expect(rules.last?.action.value == .drop)
    }

    @Test func sourceRangesPointAtTheText() throws {
        let text = "ip udp dport 2055 actions accept\r\nip tcp saddr 10.0.0.0/8 actions drop"
        let file = SourceFile(name: "t", text: text)
        let rules = parseClean(text)
        try #require(rules.count == 2)
        #expect(file.text(of: rules[0].range) == "ip udp dport 2055 actions accept")
        #expect(file.text(of: rules[0].dport!.range) == "dport 2055")
        #expect(file.text(of: rules[1].saddr!.elements[0].range) == "10.0.0.0/8")
        #expect(file.location(of: rules[1].range.start) == SourceLocation(line: 2, column: 1))
    }

    @Test func extensions() throws {
        let rules = parseClean("""
            tcp sport 1000-2000 dport != { 22, 8000-8080 } actions accept
            saddr { 10.0.0.0/8, 192.168.0.0/16 } daddr != { 10.1.2.3 } actions drop
            ip6 daddr ::1 udp dport 53 actions funnel udp sport 1 dport 2
            udp dport 9000 actions unfunnel ip
            actions accept
            udp dport 0-10 sport { 0 } actions accept
            """)
        try #require(rules.count == 6)
        #expect(rules[0].sport?.elements.map(\.value) == [PortRange(1000, 2000)])
        #expect(rules[0].dport?.negated == true)
        #expect(rules[0].dport?.isSet == true)
        #expect(rules[0].dport?.elements.map(\.value) == [PortRange(22), PortRange(8000, 8080)])
        #expect(rules[1].proto == nil)
        #expect(rules[1].saddr?.elements.map(\.value.description) == ["10.0.0.0/8", "192.168.0.0/16"])
        #expect(rules[1].daddr?.negated == true)
        #expect(rules[2].family == .ip6)
        #expect(rules[2].daddr?.elements.first?.value == .v6(IPv6Prefix(high: 0, low: 1, length: 128)))
        #expect(rules[3].action.value == .unfunnel(.ip))
        #expect(rules[4] == Rule(family: .ip, action: rules[4].action, range: rules[4].range))
        // 0 in a range or a set is port 0 itself, not "any port".
        #expect(rules[5].dport?.elements.map(\.value) == [PortRange(0, 10)])
        #expect(rules[5].sport?.elements.map(\.value) == [PortRange(0)])
    }

    @Test(arguments: [
        ("10.0.0.1", "10.0.0.1", false),
        ("10.0.0.1/8", "10.0.0.0/8", true),
        ("0.0.0.0/0", "0.0.0.0/0", false),
        ("2001:db8::1", "2001:db8::1", false),
        ("2001:db8::1/64", "2001:db8::/64", true),
        ("::", "::", false),
        ("::ffff:192.0.2.1", "::ffff:c000:201", false),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", false),
        ("fe80:0:0:0:0:1::/80", "fe80::/80", true),
    ])
    func addressLiterals(_ text: String, _ printed: String, _ hostBits: Bool) throws {
        let parsed = try AddressLiteral.parse(text).get()
        #expect(parsed.prefix.description == printed)
        #expect(parsed.hadHostBits == hostBits)
    }

    @Test(arguments: ["10.0.0", "10.0.0.256", "10.0.0.0/33", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "::/129",
                      "10.0.0.0/", "abc", "10.0.0.1/x"])
    func badAddressLiterals(_ text: String) {
        #expect(throws: AddressLiteral.Problem.self) { try AddressLiteral.parse(text).get() }
    }

    @Test func maskedHostBitsAndPortZeroWarn() {
        let (ruleset, diagnostics) = Parser.parse(SourceFile(name: "t", text: """
            ip saddr 10.0.0.1/8 tcp sport 0 actions funnel udp sport 0 dport 2
            """))
        #expect(ruleset.rules.count == 1)
        #expect(diagnostics.map(\.id) == [.maskedHostBits, .portZero, .portZero])
        #expect(diagnostics.allSatisfy { $0.severity == .warning })
        #expect(ruleset.rules.first?.sport == nil)
    }

    @Test(arguments: [
        ("ip udp dprot 2055 actions accept", DiagnosticID.unknownKeyword, "did you mean 'dport'?"),
        ("ip udp dport 2055 actions acept", .unknownKeyword, "did you mean 'accept'?"),
        ("ip udp dport 2055 actoins accept", .unknownKeyword, "did you mean 'actions'?"),
        ("TCP actions accept", .unknownKeyword, "did you mean 'tcp'?"),
        ("tcp udp actions accept", .conflictingProtocols, "not both"),
        ("tcp actions dnat 10.0.0.1", .unsupportedAction, "'dnat' is reserved"),
        ("tcp dport 80", .missingActions, "expected 'actions'"),
        ("tcp dport 80 accept", .missingActions, "before the action 'accept'"),
        ("tcp dport 80 actions", .missingAction, "found end of line"),
        ("tcp actions accept drop", .multipleActions, "exactly one action"),
        ("saddr 10.0.0.256 actions drop", .invalidAddress, "'256' is not in 0-255"),
        ("saddr 10.0.0.0/33 actions drop", .invalidAddress, "0-32"),
        ("saddr 2001:db8::/129 actions drop", .invalidAddress, "0-128"),
        ("tcp dport 70000 actions drop", .invalidPort, "found '70000'"),
        ("tcp dport http actions drop", .invalidPort, "found 'http'"),
        ("tcp dport 2000-1000 actions drop", .invalidPortRange, "'2000-1000'"),
        ("ip saddr 2001:db8::1 actions drop", .conflictingFamilies, "IPv6 address '2001:db8::1'"),
        ("saddr 10.0.0.1 daddr ::1 actions drop", .conflictingFamilies, "IPv6 address '::1' in a rule for IPv4"),
        ("ip ip6 actions drop", .conflictingFamilies, "keyword 'ip6'"),
        ("saddr { 10.0.0.1, ::1 } actions drop", .conflictingFamilies, "'::1'"),
        ("tcp dport 1 dport 2 actions drop", .duplicateMatch, "'dport' is matched twice"),
        ("tcp dport 0 dport 2 actions drop", .duplicateMatch, "'dport' is matched twice"),
        ("dport 80 actions drop", .portMatchWithoutProtocol, "'dport' needs 'tcp' or 'udp'"),
        ("saddr 10.0.0.1 actions funnel tcp sport 1 dport 2", .actionNeedsProtocol, "'funnel' needs"),
        ("actions unfunnel udp", .actionNeedsProtocol, "'unfunnel' needs"),
        ("udp actions funnel tcp sport 1 dport 2 encap ip", .invalidFunnel, "only available with 'funnel udp'"),
        ("udp actions funnel tcp sport 1", .invalidFunnel, "'dport' is missing"),
        ("udp actions funnel tcp sport 1 dport 2 sport 3", .invalidFunnel, "given twice"),
        ("tcp actions unfunnel ip", .invalidFunnel, "must match 'udp'"),
        ("ip6 tcp actions unfunnel ip", .invalidFunnel, "must match 'udp'"),
        ("udp actions funnel tcp sport 1-2 dport 3", .invalidPort, "expected a port number (0-65535) after 'sport'"),
        ("udp dport { 1, 2 actions drop", .unexpectedToken, "expected ',' or '}'"),
        ("udp dport { 1, 2", .unterminatedSet, "expected '}'"),
        ("udp dport { } actions drop", .emptySet, "empty set"),
        ("udp dport @ actions drop", .unexpectedCharacter, "unexpected character '@'"),
        ("udp dport actions drop", .invalidPort, "found 'actions'"),
        ("udp dport", .expectedValue, "after 'dport', found end of line"),
        ("udp dport = 80 actions drop", .unexpectedToken, "no '=' needed"),
        ("udp dport ! 80 actions drop", .unexpectedToken, "'=' after '!'"),
        ("udp actions funnel sctp sport 1 dport 2", .unknownKeyword, "unknown protocol 'sctp' after 'funnel'"),
        ("udp 80 actions drop", .unexpectedToken, "expected a match or 'actions', found '80'"),
    ])
    func errors(_ text: String, _ id: DiagnosticID, _ fragment: String) {
        let (ruleset, diagnostics) = Parser.parse(SourceFile(name: "t", text: text))
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.id) == [id])
        #expect(errors.first?.message.contains(fragment) == true, "\(errors.first?.message ?? "-")")
        #expect(ruleset.rules.isEmpty)
    }

    @Test func allErrorsOfAFileInOneRun() {
        let text = """
            ip udp dprot 2055 actions accept
            ip udp dport 4739 actions funnel tcp dport 179 sport 540
            ip tcp dport 70000 actions drop ; ip udp dport 1 actions acept
            ip udp dport 6343 actions accept
            """
        let (ruleset, diagnostics) = Parser.parse(SourceFile(name: "t", text: text))
        #expect(diagnostics.map(\.id) == [.unknownKeyword, .invalidPort, .unknownKeyword])
        #expect(ruleset.rules.compactMap { $0.dport?.elements.first?.value.lo } == [4739, 6343])
    }

    @Test func spellingSuggestions() {
        let matches = Diagnostic.KeywordPosition.match.keywords
        #expect(Spelling.suggestion(for: "dprot", among: matches) == "dport")
        #expect(Spelling.suggestion(for: "sadr", among: matches) == "saddr")
        #expect(Spelling.suggestion(for: "xyzzy", among: matches) == nil)
        #expect(Spelling.suggestion(for: "ip4", among: matches) == "ip")
    }
}
