/// The BPF C datapath template, as text.
public enum Templates {
    /// `templates/sfunnel.bpf.c`, byte for byte.
    public static var datapath: String {
        String(decoding: PackageResources.sfunnel_bpf_c, as: UTF8.self)
    }
}
