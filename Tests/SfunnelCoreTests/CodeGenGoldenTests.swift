import Foundation
@testable import SfunnelCore
import Testing

/// The emitted C, compared with golden files. Re-record with SFUNNELC_RECORD=1.
struct CodeGenGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let examples = root.appendingPathComponent("../../examples").standardizedFileURL

    /// (ruleset file, golden C file)
    static let cases: [(String, String)] = [
        ("telemetry/funnel.rules", "telemetry-funnel.c"),
        ("telemetry/unfunnel.rules", "telemetry-unfunnel.c"),
        ("../Tests/SfunnelCoreTests/Golden/codegen/matches.rules", "matches.c"),
    ]

    @Test(arguments: cases)
    func goldenC(_ rulesPath: String, _ golden: String) throws {
        let url = Self.examples.appendingPathComponent(rulesPath)
        let file = SourceFile(name: url.lastPathComponent, text: try String(contentsOf: url, encoding: .utf8))
        let (ruleset, diagnostics) = Frontend.load(file)
        #expect(!diagnostics.hasErrors, "\(DiagnosticRenderer(file: file).render(diagnostics))")
        let c = CEmitter.emit(ruleset, source: file, sourceName: url.lastPathComponent, strategy: .linear)
        try Golden.check(c, against: Self.root.appendingPathComponent("Golden/codegen/\(golden)"))
    }

    /// Same input, same bytes: emitting twice, or from a copy, changes nothing.
    @Test func deterministic() throws {
        let url = Self.examples.appendingPathComponent("telemetry/funnel.rules")
        let text = try String(contentsOf: url, encoding: .utf8)
        let a = SourceFile(name: "/one/place/funnel.rules", text: text)
        let b = SourceFile(name: "/another/place/funnel.rules", text: text)
        let ra = Frontend.load(a).ruleset
        let rb = Frontend.load(b).ruleset
        #expect(CEmitter.emit(ra, source: a, sourceName: "funnel.rules")
            == CEmitter.emit(rb, source: b, sourceName: "funnel.rules"))
    }

    /// Nothing in a ruleset can end the comment that quotes it or inject C.
    @Test func ruleTextCannotEscapeItsComment() {
        #expect(CEmitter.commentSafe("a */ int x; /* b") == "a * / int x; / * b")
        #expect(CEmitter.commentSafe("*//*") == "* // *")
        #expect(CEmitter.commentSafe("caf\u{e9}\u{7}") == "caf??")
        let text = "ip udp dport 53 actions accept # */ int injected; /*\n"
        let file = SourceFile(name: "x.rules", text: text)
        let c = CEmitter.emit(Frontend.load(file).ruleset, source: file, sourceName: "x.rules */ evil")
        #expect(!c.contains("injected"))
        #expect(!c.contains("*/ evil"))
    }

    /// Each distinct action gets one shared block, numbered by first use.
    @Test func actionsAreShared() {
        let text = """
            udp dport 1 actions accept
            udp dport 2 actions drop
            udp dport 3 actions accept
            """
        let file = SourceFile(name: "x.rules", text: text)
        let c = CEmitter.emitRules(Frontend.load(file).ruleset, source: file)
        #expect(c.components(separatedBy: "case ").count - 1 == 2)
        #expect(c.contains("== 3)\n\t\treturn 1;"))
    }
}

/// Golden-file comparison with a unified diff on mismatch.
enum Golden {
    static var recording: Bool { ProcessInfo.processInfo.environment["SFUNNELC_RECORD"] == "1" }

    static func check(_ actual: String, against url: URL,
                      sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        if recording {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden file \(url.path); run with SFUNNELC_RECORD=1 to create it",
                         sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record("\(url.lastPathComponent) differs (SFUNNELC_RECORD=1 re-records):\n\(unifiedDiff(expected, actual))",
                         sourceLocation: sourceLocation)
        }
    }

    /// `diff -u expected actual`, through the system diff.
    static func unifiedDiff(_ expected: String, _ actual: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let e = dir.appendingPathComponent("expected")
            let a = dir.appendingPathComponent("actual")
            try Data(expected.utf8).write(to: e)
            try Data(actual.utf8).write(to: a)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
            p.arguments = ["-u", e.path, a.path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        } catch {
            return "(no diff: \(error))\n--- expected\n\(expected)\n+++ actual\n\(actual)"
        }
    }
}
