import Foundation
import SfunnelCore
import SfunnelLoader
import SfunnelToolchain
import Testing

/// Whether kernel tests run here. They need root (CAP_BPF, CAP_NET_ADMIN).
/// Under CI (`CI=true`) they always run, so that a machine that cannot run
/// them fails loudly instead of skipping.
enum KernelSupport {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let enabled = isCI || geteuid() == 0

    /// Compiles `rules` with the real pipeline (front end, emitter, clang)
    /// and loads the program into the kernel.
    /// `tables` replaces the table form's options (when the plan is tables);
    /// `groupSize` makes it tables for groups of that many rules.
    static func load(rules: String, name: String = "fixture.rules", strategy: Strategy = .tree,
                     form: TreeForm = .auto, tables: TableEmitter.Options? = nil,
                     groupSize: Int? = nil) throws -> LoadedProgram {
        let file = SourceFile(name: name, text: rules)
        let (ruleset, diagnostics) = Frontend.load(file)
        guard !diagnostics.hasErrors else {
            throw KernelTestError("ruleset does not compile:\n" + DiagnosticRenderer(file: file).render(diagnostics))
        }
        var plan = CEmitter.plan(ruleset, strategy: strategy, form: form)
        if let tables, case .table(let tree, _) = plan { plan = .table(tree, tables) }
        if let groupSize {
            guard let groups = TreeBuilder.buildGroups(ruleset, groupSize: groupSize) else {
                throw KernelTestError("no trees for groups of \(groupSize) rules")
            }
            plan = .tableGroups(groups, tables ?? .default)
        }
        let c = CEmitter.emit(ruleset, source: file, sourceName: name, plan: plan)
        let object = try compile(c)
        return try LoadedProgram(objectPath: object, ruleset: ruleset)
    }

    /// Compiles C to an object in a fresh temporary file; returns its path.
    static func compile(_ c: String) throws -> String {
        let clang = try Clang.locate(explicit: nil)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("sfunnelc-test-\(UUID().uuidString).o").path
        try clang.compile(source: c, output: path)
        return path
    }

    /// Folder of this file, to find fixtures and golden files.
    static func here(_ file: String = #filePath) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent()
    }
}

/// A loaded program. Its object file is removed once read (libbpf keeps
/// the object in memory), loaded or not: programs held for the whole test
/// run (cached ones) are never released, so a removal at release would
/// leave their files behind in the temporary folder.
final class LoadedProgram {
    let object: BPFObject
    let program: BPFProgram
    let ruleset: Ruleset

    init(objectPath: String, ruleset: Ruleset) throws {
        defer { try? FileManager.default.removeItem(atPath: objectPath) }
        self.ruleset = ruleset
        object = try BPFObject(path: objectPath)
        try object.load()
        guard let p = object.program(named: "sfunnel") else {
            throw KernelTestError("no program named sfunnel in the object")
        }
        program = p
    }

    func run(_ packet: [UInt8]) throws -> TestRunResult {
        try program.testRun(packet: packet)
    }
}

struct KernelTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// tc verdicts as the fixtures name them.
enum Verdict: String, Sendable {
    case ok, shot, unspec

    init?(retval: Int32) {
        switch retval {
        case 0: self = .ok
        case 2: self = .shot
        case -1: self = .unspec
        default: return nil
        }
    }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var it = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return c - UInt8(ascii: "A") + 10
            }
        }
        while let hi = it.next(), let lo = it.next() { bytes.append(nibble(hi) << 4 | nibble(lo)) }
        self = bytes
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// A readable account of where two frames differ.
func frameDiff(expected: [UInt8], actual: [UInt8]) -> String {
    var s = "expected \(expected.count) bytes, got \(actual.count)"
    if let i = zip(expected, actual).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
        s += "; first difference at byte \(i) (expected 0x\(String(format: "%02x", expected[i])), got 0x\(String(format: "%02x", actual[i])))"
    }
    s += "\nexpected: \(expected.hex)\nactual:   \(actual.hex)"
    return s
}
