import ArgumentParser
import SfunnelLoader

/// One `detach`: remove sfunnelc's filter (clsact) and program (TCX) from each hook named.
struct DetachJob {
    /// nil: every interface of the namespace but lo (drop-in `CLEAN=1`).
    var ifaces: [String]?
    var directions: [TCDirection]
    var netns: String?

    func run() throws {
        do {
            try NetworkNamespace.run(netns) {
                for name in ifaces ?? NetworkInterface.allButLoopback() {
                    for direction in directions {
                        let hook = try TCHook(interface: name, direction: direction)
                        let tcx = try TCXHook(interface: name, direction: direction)
                        var done: [String] = []
                        if case .removed(let id, let removedQdisc) = try hook.detach() {
                            done.append("detached program \(id)"
                                        + (removedQdisc ? " (clsact qdisc removed: sfunnelc had created it)" : ""))
                        }
                        for id in try tcx.detach() { done.append("detached program \(id) (TCX)") }
                        Console.error("sfunnelc: \(name) \(direction.rawValue): "
                                      + (done.isEmpty ? "nothing of sfunnelc's attached" : done.joined(separator: "; ")))
                    }
                }
            }
        } catch let error as LoaderError {
            throw LoaderFailure.exit(error)
        }
    }
}
