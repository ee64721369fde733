import Foundation

/// Three throwaway network namespaces — client, router (NAT as a Kubernetes
/// service does it), server — from scripts/lib/netlab.sh (IPv4) or
/// netlab6.sh (IPv6, NAT66, checksums verified in software), with a unique
/// name and always removed (`with` deletes them whatever happens).
struct NetLab {
    let name: String
    var ipv6 = false
    var client: String { "\(name)-client" }
    var router: String { "\(name)-router" }
    var server: String { "\(name)-server" }

    static let service = "10.201.96.10"
    static let service6 = "fd00:201:96::10"
    static let server6 = "fd00:201:2::2"
    static let udpflows = Shell.repo.appendingPathComponent("scripts/lib/udpflows.py").path

    static func with(ipv6: Bool = false, _ body: (NetLab) throws -> Void) throws {
        let lab = NetLab(name: "sf\(ipv6 ? "6" : "")e\(getpid() % 100000)x\(UUID().uuidString.prefix(6).lowercased())",
                         ipv6: ipv6)
        let script = Shell.repo.appendingPathComponent(ipv6 ? "scripts/lib/netlab6.sh" : "scripts/lib/netlab.sh").path
        let prefix = ipv6 ? "netlab6" : "netlab"
        defer { _ = try? Shell.run(["bash", "-c", "source \(script); \(prefix)_down \(lab.name)"]) }
        try Shell.must(["bash", "-c", "set -e; source \(script); \(prefix)_up \(lab.name)"])
        try body(lab)
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
                                        + [ipv6 ? NetLab.service6 : NetLab.service, String(port),
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
}

/// The "<len> <sha256>" lines a receiver printed.
func datagrams(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0 != "ready" && $0.split(separator: " ").count == 2 }
}

/// The IP packets a tcpdump -nn capture printed (header and summary lines dropped).
func packets(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.contains(" IP ") || $0.contains(" IP6 ") }
}
