import Foundation
import SfunnelToolchain
import Testing

/// Whether these run: they need root (namespaces, tc, BPF). With `CI=true`
/// they always run, so a machine that cannot run them fails instead of skipping.
enum E2E {
    static let enabled = ProcessInfo.processInfo.environment["CI"] == "true" || geteuid() == 0
}

/// sfunnelc as a user runs it, between real sockets in network namespaces:
/// client → router (DNAT + SNAT) → server, funnel on the client's egress,
/// unfunnel on the server's ingress, default offloads on.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct EndToEndTests {
    struct Funnel: Sendable, CustomTestStringConvertible {
        var name: String
        var client: String
        var server: String
        /// What every packet on the router's links must look like ({client}, {service},
        /// {router}, {server}: the lab's addresses, `NetLab.fill`).
        var onClientLink: String
        var onServerLink: String
        var testDescription: String { name }
    }

    static let tcpFunnel = Funnel(
        name: "TCP funnel",
        client: "ip udp dport 2055 actions funnel tcp dport 179 sport 540\n",
        server: "ip tcp dport 179 sport 540 actions unfunnel udp\n",
        onClientLink: "IP {client}.540 > {service}.179: Flags [S]",
        onServerLink: "IP {router}.540 > {server}.179: Flags [S]")

    static let udpFunnel = Funnel(
        name: "UDP funnel",
        client: "ip udp dport 2055 actions funnel udp dport 4242 sport 540\n",
        server: "ip udp dport 4242 sport 540 actions unfunnel udp\n",
        onClientLink: "IP {client}.540 > {service}.4242: UDP",
        onServerLink: "IP {router}.540 > {server}.4242: UDP")

    static let sizes = [1, 7, 100, 1000, 1400]

    /// Writes `files` into a fresh folder, removed afterwards.
    static func withFiles(_ files: [String: String], _ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        try body(dir)
    }

    static func sha256(_ text: String) throws -> String {
        String(try Shell.run(["sha256sum"], stdin: text).stdout.prefix(64))
    }

    @discardableResult
    static func attach(_ args: [String]) throws -> Shell.Result {
        let r = try Shell.sfunnelc(["attach"] + args)
        #expect(r.status == 0, "attach \(args): \(r.stderr)")
        return r
    }

    /// Attaches `funnel` (the client's egress, the server's ingress), sends
    /// datagrams of every size to the service, and checks that each arrives
    /// byte-exact and that every packet on the router's links is funneled.
    /// Returns how many datagrams went through. `attachArgs` go to both attaches.
    @discardableResult
    static func funnelDatagrams(_ funnel: Funnel, lab: NetLab, attachArgs: [String] = []) throws -> Int {
        let count = sizes.count * 2
        try withFiles(["client.rules": funnel.client, "server.rules": funnel.server]) { dir in
            try attach([dir.appendingPathComponent("client.rules").path, "--iface", "c0",
                        "--direction", "egress", "--netns", lab.client] + attachArgs)
            try attach([dir.appendingPathComponent("server.rules").path, "--iface", "s0",
                        "--direction", "ingress", "--netns", lab.server] + attachArgs)
            let receiver = try lab.receiver(port: 2055, count: count)
            let fromClient = try lab.capture("r0"), toServer = try lab.capture("r1")
            let sent = try lab.send(port: 2055, sizes: sizes, count: count)
            let received = datagrams(receiver.finish())
            usleep(300_000)
            fromClient.stop()
            toServer.stop()

            #expect(sent.count == count)
            #expect(received.sorted() == sent.sorted(), "sent:\n\(sent)\nreceived:\n\(received)")
            for (capture, shape) in [(fromClient, funnel.onClientLink), (toServer, funnel.onServerLink)] {
                let seen = packets(capture.text), shape = lab.fill(shape)
                #expect(seen.count == count, "\(capture.text)")
                #expect(seen.allSatisfy { $0.contains(shape) }, "expected only \(shape):\n\(capture.text)")
            }
        }
        return count
    }

    @Test(arguments: [tcpFunnel, udpFunnel])
    func datagramsArriveByteExactThroughNAT(funnel: Funnel) throws {
        try NetLab.with { lab in
            try Self.funnelDatagrams(funnel, lab: lab)
            // status names the running rulesets by their bytes.
            let status = try Shell.sfunnelc(["status", "--netns", lab.client, "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            let entries = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(entries.count == 1)
            let ruleset = entries.first?["ruleset"] as? [String: Any]
            #expect(ruleset?["sha256"] as? String == (try Self.sha256(funnel.client)))
            #expect(ruleset?["rules"] as? Int == 1)
            #expect(ruleset?["form"] as? String == "tree")
            #expect(entries.first?["interface"] as? String == "c0")
            #expect(entries.first?["direction"] as? String == "egress")
            #expect((entries.first?["program"] as? [String: Any])?["name"] as? String == "sfunnel")
            #expect(entries.first?["hook"] as? String == "clsact")
        }
    }

    /// Without the funnel the service does not forward port 2055: what
    /// arrives in the other tests arrived because it was funneled.
    @Test func withoutFunnelNothingArrives() throws {
        try NetLab.with { lab in
            let receiver = try lab.receiver(port: 2055, count: 1, idle: 1.5)
            _ = try lab.send(port: 2055, sizes: [100], count: 2)
            #expect(datagrams(receiver.finish()).isEmpty)
        }
    }

    @Test func reloadWhileTrafficFlowsLosesNothing() throws {
        let a = Self.tcpFunnel
        // Another ruleset that treats this traffic the same way.
        let b = Funnel(name: "B", client: a.client + "ip udp dport 9999 actions drop\n",
                       server: a.server + "ip udp dport 9999 actions drop\n",
                       onClientLink: a.onClientLink, onServerLink: a.onServerLink)
        try NetLab.with { lab in
            try Self.withFiles(["a-client.rules": a.client, "a-server.rules": a.server,
                                "b-client.rules": b.client, "b-server.rules": b.server]) { dir in
                for name in ["a-client", "a-server", "b-client", "b-server"] {
                    let r = try Shell.sfunnelc(["compile", dir.appendingPathComponent("\(name).rules").path])
                    #expect(r.status == 0, "\(r.stderr)")
                }
                func attach(_ set: String) throws {
                    try Self.attach(["--object", dir.appendingPathComponent("\(set)-client.o").path, "--iface", "c0",
                                     "--direction", "egress", "--netns", lab.client])
                    try Self.attach(["--object", dir.appendingPathComponent("\(set)-server.o").path, "--iface", "s0",
                                     "--direction", "ingress", "--netns", lab.server])
                }
                try attach("a")
                // The kernel's own account of every filter change on both hooks: an
                // in-place swap is reported as "replaced filter"; a window without a
                // program would show as "deleted filter" then "added filter".
                let monitors = try [lab.client, lab.server].map {
                    try Background(lab.exec($0, ["stdbuf", "-oL", "tc", "monitor"]), name: "monitor")
                }
                try attach("a")  // replacing a program by itself: once seen, the monitors listen
                for m in monitors { try m.wait(for: "replaced filter") }
                let count = 1500
                let receiver = try lab.receiver(port: 2055, count: count)
                let sender = try Background(lab.exec(lab.client, ["python3", NetLab.udpflows, "send", lab.service, "2055",
                                                                  "--sizes", "64,700,1400", "--count", String(count),
                                                                  "--interval", "0.001"]), name: "send")
                var swaps = 0
                while sender.process.isRunning || swaps < 4 {
                    try attach(swaps % 2 == 0 ? "b" : "a")
                    swaps += 1
                }
                if swaps % 2 == 0 { try attach("b"); swaps += 1 }  // the last swap (an odd count) was to b
                let sent = datagrams(sender.finish())
                let received = datagrams(receiver.finish())
                #expect(swaps >= 4)
                #expect(sent.count == count)
                #expect(received.count == sent.count, "sent \(sent.count), received \(received.count) over \(swaps) swaps")
                #expect(received.sorted() == sent.sorted())

                for m in monitors {
                    let deadline = Date().addingTimeInterval(5)
                    func changes() -> [String] { m.text.split(separator: "\n").map(String.init).filter { $0.contains(" filter ") } }
                    while changes().count < swaps + 1 && Date() < deadline { usleep(20_000) }
                    m.stop()
                    #expect(changes().count == swaps + 1, "\(m.text)")
                    #expect(changes().allSatisfy { $0.hasPrefix("replaced filter ") && $0.contains("handle 0x5f5f0002") },
                            "every change must be an in-place replace:\n\(m.text)")
                }

                // Still one filter of ours, at the same handle: replaced in place, never added.
                let filters = try Shell.must(lab.exec(lab.client, ["tc", "filter", "show", "dev", "c0", "egress"]))
                #expect(filters.components(separatedBy: "handle 0x5f5f").count - 1 == 1, "\(filters)")
                #expect(filters.contains("pref 24415"))

                let status = try Shell.sfunnelc(["status", "--netns", lab.client])
                #expect(status.stdout.contains("c0 egress: program "), "\(status.stdout)")
                #expect(status.stdout.contains("ruleset sha256:\(try Self.sha256(b.client)) (2 rules)"), "\(status.stdout)")
            }
        }
    }

    @Test func detachLeavesInterfacesAsTheyWere() throws {
        try NetLab.with { lab in
            try Self.withFiles(["x.rules": Self.tcpFunnel.client]) { dir in
                let rules = dir.appendingPathComponent("x.rules").path

                // No clsact before: none after.
                let clientBefore = try lab.tcState(lab.client)
                try Self.attach([rules, "--iface", "c0", "--direction", "both", "--netns", lab.client])
                #expect(try lab.tcState(lab.client) != clientBefore)
                var r = try Shell.sfunnelc(["detach", "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 0, "\(r.stderr)")
                #expect(r.stderr.contains("clsact qdisc removed"))
                #expect(try lab.tcState(lab.client) == clientBefore)

                // A clsact with somebody else's filter before: both stay.
                try Shell.must(lab.exec(lab.router, ["tc", "qdisc", "add", "dev", "r1", "clsact"]))
                try Shell.must(lab.exec(lab.router, ["tc", "filter", "add", "dev", "r1", "egress", "prio", "7",
                                                     "u32", "match", "u32", "0", "0"]))
                let routerBefore = try lab.tcState(lab.router)
                try Self.attach([rules, "--iface", "r1", "r0", "--direction", "both", "--netns", lab.router])
                r = try Shell.sfunnelc(["detach", "--iface", "r1", "r0", "--netns", lab.router])
                #expect(r.status == 0, "\(r.stderr)")
                #expect(try lab.tcState(lab.router) == routerBefore, "\(r.stderr)")

                // Somebody adds a filter to the clsact sfunnelc created: it stays, with the qdisc.
                try Self.attach([rules, "--iface", "c0", "--netns", lab.client])
                try Shell.must(lab.exec(lab.client, ["tc", "filter", "add", "dev", "c0", "egress", "prio", "7",
                                                     "u32", "match", "u32", "0", "0"]))
                let withTheirs = try lab.tcState(lab.client)
                r = try Shell.sfunnelc(["detach", "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 0)
                let after = try lab.tcState(lab.client)
                #expect(after.contains("clsact"))
                #expect(after.contains("u32"))
                #expect(!after.contains("sfunnel"))
                #expect(after != withTheirs)

                // Detaching again: nothing to do, not an error.
                r = try Shell.sfunnelc(["detach", "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 0)
                #expect(r.stderr.contains("nothing of sfunnelc's attached"))
            }
        }
    }

    @Test func dropInModeFromEnvironmentOnly() throws {
        try NetLab.with { lab in
            let client = "ip udp dport 2055 actions funnel tcp dport 179 sport 540; ip udp dport 4739 actions funnel tcp dport 179 sport 540"
            let server = "ip tcp dport 179 sport 540 actions unfunnel udp"
            let before = try lab.tcState(lab.client) + lab.tcState(lab.server)
            var r = try Shell.sfunnelc(["attach"], env: ["SFUNNEL_RULESET": client, "NETNS": lab.client, "DIRECTION": "egress",
                                                         "DEBUG": "1"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("drop-in mode"))
            #expect(r.stderr.contains("with trace output (bpf_printk)"))
            #expect(r.stderr.contains("c0 egress: attached program"))
            // IFACES unset: every interface but lo, i.e. s0.
            r = try Shell.sfunnelc(["attach"], env: ["SFUNNEL_RULESET": server, "NETNS": lab.server])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("s0 ingress: attached program"))
            #expect(!r.stderr.contains("lo "))

            let receiver = try lab.receiver(port: 2055, count: 3)
            let sent = try lab.send(port: 2055, sizes: [10, 500, 1400], count: 3)
            #expect(datagrams(receiver.finish()).sorted() == sent.sorted())

            let status = try Shell.sfunnelc(["status", "--netns", lab.client])
            #expect(status.stdout.contains("c0 egress: program"))
            #expect(status.stdout.contains("ruleset sha256:\(try Self.sha256(client)) (2 rules)"), "\(status.stdout)")

            r = try Shell.sfunnelc(["attach"], env: ["CLEAN": "1", "NETNS": lab.client, "DIRECTION": "egress", "SFUNNEL_RULESET": ""])
            #expect(r.status == 0, "\(r.stderr)")
            r = try Shell.sfunnelc(["attach"], env: ["CLEAN": "1", "NETNS": lab.server, "IFACES": "s0", "SFUNNEL_RULESET": ""])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try lab.tcState(lab.client) + lab.tcState(lab.server) == before)
        }
    }

    /// /etc/sfunnel/ruleset (a ConfigMap in Kubernetes), and SFUNNEL_RULESET
    /// winning over it. The file exists only in a private mount namespace,
    /// on an overlay of /etc.
    @Test func dropInRulesetFileAndPrecedence() throws {
        try NetLab.with { lab in
            let fileRules = "ip udp dport 2055 actions funnel tcp dport 179 sport 540\n"
            let envRules = "ip udp dport 2055 actions funnel udp dport 4242 sport 540"
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-e2e-etc-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("upper/sfunnel"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("work"), withIntermediateDirectories: true)
            try Data(fileRules.utf8).write(to: dir.appendingPathComponent("upper/sfunnel/ruleset"))
            func dropIn(_ env: [String: String]) throws -> Shell.Result {
                try Shell.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               "mount -t overlay overlay -o lowerdir=/etc,upperdir=\(dir.path)/upper,workdir=\(dir.path)/work /etc && exec \"$0\" attach",
                               Shell.sfunnelc], env: env)
            }
            var r = try dropIn(["SFUNNEL_RULESET": "", "NETNS": lab.client, "DIRECTION": "egress"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("ruleset /etc/sfunnel/ruleset: 1 rule"), "\(r.stderr)")
            var status = try Shell.sfunnelc(["status", "--netns", lab.client])
            #expect(status.stdout.contains("ruleset sha256:\(try Self.sha256(fileRules)) (1 rule)"), "\(status.stdout)")

            r = try dropIn(["SFUNNEL_RULESET": envRules, "NETNS": lab.client, "DIRECTION": "egress"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("ruleset SFUNNEL_RULESET: 1 rule"), "\(r.stderr)")
            #expect(r.stderr.contains("c0 egress: replaced program"))
            status = try Shell.sfunnelc(["status", "--netns", lab.client])
            #expect(status.stdout.contains("ruleset sha256:\(try Self.sha256(envRules)) (1 rule)"), "\(status.stdout)")
        }
    }

    /// The qdisc sfunnelc created goes with the last filter of sfunnelc's,
    /// whichever direction that is and in whatever order they were attached.
    @Test func createdQdiscGoesWithTheLastFilter() throws {
        try NetLab.with { lab in
            try Self.withFiles(["x.rules": Self.tcpFunnel.client]) { dir in
                let rules = dir.appendingPathComponent("x.rules").path
                try Self.attach([rules, "--iface", "c0", "--direction", "ingress", "--netns", lab.client])
                try Self.attach([rules, "--iface", "c0", "--direction", "egress", "--netns", lab.client])
                let filters = try Shell.must(lab.exec(lab.client, ["tc", "filter", "show", "dev", "c0", "egress"]))
                #expect(filters.contains("handle 0x5f5f0002"), "the egress filter inherits 'sfunnelc created the qdisc':\n\(filters)")
                var r = try Shell.sfunnelc(["detach", "--iface", "c0", "--direction", "ingress", "--netns", lab.client])
                #expect(r.status == 0)
                #expect(!r.stderr.contains("qdisc removed"))
                #expect(try lab.tcState(lab.client).contains("clsact"))
                r = try Shell.sfunnelc(["detach", "--iface", "c0", "--direction", "egress", "--netns", lab.client])
                #expect(r.stderr.contains("clsact qdisc removed"), "\(r.stderr)")
                #expect(!(try lab.tcState(lab.client)).contains("clsact"))
            }
        }
    }

    /// An object sfunnelc did not generate: attached and listed, ruleset unknown.
    @Test func foreignObjectHasNoRulesetIdentity() throws {
        let c = """
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>

            SEC("tc")
            int passthrough(struct __sk_buff *skb)
            {
            	return -1;
            }

            char _license[] SEC("license") = "GPL";

            """
        try NetLab.with { lab in
            try ErrorCaseTests.object(c) { path in
                try Self.attach(["--object", path, "--iface", "c0", "--netns", lab.client])
                let status = try Shell.sfunnelc(["status", "--iface", "c0", "--netns", lab.client])
                #expect(status.stdout.contains("c0 ingress: program "), "\(status.stdout)")
                #expect(status.stdout.contains(" passthrough tag "))
                #expect(status.stdout.contains("ruleset unknown (not compiled by sfunnelc)"))
            }
        }
    }

    /// Interfaces that never appear: N_ATTEMPTS tries, RETRY_DELAY apart, then a clear error.
    @Test func dropInRetriesThenSaysWhatToDo() throws {
        try NetLab.with { lab in
            let start = Date()
            let r = try Shell.sfunnelc(["attach"], env: ["SFUNNEL_RULESET": "ip tcp actions accept", "NETNS": lab.client,
                                                         "IFACES": "eth7", "N_ATTEMPTS": "3", "RETRY_DELAY": "0.2"])
            #expect(r.status == 3)
            #expect(r.stderr.contains("attempt 2 of 3"), "\(r.stderr)")
            #expect(r.stderr.contains("error: no interface eth7 in this network namespace"))
            #expect(Date().timeIntervalSince(start) >= 0.4)
        }
    }
}

/// The README's demo must keep working: scripts/lab with this build's sfunnelc.
@Suite(.enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct LabScriptTests {
    @Test func labShowsTheFunnelWorking() throws {
        let r = try Shell.run([Shell.repo.appendingPathComponent("scripts/lab").path],
                              env: ["SFUNNELC": Shell.sfunnelc], timeout: 120)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("the collector received nothing"))
        #expect(r.stdout.contains("OK: 3 of 3 datagrams arrived intact"), "\(r.stdout)")
        #expect(r.stdout.contains("179: sent 46 bytes, got them back intact"), "\(r.stdout)")
        let rules = Shell.repo.appendingPathComponent("examples/telemetry/funnel.rules").path
        let digest = String(try Shell.must(["sha256sum", rules]).prefix(64))
        #expect(r.stdout.contains("c0 egress: program "), "\(r.stdout)")
        #expect(r.stdout.contains("ruleset sha256:\(digest) ("), "\(r.stdout)")
        let wire = packets(r.stdout)
        #expect(wire.count == 6, "three datagrams on each of the router's two links:\n\(r.stdout)")
        #expect(wire.allSatisfy { $0.contains(".179: Flags [S]") }, "\(r.stdout)")
    }
}
