import ArgumentParser
import SfunnelLoader

/// One `detach`: remove sfunnelc's filter from each hook named.
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
                        switch try hook.detach() {
                        case .nothing:
                            Console.error("sfunnelc: \(name) \(direction.rawValue): nothing of sfunnelc's attached")
                        case .removed(let id, let removedQdisc):
                            Console.error("sfunnelc: \(name) \(direction.rawValue): detached program \(id)"
                                          + (removedQdisc ? " (clsact qdisc removed: sfunnelc had created it)" : ""))
                        }
                    }
                }
            }
        } catch let error as LoaderError {
            throw LoaderFailure.exit(error)
        }
    }
}
