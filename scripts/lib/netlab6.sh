# shellcheck shell=bash
# The IPv6 twin of netlab.sh, for the end-to-end tests of ip6 rules: a client,
# a router doing NAT66 the way a Kubernetes service does (DNAT of the service
# address to the pod, masquerade of the source), and a server pod. Every
# address is a ULA (fd00:201::/32) that lives only inside these namespaces.
#
#   $1-client  c0 fd00:201:1::2/64 ── r0 fd00:201:1::1/64  $1-router  r1 fd00:201:2::1/64 ── s0 fd00:201:2::2/64  $1-server
#
# Service fd00:201:96::10: the router DNATs its ports 179/tcp and 4242/udp to
# the server pod and masquerades what it forwards to the server.
#
# Checksums are really verified on the way: c0 has tx checksumming off, so
# the client's packets leave with complete checksums (CHECKSUM_NONE after
# the stack completes them), and r0 and s0 have rx checksumming off, so veth
# does not mark them CHECKSUM_UNNECESSARY: the router's conntrack and the
# server's UDP stack check every checksum in software.
#
# netlab6_up NAME / netlab6_down NAME. Built from netlab.sh's pieces
# (netlab_links, netlab_nat, netlab_mac).

source "$(dirname "${BASH_SOURCE[0]}")/netlab.sh"

NETLAB6_SERVICE=fd00:201:96::10
NETLAB6_SERVER=fd00:201:2::2

netlab6_up() {
  local n=$1
  local c=$n-client r=$n-router s=$n-server ns
  for ns in "$c" "$r" "$s"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  netlab_links "$c" "$r" "$s" "fd00:201:1::2/64 nodad" "fd00:201:1::1/64 nodad" \
    "fd00:201:2::1/64 nodad" "$NETLAB6_SERVER/64 nodad"
  ip -n "$c" -6 route add default via fd00:201:1::1
  ip -n "$s" -6 route add default via fd00:201:2::1
  ip netns exec "$r" sysctl -qw net.ipv6.conf.all.forwarding=1
  ip netns exec "$c" ethtool -K c0 tx off >/dev/null
  ip netns exec "$r" ethtool -K r0 rx off >/dev/null
  ip netns exec "$s" ethtool -K s0 rx off >/dev/null
  # Fixed neighbor entries: no neighbor discovery racing the first packets (a
  # solicitation sent while a peer's link is still coming up is only
  # repeated a second later).
  ip -n "$c" neigh replace fd00:201:1::1 lladdr "$(netlab_mac "$r" r0)" dev c0 nud permanent
  ip -n "$r" neigh replace fd00:201:1::2 lladdr "$(netlab_mac "$c" c0)" dev r0 nud permanent
  ip -n "$r" neigh replace fd00:201:2::2 lladdr "$(netlab_mac "$s" s0)" dev r1 nud permanent
  ip -n "$s" neigh replace fd00:201:2::1 lladdr "$(netlab_mac "$r" r1)" dev s0 nud permanent
  netlab_nat "$r" ip6 "$NETLAB6_SERVICE" "$NETLAB6_SERVER"
}

netlab6_down() {
  netlab_down "$@"
}
