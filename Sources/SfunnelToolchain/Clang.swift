import Foundation
import SfunnelCore

/// The clang that turns generated C into a BPF object.
///
/// Found, in this order: an explicit path (`--clang`), `$CLANG`, `clang` on
/// `PATH`. Compiles from standard input with flags that make the object
/// depend only on the C text and the clang version (no paths, no dates).
public struct Clang: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Finds clang, or says where it looked.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ToolchainError) -> Clang
    {
        if let explicit {
            guard isExecutable(explicit) else { throw .clangNotFound(searched: [explicit]) }
            return Clang(path: explicit)
        }
        if let env = environment["CLANG"], !env.isEmpty {
            if let found = resolve(env, path: environment["PATH"]) { return Clang(path: found) }
            throw .clangNotFound(searched: ["$CLANG=\(env)"])
        }
        if let found = resolve("clang", path: environment["PATH"]) { return Clang(path: found) }
        throw .clangNotFound(searched: ["clang on PATH"])
    }

    /// The flags of every compile. `-g` gives BTF, which the verifier needs
    /// to check the global matcher function on its own.
    public static func flags(includeDirs: [String] = systemIncludeDirs(), cpu: String = "v3") -> [String] {
        var f = ["-O2", "-g", "-target", "bpf", "-mcpu=\(cpu)", "-Wall", "-Werror",
                 "-fdebug-compilation-dir=.", "-fno-ident"]
        for dir in includeDirs { f += ["-idirafter", dir] }
        return f
    }

    /// Compiles `source` into the BPF object at `output`.
    ///
    /// The C goes to a fresh temporary folder under a fixed name and clang
    /// runs there, so debug info and BTF name no path of this machine.
    public func compile(source: String, output: String) throws(ToolchainError) {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("sfunnelc-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        let status: Int32
        let log: String
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(source.utf8).write(to: dir.appendingPathComponent("sfunnel.bpf.c"))
            let errURL = dir.appendingPathComponent("clang.log")
            fm.createFile(atPath: errURL.path, contents: nil)
            let errHandle = try FileHandle(forWritingTo: errURL)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            // Large decision trees need v4's 32-bit jumps (kernel 6.6+); the
            // emitter says so in the C, so the object depends on the C alone.
            let cpu = source.contains(CEmitter.v4Marker) ? "v4" : "v3"
            process.arguments = Clang.flags(cpu: cpu) + ["-c", "sfunnel.bpf.c", "-o", "sfunnel.bpf.o"]
            process.currentDirectoryURL = dir
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = errHandle
            process.standardError = errHandle
            try process.run()
            process.waitUntilExit()
            try errHandle.close()
            status = process.terminationStatus
            log = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        } catch {
            throw .cannotRun(path: path, reason: "\(error)")
        }
        guard status == 0 else {
            throw .compileFailed(status: status, log: log, hint: Clang.hint(forLog: log))
        }
        do {
            if fm.fileExists(atPath: output) { try fm.removeItem(atPath: output) }
            try fm.moveItem(at: dir.appendingPathComponent("sfunnel.bpf.o"), to: URL(fileURLWithPath: output))
        } catch {
            throw .cannotRun(path: path, reason: "cannot move the object to \(output): \(error)")
        }
    }

    /// What to install when clang's complaint is about the environment, not the code.
    static func hint(forLog log: String) -> String? {
        if log.contains("bpf/bpf_helpers.h") || log.contains("bpf/bpf_endian.h") {
            return "the libbpf headers are missing: apt-get install libbpf-dev"
        }
        if log.contains("linux/bpf.h") || log.contains("asm/types.h") || log.contains("linux/types.h") {
            return "the Linux UAPI headers are missing: apt-get install linux-libc-dev"
        }
        if log.contains("No available targets") || log.contains("unknown target triple") {
            return "this clang has no BPF backend: install Debian's clang (apt-get install clang) or pass --clang"
        }
        return nil
    }

    /// `/usr/include/<multiarch>`: `-target bpf` does not search it, but
    /// `linux/types.h` includes `asm/types.h` from there.
    public static func systemIncludeDirs() -> [String] {
        var dirs: [String] = []
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: &u.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let candidates = ["/usr/include/\(machine)-linux-gnu", "/usr/include/\(machine)-linux-musl"]
        for c in candidates where FileManager.default.fileExists(atPath: c + "/asm/types.h") {
            dirs.append(c)
        }
        return dirs
    }

    private static func isExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }

    private static func resolve(_ name: String, path: String?) -> String? {
        if name.contains("/") { return isExecutable(name) ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }
}

