import CLibBPF
import Glibc

/// sfunnelc's program on one TCX hook (Linux 6.6+): an interface's ingress
/// or egress without a qdisc (`attach --hook tcx`, docs/attach.md).
///
/// A TCX hook runs a list of programs; an attachment carries no handle or
/// priority, so sfunnelc knows its own by the program's name,
/// `TCXHook.programName` (the entry point of the C it generates). Programs
/// are attached with `BPF_PROG_ATTACH`, not as links: like a tc filter, the
/// attachment stays after the process exits, with nothing pinned.
///
/// Attaching where a program of ours already is replaces it in its place in
/// the list (`BPF_F_REPLACE`: one request, no moment without a program).
/// TCX programs run before the clsact qdisc's filters on the same hook; a
/// verdict other than `TC_ACT_UNSPEC` ends the hook there.
public struct TCXHook: Sendable, Equatable {
    /// The name that marks a program on a TCX hook as sfunnelc's.
    public static let programName = "sfunnel"

    public let interface: String
    public let ifindex: Int32
    public let direction: TCDirection

    /// Looks the interface up in the current network namespace.
    public init(interface: String, direction: TCDirection) throws(LoaderError) {
        sfc_libbpf_quiet()
        self.interface = interface
        self.ifindex = try NetworkInterface.index(of: interface)
        self.direction = direction
    }

    var attachType: Int32 { direction == .ingress ? SFC_TCX_INGRESS : SFC_TCX_EGRESS }

    /// What `attach` did.
    public struct Attached: Sendable, Equatable {
        public var programID: UInt32
        /// The program of ours that was there and was swapped out in place.
        public var replacedProgramID: UInt32?
    }

    /// Attaches the loaded program `programFD` (named `programName`), or
    /// replaces the program of ours already on the hook with it.
    public func attach(programFD: Int32, programName: String) throws(LoaderError) -> Attached {
        guard programName == TCXHook.programName else {
            throw .tcxProgramName(name: programName)
        }
        let ours = try ourPrograms()
        var replaced: UInt32?
        var rc: Int32
        if let old = ours.first {
            let oldFD = sfc_prog_fd_by_id(old)
            if oldFD < 0 { throw .attach(interface: interface, direction: direction.rawValue, errno: -oldFD) }
            rc = sfc_tcx_attach(ifindex, attachType, programFD, oldFD)
            close(oldFD)
            replaced = old
        } else {
            rc = sfc_tcx_attach(ifindex, attachType, programFD, -1)
        }
        if rc != 0 { throw .attach(interface: interface, direction: direction.rawValue, errno: -rc) }
        // Only one of ours per hook: any other (there should be none) goes.
        for extra in ours.dropFirst() { try detach(programID: extra) }
        var id: UInt32 = 0
        let info = sfc_prog_id_by_fd(programFD, &id)
        if info != 0 { throw .attach(interface: interface, direction: direction.rawValue, errno: -info) }
        return Attached(programID: id, replacedProgramID: replaced)
    }

    /// Removes sfunnelc's programs from this hook; returns their ids (none
    /// when nothing of ours was there, or the kernel has no TCX).
    public func detach() throws(LoaderError) -> [UInt32] {
        let ours: [UInt32]
        do {
            ours = try ourPrograms()
        } catch .tcxUnsupported {
            return []
        }
        for id in ours { try detach(programID: id) }
        return ours
    }

    /// The ids of sfunnelc's programs on this hook (at most one after any
    /// `attach`); empty when the kernel has no TCX.
    public func attachedProgramIDs() -> [UInt32] {
        (try? ourPrograms()) ?? []
    }

    private func detach(programID: UInt32) throws(LoaderError) {
        let fd = sfc_prog_fd_by_id(programID)
        if fd == -ENOENT { return }  // unloaded meanwhile: gone from the hook too
        if fd < 0 { throw .detach(interface: interface, direction: direction.rawValue, errno: -fd) }
        let rc = sfc_tcx_detach(ifindex, attachType, fd)
        close(fd)
        if rc != 0 && rc != -ENOENT {
            throw .detach(interface: interface, direction: direction.rawValue, errno: -rc)
        }
    }

    /// Every program on the hook named `programName`, in the order they run.
    /// A kernel without TCX answers the query with EINVAL.
    private func ourPrograms() throws(LoaderError) -> [UInt32] {
        var ids = [UInt32](repeating: 0, count: 64)  // a hook holds at most 64 (BPF_MPROG_MAX)
        var count = UInt32(ids.count)
        let rc = ids.withUnsafeMutableBufferPointer { sfc_tcx_query(ifindex, attachType, $0.baseAddress, &count) }
        if rc == -EINVAL { throw .tcxUnsupported(interface: interface) }
        if rc != 0 { throw .tcxQuery(interface: interface, direction: direction.rawValue, errno: -rc) }
        return ids.prefix(Int(min(count, UInt32(ids.count)))).filter { ProgramInfo.name(id: $0) == TCXHook.programName }
    }
}
