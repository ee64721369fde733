/// `saddr [!=] A` or `saddr [!=] { A, B, … }`: holds when the address is inside
/// any element (negated: inside none).
public struct AddressMatch: Sendable, Equatable {
    public var negated: Bool
    /// One element for the plain form; several for an anonymous set.
    public var elements: [Located<IPPrefix>]
    /// Whether the source used `{ … }`.
    public var isSet: Bool
    /// From the field keyword to the end of its value.
    public var range: SourceRange

    public init(negated: Bool, elements: [Located<IPPrefix>], isSet: Bool = false, range: SourceRange) {
        self.negated = negated
        self.elements = elements
        self.isSet = isSet
        self.range = range
    }
}

/// `dport [!=] P`, `dport P-Q` or `dport { P, Q-R, … }`.
public struct PortMatch: Sendable, Equatable {
    public var negated: Bool
    public var elements: [Located<PortRange>]
    public var isSet: Bool
    public var range: SourceRange

    public init(negated: Bool, elements: [Located<PortRange>], isSet: Bool = false, range: SourceRange) {
        self.negated = negated
        self.elements = elements
        self.isSet = isSet
        self.range = range
    }
}

/// An inclusive port range; a single port is `lo == hi`.
public struct PortRange: Sendable, Hashable {
    public var lo: UInt16
    public var hi: UInt16
    public init(_ lo: UInt16, _ hi: UInt16) {
        self.lo = lo
        self.hi = hi
    }
    public init(_ port: UInt16) { self.init(port, port) }
    public func contains(_ port: UInt16) -> Bool { lo <= port && port <= hi }
}

/// An IPv4 or IPv6 prefix, always stored with the host bits cleared.
public enum IPPrefix: Sendable, Hashable {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)
}

public struct IPv4Prefix: Sendable, Hashable, CustomStringConvertible {
    /// Host byte order, host bits zero.
    public var address: UInt32
    public var length: UInt8

    public init(address: UInt32, length: UInt8) {
        self.length = min(length, 32)
        self.address = address & IPv4Prefix.mask(self.length)
    }

    public var mask: UInt32 { IPv4Prefix.mask(length) }
    public static func mask(_ length: UInt8) -> UInt32 {
        length == 0 ? 0 : UInt32.max << (32 - UInt32(length))
    }
    public func contains(_ addr: UInt32) -> Bool { addr & mask == address }

    public var description: String {
        let a = address
        let dotted = "\(a >> 24).\((a >> 16) & 0xff).\((a >> 8) & 0xff).\(a & 0xff)"
        return length == 32 ? dotted : "\(dotted)/\(length)"
    }
}

public struct IPv6Prefix: Sendable, Hashable {
    /// The 128-bit address as two host-order halves, host bits zero.
    public var high: UInt64
    public var low: UInt64
    public var length: UInt8

    public init(high: UInt64, low: UInt64, length: UInt8) {
        self.length = min(length, 128)
        let (mh, ml) = IPv6Prefix.mask(self.length)
        self.high = high & mh
        self.low = low & ml
    }

    public static func mask(_ length: UInt8) -> (UInt64, UInt64) {
        let l = Int(length)
        let mh: UInt64 = l == 0 ? 0 : (l >= 64 ? UInt64.max : UInt64.max << UInt64(64 - l))
        let ml: UInt64 = l <= 64 ? 0 : (l >= 128 ? UInt64.max : UInt64.max << UInt64(128 - l))
        return (mh, ml)
    }

    public func contains(high h: UInt64, low l: UInt64) -> Bool {
        let (mh, ml) = IPv6Prefix.mask(length)
        return h & mh == high && l & ml == low
    }
}
