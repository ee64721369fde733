import Foundation
import SfunnelCore
import Testing

/// The compiled program against the reference interpreter on random packets:
/// every kind of match (prefixes, negation, sets, ranges, protocol-less) and
/// every action, verdicts compared packet by packet.
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF); runs always when CI=true"))
struct DifferentialTests {
    static let rulesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SfunnelCoreTests/Golden/codegen/matches.rules")

    /// The tree as code (the default for small rulesets), as tables (with
    /// and without buckets), and the chain.
    @Test(arguments: [(Strategy.tree, TreeForm.code, nil), (.tree, .table, nil), (.tree, .table, TableEmitter.Options.noBuckets),
                      (.linear, .auto, nil)])
    func compiledProgramAgreesWithInterpreter(strategy: Strategy, form: TreeForm, tables: TableEmitter.Options?) throws {
        let rules = try String(contentsOf: Self.rulesURL, encoding: .utf8)
        let program = try KernelSupport.load(rules: rules, strategy: strategy, form: form, tables: tables)
        var rng = SplitMix64(seed: 0x5f0e_11c0)
        var disagreements: [String] = []
        var seen = Set<Int?>()
        for _ in 0..<600 {
            let p = RandomPackets.packet(&rng)
            let frame = RandomPackets.frame(p)
            let result = try program.run(frame)
            let kernel = Verdict(retval: result.retval)
            let index = Interpreter.firstMatch(program.ruleset, p)
            seen.insert(index)
            let expected: Verdict
            switch index.map({ program.ruleset.rules[$0].action.value }) {
            case nil: expected = .unspec
            case .drop?: expected = .shot
            case .accept?, .funnel?, .unfunnel?: expected = .ok
            }
            if kernel != expected {
                disagreements.append("\(p): kernel \(String(describing: kernel)), interpreter rule \(String(describing: index))")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10).joined(separator: "\n"))")
        // The packets must have exercised every rule and the no-match case.
        #expect(seen.count == program.ruleset.rules.count + 1, "rules hit: \(seen)")
    }
}

/// Random packets biased towards the values the rules test, so that every
/// rule and its boundaries are hit.
enum RandomPackets {
    static let addresses: [UInt32] = [
        0x0a00_0001, 0x0a00_0002, 0x0a01_0203, 0x0a01_ffff, 0x0a02_0000, 0xac10_0001, 0xac1f_ffff, 0xac20_0000,
        0xc0a8_0101, 0xc0a9_0000, 0xcb00_7100, 0xcb00_71ff, 0xcb00_7200, 0x0808_0808,
    ]
    static let ports: [UInt16] = [0, 1, 22, 23, 53, 54, 999, 1000, 1023, 1024, 2000, 2001, 2055, 8080, 64999, 65000, 65535]

    static func packet(_ rng: inout SplitMix64) -> PacketDescription {
        let proto: UInt8 = [6, 17, 17, 6, 1][Int(rng.next() % 5)]
        var p = PacketDescription(saddr: addresses[Int(rng.next() % UInt64(addresses.count))],
                                  daddr: addresses[Int(rng.next() % UInt64(addresses.count))], proto: proto)
        if proto == 6 || proto == 17 {
            p.sport = ports[Int(rng.next() % UInt64(ports.count))]
            p.dport = ports[Int(rng.next() % UInt64(ports.count))]
        }
        return p
    }

    /// A well-formed Ethernet/IPv4 frame with a 20-byte TCP, 8-byte UDP or
    /// 8-byte ICMP header and `payloadSize` bytes of payload.
    static func frame(_ p: PacketDescription, payloadSize: Int = 16) -> [UInt8] {
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
        let payload = [UInt8](repeating: 0xab, count: payloadSize)
        var l4: [UInt8]
        switch p.proto {
        case 6:
            l4 = be16(p.sport) + be16(p.dport) + be32(1) + be32(0) + [0x50, 0x10] + be16(512) + [0, 0, 0, 0]
        case 17:
            l4 = be16(p.sport) + be16(p.dport) + be16(UInt16(8 + payload.count)) + [0, 0]
        default:
            l4 = [8, 0, 0, 0, 0, 0, 0, 0]
        }
        l4 += payload
        var ip: [UInt8] = [0x45, 0] + be16(UInt16(20 + l4.count)) + [0, 1, 0, 0, 64, p.proto, 0, 0]
        ip += be32(p.saddr) + be32(p.daddr)
        let eth: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        return eth + ip + l4
    }
}

/// A small seeded generator, so that a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
