#!/usr/bin/python3
"""Independently built packet expectations for sfunnelc's kernel tests.

Run with Debian's interpreter (it has python3-scapy):

    /usr/bin/python3 Tests/KernelTests/Fixtures/packets.py > packets.json

Prints one JSON document on stdout (nothing else): {"cases": [...], "nat": [...]}.
Every expected byte is built here with scapy or by hand with struct, from
the spec's wire-format.md, never from sfunnelc's code. Output is deterministic.
See README.md next to this file.
"""

import json
import logging
import os
import struct
import sys
import types

logging.getLogger("scapy").setLevel(logging.ERROR)

from scapy.all import (  # noqa: E402
    ARP, IP, IPv6, TCP, UDP, Dot1Q, Ether, Raw, raw,
)

# ---------------------------------------------------------------------------
# Rulesets (the only three distinct `rules` strings used)

FUNNEL_RULES = (
    "# sfunnelc kernel-test fixture: funnel side\n"
    "ip udp dport 2055 actions funnel tcp sport 540 dport 179   # UDP in TCP\n"
    "ip tcp dport 5001 actions funnel tcp dport 179 sport 541   # TCP in TCP\n"
    "ip udp dport 4739 actions funnel udp sport 540 dport 4789  # UDP in UDP\n"
    "ip tcp dport 5002 actions funnel udp dport 4789 sport 541  # TCP in UDP\n"
)

UNFUNNEL_RULES = (
    "# sfunnelc kernel-test fixture: unfunnel side\n"
    "ip tcp sport 540 dport 179 actions unfunnel udp\n"
    "ip tcp sport 541 dport 179 actions unfunnel tcp\n"
    "ip udp sport 540 dport 4789 actions unfunnel udp\n"
    "ip udp sport 541 dport 4789 actions unfunnel tcp\n"
)

VERDICT_RULES = (
    "# sfunnelc kernel-test fixture: verdicts\n"
    "ip saddr 10.66.0.0/16 udp dport 53 actions drop   # first match wins\n"
    "ip udp dport 53 actions accept\n"
    "ip tcp dport 22 actions drop\n"
    "ip tcp dport 80 actions accept\n"
    "ip daddr 192.0.2.99 actions drop                  # no tcp/udp: any IPv4\n"
)

# combination name -> (inner proto, inner dport, outer proto, outer sport, outer dport)
COMBOS = {
    "udp-in-tcp": ("udp", 2055, "tcp", 540, 179),
    "tcp-in-tcp": ("tcp", 5001, "tcp", 541, 179),
    "udp-in-udp": ("udp", 4739, "udp", 540, 4789),
    "tcp-in-udp": ("tcp", 5002, "udp", 541, 4789),
}
PROTO = {"tcp": 6, "udp": 17}

PAYLOAD_LENGTHS = [0, 1, 3, 4, 1001, 1400]

MAC_A = "02:00:5e:00:00:0a"
MAC_B = "02:00:5e:00:00:0b"
SRC = "192.0.2.10"
DST = "198.51.100.20"

SEQ = 0xCAFEBABE
ACK = 0xBABECAFE

TCP_TS_OPTIONS = [("NOP", None), ("NOP", None), ("Timestamp", (0x01020304, 0x0A0B0C0D))]


# ---------------------------------------------------------------------------
# Hand-written checksum helpers (independent of scapy, used to cross-check it)

def ones_sum(data, start=0):
    """16-bit one's complement sum (end-around carry folded), big-endian words."""
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    s = start
    for (w,) in struct.iter_unpack("!H", bytes(data)):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum(data, start=0):
    return (~ones_sum(data, start)) & 0xFFFF


def pseudo(src4, dst4, proto, length):
    return src4 + dst4 + struct.pack("!BBH", 0, proto, length)


def l4_csum_offset(proto):
    return 16 if proto == 6 else 6


def set_l4_csum(seg, proto, src4, dst4):
    """Return the L4 segment with its checksum recomputed for the given addresses."""
    seg = bytearray(seg)
    off = l4_csum_offset(proto)
    seg[off:off + 2] = b"\x00\x00"
    c = csum(pseudo(src4, dst4, proto, len(seg)) + bytes(seg))
    if proto == 17 and c == 0:
        c = 0xFFFF
    seg[off:off + 2] = struct.pack("!H", c)
    return bytes(seg)


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def fix_ip_hdr_csum(frame, l3=14):
    """Recompute the IPv4 header checksum over the 20-byte base header
    (used after hand-patching malformed fields, so that the named defect is
    the only one)."""
    f = bytearray(frame)
    f[l3 + 10:l3 + 12] = b"\x00\x00"
    f[l3 + 10:l3 + 12] = struct.pack("!H", csum(f[l3:l3 + 20]))
    return bytes(f)


# Every checksum value a fixture relies on is collected here; values 0x0000
# and 0xFFFF are avoided (see no_ambiguous_csums) because both mean "zero" in
# one's complement and an incremental update and a full recomputation may
# legitimately pick different ones.
def csum_values(frame, inner_proto=None, trailer=0):
    """Parse an Ethernet/IPv4 frame by hand, verify every checksum, return them.

    If inner_proto is given the frame is a funneled one: the outer L4 checksum
    is verified with the real addresses, the inner with 0.0.0.0 addresses.
    `trailer`: bytes after the IPv4 packet (Ethernet padding)."""
    assert struct.unpack("!H", frame[12:14])[0] == 0x0800
    ip = frame[14:len(frame) - trailer]
    ihl = (ip[0] & 0x0F) * 4
    assert ip[0] >> 4 == 4 and ihl == 20
    tot_len = struct.unpack("!H", ip[2:4])[0]
    assert tot_len == len(ip), (tot_len, len(ip))
    assert ones_sum(ip[:20]) == 0xFFFF, "IPv4 header checksum"
    values = [struct.unpack("!H", ip[10:12])[0]]
    proto, src4, dst4 = ip[9], ip[12:16], ip[16:20]
    seg = ip[20:tot_len]
    values.append(verify_l4(seg, proto, src4, dst4))
    if inner_proto is not None:
        hlen = (seg[12] >> 4) * 4 if proto == 6 else 8
        if proto == 17:
            assert struct.unpack("!H", seg[4:6])[0] == len(seg)
        inner = seg[hlen:]
        zero = b"\x00" * 4
        values.append(verify_l4(inner, PROTO[inner_proto], zero, zero))
    return values


def verify_l4(seg, proto, src4, dst4):
    c = struct.unpack("!H", seg[l4_csum_offset(proto):l4_csum_offset(proto) + 2])[0]
    if proto == 17:
        assert struct.unpack("!H", seg[4:6])[0] == len(seg), "UDP length"
        if c == 0:
            return None  # no checksum
    assert ones_sum(pseudo(src4, dst4, proto, len(seg)) + bytes(seg)) == 0xFFFF, \
        "L4 checksum (proto %d)" % proto
    return c


def no_ambiguous_csums(values):
    return all(v is None or v not in (0x0000, 0xFFFF) for v in values)


# ---------------------------------------------------------------------------
# Packet builders

def payload(n, seed):
    return bytes(((i * 31 + seed * 7 + 11) ^ (i >> 8)) & 0xFF for i in range(n))


def eth():
    return Ether(src=MAC_A, dst=MAC_B, type=0x0800)


def ip_layer(src, dst, ip_id, **kw):
    return IP(src=src, dst=dst, id=ip_id, ttl=kw.pop("ttl", 61),
              tos=kw.pop("tos", 0x10), flags=kw.pop("flags", "DF"), **kw)


def inner_l4(proto, dport, n, seed, tcp_opts=False, udp_csum0=False):
    """The original L4 header + payload as a scapy layer (checksum auto)."""
    data = payload(n, seed)
    if proto == "udp":
        l4 = UDP(sport=33000 + seed, dport=dport)
        if udp_csum0:
            l4.chksum = 0
    else:
        l4 = TCP(sport=45000 + seed, dport=dport, seq=0x10000000 + seed * 0x1001,
                 ack=0x20000000 + seed * 0x2003, window=502,
                 flags="PA" if tcp_opts else "A",
                 options=TCP_TS_OPTIONS if tcp_opts else [])
    return l4 / Raw(data) if n else l4


def original_frame(src, dst, ip_id, l4):
    f = raw(eth() / ip_layer(src, dst, ip_id) / l4)
    return f


def zero_addr_inner(seg, proto):
    """The inner segment as it travels in a funneled packet (checksum against
    0.0.0.0/0.0.0.0), unless it is a UDP checksum of 0, which stays 0."""
    off = l4_csum_offset(PROTO[proto])
    if proto == "udp" and seg[off:off + 2] == b"\x00\x00":
        return bytes(seg)
    zero = b"\x00" * 4
    out = set_l4_csum(seg, PROTO[proto], zero, zero)
    # Cross-check against scapy computing the same thing with 0.0.0.0 addresses.
    cls = UDP if proto == "udp" else TCP
    hlen = 8 if proto == "udp" else (seg[12] >> 4) * 4
    p = IP(src="0.0.0.0", dst="0.0.0.0", proto=PROTO[proto]) / cls(seg[:hlen]) / Raw(seg[hlen:])
    del p[cls].chksum
    assert raw(p[cls]) == out
    return out


def funnel_header(outer, sport, dport, tcp_options=None):
    if outer == "tcp":
        return TCP(sport=sport, dport=dport, seq=SEQ, ack=ACK, flags="S",
                   window=1024, urgptr=0, options=tcp_options or [])
    return UDP(sport=sport, dport=dport)


def funneled_frame(orig, inner_proto, outer, sport, dport, tcp_options=None):
    """Build the funneled frame from an original frame, per wire-format.md."""
    ipl = IP(orig[14:34])     # header fields only
    seg = orig[34:]
    assert len(seg) == ipl.len - 20
    inner = zero_addr_inner(seg, inner_proto)
    hdr = funnel_header(outer, sport, dport, tcp_options)
    f = raw(eth() / IP(src=ipl.src, dst=ipl.dst, id=ipl.id, ttl=ipl.ttl,
                       tos=ipl.tos, flags=ipl.flags, proto=PROTO[outer])
            / hdr / Raw(inner))
    # structural self-checks
    hl = 20 + (len(tcp_options_bytes(tcp_options)) if outer == "tcp" else -12)
    assert len(f) == len(orig) + hl
    ip_o, ip_f = orig[14:34], f[14:34]
    # IPv4 header unchanged except tot_len (2..3), protocol (9), checksum (10..11)
    for i in range(20):
        if i not in (2, 3, 9, 10, 11):
            assert ip_o[i] == ip_f[i], i
    assert struct.unpack("!H", ip_f[2:4])[0] == struct.unpack("!H", ip_o[2:4])[0] + hl
    assert f[-len(inner):] == inner
    if outer == "tcp":
        th = f[34:54]
        s, d, sq, ak, offfl, win, ck, urg = struct.unpack("!HHIIHHHH", th)
        assert (s, d, sq, ak, win, urg) == (sport, dport, SEQ, ACK, 1024, 0)
        assert offfl == ((5 + len(tcp_options_bytes(tcp_options)) // 4) << 12) | 0x02
    else:
        s, d, ln, ck = struct.unpack("!HHHH", f[34:42])
        assert (s, d, ln) == (sport, dport, len(f) - 34)
    return f


def tcp_options_bytes(opts):
    if not opts:
        return b""
    return raw(TCP(options=opts))[20:]


def pick_seed(build, base):
    """Deterministically pick the first seed >= base whose frames carry no
    0x0000/0xFFFF checksum (see csum_values)."""
    for seed in range(base, base + 50):
        res = build(seed)
        if no_ambiguous_csums(res[-1]):
            return res[:-1]
    raise AssertionError("no seed found")


# ---------------------------------------------------------------------------

cases = []
nat = []


def add(name, rules, inp, verdict, out=None):
    if out is None:
        out = inp
    assert len(inp) >= 14 and len(out) >= 14
    if verdict != "ok":
        assert out == inp
    assert name not in {c["name"] for c in cases}, name
    cases.append({"name": name, "rules": rules, "input": inp.hex(),
                  "verdict": verdict, "output": out.hex()})


def build_pair(combo, n, seed, tcp_opts=False, udp_csum0=False, outer_opts=None,
               src=SRC, dst=DST):
    inner, idport, outer, osport, odport = COMBOS[combo]
    l4 = inner_l4(inner, idport, n, seed, tcp_opts=tcp_opts, udp_csum0=udp_csum0)
    orig = original_frame(src, dst, 0x1000 + seed, l4)
    fun = funneled_frame(orig, inner, outer, osport, odport, outer_opts)
    vals = csum_values(orig) + csum_values(fun, inner_proto=inner)
    if udp_csum0:
        assert struct.unpack("!H", orig[40:42])[0] == 0
        hl = 34 + (len(fun) - len(orig))
        assert fun[hl + 6:hl + 8] == b"\x00\x00"
    return orig, fun, vals


# 1 + 2: funnel and unfunnel, 4 combinations x 6 payload lengths
seed_base = 1
for combo in COMBOS:
    for idx, n in enumerate(PAYLOAD_LENGTHS):
        tcp_opts = COMBOS[combo][0] == "tcp" and idx % 2 == 0
        orig, fun = pick_seed(lambda s: build_pair(combo, n, s, tcp_opts=tcp_opts),
                              seed_base)
        seed_base += 60
        suffix = "payload-%d" % n + ("-tcpopts" if tcp_opts else "")
        add("funnel/%s/%s" % (combo, suffix), FUNNEL_RULES, orig, "ok", fun)
        add("unfunnel/%s/%s" % (combo, suffix), UNFUNNEL_RULES, fun, "ok", orig)

# 2b: on both sides of the limit of the funnel's move in place
# (SF_DIRECT_MAX, docs/datapath.md "Making room"): with a final checksum (as
# BPF_PROG_TEST_RUN's packets have), an inner segment of 3072 bytes is moved
# within the packet, one of 3073 gets room at the packet's head. The bytes
# must not depend on which.
for combo in COMBOS:
    inner_hlen = 20 if COMBOS[combo][0] == "tcp" else 8
    for l4_len in (3072, 3073):
        orig, fun = pick_seed(lambda s: build_pair(combo, l4_len - inner_hlen, s), seed_base)
        seed_base += 60
        assert len(orig) - 34 == l4_len
        add("funnel/%s/l4-%d" % (combo, l4_len), FUNNEL_RULES, orig, "ok", fun)
        add("unfunnel/%s/l4-%d" % (combo, l4_len), UNFUNNEL_RULES, fun, "ok", orig)

# 2c: trailing bytes after the IPv4 packet (Ethernet padding of a short
# frame, as received from a NIC): they stay behind the packet, shifted by the
# funnel header, and are left alone by unfunnel.
for combo in COMBOS:
    orig, fun = pick_seed(lambda s: build_pair(combo, 1, s), seed_base)
    seed_base += 60
    pad = bytes((0xA5 + i) & 0xFF for i in range(64 - len(orig)))
    assert len(orig + pad) == 64
    add("funnel/%s/padded" % combo, FUNNEL_RULES, orig + pad, "ok", fun + pad)
    add("unfunnel/%s/padded" % combo, UNFUNNEL_RULES, fun + pad, "ok", orig + pad)

# 3: inner UDP with checksum 0
for combo in ("udp-in-tcp", "udp-in-udp"):
    for n in (3, 200):
        orig, fun = pick_seed(lambda s: build_pair(combo, n, s, udp_csum0=True), seed_base)
        seed_base += 60
        add("funnel/%s/udp-csum-0/payload-%d" % (combo, n), FUNNEL_RULES, orig, "ok", fun)
        add("unfunnel/%s/udp-csum-0/payload-%d" % (combo, n), UNFUNNEL_RULES, fun, "ok", orig)

# 4: outer TCP funnel header with options, on the unfunnel side only
OUTER_OPTS = {
    "outer-doff-6": [("MSS", 1460)],                                   # 4 bytes
    "outer-doff-8": [("NOP", None), ("NOP", None), ("Timestamp", (7, 0))],  # 12 bytes
}
for combo, optname, n, tcp_opts in (("udp-in-tcp", "outer-doff-6", 5, False),
                                    ("udp-in-tcp", "outer-doff-8", 1001, False),
                                    ("tcp-in-tcp", "outer-doff-6", 3, True),
                                    ("tcp-in-tcp", "outer-doff-8", 64, False)):
    orig, fun = pick_seed(lambda s: build_pair(combo, n, s, tcp_opts=tcp_opts,
                                               outer_opts=OUTER_OPTS[optname]), seed_base)
    seed_base += 60
    assert (fun[34 + 12] >> 4) == {"outer-doff-6": 6, "outer-doff-8": 8}[optname]
    add("unfunnel/%s/%s/payload-%d" % (combo, optname, n), UNFUNNEL_RULES, fun, "ok", orig)


# 5: verdicts
def vframe(src, dst, l4, ip_id):
    return raw(eth() / ip_layer(src, dst, ip_id) / l4)


ICMP_PROTO_PAYLOAD = bytes.fromhex("0800f7fe00010000")  # ICMP echo, id 1 seq 0 (checksum valid)
assert csum(ICMP_PROTO_PAYLOAD) == 0
verdicts = [
    ("verdict/udp-53-from-10.66-drop", vframe("10.66.1.2", "10.0.0.53", UDP(sport=5353, dport=53) / Raw(payload(30, 1)), 1), "shot"),
    ("verdict/udp-53-accept", vframe("10.67.1.2", "10.0.0.53", UDP(sport=5353, dport=53) / Raw(payload(30, 2)), 2), "ok"),
    ("verdict/tcp-22-drop", vframe(SRC, DST, TCP(sport=40022, dport=22, flags="S"), 3), "shot"),
    ("verdict/tcp-80-accept", vframe(SRC, DST, TCP(sport=40080, dport=80, flags="PA") / Raw(payload(17, 3)), 4), "ok"),
    ("verdict/tcp-80-from-10.66-accept", vframe("10.66.9.9", DST, TCP(sport=40081, dport=80, flags="A"), 5), "ok"),
    ("verdict/icmp-to-192.0.2.99-drop", raw(eth() / ip_layer(SRC, "192.0.2.99", 6, proto=1) / Raw(ICMP_PROTO_PAYLOAD)), "shot"),
    ("verdict/udp-to-192.0.2.99-drop", vframe(SRC, "192.0.2.99", UDP(sport=1234, dport=9999), 7), "shot"),
    ("verdict/nomatch/udp-54", vframe(SRC, DST, UDP(sport=5353, dport=54) / Raw(payload(4, 4)), 8), "unspec"),
    ("verdict/nomatch/tcp-23", vframe(SRC, DST, TCP(sport=40023, dport=23, flags="S"), 9), "unspec"),
    ("verdict/nomatch/tcp-sport-53", vframe(SRC, DST, TCP(sport=53, dport=40053, flags="A"), 10), "unspec"),
    ("verdict/nomatch/icmp", raw(eth() / ip_layer(SRC, DST, 11, proto=1) / Raw(ICMP_PROTO_PAYLOAD)), "unspec"),
    ("verdict/nomatch/arp", None, "unspec"),
]
ARP_FRAME = raw(Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") /
                ARP(op=1, hwsrc=MAC_A, psrc=SRC, hwdst="00:00:00:00:00:00", pdst="192.0.2.99"))
for name, f, v in verdicts:
    if f is None:
        f = ARP_FRAME
    elif f[23] in (6, 17):
        csum_values(f)
    add(name, VERDICT_RULES, f, v)


# 6: packets that must never be mangled (rules would otherwise match them)
def udp_frame(n=12, dport=2055, ip_id=0x2000, **ipkw):
    return raw(eth() / ip_layer(SRC, DST, ip_id, **ipkw) /
               UDP(sport=33333, dport=dport) / Raw(payload(n, 9)))


def tcp_frame(n=12, dport=5001, ip_id=0x2100, **ipkw):
    return raw(eth() / ip_layer(SRC, DST, ip_id, **ipkw) /
               TCP(sport=44444, dport=dport, flags="PA", seq=1, ack=2) / Raw(payload(n, 10)))


def patch(frame, off, data, fix_ip=True):
    f = bytearray(frame)
    f[off:off + len(data)] = data
    f = bytes(f)
    return fix_ip_hdr_csum(f) if fix_ip else f


U = "untouched/funnel/"
untouched = []

# IPv4 options: Router Alert (4 bytes) -> IHL 6; scapy computes lengths/checksums.
f = raw(eth() / ip_layer(SRC, DST, 0x2001, options=[b"\x94\x04\x00\x00"]) /
        UDP(sport=33333, dport=2055) / Raw(payload(12, 9)))
assert f[14] == 0x46
untouched.append((U + "ipv4-options-ihl-6-udp", f))

f = raw(eth() / ip_layer(SRC, DST, 0x2002, options=[b"\x01" * 40]) /
        TCP(sport=44444, dport=5001, flags="A") / Raw(payload(5, 10)))
assert f[14] == 0x4F
untouched.append((U + "ipv4-options-ihl-15-tcp", f))

# Fragments
untouched.append((U + "first-fragment-tcp", tcp_frame(ip_id=0x2003, flags="MF")))
f = udp_frame(ip_id=0x2004, flags="MF")   # UDP length == IP payload length: only MF differs
untouched.append((U + "first-fragment-udp", f))
f = raw(eth() / ip_layer(SRC, DST, 0x2005, flags=0, frag=185) /
        UDP(sport=33333, dport=2055) / Raw(payload(12, 9)))   # looks like a UDP header
assert struct.unpack("!H", f[20:22])[0] == 185
untouched.append((U + "later-fragment-udp-lookalike", f))
f = raw(eth() / ip_layer(SRC, DST, 0x2006, flags="MF", frag=1) /
        TCP(sport=44444, dport=5001, flags="A") / Raw(payload(12, 10)))
untouched.append((U + "middle-fragment-tcp-lookalike", f))
f = raw(eth() / ip_layer(SRC, DST, 0x2007, flags="DF+MF") /
        TCP(sport=44444, dport=5001, flags="A") / Raw(payload(12, 10)))
untouched.append((U + "first-fragment-df-mf-tcp", f))

# IHL < 5: UDP header still sits at offset 34 and would match
f = patch(udp_frame(ip_id=0x2008), 14, b"\x44")
untouched.append((U + "ihl-4-udp-at-34", f))

# tot_len beyond the frame
f = tcp_frame(ip_id=0x2009)
tl = struct.unpack("!H", f[16:18])[0]
untouched.append((U + "tot-len-beyond-frame-tcp", patch(f, 16, struct.pack("!H", tl + 10))))
f = udp_frame(ip_id=0x200A)
tl = struct.unpack("!H", f[16:18])[0]
f = patch(f, 16, struct.pack("!H", tl + 10))
f = patch(f, 38, struct.pack("!H", tl + 10 - 20), fix_ip=False)  # UDP len agrees with tot_len
untouched.append((U + "tot-len-beyond-frame-udp", f))

# tot_len < 20
untouched.append((U + "tot-len-16-tcp", patch(tcp_frame(ip_id=0x200B), 16, struct.pack("!H", 16))))

# TCP data offset < 5
f = tcp_frame(ip_id=0x200C)
untouched.append((U + "tcp-doff-4", patch(f, 46, bytes([(4 << 4) | (f[46] & 0x0F)]), fix_ip=False)))
untouched.append((U + "tcp-doff-0", patch(f, 46, bytes([f[46] & 0x0F]), fix_ip=False)))

# TCP header cut short: frame (and tot_len) end 12 bytes into the TCP header
f = tcp_frame(n=0, ip_id=0x200D)[:14 + 20 + 12]
untouched.append((U + "tcp-header-cut-short", patch(f, 16, struct.pack("!H", 32))))
# TCP doff 8 claims 12 option bytes but the segment ends after 24 bytes
f = raw(eth() / ip_layer(SRC, DST, 0x200E) /
        TCP(sport=44444, dport=5001, flags="A", options=TCP_TS_OPTIONS))[:14 + 20 + 24]
assert f[46] >> 4 == 8
untouched.append((U + "tcp-options-cut-short", patch(f, 16, struct.pack("!H", 44))))

# UDP header cut short: 6 of 8 bytes
f = udp_frame(n=0, ip_id=0x200F)[:14 + 20 + 6]
untouched.append((U + "udp-header-cut-short", patch(f, 16, struct.pack("!H", 26))))

# UDP length field disagreeing with the IP payload length
f = udp_frame(n=20, ip_id=0x2010)
untouched.append((U + "udp-length-longer-than-ip-payload", patch(f, 38, struct.pack("!H", 8 + 20 + 4), fix_ip=False)))
untouched.append((U + "udp-length-shorter-than-ip-payload", patch(f, 38, struct.pack("!H", 8 + 20 - 4), fix_ip=False)))
untouched.append((U + "udp-length-below-8", patch(f, 38, struct.pack("!H", 4), fix_ip=False)))

# Not IPv4 at all
untouched.append((U + "arp-request", ARP_FRAME))
f = raw(Ether(src=MAC_A, dst=MAC_B) /
        IPv6(src="2001:db8::10", dst="2001:db8:1::20", hlim=61) /
        UDP(sport=33333, dport=2055) / Raw(payload(12, 9)))
untouched.append((U + "ipv6-udp", f))
f = raw(Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=100, prio=0) /
        ip_layer(SRC, DST, 0x2011) / UDP(sport=33333, dport=2055) / Raw(payload(12, 9)))
assert f[12:14] == b"\x81\x00"
untouched.append((U + "vlan-8021q-ipv4-udp", f))

# Unfunnel side: funneled frames that are malformed or not to be touched
U2 = "untouched/unfunnel/"
base_orig, base_fun, _ = build_pair("udp-in-tcp", 12, 7)
# IPv4 options on a funneled packet
o = IP(base_fun[14:34])
f = raw(eth() / IP(src=o.src, dst=o.dst, id=o.id, ttl=o.ttl, tos=o.tos,
                   flags=o.flags, proto=6, options=[b"\x94\x04\x00\x00"]) / Raw(base_fun[34:]))
assert f[14] == 0x46 and f[38:] == base_fun[34:]
untouched.append((U2 + "ipv4-options-ihl-6-udp-in-tcp", f))
# first fragment
f = fix_ip_hdr_csum(patch(base_fun, 20, b"\x20\x00", fix_ip=False))
untouched.append((U2 + "first-fragment-udp-in-tcp", f))
# outer TCP doff < 5
untouched.append((U2 + "outer-tcp-doff-4", patch(base_fun, 46, b"\x40", fix_ip=False)))
# outer TCP doff larger than the segment (15*4 = 60 > 20 + 8 + 12 = 40)
untouched.append((U2 + "outer-tcp-doff-beyond-packet", patch(base_fun, 46, b"\xf0", fix_ip=False)))
# outer UDP length disagreeing with IP payload
_, uf, _ = build_pair("udp-in-udp", 12, 8)
untouched.append((U2 + "outer-udp-length-mismatch",
                  patch(uf, 38, struct.pack("!H", struct.unpack("!H", uf[38:40])[0] + 2), fix_ip=False)))
# nothing (or too little) of the inner header after the outer one
f = raw(eth() / ip_layer(SRC, DST, 0x2012, proto=17) /
        UDP(sport=540, dport=4789) / Raw(b"\x81\x01\x08\x07"))   # inner UDP cut to 4 bytes
untouched.append((U2 + "inner-udp-header-cut-short-in-udp", f))
f = raw(eth() / ip_layer(SRC, DST, 0x2013, proto=6) /
        TCP(sport=541, dport=179, seq=SEQ, ack=ACK, flags="S", window=1024) /
        Raw(payload(12, 3)))    # inner TCP cut to 12 bytes
untouched.append((U2 + "inner-tcp-header-cut-short-in-tcp", f))
# later fragment of a funneled packet
f = fix_ip_hdr_csum(patch(base_fun, 20, b"\x00\xb9", fix_ip=False))
untouched.append((U2 + "later-fragment-tcp-lookalike", f))

for name, f in untouched:
    rules = UNFUNNEL_RULES if name.startswith(U2) else FUNNEL_RULES
    add(name, rules, f, "unspec")


# 7: NAT round trips (Kubernetes ClusterIP service: DNAT to a backend pod,
# SNAT/masquerade of the client to the node address)
CLIENT, SERVICE = "10.244.1.5", "10.96.120.7"
NODE, BACKEND = "10.0.0.11", "10.244.2.9"


def incr(old_csum, old_words, new_words):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')."""
    s = (~old_csum) & 0xFFFF
    for m in old_words:
        s += (~m) & 0xFFFF
    for m in new_words:
        s += m
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def words(b):
    return [w for (w,) in struct.iter_unpack("!H", b)]


def nat_rewrite(frame, new_src, new_dst):
    """What a NAT box does: new addresses, IPv4 + outer L4 checksum fixed
    incrementally, nothing else touched."""
    f = bytearray(frame)
    old_a = bytes(f[26:34])
    new_a = ip4(new_src) + ip4(new_dst)
    f[26:34] = new_a
    hc = struct.unpack("!H", f[24:26])[0]
    f[24:26] = struct.pack("!H", incr(hc, words(old_a), words(new_a)))
    proto = f[23]
    off = 34 + l4_csum_offset(proto)
    lc = struct.unpack("!H", f[off:off + 2])[0]
    if not (proto == 17 and lc == 0):
        nc = incr(lc, words(old_a), words(new_a))
        if proto == 17 and nc == 0:
            nc = 0xFFFF
        f[off:off + 2] = struct.pack("!H", nc)
    return bytes(f)


def nat_case(combo, n, seed, tcp_opts):
    orig, fun, vals = build_pair(combo, n, seed, tcp_opts=tcp_opts, src=CLIENT, dst=SERVICE)
    natted = nat_rewrite(fun, NODE, BACKEND)
    # scapy's full recomputation must agree with the incremental one
    # (layers assembled from byte slices so that scapy's port-based
    # dissectors, e.g. VXLAN on 4789 or NetFlow on 2055, cannot interfere)
    outer_cls = TCP if COMBOS[combo][2] == "tcp" else UDP
    ohl = (natted[46] >> 4) * 4 if outer_cls is TCP else 8
    ipl = IP(fun[14:34])
    ipl.src, ipl.dst = NODE, BACKEND
    del ipl.chksum
    ol4 = outer_cls(fun[34:34 + ohl])
    del ol4.chksum
    full = raw(Ether(fun[:14]) / ipl / ol4 / Raw(fun[34 + ohl:]))
    assert full == natted, combo
    nat_vals = csum_values(natted, inner_proto=COMBOS[combo][0])
    # only addresses and the two checksums changed
    hl = 20 if COMBOS[combo][2] == "tcp" else 8
    diff = [i for i in range(len(fun)) if fun[i] != natted[i]]
    allowed = set(range(26, 34)) | {24, 25} | {34 + l4_csum_offset(PROTO[COMBOS[combo][2]]) + k for k in (0, 1)}
    assert set(diff) <= allowed
    assert natted[34 + hl:] == fun[34 + hl:]   # inner segment untouched
    # unfunneled: the original L4 with the new addresses, built from scratch
    inner, idport, _, _, _ = COMBOS[combo]
    l4 = inner_l4(inner, idport, n, seed, tcp_opts=tcp_opts)
    o = IP(orig[14:34])
    unf = raw(eth() / IP(src=NODE, dst=BACKEND, id=o.id, ttl=o.ttl, tos=o.tos,
                         flags=o.flags) / l4)
    unf_vals = csum_values(unf)
    # everything but addresses and checksums equals the original
    cs = 34 + l4_csum_offset(PROTO[inner])
    same = [i for i in range(len(orig)) if i not in set(range(24, 34)) | {cs, cs + 1}]
    assert all(orig[i] == unf[i] for i in same)
    return (orig, fun, natted, unf, vals + nat_vals + unf_vals)


for combo in COMBOS:
    for n, tcp_opts in ((3, False), (1001, COMBOS[combo][0] == "tcp")):
        orig, fun, natted, unf = pick_seed(lambda s: nat_case(combo, n, s, tcp_opts), seed_base)
        seed_base += 60
        nat.append({
            "name": "nat/%s/payload-%d%s" % (combo, n, "-tcpopts" if tcp_opts else ""),
            "funnel_rules": FUNNEL_RULES,
            "unfunnel_rules": UNFUNNEL_RULES,
            "input": orig.hex(),
            "funneled": fun.hex(),
            "natted": natted.hex(),
            "unfunneled": unf.hex(),
        })
        # the funnel fixture for this input is also checked as an ordinary case
        sfx = "payload-%d%s" % (n, "-tcpopts" if tcp_opts else "")
        add("funnel/%s/k8s-addresses/%s" % (combo, sfx), FUNNEL_RULES, orig, "ok", fun)
        add("unfunnel/%s/k8s-nat/%s" % (combo, sfx), UNFUNNEL_RULES, natted, "ok", unf)

# ---------------------------------------------------------------------------
# IP-in-UDP (`funnel udp ... encap ip` / `unfunnel ip`, wire-format.md
# "Offloads"): the outer IPv4 header is a copy of the original with protocol
# UDP and the new length, then UDP (checksum 0), then the original packet,
# unchanged. Unfunnel removes both and gives the inner packet the outer
# (post-NAT) addresses, its checksums fixed for them.

ENCAP_RULES = (
    "# sfunnelc kernel-test fixture: IP-in-UDP\n"
    "ip udp dport 2055 actions funnel udp sport 540 dport 4789 encap ip\n"
    "ip tcp dport 5001 actions funnel udp dport 4789 sport 541 encap ip\n"
)
UNENCAP_RULES = (
    "# sfunnelc kernel-test fixture: IP-in-UDP, receiving side\n"
    "ip udp dport 4789 actions unfunnel ip\n"
)
ENCAP_PORTS = {"udp": (2055, 540), "tcp": (5001, 541)}


def encap_frame(orig, sport):
    """orig wrapped per wire-format.md, built with struct and scapy."""
    o = IP(orig[14:34])
    outer = IP(src=o.src, dst=o.dst, id=o.id, ttl=o.ttl, tos=o.tos, flags=o.flags,
               frag=o.frag, proto=17, len=o.len + 28)
    udp = struct.pack("!HHHH", sport, 4789, o.len + 8, 0)
    f = orig[:14] + raw(outer)[:20] + udp + orig[14:]
    ip_o, ip_f = orig[14:34], f[14:34]
    for i in range(20):          # only length, protocol, checksum differ
        if i not in (2, 3, 9, 10, 11):
            assert ip_o[i] == ip_f[i], i
    assert ones_sum(f[14:34]) == 0xFFFF   # outer header checksum valid
    return f


def readdressed(orig, src, dst):
    """orig with new addresses, IPv4 and L4 checksums rebuilt by scapy
    (a UDP checksum of 0 stays 0)."""
    ipl = IP(orig[14:34])
    ipl.src, ipl.dst = src, dst
    del ipl.chksum
    proto = ipl.proto
    cls = TCP if proto == 6 else UDP
    hl = (orig[46] >> 4) * 4 if proto == 6 else 8
    l4 = cls(orig[34:34 + hl])
    if not (proto == 17 and l4.chksum == 0):
        del l4.chksum
    return raw(Ether(orig[:14]) / ipl / l4 / Raw(orig[34 + hl:]))


def encap_nat(frame, new_src, new_dst):
    """A NAT box on the outer header: nat_rewrite, whose outer UDP checksum
    of 0 ("none") stays 0."""
    assert frame[40:42] == b"\x00\x00"
    out = nat_rewrite(frame, new_src, new_dst)
    assert out[40:42] == b"\x00\x00"
    return out


for inner in ("udp", "tcp"):
    dport, sport = ENCAP_PORTS[inner]
    for n in (0, 1, 3, 4, 1001, 1400):
        for udp_csum0 in ((False, True) if inner == "udp" and n == 3 else (False,)):
            def build(seed):
                l4 = inner_l4(inner, dport, n, seed, tcp_opts=(inner == "tcp" and n == 1001),
                              udp_csum0=udp_csum0)
                orig = original_frame(CLIENT, SERVICE, 0x3000 + seed, l4)
                enc = encap_frame(orig, sport)
                natted = encap_nat(enc, NODE, BACKEND)
                final = readdressed(orig, NODE, BACKEND)
                # the unfunneled frame: the original but for addresses and checksums
                after_csum = 34 + (18 if inner == "tcp" else 8)
                assert final[after_csum:] == orig[after_csum:]
                vals = csum_values(orig) + csum_values(final)
                if udp_csum0:
                    vals = [v for v in vals if v != 0]
                return (orig, enc, natted, final, vals)
            orig, enc, natted, final = pick_seed(build, seed_base)
            seed_base += 60
            sfx = "%s-in-ip-udp/payload-%d%s" % (inner, n, "-udp-csum-0" if udp_csum0 else "")
            add("encap/" + sfx, ENCAP_RULES, orig, "ok", enc)
            add("unencap/" + sfx + "/nat", UNENCAP_RULES, natted, "ok", final)
            add("unencap/" + sfx + "/no-nat", UNENCAP_RULES, enc, "ok", orig)
            if n in (3, 1001) and not udp_csum0:
                nat.append({"name": "nat/" + sfx, "funnel_rules": ENCAP_RULES,
                            "unfunnel_rules": UNENCAP_RULES, "input": orig.hex(), "funneled": enc.hex(),
                            "natted": natted.hex(), "unfunneled": final.hex()})

# An inner packet that is not plain IPv4 (options, fragment) stays as it came.
_orig = original_frame(CLIENT, SERVICE, 0x3999, inner_l4("udp", 2055, 12, 3))
_enc = bytearray(encap_frame(_orig, 540))
_frag = bytearray(_enc)
_frag[42 + 6] |= 0x20              # inner MF
_frag = bytes(_frag[:42]) + fix_ip_hdr_csum(bytes(_frag), l3=42)[42:]
add("untouched/unencap/inner-first-fragment", UNENCAP_RULES, _frag, "unspec")
_short = bytearray(_enc)
_short[42 + 2:42 + 4] = struct.pack("!H", struct.unpack("!H", bytes(_enc[44:46]))[0] - 1)
_short = bytes(_short[:42]) + fix_ip_hdr_csum(bytes(_short), l3=42)[42:]
add("untouched/unencap/inner-length-mismatch", UNENCAP_RULES, _short, "unspec")

# Final sweep: every "ok" output is well formed with valid checksums.
for c in cases:
    if c["verdict"] != "ok" or c["rules"] in (VERDICT_RULES, ENCAP_RULES, UNENCAP_RULES):
        continue
    out = bytes.fromhex(c["output"])
    pad = len(out) - 14 - struct.unpack("!H", out[16:18])[0] if c["name"].endswith("/padded") else 0
    if c["name"].startswith("funnel/"):
        combo = c["name"].split("/")[1]
        csum_values(out, inner_proto=COMBOS[combo][0], trailer=pad)
        inp = bytes.fromhex(c["input"])
        csum_values(inp, trailer=len(inp) - 14 - struct.unpack("!H", inp[16:18])[0])
    else:
        csum_values(out, trailer=pad)

# IPv6: the same formats after the 40-byte fixed header (packets_ipv6.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import packets_ipv6  # noqa: E402

IPV6 = packets_ipv6.build(types.SimpleNamespace(**globals()))

assert len({c["rules"] for c in cases}) <= 9

if __name__ == "__main__":
    json.dump({"cases": cases, "nat": nat}, sys.stdout, indent=1)
    sys.stdout.write("\n")
