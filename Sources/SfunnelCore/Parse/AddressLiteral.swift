/// Reads IPv4 and IPv6 addresses and prefixes: `10.0.0.1`, `10.0.0.0/8`,
/// `2001:db8::1`, `2001:db8::/32`, `::ffff:192.0.2.1/128`.
public enum AddressLiteral {
    public enum Problem: Error, Sendable, Equatable {
        /// Not shaped like an address at all.
        case notAnAddress
        /// An IPv4 part above 255.
        case octetOutOfRange(String)
        /// An IPv6 group with more than four hex digits or a bad character.
        case badGroup(String)
        /// The prefix length is not a number.
        case badPrefixLength(String)
        /// The prefix length is above 32 (IPv4) or 128 (IPv6).
        case prefixTooLong(Int, max: Int)
    }

    public struct Parsed: Sendable, Equatable {
        /// The prefix with host bits cleared.
        public var prefix: IPPrefix
        /// Whether the text had bits set beyond the prefix length.
        public var hadHostBits: Bool
    }

    public static func parse(_ text: String) -> Result<Parsed, Problem> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return .failure(.notAnAddress) }
        let isV6 = parts[0].contains(":")
        let maxLength = isV6 ? 128 : 32
        var length = maxLength
        if parts.count == 2 {
            let p = parts[1]
            guard !p.isEmpty, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return .failure(.badPrefixLength(String(p)))
            }
            guard p.count <= 3, let n = Int(p), n <= maxLength else {
                return .failure(.prefixTooLong(Int(p.prefix(4)) ?? Int.max, max: maxLength))
            }
            length = n
        }
        if isV6 {
            switch parseV6(parts[0]) {
            case .failure(let problem): return .failure(problem)
            case .success(let (high, low)):
                let prefix = IPv6Prefix(high: high, low: low, length: UInt8(length))
                return .success(Parsed(prefix: .v6(prefix), hadHostBits: prefix.high != high || prefix.low != low))
            }
        }
        switch parseV4(parts[0]) {
        case .failure(let problem): return .failure(problem)
        case .success(let address):
            let prefix = IPv4Prefix(address: address, length: UInt8(length))
            return .success(Parsed(prefix: .v4(prefix), hadHostBits: prefix.address != address))
        }
    }

    /// Dotted quad, four decimal parts of 0-255.
    static func parseV4(_ text: Substring) -> Result<UInt32, Problem> {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return .failure(.notAnAddress) }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return .failure(.notAnAddress)
            }
            guard octet.count <= 3, let n = UInt32(octet), n <= 255 else {
                return .failure(.octetOutOfRange(String(octet)))
            }
            value = value << 8 | n
        }
        return .success(value)
    }

    /// RFC 4291 text form: eight hex groups, `::` for a run of zero groups,
    /// optionally a dotted quad as the last 32 bits.
    static func parseV6(_ text: Substring) -> Result<(UInt64, UInt64), Problem> {
        let gaps = text.ranges(of: "::")
        guard gaps.count <= 1 else { return .failure(.notAnAddress) }
        let halves = gaps.first.map { [String(text[..<$0.lowerBound]), String(text[$0.upperBound...])] }
            ?? [String(text)]

        func groups(_ s: String, allowV4Tail: Bool) -> Result<[UInt16], Problem> {
            if s.isEmpty { return .success([]) }
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, item) in items.enumerated() {
                if allowV4Tail, i == items.count - 1, item.contains(".") {
                    switch parseV4(item) {
                    case .failure(let problem): return .failure(problem)
                    case .success(let v4):
                        out.append(UInt16(v4 >> 16))
                        out.append(UInt16(v4 & 0xffff))
                    }
                    continue
                }
                guard !item.isEmpty else { return .failure(.notAnAddress) }
                guard item.count <= 4, let g = UInt16(item, radix: 16) else {
                    return .failure(.badGroup(String(item)))
                }
                out.append(g)
            }
            return .success(out)
        }

        let head: [UInt16]
        var tail: [UInt16] = []
        switch groups(halves[0], allowV4Tail: halves.count == 1) {
        case .failure(let problem): return .failure(problem)
        case .success(let g): head = g
        }
        if halves.count == 2 {
            switch groups(halves[1], allowV4Tail: true) {
            case .failure(let problem): return .failure(problem)
            case .success(let g): tail = g
            }
            guard head.count + tail.count <= 7 else { return .failure(.notAnAddress) }
        } else {
            guard head.count == 8 else { return .failure(.notAnAddress) }
        }
        let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for g in all[0..<4] { high = high << 16 | UInt64(g) }
        for g in all[4..<8] { low = low << 16 | UInt64(g) }
        return .success((high, low))
    }
}
