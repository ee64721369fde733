import Foundation
import Testing

/// What a funnel does with the packet's flow hash (docs/datapath.md, "Making
/// room"): it stays. Watched on the router's r0 ingress by a filter of the
/// test's own, which drops the datagrams that come without one: every
/// datagram arrives only if each left the funnel with its hash.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct FlowHashTests {
    static let count = 20

    /// A tc program that drops IPv4 packets whose hash is `hash` (0: none)
    /// and lets everything else go on to the hook's next filter.
    static func dropping(hash: UInt32) -> String {
        ErrorCaseTests.header + """
            #include <linux/if_ether.h>
            #include <bpf/bpf_endian.h>

            SEC("tc")
            int watch(struct __sk_buff *skb)
            {
            	if (skb->protocol == bpf_htons(ETH_P_IP) && skb->hash == \(hash)u)
            		return 2;	/* TC_ACT_SHOT */
            	return -1;	/* TC_ACT_UNSPEC: the next filter */
            }

            char _license[] SEC("license") = "GPL";

            """
    }

    /// `tc` filter at priority 1 (before sfunnelc's) on `dev`'s `hook` in `ns`.
    static func addFilter(_ lab: NetLab, _ ns: String, _ dev: String, _ hook: String, object: String) throws {
        _ = try Shell.run(lab.exec(ns, ["tc", "qdisc", "add", "dev", dev, "clsact"]))  // may be there already
        _ = try Shell.must(lab.exec(ns, ["tc", "filter", "add", "dev", dev, hook, "prio", "1", "bpf", "da",
                                     "obj", object, "sec", "tc"]))
    }

    /// `udp funnel` on the client's egress and its inverse on the server's
    /// ingress; `count` datagrams from one connected socket (which gives
    /// each an L4 hash) to the service's port 2055. Returns how many arrived.
    static func funnelFromConnectedSocket(_ lab: NetLab, before: () throws -> Void) throws -> Int {
        var arrived = 0
        try EndToEndTests.withFiles(["client.rules": EndToEndTests.udpFunnel.client,
                                     "server.rules": EndToEndTests.udpFunnel.server]) { dir in
            _ = try EndToEndTests.attach([dir.appendingPathComponent("client.rules").path, "--iface", "c0",
                                      "--direction", "egress", "--netns", lab.client])
            _ = try EndToEndTests.attach([dir.appendingPathComponent("server.rules").path, "--iface", "s0",
                                      "--direction", "ingress", "--netns", lab.server])
            try before()
            let receiver = try lab.receiver(port: 2055, count: count, idle: 1.5)
            _ = try Shell.must(lab.exec(lab.client, ["python3", "-c", """
                import socket
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.connect(("\(lab.service)", 2055))
                for i in range(\(count)):
                    s.send(bytes([i]) * 100)
                """]))
            arrived = datagrams(receiver.finish()).count
        }
        return arrived
    }

    /// A connected socket's hash survives the funnel (an earlier version
    /// cleared every hash: then none of these arrives).
    @Test func aSocketsHashStays() throws {
        try NetLab.with { lab in
            try ErrorCaseTests.object(Self.dropping(hash: 0)) { watch in
                let arrived = try Self.funnelFromConnectedSocket(lab) {
                    try Self.addFilter(lab, lab.router, "r0", "ingress", object: watch)
                }
                #expect(arrived == Self.count, "a funneled datagram reached the router without a hash")
            }
        }
    }
}
