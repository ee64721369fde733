import CLibBPF

/// bpffs: sfunnelc pins nothing, but objects given with `--object` may pin
/// maps there (libbpf uses /sys/fs/bpf).
public enum BPFFileSystem {
    public static let path = "/sys/fs/bpf"

    public static func isMounted(at path: String = path) -> Bool {
        sfc_is_bpffs(path) == 1
    }
}
