import CLibBPF

/// One of the two hooks of a clsact qdisc.
public enum TCDirection: String, Sendable, CaseIterable, Codable {
    /// Packets arriving on the interface (the receiving pod: unfunnel).
    case ingress
    /// Packets leaving through the interface (the sender: funnel).
    case egress

    var attachPoint: Int32 {
        switch self {
        case .ingress: return Int32(BPF_TC_INGRESS.rawValue)
        case .egress: return Int32(BPF_TC_EGRESS.rawValue)
        }
    }

    var other: TCDirection { self == .ingress ? .egress : .ingress }
}
