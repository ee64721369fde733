import CLibBPF
import Foundation
import Glibc

/// A BPF object file opened with libbpf; loaded into the kernel by `load()`,
/// released (programs unloaded unless attached elsewhere) when it goes away.
public final class BPFObject {
    private let object: OpaquePointer
    private let log: UnsafeMutablePointer<CChar>
    private static let logSize = 1 << 22
    public let path: String

    public init(path: String) throws(LoaderError) {
        sfc_libbpf_quiet()
        self.path = path
        log = .allocate(capacity: BPFObject.logSize)
        log.initialize(repeating: 0, count: BPFObject.logSize)
        guard let obj = sfc_object_open(path, log, BPFObject.logSize) else {
            let e = errno
            log.deallocate()
            throw .open(path: path, errno: e)
        }
        object = obj
    }

    deinit {
        bpf_object__close(object)
        log.deallocate()
    }

    /// Where maps with `pinning = LIBBPF_PIN_BY_NAME` go (sfunnelc's own
    /// programs have no maps; an `--object` may).
    public var pinPaths: [String] {
        var paths: [String] = []
        var m = bpf_object__next_map(object, nil)
        while let map = m {
            if let p = bpf_map__pin_path(map) { paths.append(String(cString: p)) }
            m = bpf_object__next_map(object, map)
        }
        return paths
    }

    /// Loads every program into the kernel (the verifier runs here).
    /// An object that pins maps needs bpffs; that is checked first, so that
    /// the error says so instead of libbpf's "Invalid argument".
    public func load() throws(LoaderError) {
        if let pin = pinPaths.first, !BPFFileSystem.isMounted() {
            throw .bpffsNotMounted(path: path, pinPath: pin)
        }
        let rc = bpf_object__load(object)
        if rc != 0 {
            throw .load(path: path, errno: -rc, verifierLog: verifierLog)
        }
    }

    /// What the verifier wrote (empty if it said nothing).
    public var verifierLog: String { String(cString: log) }

    /// Instructions the verifier processed, from its closing line.
    public var verifierProcessedInstructions: Int? {
        guard let r = verifierLog.range(of: "processed ") else { return nil }
        return Int(verifierLog[r.upperBound...].prefix(while: { $0.isNumber }))
    }

    /// The maps the object declares (sfunnelc's objects have none).
    public var mapNames: [String] {
        var names: [String] = []
        var map = bpf_object__next_map(object, nil)
        while let m = map {
            names.append(String(cString: bpf_map__name(m)))
            map = bpf_object__next_map(object, m)
        }
        return names
    }

    /// The first tc program: section `tc` (sfunnelc's), or `tc/...`,
    /// `classifier...` as other tools name them.
    public func tcProgram() -> BPFProgram? {
        var p = bpf_object__next_program(object, nil)
        while let program = p {
            let section = String(cString: bpf_program__section_name(program))
            if section == "tc" || section.hasPrefix("tc/") || section.hasPrefix("classifier") {
                return BPFProgram(program: program, owner: self)
            }
            p = bpf_object__next_program(object, program)
        }
        return nil
    }

    public func program(named name: String) -> BPFProgram? {
        guard let p = bpf_object__find_program_by_name(object, name) else { return nil }
        return BPFProgram(program: p, owner: self)
    }
}

/// A program of a loaded `BPFObject`.
public struct BPFProgram {
    let program: OpaquePointer
    let owner: BPFObject

    public var fd: Int32 { bpf_program__fd(program) }
    public var name: String { String(cString: bpf_program__name(program)) }

    /// Runs the program on `packet` with BPF_PROG_TEST_RUN.
    public func testRun(packet: [UInt8], repeat count: UInt32 = 1,
                        context: TestRunContext? = nil) throws(LoaderError) -> TestRunResult {
        var out = [UInt8](repeating: 0, count: packet.count + 4096)
        var outSize = UInt32(out.count)
        var retval: UInt32 = 0
        var duration: UInt32 = 0
        let rc = packet.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                if let c = context {
                    sfc_test_run_ctx(fd, input.baseAddress, UInt32(input.count), output.baseAddress,
                                     &outSize, count, c.ifindex, c.gsoSize, c.gsoSegments, &retval, &duration)
                } else {
                    sfc_test_run(fd, input.baseAddress, UInt32(input.count), output.baseAddress,
                                 &outSize, count, &retval, &duration)
                }
            }
        }
        if rc != 0 { throw .testRun(errno: -rc) }
        return TestRunResult(retval: Int32(bitPattern: retval),
                             packet: Array(out.prefix(Int(outSize))),
                             nanosecondsPerRun: duration)
    }
}

/// What BPF_PROG_TEST_RUN lets a test say about the packet besides its bytes.
public struct TestRunContext: Sendable, Equatable {
    /// The packet's device, in the calling thread's network namespace (its
    /// MTU is what `bpf_check_mtu` sees); 0: the kernel's default (lo).
    public var ifindex: UInt32
    /// Non-zero makes the packet a GSO super-packet of this segment size.
    public var gsoSize: UInt32
    public var gsoSegments: UInt32

    public init(ifindex: UInt32 = 0, gsoSize: UInt32 = 0, gsoSegments: UInt32 = 0) {
        self.ifindex = ifindex
        self.gsoSize = gsoSize
        self.gsoSegments = gsoSegments
    }
}

public struct TestRunResult: Sendable, Equatable {
    /// The program's return value (a tc verdict: -1 UNSPEC, 0 OK, 2 SHOT).
    public var retval: Int32
    /// The packet as the program left it.
    public var packet: [UInt8]
    /// Average run time the kernel measured.
    public var nanosecondsPerRun: UInt32
}
