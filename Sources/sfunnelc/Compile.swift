import ArgumentParser
import Foundation
import SfunnelCore
import SfunnelToolchain

extension Strategy: ExpressibleByArgument {}
extension TreeForm: ExpressibleByArgument {}

/// `sfunnelc compile RULES [-o OUT]`: ruleset → C → clang → tc object.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a ruleset into a tc (clsact, direct-action) BPF object.",
        discussion: """
            Output files are replaced atomically and only on success: on any \
            error nothing is written and an existing output file is left as it was.
            """
    )

    enum Emit: String, ExpressibleByArgument, CaseIterable {
        case object
        case c
        case tree
        case dot
    }

    @OptionGroup var input: RulesetOptions

    @Option(name: [.short, .customLong("output")],
            help: "Where to write (default: RULES with .o, or .c with --emit c; - for stdout with --emit c).")
    var output: String?

    @Option(help: "What to write: the BPF object, the generated C, the decision tree as text, or as Graphviz dot.")
    var emit: Emit = .object

    @Option(help: "How rules are matched: a decision tree (falls back to the linear chain when too large), or the linear first-match chain.")
    var strategy: Strategy = .tree

    @Option(help: ArgumentHelp("The form of the decision tree: code, tables in .rodata, or chosen by size (tests and measurements).",
                               visibility: .hidden))
    var treeForm: TreeForm = .auto

    @Option(help: "The clang to use (default: $CLANG, then clang on PATH).")
    var clang: String?

    func validate() throws {
        if input.rules == "-" && output == nil && emit == .object {
            throw ValidationError("reading rules from standard input needs -o OUT.o")
        }
        if let output, output == "-" && emit == .object {
            throw ValidationError("a BPF object cannot go to standard output; name a file with -o")
        }
        if let output, output != "-", input.rules != "-",
           URL(fileURLWithPath: output).standardizedFileURL == URL(fileURLWithPath: input.rules).standardizedFileURL {
            throw ValidationError("the output file would overwrite the ruleset \(input.rules)")
        }
    }

    func run() throws {
        let (file, ruleset) = try input.load()
        let plan = CEmitter.plan(ruleset, strategy: strategy, form: treeForm)
        let destination = output ?? defaultOutput()

        switch emit {
        case .c, .tree, .dot:
            let text: String
            switch emit {
            case .tree: text = treeText(plan, ruleset: ruleset, file: file, dot: false)
            case .dot: text = treeText(plan, ruleset: ruleset, file: file, dot: true)
            default: text = CEmitter.emit(ruleset, source: file, sourceName: input.baseName, plan: plan)
            }
            if destination == "-" {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                try AtomicFile.write(to: destination) { temp in try Data(text.utf8).write(to: URL(fileURLWithPath: temp)) }
                Console.error("wrote \(destination) (\(Console.count(ruleset.rules.count, "rule")), \(plan.summary))")
            }
        case .object:
            let c = CEmitter.emit(ruleset, source: file, sourceName: input.baseName, plan: plan)
            try AtomicFile.write(to: destination) { temp in try ObjectBuild.compile(c, to: temp, clang: clang) }
            Console.error("wrote \(destination) (\(Console.count(ruleset.rules.count, "rule")), \(plan.summary))")
        }
    }

    /// `--emit tree` / `--emit dot`: the tree, or a note saying that the
    /// ruleset gets the linear chain and why.
    private func treeText(_ plan: Plan, ruleset: Ruleset, file: SourceFile, dot: Bool) -> String {
        switch plan {
        case .tree(let tree), .table(let tree, _):
            let printer = TreePrinter(tree: tree, ruleset: ruleset, source: file)
            return dot ? printer.dot() : "# form: \(plan.summary)\n" + printer.text()
        case .tableGroups(let trees, _):
            // One tree per group, in the order they are asked.
            if dot { return TreePrinter.groupsDot(trees, ruleset: ruleset, source: file) }
            let printers = trees.map { TreePrinter(tree: $0, ruleset: ruleset, source: file) }
            return "# form: \(plan.summary)\n"
                + printers.enumerated().map { "# group \($0.offset)\n" + $0.element.text() }.joined()
        case .linear:
            let note = "\(Console.count(ruleset.rules.count, "rule")): \(plan.summary)"
            return dot ? "digraph sfunnel {\n\tlabel=\"\(note)\";\n}\n" : "# \(note)\n"
        }
    }

    private func defaultOutput() -> String {
        let ext: String
        switch emit {
        case .object: ext = "o"
        case .c: ext = "c"
        case .tree: ext = "tree"
        case .dot: ext = "dot"
        }
        let url = URL(fileURLWithPath: input.rules)
        let stem = url.deletingPathExtension().lastPathComponent
        let dir = (input.rules as NSString).deletingLastPathComponent
        let name = "\(stem).\(ext)"
        return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
    }
}
