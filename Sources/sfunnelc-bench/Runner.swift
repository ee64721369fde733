import Foundation
import SfunnelLoader

/// `sfunnelc-bench OBJECT [--program NAME] [--repeat N] [--runs K]
///  [--baseline OBJECT --baseline-program NAME --rounds R] [--clock wall|kernel] PACKET...`
///
/// A maintenance tool for scripts/bench, not part of the product: loads a
/// BPF object (the verifier runs), prints how many instructions the verifier
/// processed and how long loading took, then runs the program on each packet
/// with BPF_PROG_TEST_RUN (`repeat` times per run, or more until a run takes
/// 2 ms; `runs` runs) and prints the median of the runs' times per
/// repetition: by default the wall-clock time of the call over its
/// repetitions, with `--clock kernel` the kernel's (truncated) `duration`. A PACKET is
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
        var clock = Clock.wall
        let minRunNanoseconds: UInt64 = 2_000_000
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
        if let c = take("--clock") {
            guard let k = Clock(rawValue: c) else {
                FileHandle.standardError.write(Data("sfunnelc-bench: --clock is wall or kernel\n".utf8))
                exit(2)
            }
            clock = k
        }
        let baselinePath = take("--baseline")
        let baselineProgram = take("--baseline-program") ?? program
        guard let path = args.first else {
            FileHandle.standardError.write(Data(("usage: sfunnelc-bench OBJECT [--program NAME] [--repeat N] [--runs K] "
                + "[--baseline OBJECT --baseline-program NAME --rounds R] [--clock wall|kernel] PACKET...\n").utf8))
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
            /// The median of `runs` runs, and the last return value. A run's
            /// time per repetition is the wall-clock time of the whole call
            /// over the repetitions: the kernel reports whole nanoseconds
            /// (its average is truncated), which at 25–40 ns a packet is a
            /// step of 3–4 % in a ratio. The call's own overhead (a few µs:
            /// the syscall, building the skb) is spread over at least
            /// `minRunNanoseconds` of repetitions.
            func measure(_ p: BPFProgram, _ frame: [UInt8]) throws(LoaderError) -> (ns: Double, retval: Int32) {
                let probe = try p.testRun(packet: frame, repeat: repeatCount)
                var count = repeatCount
                if clock == .wall, UInt64(probe.nanosecondsPerRun) * UInt64(count) < minRunNanoseconds {
                    count = UInt32(min(10_000_000, minRunNanoseconds / UInt64(max(probe.nanosecondsPerRun, 1))))
                }
                var samples: [Double] = []
                var retval: Int32 = 0
                for _ in 0..<runs {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let r = try p.testRun(packet: frame, repeat: count)
                    let elapsed = DispatchTime.now().uptimeNanoseconds - start
                    samples.append(clock == .wall ? Double(elapsed) / Double(count) : Double(r.nanosecondsPerRun))
                    retval = r.retval
                }
                return (median(samples), retval)
            }
            for spec in args.dropFirst() {
                guard let frame = Frames.frame(spec) else {
                    print("error bad packet \(spec)")
                    exit(1)
                }
                guard let baseline else {
                    let m = try measure(prog, frame)
                    print("packet \(spec) retval \(m.retval) median_ns \(String(format: "%.1f", m.ns))")
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
                print("packet \(spec) retval \(retval) median_ns \(String(format: "%.1f", median(ns))) ratio "
                      + "\(String(format: "%.3f", median(ratios))) baseline_ns \(String(format: "%.1f", median(base)))")
            }
        } catch {
            print("error \(String(describing: error).split(separator: "\n").suffix(3).joined(separator: " | "))")
            exit(1)
        }
    }

    /// What a run's time per repetition is read from: the wall clock around
    /// the call (fractions of a nanosecond), or the kernel's `duration`
    /// (whole nanoseconds, truncated).
    enum Clock: String { case wall, kernel }

    /// The middle element (the upper one of the two for an even count), as before.
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s[s.count / 2]
    }
}
