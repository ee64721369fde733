import Foundation
import SfunnelLoader

/// `sfunnelc-bench OBJECT [--program NAME] [--repeat N] [--runs K] PACKET...`
///
/// A maintenance tool for scripts/bench, not part of the product: loads a
/// BPF object (the verifier runs), prints how many instructions the verifier
/// processed and how long loading took, then runs the program on each packet
/// with BPF_PROG_TEST_RUN (`repeat` times per run, `runs` runs) and prints
/// the median of the kernel's per-run averages. A PACKET is
/// `proto,saddr,daddr,sport,dport` (proto a number, addresses dotted).
///
/// Output, one fact per line: `processed N`, `load_seconds S`, and per
/// packet `packet SPEC retval R median_ns M`.
@main
struct Runner {
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        var program = "sfunnel"
        var repeatCount: UInt32 = 10_000
        var runs = 11
        func take(_ flag: String) -> String? {
            guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
            let v = args[i + 1]
            args.removeSubrange(i...(i + 1))
            return v
        }
        if let p = take("--program") { program = p }
        if let r = take("--repeat"), let n = UInt32(r) { repeatCount = n }
        if let r = take("--runs"), let n = Int(r) { runs = n }
        guard let path = args.first else {
            FileHandle.standardError.write(Data("usage: sfunnelc-bench OBJECT [--program NAME] [--repeat N] [--runs K] PACKET...\n".utf8))
            exit(2)
        }
        do {
            let object = try BPFObject(path: path)
            let start = Date()
            try object.load()
            print("processed \(object.verifierProcessedInstructions.map(String.init) ?? "?")")
            print("load_seconds \(String(format: "%.3f", Date().timeIntervalSince(start)))")
            guard let prog = object.program(named: program) else {
                print("error no program \(program)")
                exit(1)
            }
            for spec in args.dropFirst() {
                guard let frame = Frames.frame(spec) else {
                    print("error bad packet \(spec)")
                    exit(1)
                }
                var samples: [UInt32] = []
                var retval: Int32 = 0
                for _ in 0..<runs {
                    let r = try prog.testRun(packet: frame, repeat: repeatCount)
                    samples.append(r.nanosecondsPerRun)
                    retval = r.retval
                }
                samples.sort()
                print("packet \(spec) retval \(retval) median_ns \(samples[samples.count / 2])")
            }
        } catch {
            print("error \(String(describing: error).split(separator: "\n").suffix(3).joined(separator: " | "))")
            exit(1)
        }
    }
}
