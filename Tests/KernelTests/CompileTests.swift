import Foundation
import SfunnelCore
import SfunnelLoader
import SfunnelTemplates
import SfunnelToolchain
import Testing

/// clang and the verifier on what sfunnelc generates.
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF); runs always when CI=true"))
struct CompileTests {
    /// The template alone (an empty ruleset) compiles with -Wall -Werror and loads.
    @Test func templateAloneLoads() throws {
        let path = try KernelSupport.compile(Templates.datapath)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let object = try BPFObject(path: path)
        try object.load()
        let program = try #require(object.program(named: "sfunnel"))
        let arp = [UInt8](repeating: 0xff, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
        #expect(try program.testRun(packet: arp).retval == -1)
    }

    /// Same ruleset, same object bytes: no paths, dates or random names inside.
    @Test func objectIsReproducible() throws {
        let rules = try String(contentsOf: KernelSupport.here()
            .appendingPathComponent("../../examples/telemetry/funnel.rules"), encoding: .utf8)
        let file = SourceFile(name: "funnel.rules", text: rules)
        let (ruleset, diagnostics) = Frontend.load(file)
        #expect(!diagnostics.hasErrors)
        let c = CEmitter.emit(ruleset, source: file, sourceName: "funnel.rules")
        let a = try KernelSupport.compile(c)
        let b = try KernelSupport.compile(c)
        defer {
            try? FileManager.default.removeItem(atPath: a)
            try? FileManager.default.removeItem(atPath: b)
        }
        // No maps of any kind, and so no global data (.data/.rodata/.bss become maps).
        #expect(try BPFObject(path: a).mapNames == [])
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: a))
        let bytesB = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(bytesA == bytesB)
        #expect(!bytesA.isEmpty)
    }

    /// A long first-match chain verifies and keeps first-match order across
    /// the matcher functions it is split into (CEmitter.chunkComparisons);
    /// so does the decision tree of the same rules.
    @Test func longChainLoadsAndKeepsOrder() throws {
        var rules = ""
        for i in 0..<3000 {
            rules += "ip saddr 10.\(i / 256).\(i % 256).0/24 udp dport \(1000 + i) actions accept\n"
        }
        rules += "ip udp dport 1000-3999 actions drop\n"
        let c = CEmitter.emitRules(Frontend.load(SourceFile(name: "x", text: rules)).ruleset,
                                   source: SourceFile(name: "x", text: rules))
        #expect(c.contains("sf_classify_3("), "expected the chain to be split")
        for strategy in Strategy.allCases {
            let program = try KernelSupport.load(rules: rules, strategy: strategy)
            let processed = try #require(program.object.verifierProcessedInstructions)
            #expect(processed < 200_000, "\(strategy): verifier processed \(processed) instructions")
            try checkOrder(program)
        }
    }

    private func checkOrder(_ program: LoadedProgram) throws {
        // The last accept rule (10.11.183.0/24, port 3999) still wins over the final drop.
        let hit = RandomPackets.frame(PacketDescription(saddr: 0x0a0b_b705, daddr: 1, proto: 17, sport: 9, dport: 3999))
        #expect(try program.run(hit).retval == 0)
        let missPrefix = RandomPackets.frame(PacketDescription(saddr: 0x0a0b_b805, daddr: 1, proto: 17, sport: 9, dport: 3999))
        #expect(try program.run(missPrefix).retval == 2)
        let none = RandomPackets.frame(PacketDescription(saddr: 0x0a0b_b705, daddr: 1, proto: 17, sport: 9, dport: 4000))
        #expect(try program.run(none).retval == -1)
    }
}
