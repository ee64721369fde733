import Glibc

/// What went wrong between an object file and the kernel, and what to do.
public enum LoaderError: Error, Sendable, CustomStringConvertible {
    case open(path: String, errno: Int32)
    case load(path: String, errno: Int32, verifierLog: String)
    case testRun(errno: Int32)
    case noProgram(path: String)
    case bpffsNotMounted(path: String, pinPath: String)
    case noSuchInterface(String)
    case noSuchNetns(String)
    case netns(name: String, errno: Int32)
    case hook(interface: String, errno: Int32)
    case attach(interface: String, direction: String, errno: Int32)
    case detach(interface: String, direction: String, errno: Int32)
    case programInfo(id: UInt32, errno: Int32)
    case tcxUnsupported(interface: String)
    case tcxProgramName(name: String)
    case tcxQuery(interface: String, direction: String, errno: Int32)

    static let privilegeHint = "run as root, or grant CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN (for --netns)"

    public var description: String {
        switch self {
        case .open(let path, let e):
            return "cannot open BPF object \(path): \(LoaderError.text(e))"
        case .load(let path, let e, let log):
            var s = "the kernel refused to load \(path): \(LoaderError.text(e))"
            if (e == EPERM || e == EACCES) && log.isEmpty {
                s += "; loading BPF programs needs privileges: " + LoaderError.privilegeHint
            }
            let tail = LoaderError.usefulTail(of: log)
            if !tail.isEmpty { s += "\nverifier log (last lines):\n" + tail }
            return s
        case .testRun(let e):
            return "BPF_PROG_TEST_RUN failed: \(LoaderError.text(e))"
        case .noProgram(let path):
            return "\(path) has no tc program (SEC(\"tc\") or SEC(\"classifier\")); is it a tc object?"
        case .bpffsNotMounted(let path, let pin):
            return "\(path) pins a map at \(pin), but bpffs is not mounted at \(BPFFileSystem.path): "
                + "mount it (mount -t bpf bpf \(BPFFileSystem.path)), or in Kubernetes mount the host's \(BPFFileSystem.path) into the container"
        case .noSuchInterface(let name):
            return "no interface \(name) in this network namespace; list them with `ip link` (or pass --netns NAME)"
        case .noSuchNetns(let name):
            return "no network namespace \(name) in /var/run/netns; list them with `ip netns list` (in a container, mount the host's /var/run/netns)"
        case .netns(let name, let e):
            var s = "cannot enter network namespace \(name): \(LoaderError.text(e))"
            if e == EPERM { s += "; " + LoaderError.privilegeHint }
            return s
        case .hook(let interface, let e):
            return "cannot set up the clsact qdisc on \(interface): \(LoaderError.text(e))" + LoaderError.advice(e)
        case .attach(let interface, let direction, let e):
            return "cannot attach to \(interface) \(direction): \(LoaderError.text(e))" + LoaderError.advice(e)
        case .detach(let interface, let direction, let e):
            return "cannot detach from \(interface) \(direction): \(LoaderError.text(e))" + LoaderError.advice(e)
        case .programInfo(let id, let e):
            return "cannot read program \(id) from the kernel: \(LoaderError.text(e))" + LoaderError.advice(e)
        case .tcxUnsupported(let interface):
            return "cannot attach to \(interface) with --hook tcx: this kernel has no TCX hooks (Linux 6.6 or later); "
                + "attach with --hook clsact (the default)"
        case .tcxProgramName(let name):
            return "--hook tcx attaches only a program named \(TCXHook.programName) (as sfunnelc compiles it), "
                + "because the name is how sfunnelc finds its own on a TCX hook; this object's is \(name): "
                + "rename its entry point, or attach it with --hook clsact"
        case .tcxQuery(let interface, let direction, let e):
            return "cannot list the programs on \(interface) \(direction) (TCX): \(LoaderError.text(e))" + LoaderError.advice(e)
        }
    }

    /// True for a verifier rejection: the program is at fault (exit status
    /// 1), not the machine (3). The verifier wrote a log (and usually says
    /// EACCES or EINVAL); a refusal for lack of privileges (EPERM) comes
    /// before it runs and leaves the log empty.
    public var isVerifierRejection: Bool {
        if case .load(_, let e, let log) = self { return !log.isEmpty && e != EPERM }
        return false
    }

    static func advice(_ e: Int32) -> String {
        (e == EPERM || e == EACCES) ? "; " + privilegeHint : ""
    }

    static func text(_ e: Int32) -> String { String(cString: strerror(e)) }

    /// The end of a verifier log, where it says why it gave up.
    static func usefulTail(of log: String, lines: Int = 12) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
