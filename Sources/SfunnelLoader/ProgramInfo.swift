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
        name = withUnsafeBytes(of: &info.name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        tag = withUnsafeBytes(of: &info.tag) { raw in
            raw.map { hex2($0) }.joined()
        }
        ruleset = info.btf_id == 0 ? nil : ProgramInfo.identity(btfID: info.btf_id)
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
