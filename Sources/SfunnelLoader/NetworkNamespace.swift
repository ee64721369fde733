import CLibBPF
import Foundation
import Glibc

/// Runs work inside a named network namespace (`ip netns add NAME`, i.e.
/// `/var/run/netns/NAME`) and comes back to the original one afterwards.
///
/// `setns(2)` moves only the calling thread; everything sfunnelc does with
/// the kernel (netlink, interface lookup, BPF) happens on that thread.
public enum NetworkNamespace {
    public static let directory = "/var/run/netns"

    public static func run<T>(_ name: String?, _ body: () throws -> T) throws -> T {
        guard let name else { return try body() }
        if name.contains("/") || name.isEmpty || name == "." || name == ".." {
            throw LoaderError.noSuchNetns(name)
        }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw LoaderError.netns(name: name, errno: errno) }
        defer { close(original) }
        let target = open("\(directory)/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else {
            let e = errno
            throw e == ENOENT ? LoaderError.noSuchNetns(name) : LoaderError.netns(name: name, errno: e)
        }
        defer { close(target) }
        let rc = sfc_setns_net(target)
        guard rc == 0 else { throw LoaderError.netns(name: name, errno: -rc) }
        defer {
            let back = sfc_setns_net(original)
            if back != 0 {
                // Staying in the wrong namespace would make every later step wrong.
                FileHandle.standardError.write(Data("sfunnelc: cannot return to the original network namespace: \(String(cString: strerror(-back)))\n".utf8))
                exit(3)
            }
        }
        return try body()
    }
}
