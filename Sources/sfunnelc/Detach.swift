import ArgumentParser

/// `sfunnelc detach --iface IF... [--direction ...] [--netns NAME]`.
struct Detach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove what sfunnelc attached; leave other filters alone.",
        discussion: """
            The clsact qdisc is removed too only if sfunnelc created it and no \
            filter at all is left on it. Detaching where nothing of sfunnelc's is \
            attached is not an error.
            """
    )

    @OptionGroup var target: TargetOptions

    func validate() throws {
        if target.ifaces.isEmpty { throw ValidationError("name the interfaces with --iface IF...") }
    }

    func run() throws {
        try DetachJob(ifaces: target.ifaces, directions: (target.direction ?? .both).hooks, netns: target.netns).run()
    }
}
