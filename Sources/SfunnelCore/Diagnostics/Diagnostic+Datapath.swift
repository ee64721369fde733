extension Diagnostic {
    /// Valid language that this version's datapath cannot run.
    public static func notYetSupported(_ what: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(id: .notYetSupported, severity: .error,
                   message: "\(what) cannot be compiled by this version of sfunnelc yet; the datapath supports IPv4 funnel/unfunnel tcp|udp, accept and drop",
                   range: range)
    }
}
