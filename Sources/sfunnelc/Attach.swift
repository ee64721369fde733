import ArgumentParser
import Foundation
import SfunnelLoader

/// `sfunnelc attach (RULES | --object X.o) --iface IF...`, or with neither,
/// the sfunnel container's environment (drop-in mode).
struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile if needed, load, and attach to the interfaces' clsact (or TCX) hooks.",
        discussion: """
            Creates the clsact qdisc where it is missing. Attaching where sfunnelc's \
            program already is replaces it in place, in one step; attaching with the \
            other --hook moves it (the new one first, then the old one goes). With neither RULES \
            nor --object, follows the sfunnel container's environment: SFUNNEL_RULESET \
            (or /etc/sfunnel/ruleset), IFACES (default: every interface but lo), \
            DIRECTION (default ingress), NETNS, CLEAN=1 (detach instead), DEBUG=1, \
            N_ATTEMPTS (6) and RETRY_DELAY (3 s). See docs/attach.md.
            """
    )

    @Argument(help: "The ruleset file, or - for standard input.")
    var rules: String?

    @Option(help: "Attach this BPF object (its first tc program) instead of compiling a ruleset.")
    var object: String?

    @OptionGroup var target: TargetOptions

    @Option(help: "The kind of hook: clsact (default; the clsact qdisc, created if missing) or tcx (Linux 6.6+, no qdisc, cheaper per packet; docs/attach.md).")
    var hook: Hook = .clsact

    @Flag(help: "Compile with per-packet trace output (bpf_printk, in /sys/kernel/tracing/trace_pipe).")
    var debug = false

    @Option(help: "The clang to use (default: $CLANG, then clang on PATH).")
    var clang: String?

    @Flag(help: "Treat warnings as errors (exit status 1).")
    var warningsAsErrors = false

    func validate() throws {
        if rules != nil && object != nil {
            throw ValidationError("give either RULES or --object, not both")
        }
        if object != nil && debug {
            throw ValidationError("--debug compiles the trace into a ruleset's program; an --object is attached as it is")
        }
        if (rules != nil || object != nil) && target.ifaces.isEmpty {
            throw ValidationError("name the interfaces with --iface IF...")
        }
    }

    func run() throws {
        guard rules != nil || object != nil else { return try runDropIn() }
        let program: AttachJob.Program
        if let object {
            program = .object(path: object)
        } else {
            let path = rules!
            let text: String
            do {
                text = path == "-"
                    ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    : try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                Console.error("cannot read \(path): \(Console.reason(error))")
                throw ExitStatus.invalidInput.exitCode
            }
            program = .ruleset(text: text, displayName: path == "-" ? "<stdin>" : path,
                               baseName: path == "-" ? "stdin" : URL(fileURLWithPath: path).lastPathComponent)
        }
        try AttachJob(program: program, ifaces: target.ifaces,
                      directions: (target.direction ?? .ingress).hooks, netns: target.netns, hook: hook,
                      debug: debug, clang: clang, warningsAsErrors: warningsAsErrors).run()
    }

    /// The sfunnel container's behaviour; explicit flags win over the environment.
    private func runDropIn() throws {
        let env: DropIn
        do {
            env = try DropIn.fromEnvironment()
        } catch {
            Console.error("error: \(error)")
            throw ExitStatus.invalidInput.exitCode
        }
        let ifaces = target.ifaces.isEmpty ? env.ifaces : target.ifaces
        let direction = target.direction ?? env.direction
        let netns = target.netns ?? env.netns
        Console.error("sfunnelc: drop-in mode (sfunnel container environment): \(env.clean ? "detach" : "attach"), "
                      + "interfaces \(ifaces?.joined(separator: " ") ?? "all but lo"), direction \(direction.rawValue)"
                      + (netns.map { ", netns \($0)" } ?? ""))
        if env.clean {
            try DetachJob(ifaces: ifaces, directions: direction.hooks, netns: netns).run()
            return
        }
        try AttachJob(program: .ruleset(text: env.rulesText, displayName: env.rulesOrigin, baseName: "ruleset"),
                      ifaces: ifaces, directions: direction.hooks, netns: netns, hook: hook,
                      debug: debug || env.debug, clang: clang, warningsAsErrors: warningsAsErrors,
                      attempts: env.attempts, retryDelay: env.retryDelay).run()
        Console.error("sfunnelc: done")
    }
}
