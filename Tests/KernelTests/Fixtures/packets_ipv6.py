"""IPv6 fixtures for sfunnelc's kernel tests (imported by packets.py).

The same formats as for IPv4 after the 40-byte fixed header (wire-format.md,
"IPv6"): the funnel header follows the fixed header, the inner checksum
travels with `::` for both pseudo-header addresses, and IP-in-UDP pushes an
IPv6 header (a copy of the packet's own) and a UDP header. Packets with
extension headers, a payload length beyond the frame or a malformed L4
header are never touched. Every expected byte is built here with scapy or
by hand with struct, never from sfunnelc's code.

`build(h)` takes the helpers of packets.py (ones_sum, payload, add, …) as
a namespace, appends its cases and NAT entries through them, and returns
its frame builders (for offload.py).
"""

import struct
import types

from scapy.all import (  # noqa: E402
    IP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting, ICMPv6EchoRequest, TCP, UDP, Ether, Raw, raw,
)

FUNNEL6_RULES = (
    "# sfunnelc kernel-test fixture: funnel side, IPv6\n"
    "ip6 udp dport 2055 actions funnel tcp sport 540 dport 179   # UDP in TCP\n"
    "ip6 tcp dport 5001 actions funnel tcp dport 179 sport 541   # TCP in TCP\n"
    "ip6 udp dport 4739 actions funnel udp sport 540 dport 4789  # UDP in UDP\n"
    "ip6 tcp dport 5002 actions funnel udp dport 4789 sport 541  # TCP in UDP\n"
    "ip6 udp dport 2056 actions funnel udp sport 542 dport 4790 encap ip\n"
    "ip6 tcp dport 5003 actions funnel udp sport 543 dport 4790 encap ip\n"
    "ip udp dport 2057 actions drop   # IPv4 only: never an IPv6 packet\n"
)

UNFUNNEL6_RULES = (
    "# sfunnelc kernel-test fixture: unfunnel side, IPv6\n"
    "ip6 tcp sport 540 dport 179 actions unfunnel udp\n"
    "ip6 tcp sport 541 dport 179 actions unfunnel tcp\n"
    "ip6 udp sport 540 dport 4789 actions unfunnel udp\n"
    "ip6 udp sport 541 dport 4789 actions unfunnel tcp\n"
    "ip6 udp dport 4790 actions unfunnel ip\n"
)

VERDICT6_RULES = (
    "# sfunnelc kernel-test fixture: verdicts, IPv4 and IPv6 rules mixed\n"
    "ip6 saddr 2001:db8:66::/48 udp dport 53 actions drop   # first match wins\n"
    "ip6 udp dport 53 actions accept\n"
    "ip tcp dport 22 actions drop                          # IPv4 only\n"
    "tcp dport 8080 actions drop                           # no ip6: IPv4 only\n"
    "ip6 tcp dport 80 actions accept\n"
    "ip6 daddr 2001:db8::99 actions drop                   # any next header\n"
    "ip6 saddr 2001:db8:aa::1:0/112 udp actions drop       # prefix beyond 64 bits\n"
    "ip6 saddr != { 2001:db8::/32, fe80::/10 } tcp dport 443 actions drop\n"
)

COMBOS6 = {
    "udp-in-tcp": ("udp", 2055, "tcp", 540, 179),
    "tcp-in-tcp": ("tcp", 5001, "tcp", 541, 179),
    "udp-in-udp": ("udp", 4739, "udp", 540, 4789),
    "tcp-in-udp": ("tcp", 5002, "udp", 541, 4789),
}
ENCAP6_PORTS = {"udp": (2056, 542), "tcp": (5003, 543)}
PROTO = {"tcp": 6, "udp": 17}

SRC6 = "2001:db8:10::a"
DST6 = "2001:db8:20::14"
CLIENT6, SERVICE6 = "fd00:10:244:1::5", "fd00:10:96::7:7"
NODE6, BACKEND6 = "fd00:10:0:0::11", "fd00:10:244:2::9"
ZERO16 = b"\x00" * 16

L3 = 14          # IPv6 header offset
L4 = 14 + 40     # L4 offset


def build(h):
    cases_before = len(h.cases)

    def a6(s):
        return raw(IPv6(src=s))[8:24]

    def eth6():
        return Ether(src=h.MAC_A, dst=h.MAC_B, type=0x86DD)

    def ip6(src, dst, seed, **kw):
        return IPv6(src=src, dst=dst, tc=kw.pop("tc", 0x28), fl=kw.pop("fl", 0x12345 + seed),
                    hlim=kw.pop("hlim", 61), **kw)

    def pseudo6(src16, dst16, proto, length):
        return src16 + dst16 + struct.pack("!IxxxB", length, proto)

    def verify_l4_6(seg, proto, src16, dst16):
        off = h.l4_csum_offset(proto)
        c = struct.unpack("!H", seg[off:off + 2])[0]
        if proto == 17:
            assert struct.unpack("!H", seg[4:6])[0] == len(seg), "UDP length"
            if c == 0:
                return None
        assert h.ones_sum(pseudo6(src16, dst16, proto, len(seg)) + bytes(seg)) == 0xFFFF, \
            "L4 checksum over IPv6 (proto %d)" % proto
        return c

    def csum_values6(frame, inner_proto=None, trailer=0):
        """Parse an Ethernet/IPv6 frame by hand, verify its checksums (a
        funneled one: outer with the real addresses, inner with ::).
        `trailer`: bytes after the IPv6 packet (Ethernet padding)."""
        assert struct.unpack("!H", frame[12:14])[0] == 0x86DD
        ip = frame[L3:]
        assert ip[0] >> 4 == 6
        plen = struct.unpack("!H", ip[4:6])[0]
        if trailer:
            ip = ip[:len(ip) - trailer]
        assert plen == len(ip) - 40, (plen, len(ip))
        nh, src, dst = ip[6], ip[8:24], ip[24:40]
        seg = ip[40:]
        values = [verify_l4_6(seg, nh, src, dst)]
        if inner_proto is not None:
            hlen = (seg[12] >> 4) * 4 if nh == 6 else 8
            values.append(verify_l4_6(seg[hlen:], PROTO[inner_proto], ZERO16, ZERO16))
        return values

    def set_l4_csum6(seg, proto, src16, dst16):
        seg = bytearray(seg)
        off = h.l4_csum_offset(proto)
        seg[off:off + 2] = b"\x00\x00"
        c = h.csum(pseudo6(src16, dst16, proto, len(seg)) + bytes(seg))
        if proto == 17 and c == 0:
            c = 0xFFFF
        seg[off:off + 2] = struct.pack("!H", c)
        return bytes(seg)

    def zero_addr_inner6(seg, proto):
        """The inner segment as it travels: checksum against :: and ::."""
        off = h.l4_csum_offset(PROTO[proto])
        if proto == "udp" and seg[off:off + 2] == b"\x00\x00":
            return bytes(seg)
        out = set_l4_csum6(seg, PROTO[proto], ZERO16, ZERO16)
        cls = UDP if proto == "udp" else TCP
        hlen = 8 if proto == "udp" else (seg[12] >> 4) * 4
        p = IPv6(src="::", dst="::", nh=PROTO[proto]) / cls(seg[:hlen]) / Raw(seg[hlen:])
        del p[cls].chksum
        assert raw(p[cls]) == out     # scapy agrees with the hand-written sum
        return out

    def original6(src, dst, seed, l4):
        return raw(eth6() / ip6(src, dst, seed) / l4)

    def funneled6(orig, inner_proto, outer, sport, dport, tcp_options=None):
        o = IPv6(orig[L3:L4])
        seg = orig[L4:]
        assert len(seg) == o.plen
        inner = zero_addr_inner6(seg, inner_proto)
        hdr = h.funnel_header(outer, sport, dport, tcp_options)
        f = raw(eth6() / IPv6(src=o.src, dst=o.dst, tc=o.tc, fl=o.fl, hlim=o.hlim, nh=PROTO[outer])
                / hdr / Raw(inner))
        hl = 20 + len(h.tcp_options_bytes(tcp_options)) if outer == "tcp" else 8
        assert len(f) == len(orig) + hl
        # the fixed header: only payload length (4, 5) and next header (6) differ
        for i in range(40):
            if i not in (4, 5, 6):
                assert orig[L3 + i] == f[L3 + i], i
        assert struct.unpack("!H", f[L3 + 4:L3 + 6])[0] == o.plen + hl
        assert f[-len(inner):] == inner
        if outer == "tcp":
            s, d, sq, ak, offfl, win, ck, urg = struct.unpack("!HHIIHHHH", f[L4:L4 + 20])
            assert (s, d, sq, ak, win, urg) == (sport, dport, h.SEQ, h.ACK, 1024, 0)
        else:
            s, d, ln, ck = struct.unpack("!HHHH", f[L4:L4 + 8])
            assert (s, d, ln) == (sport, dport, len(f) - L4)
            assert ck != 0   # mandatory over IPv6
        return f

    def build_pair6(combo, n, seed, tcp_opts=False, udp_csum0=False, outer_opts=None, src=SRC6, dst=DST6):
        inner, idport, outer, osport, odport = COMBOS6[combo]
        l4 = h.inner_l4(inner, idport, n, seed, tcp_opts=tcp_opts, udp_csum0=udp_csum0)
        orig = original6(src, dst, seed, l4)
        fun = funneled6(orig, inner, outer, osport, odport, outer_opts)
        vals = csum_values6(orig) + csum_values6(fun, inner_proto=inner)
        if udp_csum0:
            assert orig[L4 + 6:L4 + 8] == b"\x00\x00"
            hl = L4 + (len(fun) - len(orig))
            assert fun[hl + 6:hl + 8] == b"\x00\x00"
        else:
            if inner == "udp":   # scapy's own checksum for the original must be the one verified
                assert csum_values6(orig)[0] == UDP(orig[L4:]).chksum
        return orig, fun, vals

    seed_base = 5001

    # funnel / unfunnel, 4 combinations x 6 payload lengths
    for combo in COMBOS6:
        for idx, n in enumerate(h.PAYLOAD_LENGTHS):
            tcp_opts = COMBOS6[combo][0] == "tcp" and idx % 2 == 0
            orig, fun = h.pick_seed(lambda s: build_pair6(combo, n, s, tcp_opts=tcp_opts), seed_base)
            seed_base += 60
            sfx = "payload-%d" % n + ("-tcpopts" if tcp_opts else "")
            h.add("ipv6/funnel/%s/%s" % (combo, sfx), FUNNEL6_RULES, orig, "ok", fun)
            h.add("ipv6/unfunnel/%s/%s" % (combo, sfx), UNFUNNEL6_RULES, fun, "ok", orig)

    # either side of the limit of the funnel's move in place (SF_DIRECT_MAX,
    # docs/datapath.md "Making room"): 3072 bytes of inner segment moved
    # within the packet, 3073 with room at its head; and trailing bytes
    # (Ethernet padding) that stay behind the packet. The bytes must not
    # depend on the way.
    for combo in COMBOS6:
        inner_hlen = 20 if COMBOS6[combo][0] == "tcp" else 8
        for l4_len in (3072, 3073):
            orig, fun = h.pick_seed(lambda s: build_pair6(combo, l4_len - inner_hlen, s), seed_base)
            seed_base += 60
            assert len(orig) - L4 == l4_len
            h.add("ipv6/funnel/%s/l4-%d" % (combo, l4_len), FUNNEL6_RULES, orig, "ok", fun)
            h.add("ipv6/unfunnel/%s/l4-%d" % (combo, l4_len), UNFUNNEL6_RULES, fun, "ok", orig)
        orig, fun = h.pick_seed(lambda s: build_pair6(combo, 1, s), seed_base)
        seed_base += 60
        pad = bytes((0x5A + i) & 0xFF for i in range(6))
        h.add("ipv6/funnel/%s/padded" % combo, FUNNEL6_RULES, orig + pad, "ok", fun + pad)
        h.add("ipv6/unfunnel/%s/padded" % combo, UNFUNNEL6_RULES, fun + pad, "ok", orig + pad)

    # inner UDP with checksum 0 (not valid over IPv6, but the funnel must not invent one)
    for combo in ("udp-in-tcp", "udp-in-udp"):
        for n in (3, 200):
            orig, fun = h.pick_seed(lambda s: build_pair6(combo, n, s, udp_csum0=True), seed_base)
            seed_base += 60
            h.add("ipv6/funnel/%s/udp-csum-0/payload-%d" % (combo, n), FUNNEL6_RULES, orig, "ok", fun)
            h.add("ipv6/unfunnel/%s/udp-csum-0/payload-%d" % (combo, n), UNFUNNEL6_RULES, fun, "ok", orig)

    # an outer TCP header with options (data offset 8) on the unfunnel side
    opts = [("NOP", None), ("NOP", None), ("Timestamp", (7, 0))]
    orig, fun = h.pick_seed(lambda s: build_pair6("udp-in-tcp", 77, s, outer_opts=opts), seed_base)
    seed_base += 60
    assert fun[L4 + 12] >> 4 == 8
    h.add("ipv6/unfunnel/udp-in-tcp/outer-doff-8/payload-77", UNFUNNEL6_RULES, fun, "ok", orig)

    # NAT on the way (outer addresses rewritten, outer L4 checksum fixed
    # incrementally, RFC 1624): unfunnel must use the current addresses.
    def nat6(frame, new_src, new_dst, zero_udp_stays=True):
        f = bytearray(frame)
        old_a = bytes(f[L3 + 8:L3 + 40])
        new_a = a6(new_src) + a6(new_dst)
        f[L3 + 8:L3 + 40] = new_a
        proto = f[L3 + 6]
        off = L4 + h.l4_csum_offset(proto)
        lc = struct.unpack("!H", f[off:off + 2])[0]
        if not (proto == 17 and lc == 0):
            nc = h.incr(lc, h.words(old_a), h.words(new_a))
            if proto == 17 and nc == 0:
                nc = 0xFFFF
            f[off:off + 2] = struct.pack("!H", nc)
        out = bytes(f)
        # scapy's full recomputation of the outer L4 checksum agrees
        cls = TCP if proto == 6 else UDP
        ohl = (out[L4 + 12] >> 4) * 4 if proto == 6 else 8
        o = IPv6(out[L3:L4])
        ol4 = cls(frame[L4:L4 + ohl])
        if not (proto == 17 and lc == 0):
            del ol4.chksum
        full = raw(Ether(out[:14]) / IPv6(src=new_src, dst=new_dst, tc=o.tc, fl=o.fl, hlim=o.hlim, nh=proto)
                   / ol4 / Raw(frame[L4 + ohl:]))
        assert full == out
        return out

    def readdressed6(orig, src, dst):
        """orig with new addresses, its L4 checksum rebuilt by scapy (0 stays 0)."""
        o = IPv6(orig[L3:L4])
        proto = o.nh
        cls = TCP if proto == 6 else UDP
        hl = (orig[L4 + 12] >> 4) * 4 if proto == 6 else 8
        l4 = cls(orig[L4:L4 + hl])
        if not (proto == 17 and l4.chksum == 0):
            del l4.chksum
        return raw(Ether(orig[:14]) / IPv6(src=src, dst=dst, tc=o.tc, fl=o.fl, hlim=o.hlim, nh=proto)
                   / l4 / Raw(orig[L4 + hl:]))

    for combo in COMBOS6:
        for n, tcp_opts in ((3, False), (1001, COMBOS6[combo][0] == "tcp")):
            def nat_case(seed):
                orig, fun, vals = build_pair6(combo, n, seed, tcp_opts=tcp_opts, src=CLIENT6, dst=SERVICE6)
                natted = nat6(fun, NODE6, BACKEND6)
                hl = len(fun) - len(orig)
                assert natted[L4 + hl:] == fun[L4 + hl:]     # inner segment untouched by NAT
                unf = readdressed6(orig, NODE6, BACKEND6)
                return (orig, fun, natted, unf, vals + csum_values6(natted, COMBOS6[combo][0]) + csum_values6(unf))
            orig, fun, natted, unf = h.pick_seed(nat_case, seed_base)
            seed_base += 60
            sfx = "payload-%d%s" % (n, "-tcpopts" if tcp_opts else "")
            h.nat.append({"name": "nat/ipv6/%s/%s" % (combo, sfx), "funnel_rules": FUNNEL6_RULES,
                          "unfunnel_rules": UNFUNNEL6_RULES, "input": orig.hex(), "funneled": fun.hex(),
                          "natted": natted.hex(), "unfunneled": unf.hex()})
            h.add("ipv6/unfunnel/%s/nat/%s" % (combo, sfx), UNFUNNEL6_RULES, natted, "ok", unf)

    # IP-in-UDP over IPv6: [IPv6 copy, nh UDP][UDP, full checksum][original packet]
    def encap6(orig, sport, dport):
        o = IPv6(orig[L3:L4])
        inner_pkt = orig[L3:]
        f = raw(eth6() / IPv6(src=o.src, dst=o.dst, tc=o.tc, fl=o.fl, hlim=o.hlim, nh=17)
                / UDP(sport=sport, dport=dport) / Raw(inner_pkt))
        assert f[L4 + 8:] == inner_pkt and len(f) == len(orig) + 48
        for i in range(40):
            if i not in (4, 5, 6):
                assert orig[L3 + i] == f[L3 + i], i
        assert f[L4 + 6:L4 + 8] != b"\x00\x00"
        return f

    for inner in ("udp", "tcp"):
        dport, sport = ENCAP6_PORTS[inner]
        for n in (0, 3, 1001, 1400):
            for udp_csum0 in ((False, True) if inner == "udp" and n == 3 else (False,)):
                def build_encap(seed):
                    l4 = h.inner_l4(inner, dport, n, seed, tcp_opts=(inner == "tcp" and n == 1001),
                                    udp_csum0=udp_csum0)
                    orig = original6(CLIENT6, SERVICE6, seed, l4)
                    enc = encap6(orig, sport, 4790)
                    natted = nat6(enc, NODE6, BACKEND6)
                    final = readdressed6(orig, NODE6, BACKEND6)
                    vals = csum_values6(enc) + csum_values6(natted) + csum_values6(orig) + csum_values6(final)
                    return (orig, enc, natted, final, vals)
                orig, enc, natted, final = h.pick_seed(build_encap, seed_base)
                seed_base += 60
                sfx = "%s-in-ip6-udp/payload-%d%s" % (inner, n, "-udp-csum-0" if udp_csum0 else "")
                h.add("ipv6/encap/" + sfx, FUNNEL6_RULES, orig, "ok", enc)
                h.add("ipv6/unencap/" + sfx + "/nat", UNFUNNEL6_RULES, natted, "ok", final)
                h.add("ipv6/unencap/" + sfx + "/no-nat", UNFUNNEL6_RULES, enc, "ok", orig)
                if n == 1001:
                    h.nat.append({"name": "nat/ipv6/" + sfx, "funnel_rules": FUNNEL6_RULES,
                                  "unfunnel_rules": UNFUNNEL6_RULES, "input": orig.hex(), "funneled": enc.hex(),
                                  "natted": natted.hex(), "unfunneled": final.hex()})

    # verdicts (IPv4 and IPv6 rules in one ruleset)
    def v6(src, dst, l4, seed=0):
        return raw(eth6() / ip6(src, dst, seed) / l4)

    def v4(src, dst, l4):
        return raw(h.eth() / h.ip_layer(src, dst, 77) / l4)

    pl = h.payload
    verdicts = [
        ("udp-53-from-66-drop", v6("2001:db8:66::2", "2001:db8::53", UDP(sport=5353, dport=53) / Raw(pl(30, 1))), "shot"),
        ("udp-53-accept", v6("2001:db8:67::2", "2001:db8::53", UDP(sport=5353, dport=53) / Raw(pl(30, 2))), "ok"),
        ("tcp-22-ipv4-rule-only", v6(SRC6, DST6, TCP(sport=40022, dport=22, flags="S")), "unspec"),
        ("tcp-8080-ipv4-rule-only", v6(SRC6, DST6, TCP(sport=40080, dport=8080, flags="S")), "unspec"),
        ("tcp-80-accept", v6(SRC6, DST6, TCP(sport=40080, dport=80, flags="PA") / Raw(pl(17, 3))), "ok"),
        ("icmpv6-to-99-drop", v6(SRC6, "2001:db8::99", ICMPv6EchoRequest(id=1, seq=1)), "shot"),
        ("udp-to-99-drop", v6(SRC6, "2001:db8::99", UDP(sport=1234, dport=9999)), "shot"),
        ("icmpv6-nomatch", v6(SRC6, DST6, ICMPv6EchoRequest(id=1, seq=2)), "unspec"),
        ("prefix-112-inside-drop", v6("2001:db8:aa::1:fffe", DST6, UDP(sport=1, dport=9)), "shot"),
        ("prefix-112-below-unspec", v6("2001:db8:aa::0:ffff", DST6, UDP(sport=1, dport=9)), "unspec"),
        ("prefix-112-above-unspec", v6("2001:db8:aa::2:0", DST6, UDP(sport=1, dport=9)), "unspec"),
        ("set-negated-outside-drop", v6("fd00::1", DST6, TCP(sport=1, dport=443, flags="S")), "shot"),
        ("set-negated-inside-unspec", v6("fe80::1", DST6, TCP(sport=1, dport=443, flags="S")), "unspec"),
        ("ipv4-tcp-22-drop", v4(h.SRC, h.DST, TCP(sport=40022, dport=22, flags="S")), "shot"),
        ("ipv4-tcp-8080-drop", v4(h.SRC, h.DST, TCP(sport=40023, dport=8080, flags="S")), "shot"),
        ("ipv4-udp-53-unspec", v4(h.SRC, h.DST, UDP(sport=5353, dport=53)), "unspec"),
        # extension headers: never classified, whatever the rules say
        ("hop-by-hop-udp-53-unspec", v6("2001:db8:66::2", "2001:db8::53", IPv6ExtHdrHopByHop() /
                                        UDP(sport=5353, dport=53) / Raw(pl(30, 1))), "unspec"),
        ("fragment-to-99-unspec", v6(SRC6, "2001:db8::99", IPv6ExtHdrFragment(id=7, m=1) /
                                     UDP(sport=1234, dport=9999) / Raw(pl(16, 1))), "unspec"),
    ]
    for name, f, v in verdicts:
        h.add("ipv6/verdict/" + name, VERDICT6_RULES, f, v)

    # never touched: funnel side
    U = "ipv6/untouched/funnel/"
    untouched = []

    def udp6(n=12, dport=2055, ext=None):
        l4 = UDP(sport=33333, dport=dport) / Raw(pl(n, 9))
        return v6(SRC6, DST6, (ext / l4) if ext is not None else l4)

    def tcp6(n=12, dport=5001):
        return v6(SRC6, DST6, TCP(sport=44444, dport=dport, flags="PA", seq=1, ack=2) / Raw(pl(n, 10)))

    def patch(frame, off, data):
        f = bytearray(frame)
        f[off:off + len(data)] = data
        return bytes(f)

    untouched.append(("hop-by-hop-udp", udp6(ext=IPv6ExtHdrHopByHop())))
    untouched.append(("dest-opts-udp", udp6(ext=IPv6ExtHdrDestOpt())))
    untouched.append(("routing-udp", udp6(ext=IPv6ExtHdrRouting(addresses=["2001:db8::1"]))))
    untouched.append(("first-fragment-udp", udp6(ext=IPv6ExtHdrFragment(id=9, m=1))))
    untouched.append(("atomic-fragment-tcp", v6(SRC6, DST6, IPv6ExtHdrFragment(id=10, m=0) /
                                              TCP(sport=44444, dport=5001, flags="A") / Raw(pl(8, 2)))))
    untouched.append(("hop-by-hop-udp-encap", udp6(dport=2056, ext=IPv6ExtHdrHopByHop())))
    f = tcp6()
    plen = struct.unpack("!H", f[L3 + 4:L3 + 6])[0]
    untouched.append(("payload-len-beyond-frame-tcp", patch(f, L3 + 4, struct.pack("!H", plen + 10))))
    f = udp6()
    plen = struct.unpack("!H", f[L3 + 4:L3 + 6])[0]
    f = patch(patch(f, L3 + 4, struct.pack("!H", plen + 10)), L4 + 4, struct.pack("!H", plen + 10))
    untouched.append(("payload-len-beyond-frame-udp", f))
    f = tcp6()
    untouched.append(("tcp-doff-4", patch(f, L4 + 12, bytes([(4 << 4) | (f[L4 + 12] & 0x0F)]))))
    f = tcp6(n=0)[:L4 + 12]
    untouched.append(("tcp-header-cut-short", patch(f, L3 + 4, struct.pack("!H", 12))))
    f = udp6(n=0)[:L4 + 6]
    untouched.append(("udp-header-cut-short", patch(f, L3 + 4, struct.pack("!H", 6))))
    f = udp6(n=20)
    untouched.append(("udp-length-longer-than-payload", patch(f, L4 + 4, struct.pack("!H", 8 + 20 + 4))))
    untouched.append(("udp-length-shorter-than-payload", patch(f, L4 + 4, struct.pack("!H", 8 + 20 - 4))))
    f = udp6()
    untouched.append(("version-4-in-ipv6-frame", patch(f, L3, bytes([0x40 | (f[L3] & 0x0F)]))))
    for name, f in untouched:
        h.add(U + name, FUNNEL6_RULES, f, "unspec")

    # never touched: unfunnel side
    U2 = "ipv6/untouched/unfunnel/"
    _, base_fun, _ = build_pair6("udp-in-tcp", 12, 7)
    o = IPv6(base_fun[L3:L4])
    hbh = raw(eth6() / IPv6(src=o.src, dst=o.dst, tc=o.tc, fl=o.fl, hlim=o.hlim) / IPv6ExtHdrHopByHop(nh=6)
              / Raw(base_fun[L4:]))
    assert hbh[L3 + 6] == 0 and hbh[L4 + 8:] == base_fun[L4:]
    h.add(U2 + "hop-by-hop-udp-in-tcp", UNFUNNEL6_RULES, hbh, "unspec")
    h.add(U2 + "outer-tcp-doff-4", UNFUNNEL6_RULES, patch(base_fun, L4 + 12, b"\x40"), "unspec")
    h.add(U2 + "outer-tcp-doff-beyond-packet", UNFUNNEL6_RULES, patch(base_fun, L4 + 12, b"\xf0"), "unspec")
    h.add(U2 + "inner-udp-cut-short-in-udp", UNFUNNEL6_RULES,
          v6(SRC6, DST6, UDP(sport=540, dport=4789) / Raw(b"\x81\x01\x08\x07")), "unspec")
    # IP-in-UDP whose inner packet is not plain IPv6 of the right length
    orig = original6(CLIENT6, SERVICE6, 3, h.inner_l4("udp", 2056, 12, 3))
    enc = encap6(orig, 542, 4790)
    ilen = struct.unpack("!H", enc[L4 + 8 + 4:L4 + 8 + 6])[0]

    def reencap(inner_pkt):
        """An outer IPv6/UDP around arbitrary inner bytes, checksum by scapy."""
        return raw(eth6() / IPv6(src=CLIENT6, dst=SERVICE6, hlim=61) / UDP(sport=542, dport=4790) / Raw(inner_pkt))

    inner_pkt = enc[L4 + 8:]
    h.add(U2 + "unencap-inner-length-mismatch", UNFUNNEL6_RULES,
          reencap(patch(inner_pkt, 4, struct.pack("!H", ilen - 1))), "unspec")
    h.add(U2 + "unencap-inner-hop-by-hop", UNFUNNEL6_RULES,
          reencap(raw(IPv6(src=CLIENT6, dst=SERVICE6) / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=2))), "unspec")
    h.add(U2 + "unencap-inner-ipv4", UNFUNNEL6_RULES,
          reencap(raw(IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1, dport=2))), "unspec")
    h.add(U2 + "unencap-inner-tcp-cut-short", UNFUNNEL6_RULES,
          reencap(patch(raw(IPv6(src=CLIENT6, dst=SERVICE6, nh=6) / Raw(pl(12, 1))), 4, struct.pack("!H", 12))),
          "unspec")

    # every "ok" output parses, with valid checksums
    for c in h.cases[cases_before:]:
        if c["verdict"] != "ok" or c["rules"] == VERDICT6_RULES:
            continue
        out = bytes.fromhex(c["output"])
        pad = len(out) - L3 - 40 - struct.unpack("!H", out[L3 + 4:L3 + 6])[0] if c["name"].endswith("/padded") else 0
        if c["name"].startswith("ipv6/funnel/"):
            csum_values6(out, inner_proto=COMBOS6[c["name"].split("/")[2]][0], trailer=pad)
        else:
            csum_values6(out, trailer=pad)

    return types.SimpleNamespace(original6=original6, funneled6=funneled6, encap6=encap6, eth6=eth6, ip6=ip6,
                                 csum_values6=csum_values6)
