/// The packets a rule matches, as a product of one `IntervalSet` per field:
/// source address, destination address, IP protocol (0-255), source port and
/// destination port (0-65535).
///
/// A rule without `tcp`/`udp` covers every protocol and, since ports mean
/// nothing for other protocols, every port; a negated match is the
/// complement of its elements. Every rule is exactly one box.
struct PacketBox: Hashable, Sendable {
    static let fieldCount = 5
    var fields: [IntervalSet]

    init(fields: [IntervalSet]) { self.fields = fields }

    init(_ rule: Rule) {
        let family = rule.family ?? rule.effectiveFamily
        let addressMax = family == .ip6 ? Wide.max : Wide(low: UInt64(UInt32.max))
        let portMax = Wide(low: 65535)
        func addresses(_ match: AddressMatch?) -> IntervalSet {
            guard let match else { return .range(.zero, addressMax) }
            let set = IntervalSet(match.elements.map { PacketBox.interval(of: $0.value) })
            return match.negated ? set.complement(within: addressMax) : set
        }
        func ports(_ match: PortMatch?) -> IntervalSet {
            guard let match else { return .range(.zero, portMax) }
            let set = IntervalSet(match.elements.map {
                IntervalSet.Interval(lo: Wide(low: UInt64($0.value.lo)), hi: Wide(low: UInt64($0.value.hi)))
            })
            return match.negated ? set.complement(within: portMax) : set
        }
        let proto: IntervalSet
        if let p = rule.proto {
            proto = .range(Wide(low: UInt64(p.value.number)), Wide(low: UInt64(p.value.number)))
        } else {
            proto = .range(.zero, Wide(low: 255))
        }
        fields = [addresses(rule.saddr), addresses(rule.daddr), proto, ports(rule.sport), ports(rule.dport)]
    }

    /// The addresses of a prefix as one interval.
    static func interval(of prefix: IPPrefix) -> IntervalSet.Interval {
        switch prefix {
        case .v4(let p):
            let lo = UInt64(p.address)
            return .init(lo: Wide(low: lo), hi: Wide(low: lo | UInt64(~p.mask)))
        case .v6(let p):
            let (mh, ml) = IPv6Prefix.mask(p.length)
            return .init(lo: Wide(high: p.high, low: p.low), hi: Wide(high: p.high | ~mh, low: p.low | ~ml))
        }
    }

    var isEmpty: Bool { fields.contains { $0.isEmpty } }

    func intersects(_ other: PacketBox) -> Bool {
        for i in 0..<PacketBox.fieldCount where !fields[i].intersects(other.fields[i]) { return false }
        return true
    }

    func contains(_ other: PacketBox) -> Bool {
        for i in 0..<PacketBox.fieldCount where !other.fields[i].isSubset(of: fields[i]) { return false }
        return true
    }

    /// `self` minus `other` as disjoint boxes (at most one per field): the
    /// packets outside `other` in field 0; then those inside it in field 0
    /// but outside in field 1; and so on. Only called when they intersect.
    func subtracting(_ other: PacketBox) -> [PacketBox] {
        var out: [PacketBox] = []
        var rest = self
        for i in 0..<PacketBox.fieldCount {
            let outside = rest.fields[i].subtracting(other.fields[i])
            if !outside.isEmpty {
                var piece = rest
                piece.fields[i] = outside
                out.append(piece)
            }
            rest.fields[i] = rest.fields[i].intersection(other.fields[i])
        }
        return out
    }
}
