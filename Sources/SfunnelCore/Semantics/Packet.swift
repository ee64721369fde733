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
