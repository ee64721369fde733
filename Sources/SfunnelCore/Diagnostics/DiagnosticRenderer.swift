/// Renders diagnostics the way compilers do:
///
///     rules.txt:3:8: error: unknown match 'dprot'; did you mean 'dport'?
///     ip udp dprot 2055 actions accept
///            ^~~~~
public struct DiagnosticRenderer: Sendable {
    public var file: SourceFile

    public init(file: SourceFile) { self.file = file }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    public func render(_ d: Diagnostic) -> String {
        var out = header(d.severity.rawValue, d.message, d.range)
        out += excerpt(d.range)
        for note in d.notes {
            if let r = note.range {
                let renderer = note.file.map(DiagnosticRenderer.init(file:)) ?? self
                out += renderer.header("note", note.message, r)
                out += renderer.excerpt(r)
            } else {
                out += "\(file.name): note: \(note.message)\n"
            }
        }
        return out
    }

    private func header(_ kind: String, _ message: String, _ range: SourceRange) -> String {
        let loc = file.location(of: range.start)
        return "\(file.name):\(loc.line):\(loc.column): \(kind): \(message)\n"
    }

    /// The line holding the start of `range`, and a caret line under it:
    /// `^` at the start, `~` for the rest of the range on that line.
    private func excerpt(_ range: SourceRange) -> String {
        let loc = file.location(of: range.start)
        let line = file.lineText(loc.line)
        let endLoc = file.location(of: range.end)
        let lineLength = line.count
        var width = 1
        if endLoc.line == loc.line {
            width = max(1, endLoc.column - loc.column)
        } else {
            width = max(1, lineLength - loc.column + 1)
        }
        // Keep tabs in the caret line so the caret stays aligned.
        let lead = line.prefix(loc.column - 1).map { $0 == "\t" ? "\t" : " " }.joined()
        let marker = "^" + String(repeating: "~", count: width - 1)
        return "\(line)\n\(lead)\(marker)\n"
    }
}
