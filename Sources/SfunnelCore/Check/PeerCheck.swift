/// `check --peer`: does the other end undo our funnels?
///
/// For every funnel rule, the packets it produces (its protocol and ports)
/// are matched against the peer's rules in order, ignoring addresses (NAT
/// changes them on the way, and the peer usually does not know ours). The
/// first peer rule that matches must be an unfunnel to the protocol that is
/// underneath: the rule's own `tcp`/`udp`, or `ip` for `encap ip`.
public enum PeerCheck {
    public static func check(_ ours: Ruleset, peer: Ruleset, peerFile: SourceFile) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for rule in ours.rules {
            guard case .funnel(let f) = rule.action.value, let inner = expectedInner(rule, f) else { continue }
            let ip6 = rule.effectiveFamily == .ip6
            let outer = PacketDescription(saddr: 0, daddr: 0, proto: f.proto.number, sport: f.sport, dport: f.dport)
            let zero = IPv6Address(high: 0, low: 0)
            let outer6 = PacketDescription6(saddr: zero, daddr: zero, proto: f.proto.number, sport: f.sport, dport: f.dport)
            let funnel = "funnel \(f.proto.rawValue) sport \(f.sport) dport \(f.dport)" + (f.encapIP ? " encap ip" : "")
            let suggestion = (ip6 ? "ip6 " : "")
                + "\(f.proto.rawValue) sport \(f.sport) dport \(f.dport) actions unfunnel \(inner.rawValue)"
            let first = peer.rules.first { candidate in
                var portsOnly = candidate
                portsOnly.saddr = nil
                portsOnly.daddr = nil
                return ip6 ? Interpreter.matches(portsOnly, outer6) : Interpreter.matches(portsOnly, outer)
            }
            switch first?.action.value {
            case .unfunnel(let theirs)?:
                if theirs != inner {
                    out.append(.peerWrongInner(funnel, inner: inner.rawValue, peerInner: "unfunnel \(theirs.rawValue)",
                                               at: rule.action.range, peer: peerFile, peerRule: first!))
                }
            case let action?:
                out.append(.peerNoUnfunnel(funnel, suggestion: suggestion, at: rule.action.range, peer: peerFile,
                                           firstMatch: (first!, action.keyword)))
            case nil:
                out.append(.peerNoUnfunnel(funnel, suggestion: suggestion, at: rule.action.range, peer: peerFile,
                                           firstMatch: nil))
            }
        }
        return out
    }

    /// What the peer must unfunnel to: the funneled packet's own protocol.
    private static func expectedInner(_ rule: Rule, _ f: Funnel) -> UnfunnelInner? {
        if f.encapIP { return .ip }
        switch rule.proto?.value {
        case .tcp?: return .tcp
        case .udp?: return .udp
        case nil: return nil
        }
    }
}
