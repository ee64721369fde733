import Glibc

/// What went wrong between an object file and the kernel, and what to do.
public enum LoaderError: Error, Sendable, CustomStringConvertible {
    case open(path: String, errno: Int32)
    case load(path: String, errno: Int32, verifierLog: String)
    case testRun(errno: Int32)

    public var description: String {
        switch self {
        case .open(let path, let e):
            return "cannot open BPF object \(path): \(LoaderError.text(e))"
        case .load(let path, let e, let log):
            var s = "the kernel refused to load \(path): \(LoaderError.text(e))"
            if (e == EPERM || e == EACCES) && log.isEmpty {
                s += " (loading BPF programs needs root, or CAP_BPF and CAP_NET_ADMIN)"
            }
            let tail = LoaderError.usefulTail(of: log)
            if !tail.isEmpty { s += "\nverifier log (last lines):\n" + tail }
            return s
        case .testRun(let e):
            return "BPF_PROG_TEST_RUN failed: \(LoaderError.text(e))"
        }
    }

    static func text(_ e: Int32) -> String { String(cString: strerror(e)) }

    /// The end of a verifier log, where it says why it gave up.
    static func usefulTail(of log: String, lines: Int = 12) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
