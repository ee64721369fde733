import CLibBPF
import Glibc

/// What the kernel says about a loaded program, and which ruleset it runs.
public struct ProgramInfo: Sendable, Equatable {
    public var id: UInt32
    public var name: String
    /// The kernel's tag (a hash of the instructions), as hex.
    public var tag: String
    /// From the program's BTF; nil for an object sfunnelc did not generate.
    public var ruleset: RulesetIdentity?

    /// Asks the kernel about program `id`.
    public init(id: UInt32) throws(LoaderError) {
        sfc_libbpf_quiet()
        var info = sfc_prog_info()
        let rc = sfc_prog_info(id, &info)
        guard rc == 0 else { throw .programInfo(id: id, errno: -rc) }
        self.id = id
        name = ProgramInfo.name(of: info)
        tag = withUnsafeBytes(of: &info.tag) { raw in
            raw.map { hex2($0) }.joined()
        }
        ruleset = info.btf_id == 0 ? nil : ProgramInfo.identity(btfID: info.btf_id)
    }

    /// The name of program `id` alone (no BTF read), or nil if the kernel does not say.
    static func name(id: UInt32) -> String? {
        var info = sfc_prog_info()
        guard sfc_prog_info(id, &info) == 0 else { return nil }
        return name(of: info)
    }

    private static func name(of info: sfc_prog_info) -> String {
        var bytes = info.name
        return withUnsafeBytes(of: &bytes) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    static func identity(btfID: UInt32) -> RulesetIdentity? {
        var buffer = [CChar](repeating: 0, count: 256)
        let found = sfc_btf_find_name(btfID, RulesetIdentity.typePrefix, &buffer, buffer.count)
        guard found == 1 else { return nil }
        let name = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return RulesetIdentity(typeName: name)
    }
}

private func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}
