import SfunnelToolchain

/// Generated C → BPF object with the clang the user chose, the toolchain's
/// failures turned into a message and exit status 3 (cli.md).
enum ObjectBuild {
    static func compile(_ c: String, to path: String, clang explicit: String?) throws {
        do {
            try Clang.locate(explicit: explicit).compile(source: c, output: path)
        } catch {
            if error.isEnvironmental {
                Console.error("error: \(error)")
            } else {
                Console.error("internal error: the generated C did not compile; please report it with the ruleset.\n\(error)")
            }
            throw ExitStatus.environment.exitCode
        }
    }
}
