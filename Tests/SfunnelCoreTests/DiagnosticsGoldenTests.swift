import Foundation
import Testing
import SfunnelCore

/// `Golden/diagnostics/NAME.rules` → `Frontend.load` → rendered diagnostics,
/// compared with `NAME.stderr`. Re-record with `SFUNNELC_RECORD=1`.
struct DiagnosticsGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/diagnostics")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".rules") }.map { String($0.dropLast(".rules".count)) }.sorted()
    }()

    static func render(_ name: String) throws -> (String, [Diagnostic]) {
        let text = try String(contentsOf: folder.appendingPathComponent("\(name).rules"), encoding: .utf8)
        let file = SourceFile(name: "\(name).rules", text: text)
        let diagnostics = Frontend.load(file).diagnostics
        return (DiagnosticRenderer(file: file).render(diagnostics), diagnostics)
    }

    @Test func goldenFilesExist() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases)
    func golden(_ name: String) throws {
        let (actual, _) = try Self.render(name)
        let expectedURL = Self.folder.appendingPathComponent("\(name).stderr")
        if ProcessInfo.processInfo.environment["SFUNNELC_RECORD"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        if actual != expected {
            Issue.record("\(name).stderr differs (SFUNNELC_RECORD=1 re-records):\n\(unifiedDiff(expected, actual))")
        }
    }

    /// The ids the front end (parser and checker) can emit; later stages
    /// have golden tests of their own.
    static let frontEndIDs: [DiagnosticID] = [
        .unexpectedCharacter, .unknownKeyword, .expectedValue, .invalidAddress, .invalidPort, .invalidPortRange,
        .missingActions, .missingAction, .unexpectedToken, .duplicateMatch, .conflictingProtocols,
        .conflictingFamilies, .multipleActions, .unsupportedAction, .invalidFunnel, .portMatchWithoutProtocol,
        .actionNeedsProtocol, .unterminatedSet, .emptySet, .portZero, .maskedHostBits, .duplicateRule, .shadowedRule,
    ]

    /// Every front-end diagnostic id appears in some golden file.
    @Test func everyIDIsCovered() throws {
        var seen = Set<DiagnosticID>()
        for name in Self.cases { seen.formUnion(try Self.render(name).1.map(\.id)) }
        let missing = Self.frontEndIDs.filter { !seen.contains($0) }
        #expect(missing.isEmpty, "no golden file shows \(missing.map(\.rawValue))")
    }

    @Test func threeMistakesGiveThreeErrors() throws {
        let (_, diagnostics) = try Self.render("three_mistakes")
        #expect(diagnostics.filter { $0.severity == .error }.count == 3)
    }

    /// `diff -u` of two texts, through temporary files.
    func unifiedDiff(_ expected: String, _ actual: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-golden-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("expected")
        let b = dir.appendingPathComponent("actual")
        try? expected.write(to: a, atomically: true, encoding: .utf8)
        try? actual.write(to: b, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        process.arguments = ["-u", a.path, b.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return "--- expected\n\(expected)\n+++ actual\n\(actual)" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
