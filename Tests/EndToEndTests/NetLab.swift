import Foundation

/// Three throwaway network namespaces — client, router (NAT as a Kubernetes
/// service does it), server — from scripts/lib/netlab.sh, with a unique name
/// and always removed (`with` deletes them whatever happens).
struct NetLab {
    let name: String
    var client: String { "\(name)-client" }
    var router: String { "\(name)-router" }
    var server: String { "\(name)-server" }

    static let service = "10.201.96.10"
    static let script = Shell.repo.appendingPathComponent("scripts/lib/netlab.sh").path
    static let udpflows = Shell.repo.appendingPathComponent("scripts/lib/udpflows.py").path

    static func with(_ body: (NetLab) throws -> Void) throws {
        let lab = NetLab(name: "sfe\(getpid() % 100000)x\(UUID().uuidString.prefix(6).lowercased())")
        defer { _ = try? Shell.run(["bash", "-c", "source \(script); netlab_down \(lab.name)"]) }
        try Shell.must(["bash", "-c", "set -e; source \(script); netlab_up \(lab.name)"])
        try body(lab)
    }

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
        let b = try Background(exec(server, ["python3", "-u", NetLab.udpflows, "recv", String(port),
                                             "--count", String(count), "--idle", String(idle)]), name: "recv")
        try b.wait(for: "ready")
        return b
    }

    /// A capture on one of the router's links (r0: from the client; r1: to the server).
    func capture(_ dev: String) throws -> Background {
        let b = try Background(exec(router, ["tcpdump", "-i", dev, "-nn", "-l", "-Z", "root", "not arp"]), name: "cap-\(dev)")
        try b.wait(for: "listening on")
        return b
    }

    /// Sends datagrams from the client to the service; returns "<len> <sha256>" lines.
    func send(port: Int, sizes: [Int], count: Int, interval: Double = 0) throws -> [String] {
        let out = try Shell.must(exec(client, ["python3", NetLab.udpflows, "send", NetLab.service, String(port),
                                               "--sizes", sizes.map(String.init).joined(separator: ","),
                                               "--count", String(count), "--interval", String(interval)]))
        return out.split(separator: "\n").map(String.init)
    }
}

/// The "<len> <sha256>" lines a receiver printed.
func datagrams(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0 != "ready" && $0.split(separator: " ").count == 2 }
}

/// The IPv4 packets a tcpdump -nn capture printed (header and summary lines dropped).
func packets(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { $0.contains(" IP ") }
}
