# shellcheck shell=bash
# Throwaway network namespaces for the lab (scripts/lab), the end-to-end
# tests and scripts/bench-datapath: a client, a router that NATs the way a
# Kubernetes service does (DNAT of the service address to the pod,
# SNAT/masquerade of the source), and a server pod. Every address lives only
# inside these namespaces.
#
#   $1-client  c0 10.N.1.2/24 ──── r0 10.N.1.1/24  $1-router  r1 10.N.2.1/24 ──── s0 10.N.2.2/24  $1-server
#
# N is the lab's address plan (second octet, default 201; NETLAB_NET or the
# second argument). Service address 10.N.96.10: the router DNATs only its
# ports 179/tcp and 4242/udp to the server pod (10.N.2.2) and masquerades
# what it forwards to the server, so an un-funneled datagram to port 2055
# goes nowhere.
#
# netlab_up NAME [N]        the three namespaces above
# netlab_direct_up NAME [N] no router: $1-client c0 10.N.1.2/24 ──── s0 10.N.2.2/24 $1-server
#                           (each side routes the other's /24 on the link)
# netlab_vxlan_up NAME [N]  no router: client and server over a VXLAN whose
#                           inner frames arrive CHECKSUM_COMPLETE (below)
# netlab_vxlan_nat_up NAME [N]  netlab_up's NAT router, and from it to the
#                           server a VXLAN as netlab_vxlan_up's (below)
# netlab_down NAME          removes whichever of them exist
# netlab_plan N             sets NETLAB_CLIENT, NETLAB_SERVER, NETLAB_SERVICE,
#                           NETLAB_ROUTER_C (r0), NETLAB_ROUTER_S (r1) for plan N
# Interfaces keep their default offloads (but for netlab_vxlan_up's).

netlab_plan() {
  local n=${1:-${NETLAB_NET:-201}}
  NETLAB_CLIENT=10.$n.1.2
  NETLAB_SERVER=10.$n.2.2
  NETLAB_SERVICE=10.$n.96.10
  NETLAB_ROUTER_C=10.$n.1.1
  NETLAB_ROUTER_S=10.$n.2.1
}
netlab_plan

netlab_namespaces() {
  local ns
  for ns in "$@"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
}

netlab_up() {
  local n=$1
  local c=$n-client r=$n-router s=$n-server
  netlab_plan "${2:-}"
  netlab_namespaces "$c" "$r" "$s"
  netlab_links "$c" "$r" "$s" "$NETLAB_CLIENT/24" "$NETLAB_ROUTER_C/24" "$NETLAB_ROUTER_S/24" "$NETLAB_SERVER/24"
  ip -n "$c" route add default via "$NETLAB_ROUTER_C"
  ip -n "$s" route add default via "$NETLAB_ROUTER_S"
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  netlab_nat "$r" ip "$NETLAB_SERVICE" "$NETLAB_SERVER"
}

# netlab_links C R S C0 R0 R1 S0: the veth pairs c0 (in C) ── r0 (in R) and
# s0 (in S) ── r1 (in R), with those addresses (extra `ip addr` words may
# follow an address: "fd00::1/64 nodad"), up.
netlab_links() {
  local c=$1 r=$2 s=$3
  ip -n "$c" link add c0 type veth peer name r0 netns "$r"
  ip -n "$s" link add s0 type veth peer name r1 netns "$r"
  # shellcheck disable=SC2086  # the address words split on purpose
  {
    ip -n "$c" addr add $4 dev c0
    ip -n "$r" addr add $5 dev r0
    ip -n "$r" addr add $6 dev r1
    ip -n "$s" addr add $7 dev s0
  }
  ip -n "$c" link set c0 up
  ip -n "$r" link set r0 up
  ip -n "$r" link set r1 up
  ip -n "$s" link set s0 up
}

# netlab_nat R FAMILY SERVICE SERVER [OUT]: in R, the service's NAT (nft
# family ip or ip6): SERVICE's ports 179/tcp and 4242/udp DNATed to SERVER,
# what leaves through OUT (default r1) masqueraded.
netlab_nat() {
  ip netns exec "$1" nft -f - <<NFT
table $2 netlab {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    $2 daddr $3 tcp dport 179 dnat to $4
    $2 daddr $3 udp dport 4242 dnat to $4
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "${5:-r1}" masquerade
  }
}
NFT
}

netlab_direct_up() {
  local n=$1
  local c=$n-client s=$n-server
  netlab_plan "${2:-}"
  netlab_namespaces "$c" "$s"
  ip -n "$c" link add c0 type veth peer name s0 netns "$s"
  ip -n "$c" addr add "$NETLAB_CLIENT/24" dev c0
  ip -n "$s" addr add "$NETLAB_SERVER/24" dev s0
  ip -n "$c" link set c0 up
  ip -n "$s" link set s0 up
  ip -n "$c" route add "${NETLAB_SERVER%.*}.0/24" dev c0
  ip -n "$s" route add "${NETLAB_CLIENT%.*}.0/24" dev s0
}

# netlab_vxlan_up NAME [N]: $1-client and $1-server joined by a veth (c0
# 10.N.1.1/24, s0 10.N.1.2/24) and a VXLAN over it (vx0 10.N.3.1/24 and
# 10.N.3.2/24, VNI N, UDP checksums on), tx checksumming off on c0: the
# outer UDP checksum is final when it leaves, veth passes it on as such,
# and the server's UDP stack verifies it in software, which leaves the sum
# of the whole frame in skb->csum; so the inner frames reach vx0's tc hooks
# CHECKSUM_COMPLETE, as from a NIC that sums what it receives. (With tx
# checksumming on, the checksum stays partial and is trusted unseen.) vx0
# also has IPv6, fd00:N:3::1/64 and fd00:N:3::2/64 (the other interfaces
# have none).
netlab_vxlan_up() {
  local c="$1-client" s="$1-server" n=${2:-201} ns
  for ns in "$c" "$s"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$c" link add c0 type veth peer name s0 netns "$s"
  ip -n "$c" addr add "10.$n.1.1/24" dev c0
  ip -n "$s" addr add "10.$n.1.2/24" dev s0
  ip -n "$c" link set c0 up
  ip -n "$s" link set s0 up
  netlab_vxlan_pair "$c" "10.$n.1.1" "$s" "10.$n.1.2" "$n" 1500
  ip -n "$c" addr add "10.$n.3.1/24" dev vx0
  ip -n "$s" addr add "10.$n.3.2/24" dev vx0
  ip netns exec "$c" sysctl -qw net.ipv6.conf.vx0.disable_ipv6=0
  ip netns exec "$s" sysctl -qw net.ipv6.conf.vx0.disable_ipv6=0
  ip -n "$c" addr add "fd00:$n:3::1/64" dev vx0 nodad
  ip -n "$s" addr add "fd00:$n:3::2/64" dev vx0 nodad
  ip -n "$c" link set vx0 up
  ip -n "$s" link set vx0 up
  ip netns exec "$c" ethtool -K c0 tx off >/dev/null
}

# netlab_vxlan_nat_up NAME [N]: the client and the NAT router of netlab_up
# (c0 10.N.1.2/24 ── r0 10.N.1.1/24, service 10.N.96.10), but the router
# reaches the server over a VXLAN (vx0: router 10.N.2.1/24, server
# 10.N.2.2/24, VNI N, UDP checksums on, MTU 1550) on a veth (r1
# 10.N.4.1/24 ── s0 10.N.4.2/24, MTU 1600) and masquerades what leaves
# through vx0. (vx0's MTU leaves room for what a funnel adds to a full-sized
# packet from the client: the router would not forward it otherwise.) Tx
# checksumming is off on c0 and r1 and rx checksumming off on r0, so every
# checksum is final on every link and checked in software: the router's conntrack
# checks the client's, and the server's UDP stack the VXLAN's, which makes
# the inner frames reach the server's vx0 CHECKSUM_COMPLETE (see
# netlab_vxlan_up) with addresses the router translated. The same in IPv6
# over c0, r0 and vx0 (fd00:N:1::2/64, fd00:N:1::1/64; fd00:N:2::1/64,
# fd00:N:2::2/64; service fd00:N:96::10, NAT66), with fixed neighbour
# entries (netlab6.sh says why).
netlab_vxlan_nat_up() {
  local n=$1
  local c=$n-client r=$n-router s=$n-server
  netlab_plan "${2:-}"
  local under=${NETLAB_SERVER%.*.*}.4 net=${NETLAB_SERVER#10.}
  net=${net%%.*}
  netlab_namespaces "$c" "$r" "$s"
  netlab_links "$c" "$r" "$s" "$NETLAB_CLIENT/24" "$NETLAB_ROUTER_C/24" "$under.1/24" "$under.2/24"
  ip -n "$r" link set r1 mtu 1600
  ip -n "$s" link set s0 mtu 1600
  netlab_vxlan_pair "$r" "$under.1" "$s" "$under.2" "$net" 1550
  ip netns exec "$c" sysctl -qw net.ipv6.conf.c0.disable_ipv6=0
  ip netns exec "$r" sysctl -qw net.ipv6.conf.r0.disable_ipv6=0 net.ipv6.conf.vx0.disable_ipv6=0 \
    net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
  ip netns exec "$s" sysctl -qw net.ipv6.conf.vx0.disable_ipv6=0
  ip -n "$c" addr add "fd00:$net:1::2/64" dev c0 nodad
  ip -n "$r" addr add "fd00:$net:1::1/64" dev r0 nodad
  ip -n "$r" addr add "$NETLAB_ROUTER_S/24" dev vx0
  ip -n "$r" addr add "fd00:$net:2::1/64" dev vx0 nodad
  ip -n "$s" addr add "$NETLAB_SERVER/24" dev vx0
  ip -n "$s" addr add "fd00:$net:2::2/64" dev vx0 nodad
  ip -n "$r" link set vx0 up
  ip -n "$s" link set vx0 up
  ip -n "$c" route add default via "$NETLAB_ROUTER_C"
  ip -n "$s" route add default via "$NETLAB_ROUTER_S"
  ip -n "$c" -6 route add default via "fd00:$net:1::1"
  ip -n "$s" -6 route add default via "fd00:$net:2::1"
  ip -n "$c" neigh replace "fd00:$net:1::1" lladdr "$(netlab_mac "$r" r0)" dev c0 nud permanent
  ip -n "$r" neigh replace "fd00:$net:1::2" lladdr "$(netlab_mac "$c" c0)" dev r0 nud permanent
  ip -n "$r" neigh replace "fd00:$net:2::2" lladdr "$(netlab_mac "$s" vx0)" dev vx0 nud permanent
  ip -n "$s" neigh replace "fd00:$net:2::1" lladdr "$(netlab_mac "$r" vx0)" dev vx0 nud permanent
  netlab_nat "$r" ip "$NETLAB_SERVICE" "$NETLAB_SERVER" vx0
  netlab_nat "$r" ip6 "fd00:$net:96::10" "fd00:$net:2::2" vx0
  ip netns exec "$c" ethtool -K c0 tx off >/dev/null
  ip netns exec "$r" ethtool -K r0 rx off >/dev/null
  ip netns exec "$r" ethtool -K r1 tx off >/dev/null
}

# netlab_vxlan_pair A UNDER_A B UNDER_B VNI MTU: vx0 in namespaces A and B, a
# VXLAN (UDP checksums on) between their underlay addresses, not yet up.
netlab_vxlan_pair() {
  ip -n "$1" link add vx0 mtu "$6" type vxlan id "$5" local "$2" remote "$4" dstport 4789 udpcsum
  ip -n "$3" link add vx0 mtu "$6" type vxlan id "$5" local "$4" remote "$2" dstport 4789 udpcsum
}

# netlab_mac NS DEV: DEV's MAC address.
netlab_mac() {
  ip -n "$1" -br link show "$2" | awk '{print $3}'
}

netlab_down() {
  local n=$1 ns
  for ns in "$n-client" "$n-router" "$n-server"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}
