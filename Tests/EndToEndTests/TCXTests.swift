import CLibBPF
import Foundation
import SfunnelLoader
import Testing

/// `attach --hook tcx` (Linux 6.6+): the same funnels on TCX hooks, no qdisc;
/// replacing, moving between hook kinds and detaching leave no window and
/// touch nobody else's program.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct TCXTests {
    static func status(_ ns: String) throws -> [[String: Any]] {
        let r = try Shell.sfunnelc(["status", "--netns", ns, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
    }

    static func programID(_ entry: [String: Any]) -> Int? {
        (entry["program"] as? [String: Any])?["id"] as? Int
    }

    @Test(arguments: [EndToEndTests.tcpFunnel, EndToEndTests.udpFunnel])
    func datagramsArriveByteExactThroughTCXHooks(funnel: EndToEndTests.Funnel) throws {
        try NetLab.with { lab in
            let before = try lab.tcState(lab.client) + lab.tcState(lab.server)
            try EndToEndTests.funnelDatagrams(funnel, lab: lab, attachArgs: ["--hook", "tcx"])
            // No qdisc, no filter: the programs are on the TCX hooks.
            #expect(try lab.tcState(lab.client) + lab.tcState(lab.server) == before)
            let entries = try Self.status(lab.client)
            #expect(entries.count == 1, "\(entries)")
            #expect(entries.first?["hook"] as? String == "tcx")
            #expect(entries.first?["direction"] as? String == "egress")
            #expect(entries.first?["clsactDropped"] == nil)
            #expect((entries.first?["ruleset"] as? [String: Any])?["sha256"] as? String
                    == (try EndToEndTests.sha256(funnel.client)))
            let text = try Shell.sfunnelc(["status", "--netns", lab.server])
            #expect(text.stdout.hasPrefix("s0 ingress (TCX): program "), "\(text.stdout)")
        }
    }

    /// Datagrams keep flowing, none lost, while the client's and the
    /// server's programs are replaced on their TCX hooks, moved to clsact
    /// and back: an unfunneled datagram to port 2055 would go nowhere (the
    /// service does not forward it), so a window without a program would
    /// lose some. At the end one program of ours per hook, and the
    /// interfaces' qdiscs as they were.
    ///
    /// The clsact qdiscs are there before (somebody else's): the kernel
    /// drops what is sent while a clsact qdisc is created or removed
    /// (attach.md, "Creating the qdisc drops packets"), and this test is
    /// about sfunnelc's order of steps, not that.
    @Test func replaceAndMoveWhileTrafficFlowsLosesNothing() throws {
        let a = EndToEndTests.tcpFunnel
        try NetLab.with { lab in
            try Shell.must(lab.exec(lab.client, ["tc", "qdisc", "add", "dev", "c0", "clsact"]))
            try Shell.must(lab.exec(lab.server, ["tc", "qdisc", "add", "dev", "s0", "clsact"]))
            let before = try lab.tcState(lab.client) + lab.tcState(lab.server)
            try EndToEndTests.withFiles(["client.rules": a.client, "server.rules": a.server]) { dir in
                for name in ["client", "server"] {
                    let r = try Shell.sfunnelc(["compile", dir.appendingPathComponent("\(name).rules").path])
                    #expect(r.status == 0, "\(r.stderr)")
                }
                func attach(_ hook: String) throws -> [String] {
                    [try EndToEndTests.attach(["--object", dir.appendingPathComponent("client.o").path, "--iface", "c0",
                                               "--direction", "egress", "--netns", lab.client, "--hook", hook]).stderr,
                     try EndToEndTests.attach(["--object", dir.appendingPathComponent("server.o").path, "--iface", "s0",
                                               "--direction", "ingress", "--netns", lab.server, "--hook", hook]).stderr]
                }
                let first = try attach("tcx")
                #expect(first.allSatisfy { $0.contains("attached program") && $0.contains("(TCX)") }, "\(first)")
                let count = 1500
                let receiver = try lab.receiver(port: 2055, count: count)
                let sender = try Background(lab.exec(lab.client, ["python3", NetLab.udpflows, "send", lab.service, "2055",
                                                                  "--sizes", "64,700,1400", "--count", String(count),
                                                                  "--interval", "0.001"]), name: "send")
                // tcx → tcx (in place), → clsact (moved), → tcx (moved back), repeated.
                let order = ["tcx", "clsact", "tcx"]
                var steps: [String] = []
                while sender.process.isRunning || steps.count < 6 {
                    let hook = order[steps.count % order.count]
                    steps.append(hook)
                    let said = try attach(hook)
                    let previous = steps.count >= 2 ? steps[steps.count - 2] : "tcx"
                    for s in said {
                        if hook == "tcx" && previous == "tcx" {
                            #expect(s.contains("in place (TCX)"), "\(s)")
                        } else if hook == "clsact" {
                            #expect(s.contains("removed program") && s.contains("from the TCX hook"), "\(s)")
                        } else {
                            #expect(s.contains("from the clsact hook") && !s.contains("qdisc"), "\(s)")
                        }
                    }
                }
                if steps.last != "tcx" { _ = try attach("tcx") }
                let sent = datagrams(sender.finish())
                let received = datagrams(receiver.finish())
                #expect(sent.count == count)
                #expect(received.count == sent.count, "sent \(sent.count), received \(received.count) over \(steps)")
                #expect(Set(sent).subtracting(received).isEmpty && Set(received).subtracting(sent).isEmpty,
                        "lost \(Set(sent).subtracting(received).count), unexpected \(Set(received).subtracting(sent).count)")

                for ns in [lab.client, lab.server] {
                    let entries = try Self.status(ns)
                    #expect(entries.count == 1, "\(ns): \(entries)")
                    #expect(entries.first?["hook"] as? String == "tcx")
                }
                #expect(try lab.tcState(lab.client) + lab.tcState(lab.server) == before)
                let r = try Shell.sfunnelc(["detach", "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 0)
                #expect(r.stderr.contains("c0 egress: detached program") && r.stderr.contains("(TCX)"), "\(r.stderr)")
                #expect(r.stderr.contains("c0 ingress: nothing of sfunnelc's attached"), "\(r.stderr)")
                #expect(try Self.status(lab.client).isEmpty)
            }
        }
    }

    /// The sfunnel container's environment with `--hook tcx` on the command
    /// line: attached to TCX, no qdisc; `CLEAN=1` removes it.
    @Test func dropInModeWithTCXHook() throws {
        let u = EndToEndTests.udpFunnel
        try NetLab.with { lab in
            let before = try lab.tcState(lab.client) + lab.tcState(lab.server)
            var r = try Shell.sfunnelc(["attach", "--hook", "tcx"],
                                       env: ["SFUNNEL_RULESET": u.client, "NETNS": lab.client, "DIRECTION": "egress"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("c0 egress: attached program") && r.stderr.contains("(TCX)"), "\(r.stderr)")
            r = try Shell.sfunnelc(["attach", "--hook", "tcx"], env: ["SFUNNEL_RULESET": u.server, "NETNS": lab.server])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try lab.tcState(lab.client) + lab.tcState(lab.server) == before)

            let receiver = try lab.receiver(port: 2055, count: 3)
            let sent = try lab.send(port: 2055, sizes: [10, 500, 1400], count: 3)
            #expect(datagrams(receiver.finish()).sorted() == sent.sorted())
            #expect(try Self.status(lab.server).first?["hook"] as? String == "tcx")

            for ns in [lab.client, lab.server] {
                r = try Shell.sfunnelc(["attach"], env: ["CLEAN": "1", "NETNS": ns, "DIRECTION": "both", "SFUNNEL_RULESET": ""])
                #expect(r.status == 0, "\(r.stderr)")
                #expect(r.stderr.contains("(TCX)"), "\(r.stderr)")
                #expect(try Self.status(ns).isEmpty)
            }
        }
    }

    static let passthrough = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>

        SEC("tc")
        int passthrough(struct __sk_buff *skb)
        {
        	return -1;	/* TC_ACT_UNSPEC: the next program runs */
        }

        char _license[] SEC("license") = "GPL";

        """

    /// Somebody else's programs on the same TCX hook: sfunnelc's runs after
    /// the one before it, is replaced in its place, and attaching, replacing
    /// and detaching leave the others there. An object
    /// whose program is not named sfunnel is refused for TCX (sfunnelc
    /// could not find it again), with nothing attached.
    @Test func othersProgramsOnTheTCXHookStay() throws {
        try NetLab.with { lab in
            try ErrorCaseTests.object(Self.passthrough) { path in
                let object = try BPFObject(path: path)
                try object.load()
                let program = try #require(object.tcProgram())
                let ifindex = try NetworkNamespace.run(lab.client) { Int32(if_nametoindex("c0")) }
                try NetworkNamespace.run(lab.client) {
                    #expect(sfc_tcx_attach(ifindex, SFC_TCX_EGRESS, program.fd, -1) == 0)
                }
                func hookPrograms() throws -> [UInt32] {
                    try NetworkNamespace.run(lab.client) {
                        var ids = [UInt32](repeating: 0, count: 8)
                        var count = UInt32(ids.count)
                        #expect(ids.withUnsafeMutableBufferPointer {
                            sfc_tcx_query(ifindex, SFC_TCX_EGRESS, $0.baseAddress, &count)
                        } == 0)
                        return Array(ids.prefix(Int(count)))
                    }
                }
                let theirs = try hookPrograms()
                #expect(theirs.count == 1)

                let refused = try Shell.sfunnelc(["attach", "--object", path, "--iface", "c0", "--direction", "egress",
                                                  "--netns", lab.client, "--hook", "tcx"])
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("only a program named sfunnel"), "\(refused.stderr)")
                #expect(refused.stderr.contains("this object's is passthrough"), "\(refused.stderr)")
                #expect(try hookPrograms() == theirs)

                // Theirs says UNSPEC, so ours runs next: the funnel works behind it.
                try EndToEndTests.funnelDatagrams(EndToEndTests.udpFunnel, lab: lab, attachArgs: ["--hook", "tcx"])
                let ours = try hookPrograms()
                #expect(ours.count == 2 && ours.first == theirs.first, "\(ours)")

                // A third program behind ours; replacing ours keeps its place
                // in the list (a detach and attach would put it last).
                let another = try BPFObject(path: path)
                try another.load()
                let third = try #require(another.tcProgram())
                try NetworkNamespace.run(lab.client) {
                    #expect(sfc_tcx_attach(ifindex, SFC_TCX_EGRESS, third.fd, -1) == 0)
                }
                let three = try hookPrograms()
                #expect(three.count == 3 && Array(three.prefix(2)) == ours, "\(three)")
                try EndToEndTests.funnelDatagrams(EndToEndTests.udpFunnel, lab: lab, attachArgs: ["--hook", "tcx"])
                let replaced = try hookPrograms()
                #expect(replaced.count == 3, "\(replaced)")
                #expect(replaced.first == theirs.first && replaced.last == three.last, "\(three) -> \(replaced)")
                let middle = try ProgramInfo(id: replaced[1])
                #expect(replaced[1] != ours[1] && middle.name == "sfunnel", "\(replaced)")

                let r = try Shell.sfunnelc(["detach", "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 0, "\(r.stderr)")
                #expect(try hookPrograms() == [theirs[0], three[2]])
                #expect(try Self.status(lab.client).isEmpty)
            }
        }
    }
}
