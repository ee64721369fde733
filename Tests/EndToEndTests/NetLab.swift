import Foundation
import Synchronization

/// Three throwaway network namespaces — client, router (NAT as a Kubernetes
/// service does it), server — from scripts/lib/netlab.sh (IPv4) or
/// netlab6.sh (IPv6, NAT66, checksums verified in software), with a unique
/// name and always removed (`with` deletes them whatever happens).
///
/// Each IPv4 lab has an address plan of its own, 10.`net`.x.x (docs/testing.md:
/// labs with the same addresses once saw connections refused on this kernel).
struct NetLab {
    let name: String
    let net: Int
    var ipv6 = false
    var client: String { "\(name)-client" }
    var router: String { "\(name)-router" }
    var server: String { "\(name)-server" }

    /// The addresses of scripts/lib/netlab.sh's plan `net` (IPv6: netlab6.sh's).
    var service: String { ipv6 ? NetLab.service6 : "10.\(net).96.10" }
    var clientAddress: String { "10.\(net).1.2" }
    var serverAddress: String { "10.\(net).2.2" }
    /// The router's address towards the server: the source the server sees (masquerade).
    var routerAddress: String { "10.\(net).2.1" }

    /// `template` with {client}, {service}, {router} and {server} replaced by this lab's addresses.
    func fill(_ template: String) -> String {
        template.replacingOccurrences(of: "{client}", with: clientAddress)
            .replacingOccurrences(of: "{service}", with: service)
            .replacingOccurrences(of: "{router}", with: routerAddress)
            .replacingOccurrences(of: "{server}", with: serverAddress)
    }

    static let script = Shell.repo.appendingPathComponent("scripts/lib/netlab.sh").path
    static let script6 = Shell.repo.appendingPathComponent("scripts/lib/netlab6.sh").path
    static let service6 = "fd00:201:96::10"
    static let server6 = "fd00:201:2::2"
    static let udpflows = Shell.repo.appendingPathComponent("scripts/lib/udpflows.py").path
    static let checksums = Shell.repo.appendingPathComponent("scripts/lib/checksums.py").path

    private static let labs = Atomic<Int>(0)

    /// Plans 16 ... 195, from the process id and a count of the labs this process made.
    static func plan() -> Int {
        let n = labs.add(1, ordering: .relaxed).newValue
        return 16 + (Int(getpid()) &* 13 &+ n) % 180
    }

    static func with(ipv6: Bool = false, _ body: (NetLab) throws -> Void) throws {
        let lab = NetLab(name: "sf\(ipv6 ? "6" : "")e\(getpid() % 100000)x\(UUID().uuidString.prefix(6).lowercased())",
                         net: plan(), ipv6: ipv6)
        if ipv6 {
            defer { _ = try? Shell.run(["bash", "-c", "source \(script6); netlab6_down \(lab.name)"]) }
            try Shell.must(["bash", "-c", "set -e; source \(script6); netlab6_up \(lab.name)"])
            try body(lab)
        } else {
            defer { _ = try? Shell.run(["bash", "-c", "source \(script); netlab_down \(lab.name)"]) }
            try Shell.must(["bash", "-c", "set -e; source \(script); netlab_up \(lab.name) \(lab.net)"])
            try body(lab)
        }
    }

    /// udpflows.py's family flag.
    private var family: [String] { ipv6 ? ["-6"] : [] }

    func exec(_ ns: String, _ argv: [String]) -> [String] {
        ["ip", "netns", "exec", ns] + argv
    }

    /// `tc qdisc show` and the filters of both hooks, per interface: what
    /// "the interfaces as they were" means.
    func tcState(_ ns: String) throws -> String {
        var s = try Shell.must(exec(ns, ["tc", "qdisc", "show"]))
        for dev in try Shell.must(exec(ns, ["ls", "/sys/class/net"])).split(separator: "\n") {
            for hook in ["ingress", "egress"] {
                let r = try Shell.run(exec(ns, ["tc", "filter", "show", "dev", String(dev), hook]))
                s += "\(dev) \(hook):\n\(r.stdout)"
            }
        }
        return s
    }

    /// A receiver on the server (UDP `port`), ready when this returns.
    func receiver(port: Int, count: Int, idle: Double = 3) throws -> Background {
        let b = try Background(exec(server, ["python3", "-u", NetLab.udpflows, "recv", String(port)] + family
                                        + ["--count", String(count), "--idle", String(idle)]), name: "recv")
        try b.wait(for: "ready")
        return b
    }

    /// A capture on one of the router's links (r0: from the client; r1: to the server).
    func capture(_ dev: String) throws -> Background {
        // IPv6: only TCP and UDP directly after the fixed header (not ND, nor MLD with its hop-by-hop header).
        let filter = ipv6 ? "ip6 and (tcp or udp)" : "not arp"
        let b = try Background(exec(router, ["tcpdump", "-i", dev, "-nn", "-l", "-Z", "root", filter]), name: "cap-\(dev)")
        try b.wait(for: "listening on")
        return b
    }

    /// Sends datagrams from the client to the service; returns "<len> <sha256>" lines.
    func send(port: Int, sizes: [Int], count: Int, interval: Double = 0) throws -> [String] {
        let out = try Shell.must(exec(client, ["python3", NetLab.udpflows, "send"] + family
                                        + [service, String(port),
                                           "--sizes", sizes.map(String.init).joined(separator: ","),
                                           "--count", String(count), "--interval", String(interval)]))
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

    /// Switches `feature` ("tx" or "rx" checksumming) of `dev` in `ns` on or off.
    func offload(_ ns: String, _ dev: String, _ feature: String, _ on: Bool) throws {
        try Shell.must(exec(ns, ["ethtool", "-K", dev, feature, on ? "on" : "off"]))
    }

    /// `nstat`'s TcpInCsumErrors and UdpInCsumErrors in `ns`, as "Name value" lines.
    func checksumErrors(_ ns: String) throws -> [String] {
        try Shell.must(exec(ns, ["nstat", "-asz", "TcpInCsumErrors", "UdpInCsumErrors"]))
            .split(separator: "\n").filter { $0.hasPrefix("TcpInCsumErrors") || $0.hasPrefix("UdpInCsumErrors") }
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(2).joined(separator: " ") }
    }

    /// A capture to a pcap file of the first `count` packets matching `filter` on `dev` in `ns`;
    /// tcpdump stops by itself after them.
    func pcap(_ ns: String, _ dev: String, count: Int, filter: String) throws -> (Background, URL) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-e2e-\(UUID().uuidString.prefix(8)).pcap")
        let b = try Background(exec(ns, ["tcpdump", "-c", String(count), "-i", dev, "-s", "0", "-w", file.path, "-Z", "root", filter]),
                               name: "pcap-\(dev)")
        try b.wait(for: "listening on")
        return (b, file)
    }
}

/// The "<len> <sha256>" lines a receiver printed.
func datagrams(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0 != "ready" && $0.split(separator: " ").count == 2 }
}

/// The IP packets a tcpdump -nn capture printed (header and summary lines dropped).
func packets(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.contains(" IP ") || $0.contains(" IP6 ") }
}
