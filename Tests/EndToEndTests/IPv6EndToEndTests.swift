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
}
