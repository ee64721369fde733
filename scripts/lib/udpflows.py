#!/usr/bin/env python3
"""UDP datagrams with known contents, for the lab and the end-to-end tests.

  udpflows.py send HOST PORT [--sizes 1,100,1400] [--count N] [--interval S] [--netflow] [-6]
      Sends the datagrams; prints one line per datagram: "<length> <sha256>".
      --netflow: NetFlow v5 exports (24-byte header + 48-byte records), the
      size giving the record count; otherwise deterministic pseudo-random bytes.
  udpflows.py recv PORT [--count N] [--idle S] [--netflow] [-6]
      Binds 0.0.0.0:PORT ([::]:PORT with -6, IPv6 only), prints "ready", then
      "<length> <sha256>" per datagram
      (and, with --netflow, what the export says), until N datagrams or S
      seconds without one.
  udpflows.py tcp-serve PORT / tcp-connect HOST PORT
      A TCP session next to the datagrams (the BGP session of a collector):
      the server prints "ready", accepts one connection and echoes what it
      reads; the client sends a message and prints what came back.
  udpflows.py tcp-sink PORT / tcp-source HOST PORT [--mib N]
      A bulk TCP transfer: the sink prints "ready", accepts one connection,
      reads until the peer closes its side, answers with the SHA-256 of what
      it read and prints "received <bytes> <sha256> from <address>"; the
      source sends N MiB of pseudo-random bytes, and prints "sent <bytes>
      <sha256>" and whether the sink's digest matched ("digest ok").
"""
import argparse
import hashlib
import random
import socket
import struct
import sys
import time


def payload(index, size):
    out = b""
    block = 0
    while len(out) < size:
        out += hashlib.sha256(b"%d/%d/%d" % (index, size, block)).digest()
        block += 1
    return out[:size]


def netflow_v5(index, records):
    header = struct.pack("!HHIIIIBBH", 5, records, 1000 * index, 1764000000 + index, 0,
                         index * records, 0, 0, 0)
    body = b""
    for r in range(records):
        src = bytes([192, 0, 2, 1 + r % 250])
        dst = bytes([198, 51, 100, 1 + (index + r) % 250])
        body += struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH", src, dst, b"\0\0\0\0", 1, 2,
                            10 + r, 1500 * (r + 1), 1000, 2000, 40000 + r, 443, 0, 0x18, 6, 0,
                            64500, 64501, 24, 24, 0)
    return header + body


def describe_netflow(data):
    if len(data) < 24:
        return "not a NetFlow v5 export"
    version, count = struct.unpack("!HH", data[:4])
    if version != 5 or len(data) != 24 + 48 * count:
        return "not a NetFlow v5 export"
    src, dst = data[24:28], data[28:32]
    sport, dport = struct.unpack("!HH", data[24 + 32:24 + 36])
    return "NetFlow v5, %d record%s, first %s:%d -> %s:%d" % (
        count, "" if count == 1 else "s", socket.inet_ntoa(src), sport, socket.inet_ntoa(dst), dport)


def send(args):
    sizes = [int(s) for s in args.sizes.split(",")]
    sock = socket.socket(socket.AF_INET6 if args.ipv6 else socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(args.count):
        size = sizes[i % len(sizes)]
        data = netflow_v5(i, size) if args.netflow else payload(i, size)
        sock.sendto(data, (args.host, args.port))
        print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
        if args.interval:
            time.sleep(args.interval)


def recv(args):
    sock = socket.socket(socket.AF_INET6 if args.ipv6 else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    if args.ipv6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(("::" if args.ipv6 else "0.0.0.0", args.port))
    sock.settimeout(args.idle)
    print("ready", flush=True)
    got = 0
    while args.count == 0 or got < args.count:
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            break
        got += 1
        line = "%d %s" % (len(data), hashlib.sha256(data).hexdigest())
        if args.netflow:
            line += " " + describe_netflow(data)
        print(line, flush=True)


def accept_one(args):
    """Listens on 0.0.0.0:PORT, prints "ready", accepts one connection."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", args.port))
    srv.listen(1)
    srv.settimeout(args.idle)
    print("ready", flush=True)
    return srv.accept()


def tcp_serve(args):
    conn, peer = accept_one(args)
    with conn:
        data = conn.recv(65535)
        conn.sendall(data)
        print("TCP session from %s:%d: echoed %d bytes" % (peer[0], peer[1], len(data)), flush=True)


def tcp_connect(args):
    with socket.create_connection((args.host, args.port), timeout=5) as c:
        message = b"BGP OPEN (a stand-in): hello from the exporter"
        c.sendall(message)
        back = c.recv(65535)
        print("TCP %s:%d -> %s:%d: sent %d bytes, got them back %s" % (
            c.getsockname()[0], c.getsockname()[1], args.host, args.port, len(message),
            "intact" if back == message else "CHANGED"), flush=True)
        return 0 if back == message else 1


def tcp_sink(args):
    conn, peer = accept_one(args)
    conn.settimeout(args.idle)
    h, n = hashlib.sha256(), 0
    with conn:
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            n += len(data)
            h.update(data)
        conn.sendall(h.hexdigest().encode())
    print("received %d %s from %s" % (n, h.hexdigest(), peer[0]), flush=True)


def tcp_source(args):
    h, n = hashlib.sha256(), 0
    with socket.create_connection((args.host, args.port), timeout=10) as c:
        for i in range(args.mib):
            block = random.Random(i).randbytes(1 << 20)
            c.sendall(block)
            h.update(block)
            n += len(block)
        c.shutdown(socket.SHUT_WR)
        back = b""
        while len(back) < 64:
            more = c.recv(64)
            if not more:
                break
            back += more
    ok = back.decode(errors="replace") == h.hexdigest()
    print("sent %d %s, digest %s" % (n, h.hexdigest(), "ok" if ok else "WRONG (%r)" % back), flush=True)
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("send")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("--sizes", default="1,100,1000,1400")
    s.add_argument("--count", type=int, default=4)
    s.add_argument("--interval", type=float, default=0.0)
    s.add_argument("--netflow", action="store_true")
    s.add_argument("-6", dest="ipv6", action="store_true")
    r = sub.add_parser("recv")
    r.add_argument("port", type=int)
    r.add_argument("--count", type=int, default=0)
    r.add_argument("--idle", type=float, default=3.0)
    r.add_argument("--netflow", action="store_true")
    r.add_argument("-6", dest="ipv6", action="store_true")
    ts = sub.add_parser("tcp-serve")
    ts.add_argument("port", type=int)
    ts.add_argument("--idle", type=float, default=5.0)
    tc = sub.add_parser("tcp-connect")
    tc.add_argument("host")
    tc.add_argument("port", type=int)
    tk = sub.add_parser("tcp-sink")
    tk.add_argument("port", type=int)
    tk.add_argument("--idle", type=float, default=10.0)
    tt = sub.add_parser("tcp-source")
    tt.add_argument("host")
    tt.add_argument("port", type=int)
    tt.add_argument("--mib", type=int, default=4)
    args = p.parse_args()
    modes = {"send": send, "recv": recv, "tcp-serve": tcp_serve, "tcp-connect": tcp_connect,
             "tcp-sink": tcp_sink, "tcp-source": tcp_source}
    return modes[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
