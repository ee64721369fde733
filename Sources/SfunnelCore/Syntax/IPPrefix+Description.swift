extension IPPrefix: CustomStringConvertible {
    public var description: String {
        switch self {
        case .v4(let p): return p.description
        case .v6(let p): return p.description
        }
    }

    public var family: IPFamily {
        switch self {
        case .v4: return .ip
        case .v6: return .ip6
        }
    }
}
