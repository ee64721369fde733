/// Why clang could not produce an object, with what the user should do.
public enum ToolchainError: Error, Sendable, CustomStringConvertible {
    case clangNotFound(searched: [String])
    case cannotRun(path: String, reason: String)
    case compileFailed(status: Int32, log: String, hint: String?)

    public var description: String {
        switch self {
        case .clangNotFound(let searched):
            return "clang not found (looked at: \(searched.joined(separator: ", "))); "
                + "install it (apt-get install clang), or name one with --clang PATH or $CLANG"
        case .cannotRun(let path, let reason):
            return "cannot run clang at \(path): \(reason)"
        case .compileFailed(let status, let log, let hint):
            var s = "clang failed (exit status \(status))"
            if let hint { s += ": \(hint)" }
            let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(separator: "\n")
            if !tail.isEmpty { s += "\n" + tail }
            return s
        }
    }

    /// True when the problem is the machine (exit status 3), not the ruleset.
    public var isEnvironmental: Bool {
        switch self {
        case .clangNotFound, .cannotRun: return true
        case .compileFailed(_, _, let hint): return hint != nil
        }
    }
}
