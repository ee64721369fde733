import Foundation
import SfunnelLoader

/// `sfunnelc-bench OBJECT [--program NAME] [--repeat N] [--runs K]
///  [--baseline OBJECT --baseline-program NAME --rounds R] PACKET...`
///
/// A maintenance tool for scripts/bench, not part of the product: loads a
/// BPF object (the verifier runs), prints how many instructions the verifier
/// processed and how long loading took, then runs the program on each packet
/// with BPF_PROG_TEST_RUN (`repeat` times per run, `runs` runs) and prints
/// the median of the kernel's per-run averages. A PACKET is
/// `proto,saddr,daddr,sport,dport` (proto a number, addresses dotted).
///
/// With `--baseline`, the ratio to a baseline program (the empty one) is
/// measured in pairs: in each of `rounds` rounds, the baseline's median,
/// the program's and the baseline's again, one right after the other; the
/// round's ratio is the program's over the mean of the two baselines. The
/// median of these ratios moves far less than a ratio of two measurements
/// taken seconds apart on a machine shared with other work.
///
/// Output, one fact per line: `processed N`, `load_seconds S`, and per
/// packet `packet SPEC retval R median_ns M`, followed with a baseline by
/// `ratio Q baseline_ns B` (medians over the rounds).
@main
struct Runner {
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        var program = "sfunnel"
        var repeatCount: UInt32 = 10_000
        var runs = 11
        var rounds = 7
        func take(_ flag: String) -> String? {
            guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
            let v = args[i + 1]
            args.removeSubrange(i...(i + 1))
            return v
        }
        if let p = take("--program") { program = p }
        if let r = take("--repeat"), let n = UInt32(r) { repeatCount = n }
        if let r = take("--runs"), let n = Int(r), n > 0 { runs = n }
        if let r = take("--rounds"), let n = Int(r), n > 0 { rounds = n }
        let baselinePath = take("--baseline")
        let baselineProgram = take("--baseline-program") ?? program
        guard let path = args.first else {
            FileHandle.standardError.write(Data(("usage: sfunnelc-bench OBJECT [--program NAME] [--repeat N] [--runs K] "
                + "[--baseline OBJECT --baseline-program NAME --rounds R] PACKET...\n").utf8))
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
            var baseline: BPFProgram?
            if let baselinePath {
                let other = try BPFObject(path: baselinePath)
                try other.load()
                guard let p = other.program(named: baselineProgram) else {
                    print("error no program \(baselineProgram) in \(baselinePath)")
                    exit(1)
                }
                baseline = p
            }
            /// The median of `runs` runs, and the last return value.
            func measure(_ p: BPFProgram, _ frame: [UInt8]) throws(LoaderError) -> (ns: Double, retval: Int32) {
                var samples: [UInt32] = []
                var retval: Int32 = 0
                for _ in 0..<runs {
                    let r = try p.testRun(packet: frame, repeat: repeatCount)
                    samples.append(r.nanosecondsPerRun)
                    retval = r.retval
                }
                return (median(samples.map(Double.init)), retval)
            }
            for spec in args.dropFirst() {
                guard let frame = Frames.frame(spec) else {
                    print("error bad packet \(spec)")
                    exit(1)
                }
                guard let baseline else {
                    let m = try measure(prog, frame)
                    print("packet \(spec) retval \(m.retval) median_ns \(Int(m.ns))")
                    continue
                }
                var ns: [Double] = [], ratios: [Double] = [], base: [Double] = []
                var retval: Int32 = 0
                for _ in 0..<rounds {
                    let before = try measure(baseline, frame).ns
                    let m = try measure(prog, frame)
                    let after = try measure(baseline, frame).ns
                    ns.append(m.ns)
                    base.append((before + after) / 2)
                    ratios.append(m.ns / max((before + after) / 2, 1))
                    retval = m.retval
                }
                print("packet \(spec) retval \(retval) median_ns \(Int(median(ns))) ratio "
                      + "\(String(format: "%.3f", median(ratios))) baseline_ns \(String(format: "%.1f", median(base)))")
            }
        } catch {
            print("error \(String(describing: error).split(separator: "\n").suffix(3).joined(separator: " | "))")
            exit(1)
        }
    }

    /// The middle element (the upper one of the two for an even count), as before.
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s[s.count / 2]
    }
}
