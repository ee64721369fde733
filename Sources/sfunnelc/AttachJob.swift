import ArgumentParser
import Foundation
import SfunnelCore
import SfunnelLoader
import SfunnelToolchain

/// One `attach`: where the program comes from, where it goes, how hard to try.
struct AttachJob {
    enum Program {
        /// Ruleset text: checked, compiled with clang, then loaded.
        case ruleset(text: String, displayName: String, baseName: String)
        /// An object file as it is (from `sfunnelc compile`, or any tc object).
        case object(path: String)
    }

    var program: Program
    /// nil: every interface of the namespace but lo (drop-in default).
    var ifaces: [String]?
    var directions: [TCDirection]
    var netns: String?
    var hook: Hook = .clsact
    var debug = false
    var clang: String?
    var warningsAsErrors = false
    var attempts = 1
    var retryDelay: Double = 0

    func run() throws {
        let workDir = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-attach-\(getpid())-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: workDir) }
        let objectPath: String
        switch program {
        case .object(let path):
            objectPath = path
        case .ruleset(let text, let displayName, let baseName):
            let (file, ruleset) = try RulesetOptions.check(text: text, displayName: displayName,
                                                           warningsAsErrors: warningsAsErrors)
            let c = CEmitter.emit(ruleset, source: file, sourceName: baseName, debug: debug)
            do {
                try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
            } catch {
                Console.error("error: cannot create \(workDir.path): \(Console.reason(error))")
                throw ExitStatus.environment.exitCode
            }
            objectPath = workDir.appendingPathComponent("sfunnel.bpf.o").path
            try ObjectBuild.compile(c, to: objectPath, clang: clang)
            let rules = "\(Console.count(ruleset.rules.count, "rule"))"
            Console.error("sfunnelc: ruleset \(displayName): \(rules), sha256 \(SHA256.hex(file.bytes))\(debug ? ", with trace output (bpf_printk)" : "")")
        }

        let object: BPFObject
        let program: BPFProgram
        do {
            object = try BPFObject(path: objectPath)
            try object.load()
            guard let p = object.tcProgram() else { throw LoaderError.noProgram(path: objectPath) }
            program = p
        } catch let error as LoaderError {
            throw LoaderFailure.exit(error)
        }
        do {
            // The object owns the program's fd: it must outlive every attach
            // (afterwards the filters keep the program in the kernel).
            try withExtendedLifetime(object) {
                try NetworkNamespace.run(netns) {
                    let names = ifaces ?? NetworkInterface.allButLoopback()
                    if names.isEmpty {
                        Console.error("error: no interface to attach to (only lo here); name them with --iface or IFACES")
                        throw ExitStatus.environment.exitCode
                    }
                    for name in names {
                        try attachWithRetries(interface: name, program: program)
                    }
                }
            }
        } catch let error as LoaderError {
            throw LoaderFailure.exit(error)
        }
    }

    private func attachWithRetries(interface: String, program: BPFProgram) throws(LoaderError) {
        var attempt = 1
        while true {
            do {
                for direction in directions {
                    let message = try attach(interface: interface, direction: direction, program: program)
                    Console.error("sfunnelc: \(interface) \(direction.rawValue): \(message)")
                }
                return
            } catch {
                guard attempt < attempts else { throw error }
                Console.error("sfunnelc: \(interface): \(error); attempt \(attempt) of \(attempts), retrying in \(AttachJob.seconds(retryDelay))")
                attempt += 1
                if retryDelay > 0 { usleep(UInt32(min(retryDelay, 3600) * 1_000_000)) }
            }
        }
    }

    /// Attaches to one hook of the kind asked for, then removes what
    /// sfunnelc had on the same hook of the other kind (the new program is in
    /// place first). Returns what it did, for the log line.
    private func attach(interface: String, direction: TCDirection, program: BPFProgram) throws(LoaderError) -> String {
        let clsact = try TCHook(interface: interface, direction: direction)
        let tcx = try TCXHook(interface: interface, direction: direction)
        switch hook {
        case .clsact:
            var message = AttachJob.describe(try clsact.attach(programFD: program.fd))
            for id in try tcx.detach() { message += "; removed program \(id) from the TCX hook" }
            return message
        case .tcx:
            var message = AttachJob.describe(try tcx.attach(programFD: program.fd, programName: program.name))
            if case .removed(let id, let removedQdisc) = try clsact.detach() {
                message += "; removed program \(id) from the clsact hook"
                    + (removedQdisc ? " (and the clsact qdisc: sfunnelc had created it)" : "")
            }
            return message
        }
    }

    static func describe(_ a: TCHook.Attached) -> String {
        if let old = a.replacedProgramID {
            return "replaced program \(old) with \(a.programID) in place"
        }
        return "attached program \(a.programID)" + (a.createdQdisc ? " (clsact qdisc created)" : "")
    }

    static func describe(_ a: TCXHook.Attached) -> String {
        if let old = a.replacedProgramID {
            return "replaced program \(old) with \(a.programID) in place (TCX)"
        }
        return "attached program \(a.programID) (TCX)"
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
