#!/usr/bin/env python3
"""Traffic that reaches tc egress as GSO super-packets, for the end-to-end
tests of docs/datapath.md ("GSO, MTU and MSS"). Only ever pointed at
addresses inside the tests' own network namespaces.

  gsoflows.py tcp-sink PORT                 count bytes of one TCP connection
  gsoflows.py tcp-bulk HOST PORT BYTES      send BYTES on one connection
  gsoflows.py udp-gso HOST PORT SEGMENT N   one sendto of N*SEGMENT bytes with UDP_SEGMENT
"""
import socket
import sys

UDP_SEGMENT = 103  # linux/udp.h


def tcp_sink(port, idle=4.0):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(1)
    print("ready", flush=True)
    conn, _ = srv.accept()
    conn.settimeout(idle)
    got = 0
    try:
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            got += len(data)
    except socket.timeout:
        pass
    print("received %d" % got, flush=True)


def tcp_bulk(host, port, total, timeout=4.0):
    c = socket.create_connection((host, port), timeout=timeout)
    print("connected", flush=True)
    block = bytes(range(256)) * 256
    sent = 0
    try:
        while sent < total:
            sent += c.send(block[: min(len(block), total - sent)])
    except socket.timeout:
        pass
    print("queued %d" % sent, flush=True)


def udp_gso(host, port, segment, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, segment)
    s.sendto(bytes(segment * n), (host, port))
    print("sent %d" % (segment * n), flush=True)


def main(argv):
    mode = argv[1]
    if mode == "tcp-sink":
        tcp_sink(int(argv[2]))
    elif mode == "tcp-bulk":
        tcp_bulk(argv[2], int(argv[3]), int(argv[4]))
    elif mode == "udp-gso":
        udp_gso(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
