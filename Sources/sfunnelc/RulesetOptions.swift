import ArgumentParser
import Foundation
import SfunnelCore

/// The ruleset argument and the flags every ruleset-reading command shares.
struct RulesetOptions: ParsableArguments {
    @Argument(help: "The ruleset file, or - for standard input.")
    var rules: String

    @Flag(help: "Treat warnings as errors (exit status 1).")
    var warningsAsErrors = false

    /// Name used in diagnostics: the path as given, `<stdin>` for `-`.
    var displayName: String { rules == "-" ? "<stdin>" : rules }

    /// Base name used in generated output, so it does not depend on paths.
    var baseName: String {
        rules == "-" ? "stdin" : URL(fileURLWithPath: rules).lastPathComponent
    }

    /// Reads, parses and checks the ruleset, printing its diagnostics to
    /// stderr. `moreChecks` adds diagnostics of its own (run only on a
    /// ruleset without errors). Throws exit status 1 when it is not usable.
    func load(moreChecks: (Ruleset) throws -> [Diagnostic] = { _ in [] }) throws -> (file: SourceFile, ruleset: Ruleset) {
        let file = try RulesetOptions.read(rules, displayName: displayName)
        return try RulesetOptions.check(file, warningsAsErrors: warningsAsErrors, moreChecks: moreChecks)
    }

    /// Parses and checks ruleset text from anywhere (a file, an environment
    /// variable), printing its diagnostics. Throws exit status 1 when it is
    /// not usable.
    static func check(text: String, displayName: String, warningsAsErrors: Bool = false) throws -> (file: SourceFile, ruleset: Ruleset) {
        try check(SourceFile(name: displayName, text: text), warningsAsErrors: warningsAsErrors)
    }

    static func check(_ file: SourceFile, warningsAsErrors: Bool,
                      moreChecks: (Ruleset) throws -> [Diagnostic] = { _ in [] }) throws -> (file: SourceFile, ruleset: Ruleset) {
        var (ruleset, diagnostics) = Frontend.load(file)
        if !diagnostics.hasErrors {
            diagnostics += try moreChecks(ruleset)
        }
        report(diagnostics, in: file)
        let failing = diagnostics.hasErrors
            || (warningsAsErrors && diagnostics.contains { $0.severity == .warning })
        if failing { throw ExitStatus.invalidInput.exitCode }
        return (file, ruleset)
    }

    /// The text of a ruleset file, or `-` for standard input.
    static func read(_ path: String, displayName: String) throws -> SourceFile {
        do {
            let text: String
            if path == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                text = try String(contentsOfFile: path, encoding: .utf8)
            }
            return SourceFile(name: displayName, text: text)
        } catch {
            Console.error("cannot read \(path): \(Console.reason(error))")
            throw ExitStatus.invalidInput.exitCode
        }
    }

    static func report(_ diagnostics: [Diagnostic], in file: SourceFile) {
        guard !diagnostics.isEmpty else { return }
        Console.error(DiagnosticRenderer(file: file).render(diagnostics), newline: false)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        var parts: [String] = []
        if errors > 0 { parts.append(Console.count(errors, "error")) }
        if warnings > 0 { parts.append(Console.count(warnings, "warning")) }
        if !parts.isEmpty { Console.error(parts.joined(separator: ", ") + " in \(file.name)") }
    }
}

enum Console {
    static func error(_ s: String, newline: Bool = true) {
        FileHandle.standardError.write(Data((s + (newline ? "\n" : "")).utf8))
    }

    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }

    /// "1 rule", "3 rules".
    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "no such file" }
        return ns.localizedDescription
    }
}
