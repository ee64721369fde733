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

    /// The control: the server does verify checksums in this lab. A datagram
    /// with a wrong checksum, sent without sfunnelc, is counted as a
    /// checksum error and not delivered.
    @Test func serverCountsBadChecksums() throws {
        try NetLab.with(ipv6: true) { lab in
            let receiver = try lab.receiver(port: 4242, count: 1, idle: 1)
            try Shell.must(lab.exec(lab.client, ["/usr/bin/python3", "-c", """
                import logging; logging.getLogger("scapy").setLevel(logging.ERROR)
                from scapy.all import IPv6, UDP, Raw, send
                send(IPv6(dst="\(NetLab.server6)") / UDP(sport=5000, dport=4242, chksum=0x1234) / Raw(b"bad"), verbose=0)
                """]))
            #expect(datagrams(receiver.finish()).isEmpty)
            let server = try lab.snmp6(lab.server)
            #expect(server["Udp6InCsumErrors"] == 1, "\(server)")
        }
    }
}
