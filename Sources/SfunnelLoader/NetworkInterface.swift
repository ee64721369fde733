import Glibc

/// The network interfaces of the current network namespace.
public enum NetworkInterface {
    /// Every interface name, in index order.
    public static func all() -> [String] {
        guard let list = if_nameindex() else { return [] }
        defer { if_freenameindex(list) }
        var names: [(UInt32, String)] = []
        var p = list
        while p.pointee.if_index != 0, let name = p.pointee.if_name {
            names.append((p.pointee.if_index, String(cString: name)))
            p += 1
        }
        return names.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The index of interface `name` in the current network namespace.
    static func index(of name: String) throws(LoaderError) -> Int32 {
        let index = if_nametoindex(name)
        guard index != 0 else { throw .noSuchInterface(name) }
        return Int32(index)
    }

    /// Every interface but loopback: the drop-in default for `IFACES`.
    public static func allButLoopback() -> [String] {
        all().filter { $0 != "lo" }
    }
}
