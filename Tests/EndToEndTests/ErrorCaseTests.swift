import Foundation
import SfunnelToolchain
import Testing

/// Each environment problem `attach` can meet: its message (which says what
/// to do) and its exit status (cli.md).
@Suite(.serialized, .enabled(if: E2E.enabled, "needs root (or CI=true)"))
struct ErrorCaseTests {
    static let rules = Shell.repo.appendingPathComponent("examples/telemetry/funnel.rules").path

    /// Compiles hand-written BPF C with the real clang flags.
    static func object(_ c: String, _ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sfunnelc-e2e-\(UUID().uuidString).o").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Clang.locate(explicit: nil).compile(source: c, output: path)
        try body(path)
    }

    static let header = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>

        """

    @Test func noSuchInterface() throws {
        try NetLab.with { lab in
            let r = try Shell.sfunnelc(["attach", Self.rules, "--iface", "eth9", "--netns", lab.client])
            #expect(r.status == 3)
            #expect(r.stderr.contains("error: no interface eth9 in this network namespace; list them with `ip link`"), "\(r.stderr)")
            let d = try Shell.sfunnelc(["detach", "--iface", "eth9", "--netns", lab.client])
            #expect(d.status == 3)
        }
    }

    @Test func noSuchNetns() throws {
        let r = try Shell.sfunnelc(["attach", Self.rules, "--iface", "c0", "--netns", "sfunnelc-no-such-netns"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("no network namespace sfunnelc-no-such-netns in /var/run/netns"), "\(r.stderr)")
    }

    /// Root without capabilities (an empty bounding set) is "not root" as far as BPF goes.
    @Test func withoutCapabilities() throws {
        try NetLab.with { lab in
            let r = try Shell.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--",
                                   Shell.sfunnelc, "attach", Self.rules, "--iface", "c0", "--netns", lab.client])
            #expect(r.status == 3, "\(r.stderr)")
            #expect(r.stderr.contains("Operation not permitted"), "\(r.stderr)")
            #expect(r.stderr.contains("run as root, or grant CAP_BPF, CAP_NET_ADMIN"), "\(r.stderr)")
            #expect(!(try lab.tcState(lab.client)).contains("clsact"))
        }
    }

    /// An object that pins a map, in a mount namespace without bpffs.
    @Test func bpffsNotMounted() throws {
        let c = Self.header + """
            struct {
            	__uint(type, BPF_MAP_TYPE_ARRAY);
            	__uint(max_entries, 1);
            	__type(key, __u32);
            	__type(value, __u64);
            	__uint(pinning, LIBBPF_PIN_BY_NAME);
            } sfunnelc_e2e_counter SEC(".maps");

            SEC("tc")
            int counting(struct __sk_buff *skb)
            {
            	__u32 key = 0;
            	__u64 *n = bpf_map_lookup_elem(&sfunnelc_e2e_counter, &key);

            	if (n)
            		__sync_fetch_and_add(n, 1);
            	return -1;
            }

            char _license[] SEC("license") = "GPL";

            """
        try NetLab.with { lab in
            try Self.object(c) { path in
                let r = try Shell.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                       // Never run with bpffs still there: the map would be pinned on the host.
                                       "while mountpoint -q /sys/fs/bpf; do umount /sys/fs/bpf || exit 99; done; exec \"$0\" \"$@\"",
                                       Shell.sfunnelc, "attach", "--object", path, "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 3, "\(r.stderr)")
                #expect(r.stderr.contains("pins a map at /sys/fs/bpf/sfunnelc_e2e_counter, but bpffs is not mounted"), "\(r.stderr)")
                #expect(r.stderr.contains("mount -t bpf bpf /sys/fs/bpf"))
            }
        }
    }

    @Test func clangMissing() throws {
        try NetLab.with { lab in
            let r = try Shell.sfunnelc(["attach", Self.rules, "--iface", "c0", "--netns", lab.client],
                                       env: ["CLANG": "/nonexistent/clang"])
            #expect(r.status == 3)
            #expect(r.stderr.contains("clang not found"))
            #expect(r.stderr.contains("apt-get install clang"))
        }
    }

    /// The verifier says no: exit status 1 and the end of its log, not all of it.
    @Test func verifierRejection() throws {
        let c = Self.header + """
            SEC("tc")
            int unchecked(struct __sk_buff *skb)
            {
            	void *data = (void *)(long)skb->data;

            	return *(volatile __u8 *)(data + 100);	/* no bounds check */
            }

            char _license[] SEC("license") = "GPL";

            """
        try NetLab.with { lab in
            try Self.object(c) { path in
                let r = try Shell.sfunnelc(["attach", "--object", path, "--iface", "c0", "--netns", lab.client])
                #expect(r.status == 1, "\(r.stderr)")
                #expect(r.stderr.contains("the kernel refused to load"), "\(r.stderr)")
                #expect(r.stderr.contains("verifier log (last lines):"))
                #expect(r.stderr.contains("invalid access to packet"), "\(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count <= 16)
                #expect(!(try lab.tcState(lab.client)).contains("clsact"))
            }
        }
    }
}
