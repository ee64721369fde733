import Foundation
import Testing

/// sfunnelc with `ip6` rules between real sockets: client → router (NAT66:
/// DNAT + masquerade) → server, funnel on the client's egress, unfunnel on
/// the server's ingress (scripts/lib/netlab6.sh). Checksums are verified in
/// software on the way (the router's conntrack, the server's UDP stack):
/// the client completes its checksums before sending and the receiving
/// veths do not vouch for them.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct IPv6EndToEndTests {
    typealias Funnel = EndToEndTests.Funnel

    static let cases = [
        Funnel(name: "UDP through TCP",
               client: "ip6 udp dport 2055 actions funnel tcp dport 179 sport 540\n",
               server: "ip6 tcp dport 179 sport 540 actions unfunnel udp\n",
               onClientLink: "IP6 fd00:201:1::2.540 > fd00:201:96::10.179: Flags [S]",
               onServerLink: "IP6 fd00:201:2::1.540 > fd00:201:2::2.179: Flags [S]"),
        Funnel(name: "UDP through UDP",
               client: "ip6 udp dport 2055 actions funnel udp dport 4242 sport 540\n",
               server: "ip6 udp dport 4242 sport 540 actions unfunnel udp\n",
               onClientLink: "IP6 fd00:201:1::2.540 > fd00:201:96::10.4242: UDP",
               onServerLink: "IP6 fd00:201:2::1.540 > fd00:201:2::2.4242: UDP"),
        Funnel(name: "UDP in IPv6-in-UDP",
               client: "ip6 udp dport 2055 actions funnel udp dport 4242 sport 541 encap ip\n",
               server: "ip6 udp dport 4242 sport 541 actions unfunnel ip\n",
               onClientLink: "IP6 fd00:201:1::2.541 > fd00:201:96::10.4242: UDP",
               onServerLink: "IP6 fd00:201:2::1.541 > fd00:201:2::2.4242: UDP"),
    ]

    @Test(arguments: cases)
    func datagramsArriveWithValidChecksums(_ funnel: Funnel) throws {
        try NetLab.with(ipv6: true) { lab in
            let count = try EndToEndTests.funnelDatagrams(funnel, lab: lab)
            let server = try lab.snmp6(lab.server)
            #expect(server["Udp6InDatagrams"] == count, "\(server)")
            #expect(server["Udp6InCsumErrors"] == 0, "\(server)")
            #expect(server["Udp6InErrors"] == 0, "\(server)")
        }
    }

    /// The control: the server does verify checksums in this lab. Datagrams
    /// with a wrong checksum (written whole through a raw socket, so the
    /// kernel leaves the checksum as it is), sent without sfunnelc, are
    /// counted as checksum errors and not delivered.
    @Test func serverCountsBadChecksums() throws {
        try NetLab.with(ipv6: true) { lab in
            let receiver = try lab.receiver(port: 4242, count: 1, idle: 1.5)
            try Shell.must(lab.exec(lab.client, ["python3", "-c", """
                import socket, struct
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
                for _ in range(3):
                    s.sendto(struct.pack("!HHHH", 5000, 4242, 11, 0x1234) + b"bad", ("\(NetLab.server6)", 0))
                """]))
            #expect(datagrams(receiver.finish()).isEmpty)
            let server = try lab.snmp6(lab.server)
            #expect(server["Udp6InCsumErrors"] == 3, "\(server)")
        }
    }

    /// A pod behind its node's NAT66, with the sender's default offloads:
    /// the datagram leaves tc with a partial checksum, veth passes it on
    /// unfinished, the router NATs it, and software completes it after the
    /// NAT (tx checksumming off on r1). `funnel udp` of UDP moves the
    /// datagram at the packet's tail, so the partial checksum is the outer
    /// header's, which the NAT updates as such (docs/datapath.md, "Making
    /// room"). Nothing unfunnels here: the server's UDP stack verifies the
    /// outer checksum itself (rx checksumming off on s0) and delivers the
    /// funneled datagrams to port 4242 only if it is right.
    @Test func partialChecksumThroughNAT66KeepsTheOuterChecksumRight() throws {
        try NetLab.with(ipv6: true) { lab in
            try lab.offload(lab.client, "c0", "tx", true)
            try lab.offload(lab.router, "r1", "tx", false)
            let funnel = Self.cases[1], count = 24
            try EndToEndTests.withFiles(["client.rules": funnel.client]) { dir in
                try EndToEndTests.attach([dir.appendingPathComponent("client.rules").path, "--iface", "c0",
                                          "--direction", "egress", "--netns", lab.client])
                let receiver = try lab.receiver(port: 4242, count: count, idle: 1.5)
                let sent = try lab.send(port: 2055, sizes: [1, 100, 1001, 1400], count: count)
                let received = datagrams(receiver.finish())
                #expect(sent.count == count)
                #expect(received.count == count, "\(received)")
                // What arrived is the inner datagram, its UDP header included.
                #expect(received.map { $0.split(separator: " ")[0] }.sorted() == sent.map { "\(Int($0.split(separator: " ")[0])! + 8)" }.sorted())
                let server = try lab.snmp6(lab.server)
                #expect(server["Udp6InCsumErrors"] == 0, "\(server)")
            }
        }
    }

    /// The other half: a datagram funneled in place with its checksum
    /// partial is unfunneled on the same host into one whose checksum is
    /// partial again, at its own header, with the seed for its current
    /// addresses. The unfunnel runs on the router's r1 egress, after the
    /// NAT; software completes the checksum there (tx checksumming off on
    /// r1) and the server's UDP stack verifies it (rx checksumming off on
    /// s0): every datagram arrives only if the seed was right.
    @Test func partialChecksumUnfunneledOnTheSameHostIsCompletedRight() throws {
        try NetLab.with(ipv6: true) { lab in
            try lab.offload(lab.client, "c0", "tx", true)
            try lab.offload(lab.router, "r1", "tx", false)
            let funnel = Self.cases[1], count = 24
            try EndToEndTests.withFiles(["client.rules": funnel.client, "router.rules": funnel.server]) { dir in
                try EndToEndTests.attach([dir.appendingPathComponent("client.rules").path, "--iface", "c0",
                                          "--direction", "egress", "--netns", lab.client])
                try EndToEndTests.attach([dir.appendingPathComponent("router.rules").path, "--iface", "r1",
                                          "--direction", "egress", "--netns", lab.router])
                let receiver = try lab.receiver(port: 2055, count: count, idle: 1.5)
                let sent = try lab.send(port: 2055, sizes: [1, 100, 1001, 1400], count: count)
                let received = datagrams(receiver.finish())
                #expect(received.sorted() == sent.sorted())
                let server = try lab.snmp6(lab.server)
                #expect(server["Udp6InCsumErrors"] == 0, "\(server)")
            }
        }
    }
}
