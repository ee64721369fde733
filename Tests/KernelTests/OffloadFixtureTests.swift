import Foundation
import Glibc
import SfunnelLoader
import SfunnelTestSupport
import Testing

/// GSO super-packets, MTU and MSS clamping (docs/datapath.md, "GSO, MTU and
/// MSS"), against frames built with scapy (Fixtures/offload.py). A case with
/// an MTU runs on a veth device of that MTU in a network namespace of its
/// own: BPF_PROG_TEST_RUN takes the packet's device from the calling
/// thread's namespace, and `bpf_check_mtu` reads that device's MTU.
@Suite(.enabled(if: KernelSupport.enabled, "needs root (CAP_BPF, CAP_NET_ADMIN); runs always when CI=true"))
struct OffloadFixtureTests {
    private static let programs = ProgramCache()

    @Test func generatorRuns() throws {
        let fixtures = try OffloadFixtures.load()
        #expect(fixtures.cases.count >= 40)
        #expect(fixtures.cases.contains { ($0.mtu ?? 0) != 0 && $0.verdict == "shot" })
        #expect(fixtures.cases.contains { ($0.gso_size ?? 0) != 0 })
    }

    @Test(arguments: OffloadFixtures.allCases)
    func packet(_ c: PacketFixtures.Case) throws {
        let program = try Self.programs.program(for: c.rules)
        let input = [UInt8](hex: c.input)
        let gso = TestRunContext(gsoSize: c.gso_size ?? 0, gsoSegments: c.gso_segs ?? 0)
        let result: TestRunResult
        if let mtu = c.mtu, mtu != 0 {
            result = try DeviceNamespace.with(mtu: mtu) { ifindex in
                var context = gso
                context.ifindex = ifindex
                return try program.program.testRun(packet: input, context: context)
            }
        } else {
            result = try program.program.testRun(packet: input, context: gso)
        }
        let verdict = try #require(Verdict(retval: result.retval), "unexpected return value \(result.retval)")
        #expect(verdict.rawValue == c.verdict, "\(c.name): verdict")
        let expected = [UInt8](hex: c.output)
        if verdict != .shot {
            #expect(result.packet == expected, "\(c.name): \(frameDiff(expected: expected, actual: result.packet))")
        } else {
            // A dropped packet was dropped before anything was changed.
            #expect(result.packet == input, "\(c.name): dropped, but changed first")
        }
    }
}

/// A throwaway network namespace holding a veth device of a given MTU (this
/// kernel has no dummy devices).
enum DeviceNamespace {
    static func with<T>(mtu: Int, _ body: (UInt32) throws -> T) throws -> T {
        let name = "sfunnelc-mtu-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try ip(["netns", "add", name])
        defer { _ = try? ProcessRunner.run(["ip", "netns", "del", name]) }
        try ip(["-n", name, "link", "add", "sfmtu0", "mtu", String(mtu), "type", "veth", "peer", "name", "sfmtu1"])
        try ip(["-n", name, "link", "set", "sfmtu0", "up"])
        return try NetworkNamespace.run(name) {
            let index = if_nametoindex("sfmtu0")
            guard index != 0 else { throw KernelTestError("sfmtu0 not found in \(name)") }
            return try body(index)
        }
    }

    private static func ip(_ args: [String]) throws {
        let r = try ProcessRunner.run(["ip"] + args)
        guard r.status == 0 else { throw KernelTestError("ip \(args.joined(separator: " ")): \(r.stderr)") }
    }
}
