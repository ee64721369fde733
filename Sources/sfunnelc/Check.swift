import ArgumentParser
import SfunnelCore

/// `sfunnelc check RULES`: parse and lint only.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse and lint a ruleset; the exit status says if it is usable."
    )

    @OptionGroup var input: RulesetOptions

    func run() throws {
        let (_, ruleset) = try input.load()
        Console.error("\(input.displayName): \(ruleset.rules.count) rule\(ruleset.rules.count == 1 ? "" : "s"), usable")
    }
}
