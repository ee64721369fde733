/// Ethernet/IPv4 frames for the benchmark runner.
enum Frames {
    /// `proto,saddr,daddr,sport,dport` → a well-formed frame with a 20-byte
    /// TCP, 8-byte UDP or 8-byte other header and 16 bytes of payload.
    static func frame(_ spec: String) -> [UInt8]? {
        let parts = spec.split(separator: ",").map(String.init)
        guard parts.count == 5, let proto = UInt8(parts[0]), let s = address(parts[1]), let d = address(parts[2]),
              let sport = UInt16(parts[3]), let dport = UInt16(parts[4]) else { return nil }
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
        let payload = [UInt8](repeating: 0xab, count: 16)
        var l4: [UInt8]
        switch proto {
        case 6: l4 = be16(sport) + be16(dport) + be32(1) + be32(0) + [0x50, 0x10] + be16(512) + [0, 0, 0, 0]
        case 17: l4 = be16(sport) + be16(dport) + be16(UInt16(8 + payload.count)) + [0, 0]
        default: l4 = [8, 0, 0, 0, 0, 0, 0, 0]
        }
        l4 += payload
        var ip: [UInt8] = [0x45, 0] + be16(UInt16(20 + l4.count)) + [0, 1, 0, 0, 64, proto, 0, 0]
        ip += be32(s) + be32(d)
        return [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + ip + l4
    }

    static func address(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1 }
    }
}
