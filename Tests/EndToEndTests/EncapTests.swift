import Foundation
import Testing

/// IP-in-UDP (`funnel udp ... encap ip` / `unfunnel ip`) with a real TCP
/// connection: locally generated TCP is always GSO, which sfunnel's own
/// format cannot carry (wire-format.md, "Offloads"); as a UDP tunnel the
/// kernel segments it. Both directions are funneled, so the replies match the
/// router's conntrack entry of the funnel flow and are un-NATed with it.
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct EncapTests {
    static let client = """
        ip tcp dport 5001 actions funnel udp sport 541 dport 4242 encap ip   # to the service
        ip udp sport 4242 dport 541 actions unfunnel ip                      # its replies
        """
    static let server = """
        ip udp dport 4242 actions unfunnel ip
        ip tcp sport 5001 actions funnel udp sport 4242 dport 541 encap ip   # replies, back the same way
        """

    /// Receives until the client closes, answers with the SHA-256 of it all.
    static let sink = """
        import hashlib, socket
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 5001)); s.listen(1); print("ready", flush=True)
        c, peer = s.accept(); h = hashlib.sha256(); n = 0
        while True:
            d = c.recv(65536)
            if not d: break
            n += len(d); h.update(d)
        c.sendall(h.hexdigest().encode()); c.close()
        print("received", n, "from", peer[0], flush=True)
        """

    /// Sends 32 MiB to the service and prints whether the digest came back right.
    static let source = """
        import hashlib, os, socket
        s = socket.create_connection(("10.201.96.10", 5001), timeout=10)
        data = os.urandom(1 << 20); h = hashlib.sha256()
        for _ in range(32): s.sendall(data); h.update(data)
        s.shutdown(socket.SHUT_WR)
        print("digest", "ok" if s.recv(100).decode() == h.hexdigest() else "WRONG")
        """

    @Test func tcpConnectionThroughNATIntactWithOffloadsOn() throws {
        try NetLab.with { lab in
            try EndToEndTests.withFiles(["client.rules": Self.client, "server.rules": Self.server]) { dir in
                try EndToEndTests.attach([dir.appendingPathComponent("client.rules").path, "--iface", "c0",
                                          "--direction", "both", "--netns", lab.client])
                try EndToEndTests.attach([dir.appendingPathComponent("server.rules").path, "--iface", "s0",
                                          "--direction", "both", "--netns", lab.server])
                let capture = try lab.capture("r0")
                let sink = try Background(lab.exec(lab.server, ["python3", "-u", "-c", Self.sink]), name: "sink")
                try sink.wait(for: "ready")
                let result = try Shell.must(lab.exec(lab.client, ["python3", "-c", Self.source]))
                let received = sink.finish()
                usleep(300_000)
                capture.stop()

                #expect(result.contains("digest ok"), "\(result)")
                #expect(received.contains("received \(32 << 20) from 10.201.2.1"), "\(received)")
                // On the client's link: only the UDP tunnel, in both directions, no bare TCP.
                let lines = capture.text.split(separator: "\n").filter { $0.contains(" IP ") }
                #expect(!lines.isEmpty)
                #expect(lines.allSatisfy { $0.contains(".541 > 10.201.96.10.4242: ") || $0.contains("10.201.96.10.4242 > 10.201.1.2.541: ") },
                        "\(lines.prefix(5).joined(separator: "\n"))")
                for ns in [lab.client, lab.router, lab.server] {
                    let counters = try Shell.must(lab.exec(ns, ["nstat", "-az", "TcpInCsumErrors", "UdpInCsumErrors"]))
                    for line in counters.split(separator: "\n") where line.hasPrefix("TcpInCsumErrors") || line.hasPrefix("UdpInCsumErrors") {
                        #expect(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "0", "\(ns): \(line)")
                    }
                }
            }
        }
    }
}
