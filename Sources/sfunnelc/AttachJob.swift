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
                        try attachWithRetries(interface: name, programFD: program.fd)
                    }
                }
            }
        } catch let error as LoaderError {
            throw LoaderFailure.exit(error)
        }
    }

    private func attachWithRetries(interface: String, programFD: Int32) throws(LoaderError) {
        var attempt = 1
        while true {
            do {
                for direction in directions {
                    let hook = try TCHook(interface: interface, direction: direction)
                    let done = try hook.attach(programFD: programFD)
                    Console.error("sfunnelc: \(interface) \(direction.rawValue): \(AttachJob.describe(done))")
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

    static func describe(_ a: TCHook.Attached) -> String {
        if let old = a.replacedProgramID {
            return "replaced program \(old) with \(a.programID) in place"
        }
        return "attached program \(a.programID)" + (a.createdQdisc ? " (clsact qdisc created)" : "")
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
