import ArgumentParser
import SfunnelLoader

/// Where to attach, detach or look: interfaces, direction, network namespace.
struct TargetOptions: ParsableArguments {
    @Option(name: .customLong("iface"), parsing: .upToNextOption,
            help: "The interfaces (several allowed: --iface eth0 eth1).")
    var ifaces: [String] = []

    @Option(help: "Which clsact hook: ingress (the receiving pod), egress (the sender) or both.")
    var direction: Direction?

    @Option(help: "Do it inside the named network namespace (/var/run/netns/NAME), then come back.")
    var netns: String?
}

/// `--direction` and `DIRECTION`.
enum Direction: String, ExpressibleByArgument, CaseIterable {
    case ingress, egress, both

    var hooks: [TCDirection] {
        switch self {
        case .ingress: return [.ingress]
        case .egress: return [.egress]
        case .both: return [.ingress, .egress]
        }
    }
}

/// `attach --hook`: which kind of tc hook the programs go to.
enum Hook: String, ExpressibleByArgument, CaseIterable, Codable {
    /// The clsact qdisc's hooks, as cli.md and the sfunnel container do.
    case clsact
    /// TCX (Linux 6.6+): no qdisc, less work per packet (docs/attach.md).
    case tcx
}
