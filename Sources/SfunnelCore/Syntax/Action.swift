/// What a rule does with the packets it matches.
public enum Action: Sendable, Hashable {
    /// Push a `proto` header with the given ports (and, with `encapIP`, an IPv4
    /// header in front of the original one: IP-in-UDP).
    case funnel(Funnel)
    /// Remove the outer L4 header; the argument names what is underneath.
    case unfunnel(UnfunnelInner)
    case accept
    case drop
}

public struct Funnel: Sendable, Hashable {
    public var proto: L4Protocol
    public var sport: UInt16
    public var dport: UInt16
    public var encapIP: Bool
    public init(proto: L4Protocol, sport: UInt16, dport: UInt16, encapIP: Bool = false) {
        self.proto = proto
        self.sport = sport
        self.dport = dport
        self.encapIP = encapIP
    }
}

/// The header under the funnel header: `unfunnel tcp|udp|ip`.
public enum UnfunnelInner: String, Sendable, Hashable {
    case tcp
    case udp
    case ip

    public var l4: L4Protocol? {
        switch self {
        case .tcp: return .tcp
        case .udp: return .udp
        case .ip: return nil
        }
    }
}
