/// What makes two rules the same for the duplicate-rule lint: their family,
/// matches and action, without source ranges; set elements are unordered and
/// `dport 80` equals `dport { 80 }`.
struct RuleKey: Hashable {
    struct AddressKey: Hashable {
        var negated: Bool
        var elements: Set<IPPrefix>
    }
    struct PortKey: Hashable {
        var negated: Bool
        var elements: Set<PortRange>
    }

    var family: IPFamily
    var saddr: AddressKey?
    var daddr: AddressKey?
    var proto: L4Protocol?
    var sport: PortKey?
    var dport: PortKey?
    var action: Action

    init(_ rule: Rule) {
        family = rule.family ?? rule.effectiveFamily
        saddr = rule.saddr.map { AddressKey(negated: $0.negated, elements: Set($0.elements.map(\.value))) }
        daddr = rule.daddr.map { AddressKey(negated: $0.negated, elements: Set($0.elements.map(\.value))) }
        proto = rule.proto?.value
        sport = rule.sport.map { PortKey(negated: $0.negated, elements: Set($0.elements.map(\.value))) }
        dport = rule.dport.map { PortKey(negated: $0.negated, elements: Set($0.elements.map(\.value))) }
        action = rule.action.value
    }
}
