/// Each rule of a ruleset as a product of value sets, one per field of
/// `DecisionTree.Field`: the packets the rule matches, exactly as the
/// interpreter decides it (rules.md).
///
/// - a missing match is the field's whole range; `!=` is the complement;
/// - a rule without `tcp`/`udp` covers every protocol, unless it has a port
///   match (the interpreter then requires a protocol with ports: 6 or 17);
/// - an IPv6 rule, or an IPv6 element, matches no IPv4 packet.
struct RuleSpace: Sendable {
    struct Interval: Sendable, Hashable {
        var lo: UInt32
        var hi: UInt32
    }

    /// `sets[field.rawValue][rule]`: sorted, disjoint intervals.
    let sets: [[[Interval]]]
    /// `full[field.rawValue][rule]`: the set is the field's whole range.
    let full: [[Bool]]
    let ruleCount: Int

    init(_ ruleset: Ruleset) {
        let fields = DecisionTree.Field.allCases
        var sets = [[[Interval]]](repeating: [], count: fields.count)
        for rule in ruleset.rules {
            let boxes = RuleSpace.fieldSets(rule)
            for f in fields { sets[f.rawValue].append(boxes[f.rawValue]) }
        }
        self.sets = sets
        full = fields.map { f in
            sets[f.rawValue].map { $0.count == 1 && $0[0].lo == 0 && $0[0].hi == f.maxValue }
        }
        ruleCount = ruleset.rules.count
    }

    static func fieldSets(_ rule: Rule) -> [[Interval]] {
        let fields = DecisionTree.Field.allCases
        var out = fields.map { [Interval(lo: 0, hi: $0.maxValue)] }
        if rule.effectiveFamily != .ip {
            out[DecisionTree.Field.proto.rawValue] = []
            return out
        }
        if let p = rule.proto {
            let n = UInt32(p.value.number)
            out[DecisionTree.Field.proto.rawValue] = [Interval(lo: n, hi: n)]
        } else if rule.sport != nil || rule.dport != nil {
            out[DecisionTree.Field.proto.rawValue] = [Interval(lo: 6, hi: 6), Interval(lo: 17, hi: 17)]
        }
        if let m = rule.saddr { out[DecisionTree.Field.saddr.rawValue] = addresses(m) }
        if let m = rule.daddr { out[DecisionTree.Field.daddr.rawValue] = addresses(m) }
        if let m = rule.sport { out[DecisionTree.Field.sport.rawValue] = ports(m) }
        if let m = rule.dport { out[DecisionTree.Field.dport.rawValue] = ports(m) }
        return out
    }

    private static func addresses(_ m: AddressMatch) -> [Interval] {
        var items: [IntervalSet.Interval] = []
        for element in m.elements {
            guard case .v4(let p) = element.value else { continue }
            items.append(PacketBox.interval(of: .v4(p)))
        }
        return narrow(IntervalSet(items), negated: m.negated, max: UInt32.max)
    }

    private static func ports(_ m: PortMatch) -> [Interval] {
        let items = m.elements.map {
            IntervalSet.Interval(lo: Wide(low: UInt64($0.value.lo)), hi: Wide(low: UInt64($0.value.hi)))
        }
        return narrow(IntervalSet(items), negated: m.negated, max: 65535)
    }

    private static func narrow(_ set: IntervalSet, negated: Bool, max: UInt32) -> [Interval] {
        let s = negated ? set.complement(within: Wide(low: UInt64(max))) : set
        return s.intervals.map { Interval(lo: UInt32($0.lo.low), hi: UInt32($0.hi.low)) }
    }
}
