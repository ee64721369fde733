import CLibBPF
import Glibc

/// sfunnelc's filter on one clsact hook (an interface and a direction).
///
/// sfunnelc owns exactly one filter per hook, at a fixed priority and one of
/// two fixed handles, so that it can find, replace and remove its own filter
/// and never anybody else's:
///
/// - priority `TCHook.priority` (0x5f5f);
/// - handle `TCHook.handleKept` (0x5f5f0001) when the clsact qdisc existed
///   before sfunnelc attached, or `TCHook.handleCreated` (0x5f5f0002) when
///   sfunnelc created it. The handle is how a later `detach`, in another
///   process, knows who created the qdisc: nothing is stored on disk.
///
/// Attaching where a filter of ours already is changes that filter in place
/// (`BPF_TC_F_REPLACE` at the same handle and priority: one netlink request,
/// the kernel swaps the program pointer), so there is no moment without a
/// program. Detaching removes our filter; the clsact qdisc goes too only if
/// sfunnelc created it and no filter at all (ours or anyone's, either
/// direction) is left on it.
public struct TCHook: Sendable, Equatable {
    public static let priority: UInt32 = 0x5f5f
    public static let handleKept: UInt32 = 0x5f5f_0001
    public static let handleCreated: UInt32 = 0x5f5f_0002
    static let handles = [handleKept, handleCreated]

    public let interface: String
    public let ifindex: Int32
    public let direction: TCDirection

    /// Looks the interface up in the current network namespace.
    public init(interface: String, direction: TCDirection) throws(LoaderError) {
        sfc_libbpf_quiet()  // "Parent Qdisc doesn't exists" is an answer here, not an error
        self.interface = interface
        self.ifindex = try NetworkInterface.index(of: interface)
        self.direction = direction
    }

    /// What `attach` did.
    public struct Attached: Sendable, Equatable {
        public var programID: UInt32
        /// The program of ours that was there and was swapped out in place.
        public var replacedProgramID: UInt32?
        /// sfunnelc created the clsact qdisc for this attach.
        public var createdQdisc: Bool
    }

    /// Attaches the loaded program `programFD`, creating the clsact qdisc if
    /// the interface has none, or replaces the program of ours already there.
    public func attach(programFD: Int32) throws(LoaderError) -> Attached {
        var created = false
        let rc = sfc_tc_hook_create(ifindex)
        if rc == 0 {
            created = true
        } else if rc != -EEXIST {
            throw .hook(interface: interface, errno: -rc)
        }
        let existing = ourHandle(direction)
        let previous = existing.flatMap { query(handle: $0, direction) }
        // A qdisc that sfunnelc created stays marked as such on every filter of ours.
        let handle = existing
            ?? ((created || ourHandle(direction.other) == TCHook.handleCreated) ? TCHook.handleCreated : TCHook.handleKept)
        var id: UInt32 = 0
        let err = sfc_tc_attach(ifindex, direction.attachPoint, programFD, handle, TCHook.priority, 1, &id)
        if err != 0 {
            if created { _ = sfc_tc_hook_destroy(ifindex) }  // leave the interface as it was
            throw .attach(interface: interface, direction: direction.rawValue, errno: -err)
        }
        return Attached(programID: id, replacedProgramID: previous, createdQdisc: created)
    }

    /// What `detach` did.
    public enum Detached: Sendable, Equatable {
        /// No filter of ours was there.
        case nothing
        /// Our filter was removed; `removedQdisc` says if the clsact qdisc went too.
        case removed(programID: UInt32, removedQdisc: Bool)
    }

    /// Removes sfunnelc's filter from this hook, and the clsact qdisc if
    /// sfunnelc created it and nothing else is left on it.
    public func detach() throws(LoaderError) -> Detached {
        guard let handle = ourHandle(direction) else { return .nothing }
        let id = query(handle: handle, direction) ?? 0
        let err = sfc_tc_detach(ifindex, direction.attachPoint, handle, TCHook.priority)
        if err != 0 && err != -ENOENT {
            throw .detach(interface: interface, direction: direction.rawValue, errno: -err)
        }
        var removedQdisc = false
        if handle == TCHook.handleCreated {
            let ingress = sfc_tc_count_filters(ifindex, TCDirection.ingress.attachPoint)
            let egress = sfc_tc_count_filters(ifindex, TCDirection.egress.attachPoint)
            if ingress == 0 && egress == 0 {
                let rc = sfc_tc_hook_destroy(ifindex)
                if rc != 0 && rc != -ENOENT && rc != -EINVAL {
                    throw .hook(interface: interface, errno: -rc)
                }
                removedQdisc = rc == 0
            }
        }
        return .removed(programID: id, removedQdisc: removedQdisc)
    }

    /// The id of sfunnelc's program on this hook, if there is one.
    public func attachedProgramID() -> UInt32? {
        guard let handle = ourHandle(direction) else { return nil }
        return query(handle: handle, direction)
    }

    /// What the interface's clsact qdisc counted as dropped: every
    /// TC_ACT_SHOT of a program on either hook (sfunnelc's `drop` rules,
    /// and the packets it cannot funnel, docs/datapath.md). nil without a
    /// clsact qdisc or if the kernel does not say.
    public func clsactDrops() -> UInt32? {
        var drops: UInt32 = 0
        return sfc_clsact_drops(ifindex, &drops) == 1 ? drops : nil
    }

    private func ourHandle(_ direction: TCDirection) -> UInt32? {
        TCHook.handles.first { query(handle: $0, direction) != nil }
    }

    /// nil when nothing is there (also when the interface has no clsact qdisc).
    private func query(handle: UInt32, _ direction: TCDirection) -> UInt32? {
        var id: UInt32 = 0
        let rc = sfc_tc_query(ifindex, direction.attachPoint, handle, TCHook.priority, &id)
        return rc == 0 ? id : nil
    }
}
