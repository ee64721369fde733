import Foundation
import Testing

/// `CHECKSUM_COMPLETE`, what many NICs deliver: the kernel keeps the sum of
/// the whole packet in `skb->csum` and checks the L4 checksum against it, so
/// a program that changes such a packet must keep `skb->csum` in step (the
/// unfunnel: `bpf_skb_adjust_room` for the header it removes,
/// `bpf_csum_update` for the checksum it rewrites), or the server's UDP
/// counts the datagram as a checksum error and drops it. veth never
/// delivers it; a VXLAN whose outer UDP checksum the server verifies in
/// software does (scripts/lib/netlab.sh: `netlab_vxlan_up`, client and
/// server on the VXLAN; `netlab_vxlan_nat_up`, a NAT router in front of
/// it). The funnel goes on the client's egress (its VXLAN device, or c0
/// behind the router), the unfunnel on the server's VXLAN ingress, after a
/// filter of the test's own that drops every TCP or UDP packet arriving in
/// any other state — so every datagram arrives only if the unfunnel got
/// each `CHECKSUM_COMPLETE`.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct ChecksumCompleteTests {
    static let count = 20
    static let sizes = [1, 100, 1000, 1400]

    /// Drops IPv4 and IPv6 TCP and UDP packets that are not
    /// CHECKSUM_COMPLETE; lets everything else (ARP, neighbour discovery) go
    /// on to the hook's next filter.
    static let watch = ErrorCaseTests.header + """
        #include <linux/if_ether.h>
        #include <bpf/bpf_endian.h>
        #include <bpf/bpf_core_read.h>

        struct sk_buff___sfc {
        	__u8 ip_summed:2;
        } __attribute__((preserve_access_index));
        extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

        SEC("tc")
        int watch(struct __sk_buff *skb)
        {
        	struct sk_buff___sfc *k = bpf_cast_to_kern_ctx(skb);
        	__u8 proto;

        	if (skb->protocol == bpf_htons(ETH_P_IP)) {
        		if (bpf_skb_load_bytes(skb, 14 + 9, &proto, 1) < 0)
        			return -1;	/* TC_ACT_UNSPEC: the next filter */
        	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
        		if (bpf_skb_load_bytes(skb, 14 + 6, &proto, 1) < 0)
        			return -1;
        	} else {
        		return -1;
        	}
        	if ((proto == 6 || proto == 17) && BPF_CORE_READ_BITFIELD(k, ip_summed) != 2)
        		return 2;	/* TC_ACT_SHOT: not CHECKSUM_COMPLETE */
        	return -1;
        }

        char _license[] SEC("license") = "GPL";

        """

    struct Arrival {
        var sent: [String] = []
        var received: [String] = []
        var funneled = 0
        var csumErrors: [String] = []
        var udp6CsumErrors: Int?
    }

    /// The VXLAN lab with the watching filter on the server's vx0 ingress,
    /// `rules` (client, server) attached if given, `count` datagrams from the
    /// client to the server's port 2055 (over IPv6 if `ipv6`). With `nat`,
    /// the lab with the NAT router in front of the VXLAN
    /// (`netlab_vxlan_nat_up`), and the datagrams go to the service's
    /// address: to port 2055 when funneled, to 4242 (which the router
    /// forwards) when not.
    static func run(_ rules: (String, String)?, ipv6: Bool = false, nat: Bool = false) throws -> Arrival {
        var a = Arrival()
        let net = NetLab.plan()
        let lab = NetLab(name: "sfcce\(getpid() % 100000)x\(UUID().uuidString.prefix(6).lowercased())", net: net,
                         ipv6: ipv6)
        defer { _ = try? Shell.run(["bash", "-c", "source \(NetLab.script); netlab_down \(lab.name)"]) }
        let setup = nat ? "netlab_vxlan_nat_up" : "netlab_vxlan_up"
        try Shell.must(["bash", "-c", "set -e; source \(NetLab.script); \(setup) \(lab.name) \(net)"])
        let destination = switch (nat, ipv6) {
        case (false, false): "10.\(net).3.2"
        case (false, true): "fd00:\(net):3::2"
        case (true, false): lab.service
        case (true, true): "fd00:\(net):96::10"
        }
        let port = nat && rules == nil ? 4242 : 2055
        let clientLink = nat ? "c0" : "vx0"
        try ErrorCaseTests.object(watch) { object in
            try FlowHashTests.addFilter(lab, lab.server, "vx0", "ingress", object: object)
            var capture: Background?
            if let (client, server) = rules {
                try EndToEndTests.withFiles(["client.rules": client, "server.rules": server]) { dir in
                    _ = try EndToEndTests.attach([dir.appendingPathComponent("client.rules").path, "--iface", clientLink,
                                                  "--direction", "egress", "--netns", lab.client])
                    _ = try EndToEndTests.attach([dir.appendingPathComponent("server.rules").path, "--iface", "vx0",
                                                  "--direction", "ingress", "--netns", lab.server])
                }
                // What reaches the server's vx0, seen before its tc hook: the funneled packets.
                capture = try Background(lab.exec(lab.server, ["tcpdump", "-i", "vx0", "-nn", "-l", "-Z", "root",
                                                               "tcp port 179 or udp port 4242"]), name: "cap-vx0")
                try capture?.wait(for: "listening on")
            }
            let receiver = try lab.receiver(port: port, count: count, idle: 2)
            let out = try Shell.must(lab.exec(lab.client, ["python3", NetLab.udpflows, "send"] + (ipv6 ? ["-6"] : [])
                                                  + [destination, String(port),
                                                     "--sizes", sizes.map(String.init).joined(separator: ","),
                                                     "--count", String(count)]))
            a.sent = out.split(separator: "\n").map(String.init)
            a.received = datagrams(receiver.finish())
            if let capture {
                Thread.sleep(forTimeInterval: 0.3)  // tcpdump reads its socket on its own time
                capture.stop()
                a.funneled = packets(capture.finish()).count
            }
            a.csumErrors = try lab.checksumErrors(lab.server) + (nat ? lab.checksumErrors(lab.router) : [])
            a.udp6CsumErrors = try lab.snmp6(lab.server)["Udp6InCsumErrors"]
        }
        return a
    }

    /// Without sfunnelc: the lab does what it is for, every datagram reaches
    /// vx0's hook `CHECKSUM_COMPLETE` (the watching filter drops it
    /// otherwise).
    @Test func theLabDeliversChecksumComplete() throws {
        let a = try Self.run(nil)
        #expect(a.sent.count == Self.count)
        #expect(a.received.sorted() == a.sent.sorted())
        #expect(a.csumErrors.count == 2 && a.csumErrors.allSatisfy { $0.hasSuffix(" 0") }, "\(a.csumErrors)")
    }

    /// IP-in-UDP (`encap ip`): the unfunnel removes a whole IPv4 and UDP header.
    static let encap = EndToEndTests.Funnel(
        name: "encap ip",
        client: "ip udp dport 2055 actions funnel udp sport 541 dport 4242 encap ip\n",
        server: "ip udp dport 4242 sport 541 actions unfunnel ip\n",
        onClientLink: "", onServerLink: "")

    /// Unfunneled on the server's ingress from `CHECKSUM_COMPLETE`, every
    /// datagram arrives byte-exact, with no checksum error: `skb->csum`
    /// followed every change.
    @Test(arguments: [EndToEndTests.tcpFunnel, EndToEndTests.udpFunnel, Self.encap])
    func unfunnelKeepsChecksumCompleteRight(funnel: EndToEndTests.Funnel) throws {
        let a = try Self.run((funnel.client, funnel.server))
        #expect(a.sent.count == Self.count)
        #expect(a.received.sorted() == a.sent.sorted())
        #expect(a.funneled == Self.count, "funneled packets seen on the server's vx0")
        #expect(a.csumErrors.count == 2 && a.csumErrors.allSatisfy { $0.hasSuffix(" 0") }, "\(a.csumErrors)")
    }

    /// The same over IPv6, whose header has no checksum to balance the
    /// unfunnel's changes: every one of them goes into `skb->csum`.
    @Test(arguments: [EndToEndTests.tcpFunnel, EndToEndTests.udpFunnel])
    func unfunnelKeepsChecksumCompleteRightOverIPv6(funnel: EndToEndTests.Funnel) throws {
        let v6 = { (rules: String) in rules.replacingOccurrences(of: "ip ", with: "ip6 ") }
        let a = try Self.run((v6(funnel.client), v6(funnel.server)), ipv6: true)
        #expect(a.sent.count == Self.count)
        #expect(a.received.sorted() == a.sent.sorted())
        #expect(a.funneled == Self.count, "funneled packets seen on the server's vx0")
        #expect(a.csumErrors.count == 2 && a.csumErrors.allSatisfy { $0.hasSuffix(" 0") }, "\(a.csumErrors)")
        #expect(a.udp6CsumErrors == 0)
    }

    /// Through the NAT router: the lab delivers `CHECKSUM_COMPLETE` with
    /// translated addresses.
    @Test(arguments: [false, true])
    func theNATLabDeliversChecksumComplete(ipv6: Bool) throws {
        let a = try Self.run(nil, ipv6: ipv6, nat: true)
        #expect(a.sent.count == Self.count)
        #expect(a.received.sorted() == a.sent.sorted())
        #expect(a.csumErrors.count == 4 && a.csumErrors.allSatisfy { $0.hasSuffix(" 0") }, "\(a.csumErrors)")
        #expect(a.udp6CsumErrors == 0)
    }

    /// Through the NAT router, which translates both addresses: sfunnel's
    /// format takes the outer ones into the inner checksum; `encap ip`
    /// writes them into the inner IP header and, with `bpf_l4_csum_replace`,
    /// into the inner checksum and `skb->csum`. IPv4 and IPv6.
    @Test(arguments: [EndToEndTests.tcpFunnel, EndToEndTests.udpFunnel, Self.encap], [false, true])
    func unfunnelKeepsChecksumCompleteRightAfterNAT(funnel: EndToEndTests.Funnel, ipv6: Bool) throws {
        let v6 = { (rules: String) in ipv6 ? rules.replacingOccurrences(of: "ip ", with: "ip6 ") : rules }
        let a = try Self.run((v6(funnel.client), v6(funnel.server)), ipv6: ipv6, nat: true)
        #expect(a.sent.count == Self.count)
        #expect(a.received.sorted() == a.sent.sorted())
        #expect(a.funneled == Self.count, "funneled packets seen on the server's vx0")
        #expect(a.csumErrors.count == 4 && a.csumErrors.allSatisfy { $0.hasSuffix(" 0") }, "\(a.csumErrors)")
        #expect(a.udp6CsumErrors == 0)
    }
}
