import Foundation
import SfunnelTestSupport

/// The end-to-end tests' shell: ProcessRunner plus what only they need.
enum Shell {
    typealias Result = ProcessResult

    static let repo = ProcessRunner.repo
    static var sfunnelc: String { ProcessRunner.sfunnelc }

    /// Runs `argv` to completion (killed after `timeout` seconds).
    @discardableResult
    static func run(_ argv: [String], env: [String: String] = [:], stdin: String? = nil,
                    timeout: Double = 60) throws -> Result {
        try ProcessRunner.run(argv, env: env, stdin: stdin, timeout: timeout)
    }

    /// Runs and requires success.
    @discardableResult
    static func must(_ argv: [String], env: [String: String] = [:]) throws -> String {
        let r = try run(argv, env: env)
        guard r.status == 0 else {
            throw E2EError("\(argv.joined(separator: " ")) failed (\(r.status)):\n\(r.stdout)\(r.stderr)")
        }
        return r.stdout
    }

    static func sfunnelc(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> Result {
        try run([sfunnelc] + args, env: env, stdin: stdin)
    }
}

/// A process left running (a receiver, a capture) whose output goes to a file.
final class Background {
    let process = Process()
    let output: URL

    init(_ argv: [String], name: String) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-e2e-\(name)-\(UUID().uuidString.prefix(8)).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", "60"] + argv
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: output)
    }

    var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Waits until the output contains `marker`.
    func wait(for marker: String, timeout: Double = 10) throws {
        let end = Date().addingTimeInterval(timeout)
        while !text.contains(marker) {
            guard Date() < end, process.isRunning else {
                throw E2EError("never saw \"\(marker)\"; output:\n\(text)")
            }
            usleep(20_000)
        }
    }

    /// Kills the process group that `timeout` leads (it and the command).
    /// SIGKILL, because processes started from the test runner inherit a
    /// signal mask that blocks SIGINT and SIGTERM; output is line-buffered,
    /// so nothing written is lost.
    func stop() {
        if process.isRunning { kill(-process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func finish() -> String {
        process.waitUntilExit()
        return text
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
