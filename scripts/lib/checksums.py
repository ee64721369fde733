#!/usr/bin/env python3
"""Checks every checksum of the IPv4 packets in a capture (tcpdump -w, Ethernet).

  checksums.py PCAP [--funnel tcp:179,udp:4242] [--inner udp|tcp|ip]

For each IPv4 packet: the header checksum, and the TCP or UDP checksum over
the real pseudo-header (a UDP checksum of 0 means "none" and is counted as
such). A packet whose outer L4 header matches one of the --funnel
protocol:port pairs (either port) also has its inner part checked, as
../shared/spec/wire-format.md defines it:
  --inner udp|tcp  sfunnel's format: the inner L4 header follows the outer
                   one; its checksum uses 0.0.0.0 for both addresses;
  --inner ip       IP-in-UDP (encap ip): an IPv4 packet follows the outer UDP
                   header; its header and L4 checksums use its own addresses.
Prints "packets N funneled F bad B nochecksum Z" and then one line per bad
checksum (the first 10). Exit status 0 when B = 0 and N > 0, else 1.

Written from the RFCs (791, 768, 793) and the spec, independently of sfunnelc.
"""
import argparse
import struct
import sys


def fold(total):
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    return fold(sum(struct.unpack("!%dH" % (len(data) // 2), data)))


def l4_ok(proto, src, dst, segment):
    """Whether `segment` (TCP or UDP header + payload) checksums to 0xFFFF
    with the pseudo-header (src, dst, proto, length)."""
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(segment))
    return ones_sum(pseudo + segment) == 0xFFFF


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise SystemExit("checksums.py: %s: not a pcap file" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("checksums.py: %s: link type %d, want Ethernet (1)" % (path, linktype))
    off = 24
    while off + 16 <= len(data):
        incl, orig = struct.unpack(end + "II", data[off + 8:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if incl != orig:
            raise SystemExit("checksums.py: %s: a packet was cut short (capture with -s 0)" % path)
        yield frame


def check(frame, funnels, inner, problems, counts):
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    ip = ip[:tot]
    proto, src, dst = ip[9], ip[12:16], ip[16:20]
    counts["packets"] += 1
    if ones_sum(ip[:ihl]) != 0xFFFF:
        problems.append("IPv4 header checksum")
    if proto not in (6, 17) or struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
        return
    seg = ip[ihl:]
    name = {6: "tcp", 17: "udp"}[proto]
    if proto == 17 and seg[6:8] == b"\0\0":
        counts["nochecksum"] += 1
    elif not l4_ok(proto, src, dst, seg):
        problems.append("outer %s checksum" % name)
    sport, dport = struct.unpack("!HH", seg[:4])
    if not ({"%s:%d" % (name, sport), "%s:%d" % (name, dport)} & funnels) or not inner:
        return
    counts["funneled"] += 1
    body = seg[(seg[12] >> 4) * 4:] if proto == 6 else seg[8:]
    if inner == "ip":
        iihl = (body[0] & 15) * 4
        if ones_sum(body[:iihl]) != 0xFFFF:
            problems.append("inner IPv4 header checksum")
        iproto = body[9]
        iseg = body[iihl:struct.unpack("!H", body[2:4])[0]]
        if iproto == 17 and iseg[6:8] == b"\0\0":
            counts["nochecksum"] += 1
        elif iproto in (6, 17) and not l4_ok(iproto, body[12:16], body[16:20], iseg):
            problems.append("inner %s checksum (inner addresses)" % {6: "tcp", 17: "udp"}[iproto])
    else:
        iproto = {"udp": 17, "tcp": 6}[inner]
        if iproto == 17 and body[6:8] == b"\0\0":
            counts["nochecksum"] += 1
        elif not l4_ok(iproto, b"\0\0\0\0", b"\0\0\0\0", body):
            problems.append("inner %s checksum (0.0.0.0 pseudo-header)" % inner)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pcap")
    p.add_argument("--funnel", default="")
    p.add_argument("--inner", choices=["udp", "tcp", "ip"])
    args = p.parse_args()
    funnels = {f for f in args.funnel.split(",") if f}
    counts = {"packets": 0, "funneled": 0, "nochecksum": 0}
    bad = []
    for i, frame in enumerate(packets(args.pcap)):
        problems = []
        check(frame, funnels, args.inner, problems, counts)
        bad += ["packet %d: bad %s" % (i + 1, what) for what in problems]
    print("packets %d funneled %d bad %d nochecksum %d" % (counts["packets"], counts["funneled"], len(bad),
                                                           counts["nochecksum"]))
    for line in bad[:10]:
        print(line)
    return 0 if counts["packets"] and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
