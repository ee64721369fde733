/// One rule: matches (all must hold) and exactly one action.
///
/// Every match is optional; an absent match holds for every packet. The
/// parser guarantees at most one match per field.
public struct Rule: Sendable, Equatable {
    /// `ip` / `ip6`. The parser always sets it (`ip6` when the keyword or an
    /// IPv6 address says so, else `ip`, as in sfunnel), so that `ip udp …`
    /// and `udp …` give equal rules; nil only in rules built by hand.
    public var family: IPFamily?
    public var saddr: AddressMatch?
    public var daddr: AddressMatch?
    /// `tcp` / `udp`; nil for a protocol-less rule (extension).
    public var proto: Located<L4Protocol>?
    public var sport: PortMatch?
    public var dport: PortMatch?
    public var action: Located<Action>
    /// The whole rule, from its first match to the end of its action.
    public var range: SourceRange

    public init(family: IPFamily? = nil, saddr: AddressMatch? = nil, daddr: AddressMatch? = nil,
                proto: Located<L4Protocol>? = nil, sport: PortMatch? = nil, dport: PortMatch? = nil,
                action: Located<Action>, range: SourceRange) {
        self.family = family
        self.saddr = saddr
        self.daddr = daddr
        self.proto = proto
        self.sport = sport
        self.dport = dport
        self.action = action
        self.range = range
    }

    /// The IP family the rule applies to (IPv4 unless `ip6` or an IPv6 address says so).
    public var effectiveFamily: IPFamily {
        if let family { return family }
        for m in [saddr, daddr].compactMap({ $0 }) {
            if case .v6 = m.elements.first?.value { return .ip6 }
        }
        return .ip
    }
}

/// A value with the source range it was parsed from.
public struct Located<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    public var range: SourceRange
    public init(_ value: Value, at range: SourceRange) {
        self.value = value
        self.range = range
    }
}

public enum IPFamily: String, Sendable, Equatable {
    case ip
    case ip6
}

public enum L4Protocol: String, Sendable, Equatable, CaseIterable {
    case tcp
    case udp

    /// IANA protocol number.
    public var number: UInt8 {
        switch self {
        case .tcp: return 6
        case .udp: return 17
        }
    }
}
