import ArgumentParser
import SfunnelCore

/// `sfunnelc check RULES`: parse and lint only.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse and lint a ruleset; the exit status says if it is usable."
    )

    @OptionGroup var input: RulesetOptions

    @Option(help: "The ruleset of the other end: warn about funnels it would not unfunnel.")
    var peer: String?

    func run() throws {
        let (_, ruleset) = try input.load { ruleset in
            guard let peer else { return [] }
            let peerFile = try RulesetOptions.read(peer, displayName: peer)
            let (peerRules, peerDiagnostics) = Frontend.load(peerFile)
            if peerDiagnostics.hasErrors {
                RulesetOptions.report(peerDiagnostics.filter { $0.severity == .error }, in: peerFile)
                Console.error("error: the peer ruleset \(peer) is not valid")
                throw ExitStatus.invalidInput.exitCode
            }
            return PeerCheck.check(ruleset, peer: peerRules, peerFile: peerFile)
        }
        Console.error("\(input.displayName): \(Console.count(ruleset.rules.count, "rule")), usable")
    }
}
