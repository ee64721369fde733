import Foundation
import Testing

/// GSO super-packets under funnel rules in sfunnel's 8/20-byte format
/// (docs/datapath.md, "GSO, MTU and MSS"): the program drops them at its
/// own hook, where the clsact qdisc counts them, instead of letting them go
/// out in a form the kernel cannot segment. Two namespaces joined by one
/// veth pair, an address plan of their own.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct GSOEndToEndTests {
    static let flows = Shell.repo.appendingPathComponent("scripts/lib/gsoflows.py").path

    /// Two namespaces `<name>-a` (a0, .1) and `<name>-b` (b0, .2) on a /24 of
    /// 10.203.0.0/16 picked at random; always removed.
    struct Pair {
        let name: String
        let net: Int
        var a: String { "\(name)-a" }
        var b: String { "\(name)-b" }
        var addrA: String { "10.203.\(net).1" }
        var addrB: String { "10.203.\(net).2" }

        static func with(_ body: (Pair) throws -> Void) throws {
            let p = Pair(name: "sfg\(getpid() % 100000)x\(UUID().uuidString.prefix(6).lowercased())",
                         net: Int.random(in: 1...254))
            defer {
                _ = try? Shell.run(["ip", "netns", "del", p.a])
                _ = try? Shell.run(["ip", "netns", "del", p.b])
            }
            try Shell.must(["ip", "netns", "add", p.a])
            try Shell.must(["ip", "netns", "add", p.b])
            try Shell.must(["ip", "-n", p.a, "link", "add", "a0", "type", "veth", "peer", "name", "b0", "netns", p.b])
            try Shell.must(["ip", "-n", p.a, "addr", "add", "\(p.addrA)/24", "dev", "a0"])
            try Shell.must(["ip", "-n", p.b, "addr", "add", "\(p.addrB)/24", "dev", "b0"])
            for (ns, dev) in [(p.a, "a0"), (p.b, "b0")] {
                try Shell.must(["ip", "-n", ns, "link", "set", "lo", "up"])
                try Shell.must(["ip", "-n", ns, "link", "set", dev, "up"])
            }
            try body(p)
        }

        func exec(_ ns: String, _ argv: [String]) -> [String] { ["ip", "netns", "exec", ns] + argv }

        func attach(_ ns: String, _ dev: String, _ hook: String, rules: URL) throws {
            let r = try Shell.sfunnelc(["attach", rules.path, "--netns", ns, "--iface", dev, "--direction", hook])
            guard r.status == 0 else { throw E2EError("attach: \(r.stderr)") }
        }

        /// Packets the clsact qdisc on `dev` counted as dropped (TC_ACT_SHOT).
        func clsactDrops(_ ns: String, _ dev: String) throws -> Int {
            let out = try Shell.must(exec(ns, ["tc", "-s", "qdisc", "show", "dev", dev]))
            let lines = out.split(separator: "\n").map(String.init)
            guard let i = lines.firstIndex(where: { $0.hasPrefix("qdisc clsact") }), i + 1 < lines.count,
                  let r = lines[i + 1].range(of: #"dropped (\d+)"#, options: .regularExpression)
            else { throw E2EError("no clsact statistics on \(dev):\n\(out)") }
            return Int(lines[i + 1][r].dropFirst("dropped ".count))!
        }

        /// Packets the device itself dropped on the way out (for veth: what
        /// the kernel could not segment or deliver after tc).
        func txDropped(_ ns: String, _ dev: String) throws -> Int {
            let out = try Shell.must(exec(ns, ["cat", "/sys/class/net/\(dev)/statistics/tx_dropped"]))
            guard let n = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw E2EError("tx_dropped of \(dev): \(out)")
            }
            return n
        }
    }

    @Test func tcpSuperPacketsInSfunnelFormatAreDroppedAndCounted() throws {
        try Pair.with { p in
            try EndToEndTests.withFiles([
                "funnel.rules": "ip tcp dport 5002 actions funnel tcp sport 542 dport 179\n",
                "unfunnel.rules": "ip tcp dport 179 sport 542 actions unfunnel tcp\n",
            ]) { dir in
                try p.attach(p.a, "a0", "egress", rules: dir.appendingPathComponent("funnel.rules"))
                try p.attach(p.b, "b0", "ingress", rules: dir.appendingPathComponent("unfunnel.rules"))
                let sink = try Background(p.exec(p.b, ["python3", "-u", Self.flows, "tcp-sink", "5002"]), name: "sink")
                try sink.wait(for: "ready")
                let total = 4 << 20
                let bulk = try Shell.run(p.exec(p.a, ["python3", "-u", Self.flows, "tcp-bulk", p.addrB, "5002", String(total)]),
                                         timeout: 30)
                // The handshake (small, not GSO) is funneled and unfunneled.
                #expect(bulk.stdout.contains("connected"), "\(bulk.stdout)\(bulk.stderr)")
                let received = sink.finish()
                // Dropped at the hook, counted there; none left to die in
                // segmentation after tc (where the device counts them).
                let drops = try p.clsactDrops(p.a, "a0")
                #expect(drops > 0, "no super-packet was dropped at the hook")
                #expect(try p.txDropped(p.a, "a0") == 0, "packets the hook let through died after it")
                // `status` reports the same count as tc.
                let status = try Shell.sfunnelc(["status", "--netns", p.a, "--iface", "a0"])
                #expect(status.stdout.contains("clsact dropped \(try p.clsactDrops(p.a, "a0"))"), "\(status.stdout)")
                #expect(!received.contains("received \(total)"), "the bulk transfer got through: \(received)")
            }
        }
    }

    @Test func udpSuperPacketsUnderFunnelRulesAreDroppedAndCounted() throws {
        try Pair.with { p in
            try EndToEndTests.withFiles([
                "funnel.rules": """
                    ip udp dport 2055 actions funnel tcp sport 540 dport 179
                    ip udp dport 2056 actions funnel udp sport 540 dport 4242
                    ip udp dport 2057 actions funnel udp sport 541 dport 4789 encap ip

                    """,
            ]) { dir in
                try p.attach(p.a, "a0", "egress", rules: dir.appendingPathComponent("funnel.rules"))
                var before = try p.clsactDrops(p.a, "a0")
                for port in ["2055", "2056", "2057"] {
                    try Shell.must(p.exec(p.a, ["python3", Self.flows, "udp-gso", p.addrB, port, "1000", "3"]))
                    let now = try p.clsactDrops(p.a, "a0")
                    #expect(now == before + 1, "UDP_SEGMENT send to port \(port): \(now - before) drops at the hook")
                    before = now
                }
                // A plain datagram under the same rule is funneled, not dropped.
                try Shell.must(p.exec(p.a, ["python3", Self.flows, "udp-gso", p.addrB, "2056", "1000", "1"]))
                #expect(try p.clsactDrops(p.a, "a0") == before)
            }
        }
    }
}
