import Foundation
import SfunnelCore
import SfunnelLoader
import Testing

/// The compiled program, run in the kernel with BPF_PROG_TEST_RUN, against
/// frames built independently with scapy (Fixtures/packets.py).
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF); runs always when CI=true"))
struct DatapathFixtureTests {
    /// One compiled program per distinct ruleset, shared by the cases.
    private static let programs = ProgramCache()

    @Test func generatorRuns() throws {
        let fixtures = try PacketFixtures.load()
        #expect(fixtures.cases.count >= 100)
        #expect(fixtures.nat.count >= 4)
    }

    @Test(arguments: PacketFixtures.allCases)
    func packet(_ c: PacketFixtures.Case) throws {
        let program = try Self.programs.program(for: c.rules)
        let input = [UInt8](hex: c.input)
        let result = try program.run(input)
        let verdict = try #require(Verdict(retval: result.retval), "unexpected return value \(result.retval)")
        #expect(verdict.rawValue == c.verdict, "\(c.name): verdict")
        let expected = [UInt8](hex: c.output)
        if verdict != .shot {
            #expect(result.packet == expected, "\(c.name): \(frameDiff(expected: expected, actual: result.packet))")
        }
        // The reference interpreter must agree with the kernel's verdict.
        #expect(InterpreterVerdict.allowed(program.ruleset, frame: input).contains(verdict),
                "\(c.name): the interpreter disagrees with the kernel's verdict \(verdict)")
    }

    /// Funnel, NAT on the way (both addresses rewritten, IPv4 and outer L4
    /// checksums fixed incrementally, as a NAT box does), unfunnel: the
    /// receiver gets the original segment, valid for the new addresses.
    @Test(arguments: PacketFixtures.allNAT)
    func natRoundTrip(_ c: PacketFixtures.NATCase) throws {
        let funnel = try Self.programs.program(for: c.funnel_rules)
        let unfunnel = try Self.programs.program(for: c.unfunnel_rules)

        let funneled = try funnel.run([UInt8](hex: c.input))
        #expect(funneled.retval == 0)
        let expectedFunneled = [UInt8](hex: c.funneled)
        #expect(funneled.packet == expectedFunneled, "\(frameDiff(expected: expectedFunneled, actual: funneled.packet))")

        let natted = [UInt8](hex: c.natted)
        let unfunneled = try unfunnel.run(natted)
        #expect(unfunneled.retval == 0)
        let expected = [UInt8](hex: c.unfunneled)
        #expect(unfunneled.packet == expected, "\(frameDiff(expected: expected, actual: unfunneled.packet))")
    }
}

/// Compiles and loads each distinct ruleset once.
final class ProgramCache: @unchecked Sendable {
    private let lock = NSLock()
    private var programs: [String: LoadedProgram] = [:]

    func program(for rules: String) throws -> LoadedProgram {
        lock.lock()
        defer { lock.unlock() }
        if let p = programs[rules] { return p }
        let p = try KernelSupport.load(rules: rules)
        programs[rules] = p
        return p
    }
}

/// What the reference interpreter allows as a tc verdict for a frame: a frame
/// the datapath must not touch is `unspec` without classification.
enum InterpreterVerdict {
    static func allowed(_ ruleset: Ruleset, frame: [UInt8]) -> Set<Verdict> {
        let action: Action?
        if let packet = describe(frame) {
            action = Interpreter.action(ruleset, packet)
        } else if let packet = describe6(frame) {
            action = Interpreter.action(ruleset, packet)
        } else {
            return [.unspec]
        }
        switch action {
        case nil: return [.unspec]
        case .drop: return [.shot]
        case .accept: return [.ok]
        case .funnel, .unfunnel:
            // The rule matched; the action itself may still find that the
            // headers do not allow it (e.g. an inner header cut short) and
            // leave the packet alone. The byte comparison decides those.
            return [.ok, .unspec]
        }
    }

    /// The classifier's view of a well-formed Ethernet/IPv4 frame, or nil
    /// for one the datapath leaves alone. Written from wire-format.md.
    static func describe(_ f: [UInt8]) -> PacketDescription? {
        func u16(_ i: Int) -> UInt16 { UInt16(f[i]) << 8 | UInt16(f[i + 1]) }
        func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) << 16 | UInt32(u16(i + 2)) }
        guard f.count >= 34, u16(12) == 0x0800, f[14] == 0x45 else { return nil }
        guard u16(20) & 0x3fff == 0 else { return nil }  // MF or fragment offset
        let totLen = Int(u16(16))
        guard totLen >= 20, 14 + totLen <= f.count else { return nil }
        let proto = f[23]
        var p = PacketDescription(saddr: u32(26), daddr: u32(30), proto: proto)
        let l4Len = totLen - 20
        if proto == 6 {
            guard l4Len >= 20, f.count >= 54 else { return nil }
            let doff = Int(f[46] >> 4)
            guard doff >= 5, doff * 4 <= l4Len else { return nil }
        } else if proto == 17 {
            guard l4Len >= 8, f.count >= 42, Int(u16(38)) == l4Len else { return nil }
        }
        if proto == 6 || proto == 17 {
            p.sport = u16(34)
            p.dport = u16(36)
        }
        return p
    }

    /// IPv6 extension header types (IANA): such packets are never classified.
    static let extensionHeaders: Set<UInt8> = [0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254]

    /// The classifier's view of an Ethernet/IPv6 frame whose fixed header is
    /// followed directly by an upper-layer header, or nil for one the
    /// datapath leaves alone. Written from wire-format.md and datapath.md.
    static func describe6(_ f: [UInt8]) -> PacketDescription6? {
        func u16(_ i: Int) -> UInt16 { UInt16(f[i]) << 8 | UInt16(f[i + 1]) }
        func u64(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(f[i + $1]) } }
        guard f.count >= 54, u16(12) == 0x86dd, f[14] >> 4 == 6 else { return nil }
        let proto = f[20]
        guard !extensionHeaders.contains(proto) else { return nil }
        let l4Len = Int(u16(18))
        guard 54 + l4Len <= f.count else { return nil }
        var p = PacketDescription6(saddr: IPv6Address(high: u64(22), low: u64(30)),
                                   daddr: IPv6Address(high: u64(38), low: u64(46)), proto: proto)
        if proto == 6 {
            guard l4Len >= 20 else { return nil }
            let doff = Int(f[66] >> 4)
            guard doff >= 5, doff * 4 <= l4Len else { return nil }
        } else if proto == 17 {
            guard l4Len >= 8, Int(u16(58)) == l4Len else { return nil }
        }
        if proto == 6 || proto == 17 {
            p.sport = u16(54)
            p.dport = u16(56)
        }
        return p
    }
}
