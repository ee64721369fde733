#!/usr/bin/python3
"""Packet expectations for GSO, MTU and MSS clamping (docs/datapath.md,
"GSO, MTU and MSS"), built with scapy and packets.py's wire-format builders,
never from sfunnelc's code.

    /usr/bin/python3 Tests/KernelTests/Fixtures/offload.py > offload.json

Prints {"cases": [...]}: like packets.py's cases, plus what the test must tell
BPF_PROG_TEST_RUN about the packet: `mtu` (run it on a device with this MTU;
0: the kernel's default device, lo) and `gso_size`/`gso_segs` (non-zero: a
GSO super-packet).
"""

import json
import sys

from scapy.all import IP, TCP, UDP, Raw, raw

import packets as P

RULES = (
    "# sfunnelc kernel-test fixture: GSO, MTU, MSS\n"
    "ip udp dport 2055 actions funnel tcp sport 540 dport 179\n"
    "ip udp dport 2056 actions funnel udp sport 540 dport 4242\n"
    "ip tcp dport 5001 actions funnel udp sport 541 dport 4789 encap ip\n"
    "ip tcp dport 5002 actions funnel tcp sport 542 dport 179\n"
    "ip tcp dport 5003 actions funnel udp sport 543 dport 4243\n"
)

# How each rule's result is built from the original frame, and its growth.
KINDS = {
    "udp-in-tcp": (2055, 20, lambda f: P.funneled_frame(f, "udp", "tcp", 540, 179)),
    "udp-in-udp": (2056, 8, lambda f: P.funneled_frame(f, "udp", "udp", 540, 4242)),
    "tcp-encap-ip": (5001, 28, lambda f: P.encap_frame(f, 541)),
    "tcp-in-tcp": (5002, 20, lambda f: P.funneled_frame(f, "tcp", "tcp", 542, 179)),
    "tcp-in-udp": (5003, 8, lambda f: P.funneled_frame(f, "tcp", "udp", 543, 4243)),
}

MTU = 1500
cases = []


def add(name, inp, verdict, out=None, mtu=0, gso_size=0, gso_segs=0):
    out = inp if out is None else out
    if verdict != "ok":
        assert out == inp
    assert name not in {c["name"] for c in cases}, name
    cases.append({"name": name, "rules": RULES, "input": inp.hex(), "verdict": verdict,
                  "output": out.hex(), "mtu": mtu, "gso_size": gso_size, "gso_segs": gso_segs})


def frame(kind, ip_len, seed=1, syn_options=None, flags="A"):
    """An original frame of exactly `ip_len` IPv4 bytes for the rule `kind`."""
    dport = KINDS[kind][0]
    if kind.startswith("udp"):
        l4 = UDP(sport=33000 + seed, dport=dport)
        hl = 8
    else:
        opts = syn_options or []
        l4 = TCP(sport=45000 + seed, dport=dport, seq=0x10000000 + seed, ack=0 if flags == "S" else 7,
                 window=64240, flags=flags, options=opts)
        hl = len(raw(l4))
    n = ip_len - 20 - hl
    assert n >= 0
    f = P.original_frame(P.SRC, P.DST, 0x4000 + seed, l4 / Raw(P.payload(n, seed)) if n else l4)
    assert len(f) == 14 + ip_len
    return f


# GSO super-packets (gso_size set). BPF_PROG_TEST_RUN cannot set the GSO
# type, so these look like GSO packets of a type other than TCP (as UDP
# GSO, from UDP_SEGMENT, is): sfunnel's 8/20-byte format drops them up
# front, and for IP-in-UDP bpf_skb_adjust_room refuses them; either way the
# packet is dropped untouched. (TCP GSO through `encap ip` is the
# end-to-end tests' and scripts/bench-datapath's job.)
for kind in KINDS:
    f = frame(kind, 3 * 1000 + 60, seed=2)
    add("gso/" + kind, f, "shot", gso_size=1000, gso_segs=3)

# MTU: on a device with MTU 1500, a packet that fits once grown is funneled;
# one byte more and it is dropped, untouched.
for kind, (dport, growth, build) in KINDS.items():
    fits = frame(kind, MTU - growth, seed=3)
    add("mtu/%s/fits" % kind, fits, "ok", build(fits), mtu=MTU)
    over = frame(kind, MTU - growth + 1, seed=4)
    add("mtu/%s/one-byte-over" % kind, over, "shot", mtu=MTU)
    # On lo (MTU 65536) the same packet is funneled.
    add("mtu/%s/one-byte-over-on-lo" % kind, over, "ok", build(over))

# MSS clamping: a SYN or SYN-ACK being funneled on a device with MTU 1500
# announces at most 1500 - 40 - growth.
LINUX_SYN = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (0x11223344, 0)), ("NOP", None), ("WScale", 7)]
NOP_FIRST = [("NOP", None), ("NOP", None), ("SAckOK", b""), ("MSS", 1460)]


def with_mss(f, mss):
    """f (a TCP frame) with its MSS option set to `mss`, TCP checksum rebuilt by scapy."""
    ipl = IP(f[14:])
    opts = [(k, mss if k == "MSS" else v) for k, v in ipl[TCP].options]
    ipl[TCP].options = opts
    del ipl[TCP].chksum
    out = f[:14] + raw(ipl)
    assert len(out) == len(f)
    return out


for kind in ("tcp-encap-ip", "tcp-in-tcp", "tcp-in-udp"):
    dport, growth, build = KINDS[kind]
    limit = MTU - 40 - growth
    for opt_name, opts in (("linux-syn", LINUX_SYN), ("mss-after-nops", NOP_FIRST)):
        for flags in ("S", "SA"):
            syn = frame(kind, 20 + len(raw(TCP(options=opts))), seed=6, syn_options=opts, flags=flags)
            clamped = with_mss(syn, limit)
            assert clamped != syn
            add("mss/%s/%s/%s" % (kind, opt_name, flags), syn, "ok", build(clamped), mtu=MTU)
    small = [("MSS", limit - 1), ("NOP", None), ("WScale", 7)]
    syn = frame(kind, 20 + len(raw(TCP(options=small))), seed=7, syn_options=small, flags="S")
    add("mss/%s/already-small" % kind, syn, "ok", build(syn), mtu=MTU)
    # Only SYNs announce an MSS: the same option on an ACK is left alone.
    ack = frame(kind, 20 + len(raw(TCP(options=LINUX_SYN))), seed=8, syn_options=LINUX_SYN, flags="A")
    add("mss/%s/not-a-syn" % kind, ack, "ok", build(ack), mtu=MTU)
    plain = frame(kind, 40, seed=9, flags="S")
    add("mss/%s/syn-without-options" % kind, plain, "ok", build(plain), mtu=MTU)
    # On lo the limit is far above any real MSS.
    syn = frame(kind, 20 + len(raw(TCP(options=LINUX_SYN))), seed=10, syn_options=LINUX_SYN, flags="S")
    add("mss/%s/on-lo" % kind, syn, "ok", build(syn))

# IPv6 (packets_ipv6.py's builders): the same three rules after the 40-byte
# fixed header; IP-in-UDP grows by 48 bytes there, and the MSS limit is
# 1500 - 60 - growth.
RULES6 = (
    "# sfunnelc kernel-test fixture: GSO, MTU, MSS over IPv6\n"
    "ip6 udp dport 2055 actions funnel tcp sport 540 dport 179\n"
    "ip6 udp dport 2056 actions funnel udp sport 540 dport 4242\n"
    "ip6 tcp dport 5001 actions funnel udp sport 541 dport 4789 encap ip\n"
    "ip6 tcp dport 5002 actions funnel tcp sport 542 dport 179\n"
)
V6 = P.IPV6
KINDS6 = {
    "udp-in-tcp": (2055, 20, lambda f: V6.funneled6(f, "udp", "tcp", 540, 179)),
    "udp-in-udp": (2056, 8, lambda f: V6.funneled6(f, "udp", "udp", 540, 4242)),
    "tcp-encap-ip": (5001, 48, lambda f: V6.encap6(f, 541, 4789)),
    "tcp-in-tcp": (5002, 20, lambda f: V6.funneled6(f, "tcp", "tcp", 542, 179)),
}


def frame6(kind, ip_len, seed=1, syn_options=None, flags="A"):
    """An original frame of exactly `ip_len` IPv6 bytes (header included) for `kind`."""
    dport = KINDS6[kind][0]
    if kind.startswith("udp"):
        l4 = UDP(sport=33000 + seed, dport=dport)
    else:
        l4 = TCP(sport=45000 + seed, dport=dport, seq=0x10000000 + seed, ack=0 if flags == "S" else 7,
                 window=64240, flags=flags, options=syn_options or [])
    n = ip_len - 40 - len(raw(l4))
    assert n >= 0
    f = V6.original6("2001:db8:10::a", "2001:db8:20::14", seed, l4 / Raw(P.payload(n, seed)) if n else l4)
    assert len(f) == 14 + ip_len
    return f


def add6(name, inp, verdict, out=None, mtu=0, gso_size=0, gso_segs=0):
    add("ipv6/" + name, inp, verdict, out, mtu, gso_size, gso_segs)
    cases[-1]["rules"] = RULES6


for kind, (dport, growth, build) in KINDS6.items():
    add6("gso/" + kind, frame6(kind, 3 * 1000 + 80, seed=2), "shot", gso_size=1000, gso_segs=3)
    fits = frame6(kind, MTU - growth, seed=3)
    add6("mtu/%s/fits" % kind, fits, "ok", build(fits), mtu=MTU)
    over = frame6(kind, MTU - growth + 1, seed=4)
    add6("mtu/%s/one-byte-over" % kind, over, "shot", mtu=MTU)
    add6("mtu/%s/one-byte-over-on-lo" % kind, over, "ok", build(over))


def with_mss6(f, mss):
    """f (an IPv6/TCP frame) with its MSS option set to `mss`, TCP checksum rebuilt by scapy."""
    from scapy.all import IPv6
    ipl = IPv6(f[14:])
    ipl[TCP].options = [(k, mss if k == "MSS" else v) for k, v in ipl[TCP].options]
    del ipl[TCP].chksum
    out = f[:14] + raw(ipl)
    assert len(out) == len(f)
    return out


for kind in ("tcp-encap-ip", "tcp-in-tcp"):
    dport, growth, build = KINDS6[kind]
    limit = MTU - 60 - growth
    for flags in ("S", "SA"):
        syn = frame6(kind, 40 + len(raw(TCP(options=LINUX_SYN))), seed=6, syn_options=LINUX_SYN, flags=flags)
        clamped = with_mss6(syn, limit)
        assert clamped != syn
        add6("mss/%s/linux-syn/%s" % (kind, flags), syn, "ok", build(clamped), mtu=MTU)
    small = [("MSS", limit - 1), ("NOP", None), ("WScale", 7)]
    syn = frame6(kind, 40 + len(raw(TCP(options=small))), seed=7, syn_options=small, flags="S")
    add6("mss/%s/already-small" % kind, syn, "ok", build(syn), mtu=MTU)
    ack = frame6(kind, 40 + len(raw(TCP(options=LINUX_SYN))), seed=8, syn_options=LINUX_SYN, flags="A")
    add6("mss/%s/not-a-syn" % kind, ack, "ok", build(ack), mtu=MTU)

for c in cases:
    if c["name"].startswith("ipv6/") and c["verdict"] == "ok":
        V6.csum_values6(bytes.fromhex(c["output"]))

if __name__ == "__main__":
    json.dump({"cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")
