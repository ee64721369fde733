/// What the datapath template can run today. The language (rules.md) is
/// ahead of it: IPv6 and IP-in-UDP parse and check, but compiling them is
/// refused with a precise error rather than producing a program that would
/// quietly ignore them.
public enum DatapathSupport {
    public static func check(_ ruleset: Ruleset) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for rule in ruleset.rules {
            if rule.effectiveFamily == .ip6 {
                out.append(.notYetSupported("IPv6 rules", at: rule.range))
                continue
            }
            switch rule.action.value {
            case .funnel(let f) where f.encapIP:
                out.append(.notYetSupported("'encap ip' (IP-in-UDP funneling)", at: rule.action.range))
            case .unfunnel(.ip):
                out.append(.notYetSupported("'unfunnel ip'", at: rule.action.range))
            default:
                break
            }
        }
        return out
    }
}
