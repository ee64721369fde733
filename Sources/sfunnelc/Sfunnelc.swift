import ArgumentParser
import Foundation

/// The `sfunnelc` command: only lists the subcommands (one file each).
@main
struct Sfunnelc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfunnelc",
        abstract: "Compile packet funneling rules into tc BPF programs.",
        discussion: """
            Exit status: 0 success, 1 invalid ruleset or input, 2 usage error, \
            3 environment problem (clang missing, no permission, ...).
            """,
        version: SfunnelcVersion.string,
        subcommands: [Compile.self, Check.self, Attach.self, Detach.self, Status.self]
    )

    /// Like ParsableCommand.main(), but usage errors exit with 2 (cli.md).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

enum SfunnelcVersion {
    static let string = "0.1.0"
}

/// cli.md's exit statuses.
enum ExitStatus: Int32 {
    case success = 0
    case invalidInput = 1
    case usage = 2
    case environment = 3

    var exitCode: ExitCode { ExitCode(rawValue) }
}
