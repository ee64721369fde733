/// A message about the ruleset, pointing at the source.
///
/// Messages are made only by the factories in `Diagnostic+Messages.swift`,
/// so that their wording lives in one place and each has a stable id.
public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
        case note
    }

    /// A secondary location, such as the earlier rule that shadows this one.
    public struct Note: Sendable, Equatable {
        public var message: String
        public var range: SourceRange?
        /// The file `range` points into when it is not the diagnostic's own
        /// (the peer ruleset of `check --peer`).
        public var file: SourceFile?
        public init(_ message: String, at range: SourceRange? = nil, in file: SourceFile? = nil) {
            self.message = message
            self.range = range
            self.file = file
        }
    }

    public var id: DiagnosticID
    public var severity: Severity
    public var message: String
    public var range: SourceRange
    public var notes: [Note]

    public init(id: DiagnosticID, severity: Severity, message: String, range: SourceRange, notes: [Note] = []) {
        self.id = id
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
