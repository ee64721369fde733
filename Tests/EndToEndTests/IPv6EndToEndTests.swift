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
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var client: String
        var server: String
        /// What every packet on the router's links must look like (tcpdump -nn).
        var onClientLink: String
        var onServerLink: String
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "UDP through TCP",
             client: "ip6 udp dport 2055 actions funnel tcp dport 179 sport 540\n",
             server: "ip6 tcp dport 179 sport 540 actions unfunnel udp\n",
             onClientLink: "IP6 fd00:201:1::2.540 > fd00:201:96::10.179: Flags [S]",
             onServerLink: "IP6 fd00:201:2::1.540 > fd00:201:2::2.179: Flags [S]"),
        Case(name: "UDP through UDP",
             client: "ip6 udp dport 2055 actions funnel udp dport 4242 sport 540\n",
             server: "ip6 udp dport 4242 sport 540 actions unfunnel udp\n",
             onClientLink: "IP6 fd00:201:1::2.540 > fd00:201:96::10.4242: UDP",
             onServerLink: "IP6 fd00:201:2::1.540 > fd00:201:2::2.4242: UDP"),
        Case(name: "UDP in IPv6-in-UDP",
             client: "ip6 udp dport 2055 actions funnel udp dport 4242 sport 541 encap ip\n",
             server: "ip6 udp dport 4242 sport 541 actions unfunnel ip\n",
             onClientLink: "IP6 fd00:201:1::2.541 > fd00:201:96::10.4242: UDP",
             onServerLink: "IP6 fd00:201:2::1.541 > fd00:201:2::2.4242: UDP"),
    ]

    static let sizes = [1, 7, 100, 1000, 1400]

    @Test(arguments: cases)
    func datagramsArriveWithValidChecksums(_ c: Case) throws {
        try NetLab6.with { lab in
            try EndToEndTests.withFiles(["client.rules": c.client, "server.rules": c.server]) { dir in
                try EndToEndTests.attach([dir.appendingPathComponent("client.rules").path, "--iface", "c0",
                                          "--direction", "egress", "--netns", lab.client])
                try EndToEndTests.attach([dir.appendingPathComponent("server.rules").path, "--iface", "s0",
                                          "--direction", "ingress", "--netns", lab.server])
                let count = Self.sizes.count * 2
                let receiver = try lab.receiver(port: 2055, count: count)
                let fromClient = try lab.capture("r0"), toServer = try lab.capture("r1")
                let sent = try lab.send(port: 2055, sizes: Self.sizes, count: count)
                let received = datagrams(receiver.finish())
                usleep(300_000)
                fromClient.stop()
                toServer.stop()

                #expect(sent.count == count)
                #expect(received.sorted() == sent.sorted(), "sent:\n\(sent)\nreceived:\n\(received)")
                for (capture, shape) in [(fromClient, c.onClientLink), (toServer, c.onServerLink)] {
                    let seen = capture.text.split(separator: "\n").filter { $0.contains(" IP6 ") && !$0.contains("ICMP6") }
                    #expect(seen.count == count, "\(capture.text)")
                    #expect(seen.allSatisfy { $0.contains(shape) }, "expected only \(shape):\n\(capture.text)")
                }
                let server = try lab.snmp6(lab.server)
                #expect(server["Udp6InDatagrams"] == count, "\(server)")
                #expect(server["Udp6InCsumErrors"] == 0, "\(server)")
                #expect(server["Udp6InErrors"] == 0, "\(server)")
            }
        }
    }

    /// The control: the server does verify checksums in this lab. A datagram
    /// with a wrong checksum, sent without sfunnelc, is counted as a
    /// checksum error and not delivered.
    @Test func serverCountsBadChecksums() throws {
        try NetLab6.with { lab in
            let receiver = try lab.receiver(port: 4242, count: 1, idle: 1)
            try Shell.must(lab.exec(lab.client, ["/usr/bin/python3", "-c", """
                import logging; logging.getLogger("scapy").setLevel(logging.ERROR)
                from scapy.all import IPv6, UDP, Raw, send
                send(IPv6(dst="\(NetLab6.server)") / UDP(sport=5000, dport=4242, chksum=0x1234) / Raw(b"bad"), verbose=0)
                """]))
            let received = datagrams(receiver.finish())
            #expect(received.isEmpty)
            let server = try lab.snmp6(lab.server)
            #expect(server["Udp6InCsumErrors"] == 1, "\(server)")
        }
    }
}

/// scripts/lib/netlab6.sh's namespaces, with a unique name, always removed.
struct NetLab6 {
    let name: String
    var client: String { "\(name)-client" }
    var router: String { "\(name)-router" }
    var server: String { "\(name)-server" }

    static let service = "fd00:201:96::10"
    static let server = "fd00:201:2::2"
    static let script = Shell.repo.appendingPathComponent("scripts/lib/netlab6.sh").path

    static func with(_ body: (NetLab6) throws -> Void) throws {
        let lab = NetLab6(name: "sf6e\(getpid() % 100000)x\(UUID().uuidString.prefix(6).lowercased())")
        defer { _ = try? Shell.run(["bash", "-c", "source \(script); netlab6_down \(lab.name)"]) }
        try Shell.must(["bash", "-c", "set -e; source \(script); netlab6_up \(lab.name)"])
        try body(lab)
    }

    func exec(_ ns: String, _ argv: [String]) -> [String] {
        ["ip", "netns", "exec", ns] + argv
    }

    func receiver(port: Int, count: Int, idle: Double = 3) throws -> Background {
        let b = try Background(exec(server, ["python3", "-u", NetLab.udpflows, "recv", String(port), "-6",
                                             "--count", String(count), "--idle", String(idle)]), name: "recv6")
        try b.wait(for: "ready")
        return b
    }

    func capture(_ dev: String) throws -> Background {
        let b = try Background(exec(router, ["tcpdump", "-i", dev, "-nn", "-l", "-Z", "root", "ip6"]), name: "cap6-\(dev)")
        try b.wait(for: "listening on")
        return b
    }

    func send(port: Int, sizes: [Int], count: Int) throws -> [String] {
        let out = try Shell.must(exec(client, ["python3", NetLab.udpflows, "send", "-6", NetLab6.service, String(port),
                                               "--sizes", sizes.map(String.init).joined(separator: ","),
                                               "--count", String(count)]))
        return out.split(separator: "\n").map(String.init)
    }

    /// The namespace's IPv6 counters (/proc/net/snmp6: one "name value" per line).
    func snmp6(_ ns: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for line in try Shell.must(exec(ns, ["cat", "/proc/net/snmp6"])).split(separator: "\n") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if f.count == 2, let v = Int(f[1]) { out[String(f[0])] = v }
        }
        return out
    }
}
