/// What the reference interpreter (and the datapath's classifier) sees of an
/// IPv4 packet: addresses in host byte order, protocol number, and ports
/// (0 for a protocol without ports).
public struct PacketDescription: Sendable, Hashable {
    public var saddr: UInt32
    public var daddr: UInt32
    public var proto: UInt8
    public var sport: UInt16
    public var dport: UInt16

    public init(saddr: UInt32, daddr: UInt32, proto: UInt8, sport: UInt16 = 0, dport: UInt16 = 0) {
        self.saddr = saddr
        self.daddr = daddr
        self.proto = proto
        self.sport = sport
        self.dport = dport
    }
}

/// An IPv6 address as two host-order halves, the way `IPv6Prefix` stores it.
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Eight colon-separated hex groups (no `::` shortening).
    public var description: String {
        (0..<8).map { i -> String in
            let half = i < 4 ? high : low
            return String((half >> UInt64(48 - 16 * (i % 4))) & 0xffff, radix: 16)
        }.joined(separator: ":")
    }
}

/// What the reference interpreter (and the datapath's IPv6 classifier) sees
/// of an IPv6 packet whose fixed header is directly followed by an
/// upper-layer protocol (packets with extension headers are never
/// classified): addresses, next header, and ports (0 without ports).
public struct PacketDescription6: Sendable, Hashable {
    public var saddr: IPv6Address
    public var daddr: IPv6Address
    public var proto: UInt8
    public var sport: UInt16
    public var dport: UInt16

    public init(saddr: IPv6Address, daddr: IPv6Address, proto: UInt8, sport: UInt16 = 0, dport: UInt16 = 0) {
        self.saddr = saddr
        self.daddr = daddr
        self.proto = proto
        self.sport = sport
        self.dport = dport
    }
}
