import Foundation
import SfunnelCore
import Testing

/// docs/diagnostics.md lists every diagnostic id, and only real ones.
struct DiagnosticsDocTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/diagnostics.md")

    @Test func everyIDIsDocumented() throws {
        let text = try String(contentsOf: Self.doc, encoding: .utf8)
        let listed = Set(text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        })
        let ids = Set(DiagnosticID.allCases.map(\.rawValue))
        #expect(ids.subtracting(listed).isEmpty, "not in docs/diagnostics.md: \(ids.subtracting(listed).sorted())")
        #expect(listed.subtracting(ids).isEmpty, "documented but not an id: \(listed.subtracting(ids).sorted())")
    }
}
