# shellcheck shell=bash
# Throwaway network namespaces for the lab (scripts/lab) and the end-to-end
# tests: a client, a router that NATs the way a Kubernetes service does
# (DNAT of the service address to the pod, SNAT/masquerade of the source),
# and a server pod. Every address lives only inside these namespaces.
#
#   $1-client  c0 10.201.1.2/24 ──── r0 10.201.1.1/24  $1-router  r1 10.201.2.1/24 ──── s0 10.201.2.2/24  $1-server
#
# Service address 10.201.96.10: the router DNATs only its ports 179/tcp and
# 4242/udp to the server pod (10.201.2.2) and masquerades what it forwards
# to the server, so an un-funneled datagram to port 2055 goes nowhere.
#
# netlab_up NAME / netlab_down NAME. Interfaces keep their default offloads.

NETLAB_SERVICE=10.201.96.10
NETLAB_CLIENT=10.201.1.2
NETLAB_SERVER=10.201.2.2

netlab_up() {
  local n=$1
  local c=$n-client r=$n-router s=$n-server ns
  for ns in "$c" "$r" "$s"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$c" link add c0 type veth peer name r0 netns "$r"
  ip -n "$s" link add s0 type veth peer name r1 netns "$r"
  ip -n "$c" addr add 10.201.1.2/24 dev c0
  ip -n "$r" addr add 10.201.1.1/24 dev r0
  ip -n "$r" addr add 10.201.2.1/24 dev r1
  ip -n "$s" addr add 10.201.2.2/24 dev s0
  ip -n "$c" link set c0 up
  ip -n "$r" link set r0 up
  ip -n "$r" link set r1 up
  ip -n "$s" link set s0 up
  ip -n "$c" route add default via 10.201.1.1
  ip -n "$s" route add default via 10.201.2.1
  ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$r" nft -f - <<NFT
table ip netlab {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    ip daddr $NETLAB_SERVICE tcp dport 179 dnat to $NETLAB_SERVER
    ip daddr $NETLAB_SERVICE udp dport 4242 dnat to $NETLAB_SERVER
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "r1" masquerade
  }
}
NFT
}

netlab_down() {
  local n=$1 ns
  for ns in "$n-client" "$n-router" "$n-server"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}
