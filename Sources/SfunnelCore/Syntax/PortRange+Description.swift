extension PortRange: CustomStringConvertible {
    /// `80` or `1000-2000`, as written in rules.
    public var description: String { lo == hi ? "\(lo)" : "\(lo)-\(hi)" }
}
