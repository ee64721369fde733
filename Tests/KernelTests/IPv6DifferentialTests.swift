import Foundation
import SfunnelCore
import SfunnelTestSupport
import Testing

/// Rulesets that mix IPv4 and IPv6 rules, compiled with both strategies and
/// run in the kernel on random IPv4 and IPv6 packets, against the reference
/// interpreter: the verdict and what the action did to the frame's length.
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF); runs always when CI=true"))
struct IPv6DifferentialTests {
    @Test(arguments: [Strategy.tree, Strategy.linear])
    func mixedRulesetsAgreeWithInterpreter(_ strategy: Strategy) throws {
        var gen = RandomRulesets(seed: 0x1f6_0ff)
        var disagreements: [String] = []
        var hits = Set<String>()
        for round in 0..<10 {
            let text = gen.mixedRuleset(count: 6 + round * 3)
            let program = try KernelSupport.load(rules: text, strategy: strategy)
            for i in 0..<60 {
                let got: Outcome, expected: Outcome, packet: String
                if i % 2 == 0 {
                    let p = gen.packet6()
                    let frame = IPv6Frames.frame(p, payloadSize: 40)
                    let result = try program.run(frame)
                    got = Outcome(retval: result.retval, growth: result.packet.count - frame.count)
                    let index = Interpreter.firstMatch(program.ruleset, p)
                    expected = Outcome(index.map { program.ruleset.rules[$0].action.value }, packet6: p)
                    hits.insert("v6 \(index.map { "\(program.ruleset.rules[$0].action.value)" } ?? "none")")
                    packet = "\(p)"
                } else {
                    let p = gen.packet()
                    let frame = RandomPackets.frame(p, payloadSize: 40)
                    let result = try program.run(frame)
                    got = Outcome(retval: result.retval, growth: result.packet.count - frame.count)
                    let action = Interpreter.action(program.ruleset, p)
                    expected = Outcome(action, packet: p)
                    hits.insert("v4 \(action.map { "\($0)" } ?? "none")")
                    packet = "\(p)"
                }
                if got != expected, disagreements.count < 5 {
                    disagreements.append("\(packet): kernel \(got), interpreter \(expected)\n\(text)")
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n---\n"))")
        // Both families reached rules with every kind of action, and no rule.
        for family in ["v4", "v6"] {
            for kind in ["none", "accept", "drop", "funnel", "unfunnel"] {
                #expect(hits.contains { $0.hasPrefix("\(family) \(kind)") }, "no \(family) packet got \(kind): \(hits)")
            }
        }
        #expect(hits.contains { $0.hasPrefix("v6 funnel") && $0.contains("encapIP: true") }, "\(hits)")
    }
}

extension Outcome {
    init(_ action: Action?, packet6 p: PacketDescription6) {
        switch action {
        case .funnel(let f)? where f.encapIP: self.init(retval: 0, growth: 48)
        default:
            // The same as IPv4: +20/+8 for a funnel, minus the outer header for an unfunnel.
            self.init(action, packet: PacketDescription(saddr: 0, daddr: 0, proto: p.proto))
        }
    }
}

/// Well-formed Ethernet/IPv6 frames: fixed header, then a 20-byte TCP,
/// 8-byte UDP or 8-byte ICMPv6 header and the payload.
enum IPv6Frames {
    static func frame(_ p: PacketDescription6, payloadSize: Int = 16) -> [UInt8] {
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> UInt64(56 - 8 * $0)) & 0xff) } }
        let payload = [UInt8](repeating: 0xab, count: payloadSize)
        var l4: [UInt8]
        switch p.proto {
        case 6:
            l4 = be16(p.sport) + be16(p.dport) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10] + be16(512) + [0, 0, 0, 0]
        case 17:
            l4 = be16(p.sport) + be16(p.dport) + be16(UInt16(8 + payload.count)) + [0x12, 0x34]
        default:
            l4 = [128, 0, 0, 0, 0, 1, 0, 1]
        }
        l4 += payload
        let ip: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(l4.count)) + [p.proto, 64]
            + be64(p.saddr.high) + be64(p.saddr.low) + be64(p.daddr.high) + be64(p.daddr.low)
        let eth: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]
        return eth + ip + l4
    }
}
