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
        try Golden.check(actual, against: Self.folder.appendingPathComponent("\(name).stderr"))
    }

    /// The ids the front end (parser and checker) can emit; later stages
    /// have golden tests of their own.
    static let frontEndIDs: [DiagnosticID] = [
        .unexpectedCharacter, .unknownKeyword, .expectedValue, .invalidAddress, .invalidPort, .invalidPortRange,
        .missingActions, .missingAction, .unexpectedToken, .duplicateMatch, .conflictingProtocols,
        .conflictingFamilies, .multipleActions, .unsupportedAction, .invalidFunnel, .portMatchWithoutProtocol,
        .actionNeedsProtocol, .unterminatedSet, .emptySet, .portZero, .maskedHostBits, .duplicateRule, .shadowedRule, .tcpFunnelWithoutEncap,
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
}
