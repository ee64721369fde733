import Foundation
import SfunnelCore
import Testing

/// `check --peer`: funnels the other end would not undo.
struct PeerCheckTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/peer")

    static func load(_ name: String, text: String? = nil) throws -> (SourceFile, Ruleset) {
        let body = try text ?? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        let file = SourceFile(name: name, text: body)
        let (ruleset, diagnostics) = Frontend.load(file)
        #expect(!diagnostics.hasErrors)
        return (file, ruleset)
    }

    /// Rendered with notes pointing into the peer's file.
    @Test func golden() throws {
        let (ours, ourRules) = try Self.load("telemetry.rules")
        let (peer, peerRules) = try Self.load("telemetry.peer.rules")
        let diagnostics = PeerCheck.check(ourRules, peer: peerRules, peerFile: peer)
        #expect(diagnostics.map(\.id) == [.peerNoUnfunnel, .peerNoUnfunnel, .peerWrongInner])
        try Golden.check(DiagnosticRenderer(file: ours).render(diagnostics),
                         against: Self.folder.appendingPathComponent("telemetry.stderr"))
    }

    /// (our rule, peer rules, expected ids)
    static let cases: [(String, String, [DiagnosticID])] = [
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "tcp dport 179 sport 540 actions unfunnel udp", []),
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "tcp dport 179 actions unfunnel udp", []),
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "tcp dport 170-180 actions unfunnel udp", []),
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "udp dport 179 sport 540 actions unfunnel udp", [.peerNoUnfunnel]),
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "tcp dport 179 sport != 540 actions unfunnel udp", [.peerNoUnfunnel]),
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "tcp dport 179 sport 540 actions unfunnel tcp", [.peerWrongInner]),
        ("ip udp dport 2055 actions funnel tcp dport 179 sport 540", "daddr 10.0.0.1 actions drop\ntcp dport 179 actions unfunnel udp", [.peerNoUnfunnel]),
        ("ip udp dport 2055 actions funnel udp dport 4789 sport 1 encap ip", "udp dport 4789 sport 1 actions unfunnel ip", []),
        ("ip udp dport 2055 actions funnel udp dport 4789 sport 1 encap ip", "udp dport 4789 sport 1 actions unfunnel udp", [.peerWrongInner]),
        ("ip udp dport 53 actions accept", "", []),
    ]

    @Test(arguments: cases)
    func table(_ c: (String, String, [DiagnosticID])) throws {
        let (_, ours) = try Self.load("ours.rules", text: c.0)
        let (peer, peerRules) = try Self.load("peer.rules", text: c.1)
        #expect(PeerCheck.check(ours, peer: peerRules, peerFile: peer).map(\.id) == c.2)
    }
}
