// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * sfunnelc datapath: the hand-written half of every program sfunnelc builds.
 *
 * sfunnelc puts the generated rules where the marker line below says
 * (`sf_classify`, the rule matcher, and `sf_apply`, one shared block per
 * distinct action). Without them this file still compiles, as a program with
 * an empty ruleset that leaves every packet alone.
 *
 * Wire format: ../shared/spec/wire-format.md. In short, for IPv4:
 *   funnel:   [eth][ip, proto=P, len+H][P header, H bytes][original L4 ...]
 *   unfunnel: the inverse.
 * The original L4 checksum travels with its pseudo-header addresses taken out
 * (as if both were 0.0.0.0), so NAT on the way cannot break it; unfunnel adds
 * the addresses the packet has on arrival.
 *
 * Packets that cannot be funneled safely are never classified and never
 * touched: neither IPv4 nor IPv6, IPv4 with options (the kernel inserts room
 * right after the 20-byte base header), fragments, IPv6 with extension
 * headers, and truncated or inconsistent headers. IPv6 (`ip6` rules) uses
 * the same formats after the 40-byte fixed header; its code is compiled in
 * only when the ruleset has ip6 rules (SF_HAVE_IPV6).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#define SF_IP_OFF	ETH_HLEN
#define SF_L4_OFF	(ETH_HLEN + sizeof(struct iphdr))
#define SF_IP_MF	0x2000
#define SF_IP_OFFSET	0x1fff
#define SF_TCP_HLEN	20
#define SF_UDP_HLEN	8

/* Offsets of the L4 checksum field in each header. */
#define SF_TCP_CHECK	16
#define SF_UDP_CHECK	6

/* What the classifier sees, in host byte order, and what the actions need. */
struct sf_pkt {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;		/* 0 when the protocol has no ports */
	__u16 dport;
	__u8 proto;
	__u8 l4_hlen;		/* TCP: data offset * 4; UDP: 8; else 0 */
	__u16 l4_len;		/* IPv4 payload length */
};

/*
 * One's complement arithmetic on 16-bit words as they lie in memory. Summing
 * raw (network order) words and folding gives a raw checksum, whatever the
 * host's byte order (RFC 1071), so constants are added as bpf_htons(x).
 */
static __always_inline __u16 sf_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static __always_inline __u64 sf_sum32(__be32 v)
{
	return (v & 0xffff) + (v >> 16);
}

/*
 * One's complement sum of `len` bytes at `off`, through a stack buffer so
 * that it works on non-linear packets too. Only used for an inner UDP
 * datagram sent without checksum, whose bytes must then really be summed.
 * Returns -1 if the bytes cannot be read.
 *
 * A global function: its 256-byte buffer lives in its own stack frame (the
 * callers' frames and a call of sf_clamp_mss would not fit in 512 bytes
 * together with it), and the verifier walks its loop once, not once per
 * funnel rule.
 */
#define SF_CHUNK 256
__attribute__((noinline)) __s64 sf_sum_bytes(struct __sk_buff *skb, __u32 off, __u32 len)
{
	__u8 buf[SF_CHUNK + 4];
	__s64 sum = 0;
	__u32 i, tail;

	/* 65535 / 256 chunks at most; the constant bound lets the verifier see the end. */
	for (i = 0; i < 256 && len >= SF_CHUNK; i++) {
		if (bpf_skb_load_bytes(skb, off, buf, SF_CHUNK) < 0)
			return -1;
		sum = bpf_csum_diff(0, 0, (__be32 *)buf, SF_CHUNK, (__wsum)sum);
		off += SF_CHUNK;
		len -= SF_CHUNK;
	}
	tail = len;
	if (tail == 0)
		return sum;
	if (tail >= SF_CHUNK)
		return -1;
	/* The tail, zero-padded to a multiple of 4 (zeros do not change the sum). */
	__builtin_memset(buf, 0, sizeof(buf));
	if (bpf_skb_load_bytes(skb, off, buf, tail) < 0)
		return -1;
	return bpf_csum_diff(0, 0, (__be32 *)buf, (tail + 3) & ~3U, (__wsum)sum);
}

/*
 * Check the TCP or UDP header at `l4` (the start of an IP payload of
 * `l4_len` bytes) and read its ports. Returns -1 for a header that is cut
 * short or inconsistent (TCP data offset < 5 or beyond the payload, a UDP
 * length other than the payload length); other protocols have no ports.
 */
static __always_inline int sf_parse_l4(void *l4, void *data_end, __u8 proto, __u32 l4_len,
				       __u16 *sport, __u16 *dport, __u8 *hlen)
{
	*sport = 0;
	*dport = 0;
	*hlen = 0;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if (l4_len < SF_TCP_HLEN || (void *)(tcp + 1) > data_end)
			return -1;
		if (tcp->doff < 5 || tcp->doff * 4 > l4_len)
			return -1;
		*sport = bpf_ntohs(tcp->source);
		*dport = bpf_ntohs(tcp->dest);
		*hlen = tcp->doff * 4;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if (l4_len < SF_UDP_HLEN || (void *)(udp + 1) > data_end)
			return -1;
		if (bpf_ntohs(udp->len) != l4_len)
			return -1;
		*sport = bpf_ntohs(udp->source);
		*dport = bpf_ntohs(udp->dest);
		*hlen = SF_UDP_HLEN;
	}
	return 0;
}

/*
 * Is the frame at `data` Ethernet with EtherType `type` (network order)?
 * h_proto is read as one 16-bit load (2-byte aligned: the verifier assumes
 * packet data at NET_IP_ALIGN): through the packed struct ethhdr, clang would
 * read it a byte at a time and combine the bytes, three more instructions on
 * every packet.
 */
static __always_inline int sf_eth_type_is(void *data, void *data_end, __be16 type)
{
	return data + ETH_HLEN <= data_end && *(__be16 *)(data + offsetof(struct ethhdr, h_proto)) == type;
}

/*
 * Parse an Ethernet/IPv4 frame into `pkt`. Returns 0 when the packet may be
 * classified (and so mangled), -1 when it must be left alone.
 */
static __always_inline int sf_parse_ipv4(struct __sk_buff *skb, struct sf_pkt *pkt)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip;
	__u32 tot_len;

	if (!sf_eth_type_is(data, data_end, bpf_htons(ETH_P_IP)))
		return -1;
	/* Headers may sit beyond the linear part of a large packet. */
	if (data + SF_L4_OFF + SF_TCP_HLEN > data_end && skb->len >= SF_L4_OFF + SF_UDP_HLEN) {
		__u32 want = skb->len < SF_L4_OFF + SF_TCP_HLEN ? skb->len : SF_L4_OFF + SF_TCP_HLEN;

		if (bpf_skb_pull_data(skb, want) < 0)
			return -1;
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	ip = data + SF_IP_OFF;
	if ((void *)(ip + 1) > data_end)
		return -1;
	if (ip->version != 4 || ip->ihl != 5)
		return -1;
	if (ip->frag_off & bpf_htons(SF_IP_MF | SF_IP_OFFSET))
		return -1;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < sizeof(struct iphdr) || SF_IP_OFF + tot_len > skb->len)
		return -1;

	pkt->saddr = bpf_ntohl(ip->saddr);
	pkt->daddr = bpf_ntohl(ip->daddr);
	pkt->proto = ip->protocol;
	/* As a __u32, not re-read from the __u16 field: no masking at each use. */
	tot_len -= sizeof(struct iphdr);
	pkt->l4_len = tot_len;
	return sf_parse_l4(ip + 1, data_end, ip->protocol, tot_len,
			   &pkt->sport, &pkt->dport, &pkt->l4_hlen);
}

/*
 * Helper calls are what a funnel's work is mostly made of: the IPv4 header
 * is rewritten with a checksum computed here, in place where the program
 * writes the packet directly (the moves in place, the unfunnel's headers),
 * else with one bpf_skb_store_bytes, never with bpf_l3_csum_replace. A
 * direct packet write brings the verifier's prologue (is the skb cloned?
 * then unclone it), which runs for every packet (docs/datapath.md, "Making
 * room").
 */

/*
 * `hdr` (the IPv4 header, a copy or in the packet) with protocol `proto`
 * and total length `tot_len`, its checksum updated incrementally (RFC 1624:
 * a header that arrived with a bad checksum stays bad).
 */
static __always_inline void sf_ip_set_proto_len(struct iphdr *hdr, __u8 proto, __u16 tot_len)
{
	/* TTL and protocol share one 16-bit word of the checksum. */
	__u16 old_len = hdr->tot_len, old_word = *(__u16 *)&hdr->ttl;
	__u64 sum;

	hdr->protocol = proto;
	hdr->tot_len = bpf_htons(tot_len);
	sum = (__u16)~hdr->check + (__u16)~old_len + hdr->tot_len +
	      (__u16)~old_word + *(__u16 *)&hdr->ttl;
	hdr->check = (__u16)~sf_fold(sum);
}

/* Rewrite the packet's IPv4 protocol and total length (above): one store. */
static __always_inline int sf_set_ip_proto_len(struct __sk_buff *skb, __u8 proto, __u16 tot_len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + SF_IP_OFF;
	struct iphdr hdr;

	if ((void *)(ip + 1) > data_end)
		return -1;
	hdr = *ip;
	sf_ip_set_proto_len(&hdr, proto, tot_len);
	/* Up to the checksum; the addresses stay. The header's sum is unchanged. */
	return bpf_skb_store_bytes(skb, SF_IP_OFF, &hdr, offsetof(struct iphdr, saddr), 0);
}

/*
 * Take the packet's addresses out of (`add` == 0) or put them into (`add` ==
 * 1) the pseudo-header sum of the L4 checksum at `csum_off`: one helper
 * call, the two addresses as one precomputed difference (field size 0: a
 * 32-bit one's complement sum of the addresses, or of their complements).
 * BPF_F_PSEUDO_HDR makes this right for a final checksum and for one that is
 * still partial (CHECKSUM_PARTIAL: locally generated traffic, whose field
 * holds only the pseudo-header seed and is completed after tc), and keeps a
 * CHECKSUM_COMPLETE skb->csum in step with the field.
 * BPF_F_MARK_MANGLED_0 keeps a UDP checksum of 0 ("none") at 0.
 */
static __always_inline int sf_csum_addrs(struct __sk_buff *skb, __u32 csum_off, __u8 proto,
					 const struct sf_pkt *pkt, int add)
{
	__u64 flags = BPF_F_PSEUDO_HDR;
	__u32 s = bpf_htonl(pkt->saddr), d = bpf_htonl(pkt->daddr);
	__u64 diff = add ? (__u64)s + d : (__u64)(__u32)~s + (__u32)~d;

	/* Two 32-bit terms: one fold brings the sum back to 32 bits. */
	diff = (diff & 0xffffffff) + (diff >> 32);
	if (proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	return bpf_l4_csum_replace(skb, csum_off, 0, (__u32)diff, flags);
}

/*
 * The kernel's own skb, for what __sk_buff does not show: whether its L4
 * checksum is still partial (CHECKSUM_PARTIAL: the field at `csum_start` +
 * `csum_offset` holds only the pseudo-header seed, and the checksum is
 * completed after tc over everything from `csum_start`), and its device's
 * MTU. Read in place (bpf_cast_to_kern_ctx is no
 * call once verified), CO-RE: the fields' places are relocated at load time
 * against the running kernel's BTF.
 */
struct net_device___sf {
	unsigned int mtu;
	unsigned short hard_header_len;
} __attribute__((preserve_access_index));
struct sk_buff___sf {
	struct net_device___sf *dev;
	__u16 mac_header;
	__u16 csum_start;
	__u16 csum_offset;
	__u8 ip_summed:2;
} __attribute__((preserve_access_index));
#define SF_CHECKSUM_COMPLETE	2
#define SF_CHECKSUM_PARTIAL	3
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * SF_CSUM_FINAL if the packet's checksum is not partial; SF_CSUM_OTHER if it
 * is, but its field is not where a `proto` header keeps its checksum;
 * otherwise where the partial checksum starts, counted from the frame's
 * first byte (skb->data at tc, where the Ethernet header is: `mac_header`,
 * like `csum_start`, counts from the buffer's `head`).
 */
#define SF_CSUM_FINAL	(-1)
#define SF_CSUM_OTHER	(-2)
static __always_inline long sf_partial_start(struct __sk_buff *skb, __u8 proto)
{
	struct sk_buff___sf *k = bpf_cast_to_kern_ctx(skb);

	if (BPF_CORE_READ_BITFIELD(k, ip_summed) != SF_CHECKSUM_PARTIAL)
		return SF_CSUM_FINAL;
	if (k->csum_offset != (proto == IPPROTO_TCP ? SF_TCP_CHECK : SF_UDP_CHECK))
		return SF_CSUM_OTHER;
	return (long)k->csum_start - (long)k->mac_header;
}

/*
 * Room for the funnel header (docs/datapath.md, "GSO, MTU and MSS"). Would
 * the packet, `growth` bytes longer, still fit the MTU of the device the
 * program runs on? `*mtu` gets that MTU. A GSO super-packet always fits:
 * bpf_skb_adjust_room shrinks its segment size by the growth, so each
 * segment it is cut into grows back to at most its old size.
 */
static __always_inline int sf_fits_mtu(struct __sk_buff *skb, __u32 growth, __u32 *mtu)
{
	struct sk_buff___sf *k = bpf_cast_to_kern_ctx(skb);
	struct net_device___sf *dev = k->dev;

	/* What bpf_check_mtu(skb, 0, mtu, growth, 0) answers, without the call. */
	if (!dev)
		return 0;
	*mtu = dev->mtu;
	return skb->len + growth <= *mtu + dev->hard_header_len || skb->gso_size;
}

/*
 * MSS clamping: a TCP SYN (or SYN-ACK; the caller checks the flag) about
 * to be funneled announces at most `limit` (the MTU minus 40 minus the funnel header), so that the
 * peer's full-sized segments, funneled on their way back, fit too. Only the
 * option's value and the checksum change; on a CHECKSUM_PARTIAL packet
 * bpf_l4_csum_replace rightly does nothing (the device sums the new bytes).
 * `l4_off`: where the TCP header starts; `hlen`: its length (data offset).
 *
 * A global function: the verifier checks it once, not once per funnel rule,
 * and the option walk's paths do not multiply with the caller's. Returns
 * 0, or -1 if the packet cannot be read or written.
 */
#define SF_TCP_MAX_OPTS	40
#define SF_TCPOPT_EOL	0
#define SF_TCPOPT_NOP	1
#define SF_TCPOPT_MSS	2
#define SF_TCP_FLAGS	13
#define SF_TCP_SYN	0x02
/* The TCP option walk's state, for bpf_loop (below). */
struct sf_optwalk {
	__u8 opts[SF_TCP_MAX_OPTS];
	__u32 optlen;
	__u32 i;	/* where the next option starts */
	__u32 at;	/* where the MSS value is, once found */
};

/* One option: 0 to go on, 1 to stop (end, MSS found, or malformed). */
static long sf_optwalk_step(__u64 index, void *ctx)
{
	struct sf_optwalk *w = ctx;
	__u32 i = w->i;
	__u8 kind, len;

	if (i >= w->optlen || i >= SF_TCP_MAX_OPTS - 1)
		return 1;
	kind = w->opts[i];
	if (kind == SF_TCPOPT_EOL)
		return 1;
	if (kind == SF_TCPOPT_NOP) {
		w->i = i + 1;
		return 0;
	}
	len = w->opts[i + 1];
	if (len < 2 || i + len > w->optlen)
		return 1;
	if (kind == SF_TCPOPT_MSS && len == 4) {
		w->at = i + 2;
		return 1;
	}
	w->i = i + len;
	return 0;
}

__attribute__((noinline)) int sf_clamp_mss(struct __sk_buff *skb, __u32 l4_off, __u32 hlen, __u32 limit)
{
	struct sf_optwalk w;
	__be16 old, new;
	__u32 at;

	if (hlen <= SF_TCP_HLEN || hlen > SF_TCP_HLEN + SF_TCP_MAX_OPTS || l4_off > 128)
		return 0;
	__builtin_memset(&w, 0, sizeof(w));
	w.optlen = hlen - SF_TCP_HLEN;
	if (bpf_skb_load_bytes(skb, l4_off + SF_TCP_HLEN, w.opts, w.optlen) < 0)
		return -1;
	/*
	 * bpf_loop, not a loop: the verifier checks the step once instead of
	 * following every sequence of options (a plain loop cost ~215k
	 * processed instructions).
	 */
	bpf_loop(SF_TCP_MAX_OPTS, sf_optwalk_step, &w, 0);
	at = w.at;
	if (at == 0 || at > SF_TCP_MAX_OPTS - 2)
		return 0;
	__builtin_memcpy(&old, &w.opts[at], sizeof(old));
	if (bpf_ntohs(old) <= limit)
		return 0;
	new = bpf_htons(limit);
	if (bpf_skb_store_bytes(skb, l4_off + SF_TCP_HLEN + at, &new, sizeof(new), 0) < 0)
		return -1;
	return bpf_l4_csum_replace(skb, l4_off + SF_TCP_CHECK, old, new, sizeof(new));
}

/*
 * Clamp the MSS of a TCP SYN about to grow by `growth` bytes on a device with
 * this MTU, its TCP header (`l4_hlen` bytes) at `l4_off` after an IP header
 * of `ip_hlen` bytes. Other packets cost one load here (the flags are in the
 * linear part: sf_parse_ipv4/sf_parse_ipv6 made sure of the TCP header).
 */
static __always_inline int sf_clamp_tcp_at(struct __sk_buff *skb, __u8 proto, __u8 l4_hlen, __u32 l4_off,
					   __u32 ip_hlen, __u32 mtu, __u32 growth)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 *flags = data + l4_off + SF_TCP_FLAGS;

	if (proto != IPPROTO_TCP || l4_hlen <= SF_TCP_HLEN)
		return 0;
	if ((void *)(flags + 1) > data_end)
		return -1;
	if (!(*flags & SF_TCP_SYN))
		return 0;
	if (mtu <= ip_hlen + SF_TCP_HLEN + growth)
		return 0;
	return sf_clamp_mss(skb, l4_off, l4_hlen, mtu - ip_hlen - SF_TCP_HLEN - growth);
}

static __always_inline int sf_clamp_tcp(struct __sk_buff *skb, const struct sf_pkt *pkt,
					__u32 mtu, __u32 growth)
{
	return sf_clamp_tcp_at(skb, pkt->proto, pkt->l4_hlen, SF_L4_OFF, sizeof(struct iphdr), mtu, growth);
}

/*
 * A funnel header (wire-format.md) in `h`, with its checksum: `sum` holds
 * everything else the checksum covers (outer pseudo-header and what the
 * inner segment sums to).
 */
static __always_inline void sf_funnel_hdr(__be16 h[10], __u8 fproto, __u16 sport, __u16 dport,
					  __u16 outer_len, __u64 sum)
{
	__u16 check;
	int i;

	for (i = 0; i < 10; i++)
		h[i] = 0;

	h[0] = bpf_htons(sport);
	h[1] = bpf_htons(dport);
	if (fproto == IPPROTO_TCP) {
		h[2] = bpf_htons(0xCAFE);	/* sequence number */
		h[3] = bpf_htons(0xBABE);
		h[4] = bpf_htons(0xBABE);	/* acknowledgment number */
		h[5] = bpf_htons(0xCAFE);
		h[6] = bpf_htons(0x5002);	/* data offset 5, SYN */
		h[7] = bpf_htons(1024);		/* window */
	} else {
		h[2] = bpf_htons(outer_len);
	}
	for (i = 0; i < 10; i++)
		sum += h[i];
	check = (__u16)~sf_fold(sum);
	if (fproto == IPPROTO_TCP)
		h[8] = check;
	else
		h[3] = check ? check : 0xffff;	/* 0 would mean "no checksum" */
}

/* Write a funnel header (above) at `off` into room already made. */
static __always_inline int sf_store_funnel_hdr(struct __sk_buff *skb, __u32 off, __u8 fproto,
					       __u16 sport, __u16 dport, __u16 outer_len, __u64 sum)
{
	__be16 h[10];

	sf_funnel_hdr(h, fproto, sport, dport, outer_len, sum);
	return bpf_skb_store_bytes(skb, off, h, fproto == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN,
				   BPF_F_RECOMPUTE_CSUM);
}

/*
 * The IPv4 header (new protocol and total length) and the funnel header
 * after it, in one store: helper calls are most of what a funnel costs.
 * The IPv4 header's own sum does not change (its checksum follows its
 * fields), so BPF_F_RECOMPUTE_CSUM adds only the funnel header's bytes to a
 * CHECKSUM_COMPLETE skb->csum.
 */
static __always_inline int sf_store_ip_funnel_hdr(struct __sk_buff *skb, __u8 fproto, __u16 sport,
						  __u16 dport, __u16 outer_len, __u64 sum)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + SF_IP_OFF;
	struct {
		struct iphdr ip;
		__be16 h[10];
	} hdrs;

	if ((void *)(ip + 1) > data_end)
		return -1;
	hdrs.ip = *ip;
	sf_ip_set_proto_len(&hdrs.ip, fproto, outer_len + sizeof(struct iphdr));
	sf_funnel_hdr(hdrs.h, fproto, sport, dport, outer_len, sum);
	return bpf_skb_store_bytes(skb, SF_IP_OFF, &hdrs,
				   sizeof(struct iphdr) + (fproto == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN),
				   BPF_F_RECOMPUTE_CSUM);
}

/*
 * 1 for a UDP datagram sent without checksum (0), 0 otherwise, -1 if
 * unreadable. The field is read in place when the linear part holds it
 * (always, after the parse's pull, for the headers it reads).
 */
static __always_inline int sf_udp_no_csum(struct __sk_buff *skb, __u32 l4_off, __u8 proto)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__be16 check;

	if (proto != IPPROTO_UDP)
		return 0;
	if (data + l4_off + SF_UDP_HLEN <= data_end)
		return *(__be16 *)(data + l4_off + SF_UDP_CHECK) == 0;
	if (bpf_skb_load_bytes(skb, l4_off + SF_UDP_CHECK, &check, sizeof(check)) < 0)
		return -1;
	return check == 0;
}

/* From sf_funnel_checks and sf_unfunnel_shrink: go on (no TC_ACT_* verdict has this value). */
#define SF_GO	0x7fff

/*
 * What sf_funnel and sf_funnel6 check before they touch a packet: its L4
 * header (`proto`, `l4_hlen` bytes) at `l4_off`, after an IP header of
 * `ip_hlen` bytes, is TCP or UDP, readable, and the packet may grow by
 * `growth` (not GSO, fits the MTU; a SYN's MSS clamped). Returns SF_GO, with
 * `*udp_no_csum` set (sf_udp_no_csum), or the verdict.
 */
static __always_inline int sf_funnel_checks(struct __sk_buff *skb, __u8 proto, __u8 l4_hlen, __u32 l4_off,
					    __u32 ip_hlen, __u32 growth, int *udp_no_csum)
{
	__u32 mtu;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return TC_ACT_UNSPEC;
	*udp_no_csum = sf_udp_no_csum(skb, l4_off, proto);
	if (*udp_no_csum < 0)
		return TC_ACT_UNSPEC;
	/*
	 * A GSO super-packet carrying this header could not be segmented by
	 * the kernel any more (wire-format.md, "Offloads"): drop it here,
	 * visibly, rather than let it vanish later.
	 */
	if (skb->gso_size)
		return TC_ACT_SHOT;
	if (!sf_fits_mtu(skb, growth, &mtu))
		return TC_ACT_SHOT;
	if (sf_clamp_tcp_at(skb, proto, l4_hlen, l4_off, ip_hlen, mtu, growth) < 0)
		return TC_ACT_SHOT;
	return SF_GO;
}

/*
 * What the `len` bytes of the inner segment (`proto`) at `off` sum to once
 * its pseudo-header's addresses are out of its checksum: the complement of
 * the rest of its pseudo-header, or, for a UDP datagram without checksum,
 * its bytes summed for real. Negative if they cannot be read.
 */
static __always_inline __s64 sf_inner_sum(struct __sk_buff *skb, int udp_no_csum, __u32 off, __u8 proto,
					  __u32 len)
{
	if (udp_no_csum)
		return sf_sum_bytes(skb, off, len);
	return (__u16)~sf_fold(bpf_htons(proto) + bpf_htons(len));
}

/*
 * The one's complement sum of `count` 16-bit words at `w` as they lie in
 * memory, or of their complements (RFC 1624: taking them out of a
 * checksum). The addresses of an IPv4 header are 4 such words, of an IPv6
 * header 16.
 */
static __always_inline __u64 sf_sum_words(const __be16 *w, int count, int complement)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < count; i++)
		sum += complement ? (__u16)~w[i] : w[i];
	return sum;
}

/* The checksum field `check` of a `proto` header for `sum`: 0 ("none") for UDP is written 0xFFFF. */
static __always_inline void sf_set_check(__be16 *check, __u8 proto, __u64 sum)
{
	*check = (__u16)~sf_fold(sum);
	if (proto == IPPROTO_UDP && *check == 0)
		*check = 0xffff;
}

/*
 * The most bytes after the IPv4 header (segment and any trailing bytes)
 * that sf_funnel_direct moves in place for a final checksum: more than a
 * 1500-byte MTU needs, and small enough for BPF_PROG_TEST_RUN (frames up to
 * about 3.7 KB) to check both sides of the limit. Larger linear packets
 * (jumbo frames) get room at the head. A partial checksum is moved up to
 * a 9,216-byte jumbo frame's (SF_PARTIAL_MAX; more only on devices with a
 * larger MTU, such as lo, which then get room at the head): the verifier
 * walks every iteration of the loops below, and the bound sets how many.
 */
#define SF_DIRECT_MAX	3072
#define SF_PARTIAL_MAX	9216

/*
 * What the in-place loops below share. `at` bytes past `off` in the packet,
 * checked to have `n` bytes there, or NULL: one pointer, checked and used
 * (the empty asm statements keep clang from splitting it, so that the
 * verifier's range is on the pointer that is used), `at` bounded by `max`
 * (the verifier loses the bound otherwise).
 */
static __always_inline __u8 *sf_window(void *data, void *data_end, const __u32 off, __u64 at, const __u32 n,
				       const __u32 max)
{
	__u8 *w;

	asm volatile("" : "+r"(at));
	if (at > max)
		return NULL;
	w = data + off + at;
	asm volatile("" : "+r"(w));
	if ((void *)(w + n) > data_end)
		return NULL;
	return w;
}

/*
 * `len` - `rest`, the place of a loop that counts `rest` down, hidden from
 * clang: counted up from 0 it would be exact for the verifier, and every
 * way out of one loop would be a new way through the next.
 */
static __always_inline __u64 sf_place(__u64 len, __u64 rest)
{
	asm volatile("" : "+r"(rest));
	return len - rest;
}

/*
 * The L4 checksum field of a `proto` header at `off`, or NULL if the packet
 * ends before it: each protocol's on its own path for the verifier.
 */
static __always_inline __be16 *sf_check_field(void *data, void *data_end, const __u32 off, __u8 proto)
{
	if (proto == IPPROTO_TCP)
		return (__be16 *)sf_window(data, data_end, off, SF_TCP_CHECK, 2, SF_TCP_CHECK);
	return (__be16 *)sf_window(data, data_end, off, SF_UDP_CHECK, 2, SF_UDP_CHECK);
}

/*
 * The one's complement sum of the packet's two addresses (IPv4, or IPv6:
 * `v6`), or of their complements; the caller has checked that the IP
 * header is there.
 */
static __always_inline __u64 sf_sum_addrs_at(void *data, const int v6, int complement)
{
	if (v6)
		return sf_sum_words(data + SF_IP_OFF + offsetof(struct ipv6hdr, saddr), 16, complement);
	return sf_sum_words(data + SF_IP_OFF + offsetof(struct iphdr, saddr), 4, complement);
}

/*
 * The IP header's protocol (next header) and length for an L4 segment of
 * `l4_len` bytes, in place: IPv4 with its checksum updated, or IPv6.
 */
static __always_inline void sf_set_proto_len_at(void *data, const int v6, __u8 proto, __u16 l4_len)
{
	if (v6) {
		struct ipv6hdr *ip6 = data + SF_IP_OFF;

		ip6->nexthdr = proto;
		ip6->payload_len = bpf_htons(l4_len);
	} else {
		sf_ip_set_proto_len(data + SF_IP_OFF, proto, l4_len + sizeof(struct iphdr));
	}
}

/* One 32-byte window of sf_shift_back: read whole, then written `hlen` bytes on. */
static __always_inline void sf_shift_window(__u8 *w, const __u32 hlen)
{
	__u64 a = *(__u64 *)w, b = *(__u64 *)(w + 8), c = *(__u64 *)(w + 16), d = *(__u64 *)(w + 24);

	*(__u64 *)(w + hlen) = a;
	*(__u64 *)(w + hlen + 8) = b;
	*(__u64 *)(w + hlen + 16) = c;
	*(__u64 *)(w + hlen + 24) = d;
}

/* One 32-byte window of sf_shift_front: read whole at `src`, then written at `dst`. */
static __always_inline void sf_shift_window_front(__u8 *dst, __u8 *src)
{
	__u64 a = *(__u64 *)src, b = *(__u64 *)(src + 8), c = *(__u64 *)(src + 16), d = *(__u64 *)(src + 24);

	*(__u64 *)dst = a;
	*(__u64 *)(dst + 8) = b;
	*(__u64 *)(dst + 16) = c;
	*(__u64 *)(dst + 24) = d;
}

/*
 * Move the `len` bytes (at most `max`) at `off` (constants after inlining)
 * back by `hlen` bytes, in the packet, from the last ones: 256 at a time
 * (eight windows of 32, one bounds check), then 32, then 8 at a time, the
 * last window starting at `off` and maybe overlapping the one before it.
 * Each window is read whole before it is written, and with at least 8
 * bytes between source and destination no window reads a byte an earlier
 * one wrote. The packet has room behind them. 0, or -1. The verifier walks
 * each loop's iterations: `max` / 256 of the first.
 */
static __always_inline int sf_shift_back(void *data, void *data_end, const __u32 off, __u64 len,
					 const __u32 hlen, const __u32 max)
{
	__u64 rest = len, i;
	__u8 *w;
	int j;

	for (i = 0; i < max / 256 + 1 && rest >= 256; i++) {
		rest -= 256;
		w = sf_window(data, data_end, off, rest, hlen + 256, max);
		if (!w)
			return -1;
#pragma unroll
		for (j = 7; j >= 0; j--)
			sf_shift_window(w + 32 * j, hlen);
	}
	for (i = 0; i < 7 && rest >= 32; i++) {
		rest -= 32;
		w = sf_window(data, data_end, off, rest, hlen + 32, max);
		if (!w)
			return -1;
		sf_shift_window(w, hlen);
	}
	for (i = 0; i < 4 && rest > 0; i++) {
		rest = rest >= 8 ? rest - 8 : 0;
		w = sf_window(data, data_end, off, rest, hlen + 8, 32);
		if (!w)
			return -1;
		*(__u64 *)(w + hlen) = *(__u64 *)w;
	}
	return rest ? -1 : 0;
}

/*
 * The one's complement sum (32 bits, not folded) of the `len` bytes (at
 * most `max`) at `off`, in the packet: 256 at a time by bpf_csum_diff, then
 * 8 at a time, then byte by byte; words as they lie in memory, as
 * everywhere here. Negative if they are not all there.
 */
static __always_inline __s64 sf_sum_packet(void *data, void *data_end, const __u32 off, __u64 len,
					   const __u32 max)
{
	__u64 sum = 0, rest = len, i, v;
	__s64 part;
	__u8 *w;

	if (len > max)
		return -1;
	for (i = 0; i < max / 256 + 1 && rest >= 256; i++) {
		w = sf_window(data, data_end, off, sf_place(len, rest), 256, max);
		if (!w)
			return -1;
		part = bpf_csum_diff(0, 0, (__be32 *)w, 256, 0);
		if (part < 0)
			return -1;
		sum += (__u32)part;
		rest -= 256;
	}
	for (i = 0; i < 31 && rest >= 8; i++) {
		w = sf_window(data, data_end, off, sf_place(len, rest), 8, max);
		if (!w)
			return -1;
		v = *(__u64 *)w;
		sum += (v & 0xffffffff) + (v >> 32);
		rest -= 8;
	}
	/* At an even distance from `off`: even bytes are the low halves of their words. */
	for (i = 0; i < 7 && rest > 0; i++) {
		w = sf_window(data, data_end, off, sf_place(len, rest), 1, max);
		if (!w)
			return -1;
		sum += i & 1 ? (__u64)*w << 8 : *w;
		rest--;
	}
	if (rest)
		return -1;
	return (sum & 0xffffffff) + (sum >> 32);
}

/*
 * Funnel by growing the packet at its tail and moving what follows the IP
 * header (at `l4_off`: IPv4 or IPv6, `v6`) back by the funnel header's
 * length, in place, instead of making room at its head (docs/datapath.md,
 * "Making room"): a datagram a socket sends on a veth has 2 bytes of
 * headroom, so room at the head means a new head, allocated and copied, for
 * every packet; its tail, rounded up by the allocator, has room. One helper
 * call; the program's own loads and stores move the `move` bytes (the L4
 * segment and any trailing bytes, such as Ethernet padding, which stay
 * behind it as they would with room at the head) and write the headers
 * where they lie. The bytes are sf_funnel's. For a linear packet that is
 * not a UDP datagram without checksum (the caller checks that); the
 * checksum is
 *
 * - final (`partial` 0): the inner one has the addresses taken out of it
 *   (RFC 1624). Growing the tail turns a CHECKSUM_COMPLETE skb into
 *   CHECKSUM_NONE, so no skb->csum needs to follow the writes.
 * - partial, with `csum_start` at the L4 header, of the funnel header's
 *   protocol (the caller checks where it starts): `csum_start` then points
 *   at the funnel header, whose field gets the outer pseudo-header's seed,
 *   so that the checksum completed after tc is the outer one — and a NAT on
 *   the way updates it as the partial one it is. The inner checksum is
 *   completed here, over the segment's bytes.
 *
 * Returns 0 when done, 1 when the packet is still untouched (the caller
 * then makes room at the head), -1 when it may be half-written.
 */
static __always_inline int sf_funnel_direct(struct __sk_buff *skb, __u32 l4_len, __u32 move, __u32 ports,
					    const int partial, const __u8 fproto, const __u32 l4_off, const int v6)
{
	const __u32 max = partial ? SF_PARTIAL_MAX : SF_DIRECT_MAX;
	const __u32 hlen = fproto == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN;
	__u32 outer_len = l4_len + hlen;
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__be16 h[10], *check;
	__u64 len = move, sum;
	__s64 inner_sum;
	__u8 inner;

	asm volatile("" : "+r"(len));	/* checked in 64 bits: a spilled 32-bit value loses its bounds */
	if (len > max || len < l4_len || l4_len < SF_UDP_HLEN)
		return 1;
	if (partial && len != l4_len)
		return 1;
	if (data + l4_off > data_end)
		return 1;
	inner = v6 ? ((struct ipv6hdr *)(data + SF_IP_OFF))->nexthdr : ((struct iphdr *)(data + SF_IP_OFF))->protocol;
	if ((inner == IPPROTO_TCP && l4_len < SF_TCP_HLEN) || (partial && inner != fproto))
		return 1;
	if (bpf_skb_change_tail(skb, skb->len + hlen, 0) < 0)
		return 1;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (sf_shift_back(data, data_end, l4_off, len, hlen, max) < 0)
		return -1;
	check = sf_check_field(data, data_end, l4_off + hlen, inner);
	if (!check)
		return -1;
	sum = sf_sum_addrs_at(data, v6, 0) + bpf_htons(fproto) + bpf_htons(outer_len);
	if (partial) {
		/* Complete the inner one: the segment's bytes and the addressless pseudo-header. */
		*check = 0;
		inner_sum = sf_sum_packet(data, data_end, l4_off + hlen, l4_len, max);
		if (inner_sum < 0)
			return -1;
		sf_set_check(check, inner, inner_sum + bpf_htons(inner) + bpf_htons(l4_len));
		sf_funnel_hdr(h, fproto, ports >> 16, ports & 0xffff, outer_len, 0);
		h[fproto == IPPROTO_TCP ? SF_TCP_CHECK / 2 : SF_UDP_CHECK / 2] = sf_fold(sum);	/* the seed */
	} else {
		sf_funnel_hdr(h, fproto, ports >> 16, ports & 0xffff, outer_len,
			      sum + (__u16)~sf_fold(bpf_htons(inner) + bpf_htons(l4_len)));
		/* The inner checksum without the addresses. */
		sf_set_check(check, inner, (__u16)~*check + sf_sum_addrs_at(data, v6, 1));
	}
	if (fproto == IPPROTO_TCP)
		__builtin_memcpy(data + l4_off, h, SF_TCP_HLEN);
	else
		__builtin_memcpy(data + l4_off, h, SF_UDP_HLEN);
	sf_set_proto_len_at(data, v6, fproto, outer_len);
	return 0;
}

/*
 * Global functions: checked once, not once per funnel rule; the partial
 * ones apart, so that the verifier walks their long loops only where a
 * ruleset can use them. One per funnel protocol, checksum state and IP
 * version (the IPv6 ones below), made by this macro.
 */
#define SF_FUNNEL_IN_PLACE(name, partial, fproto, l4_off, v6)						\
	__attribute__((noinline)) int name(struct __sk_buff *skb, __u32 l4_len, __u32 move, __u32 ports)	\
	{												\
		return sf_funnel_direct(skb, l4_len, move, ports, partial, fproto, l4_off, v6);		\
	}
SF_FUNNEL_IN_PLACE(sf_funnel_direct_udp, 0, IPPROTO_UDP, SF_L4_OFF, 0)
SF_FUNNEL_IN_PLACE(sf_funnel_direct_tcp, 0, IPPROTO_TCP, SF_L4_OFF, 0)
SF_FUNNEL_IN_PLACE(sf_funnel_partial_udp, 1, IPPROTO_UDP, SF_L4_OFF, 0)
SF_FUNNEL_IN_PLACE(sf_funnel_partial_tcp, 1, IPPROTO_TCP, SF_L4_OFF, 0)

/*
 * Funnel a linear packet at its tail, in place (sf_funnel_direct), if it
 * can be: one with a final checksum and at most SF_DIRECT_MAX bytes after
 * the IPv4 header, or one whose partial checksum starts at its L4 header,
 * of the funnel header's protocol. Returns 0 when done, 1 when the packet
 * is untouched, -1 when it may be half-written.
 */
static __always_inline int sf_funnel_at_tail(struct __sk_buff *skb, const struct sf_pkt *pkt, __u8 fproto,
					     __u32 ports)
{
	long at = sf_partial_start(skb, pkt->proto);
	__u32 move = skb->len - SF_L4_OFF;

	if ((long)skb->data_end - (long)skb->data != skb->len || skb->len < SF_L4_OFF)
		return 1;
	if (at == SF_CSUM_FINAL)
		return fproto == IPPROTO_TCP ? sf_funnel_direct_tcp(skb, pkt->l4_len, move, ports)
					     : sf_funnel_direct_udp(skb, pkt->l4_len, move, ports);
	if (at == SF_L4_OFF && pkt->proto == fproto && move == pkt->l4_len)
		return fproto == IPPROTO_TCP ? sf_funnel_partial_tcp(skb, pkt->l4_len, move, ports)
					     : sf_funnel_partial_udp(skb, pkt->l4_len, move, ports);
	return 1;
}

/*
 * Funnel (wire-format.md): insert a `fproto` header between the IPv4 header
 * and the packet's own L4 header.
 *
 * The outer checksum is computed in O(1) without reading the inner bytes: a
 * completed L4 segment sums to the complement of its pseudo-header, so the
 * inner segment contributes ~(proto + length) once its addresses are out.
 * That holds whether the inner checksum is final now or still partial (it is
 * then completed by the device over the same bytes). The one exception is a
 * UDP datagram sent without checksum: its bytes are summed for real.
 */
static __always_inline __attribute__((unused)) int sf_funnel(struct __sk_buff *skb, const struct sf_pkt *pkt,
				     __u8 fproto, __u16 sport, __u16 dport)
{
	__u32 hlen = fproto == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN;
	__u32 inner_off = SF_L4_OFF + hlen;
	__u32 inner_csum = inner_off + (pkt->proto == IPPROTO_TCP ? SF_TCP_CHECK : SF_UDP_CHECK);
	__u32 outer_len = pkt->l4_len + hlen;
	int udp_no_csum, go;
	__s64 inner;
	__u64 sum;

	if (outer_len + sizeof(struct iphdr) > 0xffff)
		return TC_ACT_UNSPEC;
	go = sf_funnel_checks(skb, pkt->proto, pkt->l4_hlen, SF_L4_OFF, sizeof(struct iphdr), hlen, &udp_no_csum);
	if (go != SF_GO)
		return go;

	if (!udp_no_csum) {
		int done = sf_funnel_at_tail(skb, pkt, fproto, ((__u32)sport << 16) | dport);

		if (done < 0)
			return TC_ACT_SHOT;
		if (done == 0)
			return TC_ACT_OK;
	}
	/* Make room first: if that fails, the packet is still untouched. */
	if (bpf_skb_adjust_room(skb, hlen, BPF_ADJ_ROOM_NET, 0) < 0)
		return TC_ACT_SHOT;
	if (sf_csum_addrs(skb, inner_csum, pkt->proto, pkt, 0) < 0)
		return TC_ACT_SHOT;
	inner = sf_inner_sum(skb, udp_no_csum, inner_off, pkt->proto, pkt->l4_len);
	if (inner < 0)
		return TC_ACT_SHOT;
	/* Outer pseudo-header, with the real addresses, and the inner segment. */
	sum = sf_sum32(bpf_htonl(pkt->saddr)) + sf_sum32(bpf_htonl(pkt->daddr)) +
	      bpf_htons(fproto) + bpf_htons(outer_len) + (__u32)inner;

	if (sf_store_ip_funnel_hdr(skb, fproto, sport, dport, outer_len, sum) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * The first step of sf_unfunnel and sf_unfunnel6: remove the outer L4 header
 * (`hlen` bytes, 0 if the packet has none) of an IP payload of `l4_len`
 * bytes, if what follows it holds a complete `inner` header. Returns SF_GO
 * once it is gone, or the verdict.
 */
static __always_inline int sf_unfunnel_shrink(struct __sk_buff *skb, __u32 hlen, __u32 l4_len, __u8 inner)
{
	if (hlen == 0 || l4_len < hlen)
		return TC_ACT_UNSPEC;
	if (l4_len - hlen < (inner == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN))
		return TC_ACT_UNSPEC;
	if (bpf_skb_adjust_room(skb, -(__s32)hlen, BPF_ADJ_ROOM_NET, 0) < 0)
		return TC_ACT_SHOT;
	return SF_GO;
}

/*
 * After sf_unfunnel_shrink, for a packet whose inner checksum is final (the
 * caller checks that it is not a partial checksum's seed): the IP header
 * (IPv4, or IPv6: `v6`; the inner header at `l4_off`) with protocol `inner`
 * and an L4 segment of `l4_len` bytes, and the inner checksum with the packet's addresses put back into
 * its pseudo-header (RFC 1624; a UDP checksum of 0, "none", stays 0),
 * written in place. A CHECKSUM_COMPLETE skb->csum gets the change of the
 * words written, one bpf_csum_update, called for such a packet only: the
 * inner checksum's, and over IPv6 payload length and next header (the
 * IPv4 header's sum does not change: its checksum changes with it).
 * Returns 0 when done, 1 when the headers are not all in the linear part
 * (nothing written).
 */
static __always_inline int sf_unfunnel_hdrs(struct __sk_buff *skb, __u8 inner, __u16 l4_len, const __u32 l4_off,
					    const int v6)
{
	struct sk_buff___sf *k = bpf_cast_to_kern_ctx(skb);
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__be16 *check = sf_check_field(data, data_end, l4_off, inner);
	/* IPv6: the words of payload length, and of next header and hop limit. */
	__u16 *words = data + SF_IP_OFF + offsetof(struct ipv6hdr, payload_len);
	__u64 diff = 0;
	__u16 old;

	if (!check || data + l4_off > data_end)
		return 1;
	if (v6)
		diff = (__u16)~words[0] + (__u16)~words[1];
	sf_set_proto_len_at(data, v6, inner, l4_len);
	if (v6)
		diff += words[0] + words[1];
	old = *check;
	if (inner != IPPROTO_UDP || old != 0) {
		sf_set_check(check, inner, (__u16)~old + sf_sum_addrs_at(data, v6, 0));
		diff += (__u16)~old + *check;
	}
	if (diff && BPF_CORE_READ_BITFIELD(k, ip_summed) == SF_CHECKSUM_COMPLETE)
		bpf_csum_update(skb, (__u32)diff);
	return 0;
}

/*
 * Move the `len` bytes (at most `max`) at `off` + `hlen` forward to `off`
 * (constants after inlining), in the packet, from the first ones: 256 at a
 * time (eight windows of 32, one bounds check), then 32, then 8, the last
 * window ending at the segment's end and maybe overlapping the one before
 * it. Each window is read whole before it is written, and with at least 8
 * bytes between source and destination no window reads a byte an earlier
 * one wrote. Counted down from `len`, as sf_sum_packet. 0, or -1.
 */
static __always_inline int sf_shift_front(void *data, void *data_end, const __u32 off, __u64 len,
					  const __u32 hlen, const __u32 max)
{
	__u64 rest = len, at, i;
	__u8 *w, *src;
	int j;

	/*
	 * `hlen` varies here: the source is a pointer of its own, and each
	 * needs its own check for the verifier.
	 */
	if (len > max || len < 8 || hlen < 8 || hlen > 60)
		return -1;
	for (i = 0; i < max / 256 + 1 && rest >= 256; i++) {
		at = sf_place(len, rest);
		w = sf_window(data, data_end, off, at, 256, max);
		src = sf_window(data, data_end, off, at + hlen, 256, max + 60);
		if (!w || !src)
			return -1;
#pragma unroll
		for (j = 0; j < 8; j++)
			sf_shift_window_front(w + 32 * j, src + 32 * j);
		rest -= 256;
	}
	for (i = 0; i < 7 && rest >= 32; i++) {
		at = sf_place(len, rest);
		w = sf_window(data, data_end, off, at, 32, max);
		src = sf_window(data, data_end, off, at + hlen, 32, max + 60);
		if (!w || !src)
			return -1;
		sf_shift_window_front(w, src);
		rest -= 32;
	}
	for (i = 0; i < 4 && rest > 0; i++) {
		at = rest >= 8 ? sf_place(len, rest) : len - 8;
		w = sf_window(data, data_end, off, at, 8, max);
		src = sf_window(data, data_end, off, at + hlen, 8, max + 60);
		if (!w || !src)
			return -1;
		*(__u64 *)w = *(__u64 *)src;
		rest = rest >= 8 ? rest - 8 : 0;
	}
	return rest ? -1 : 0;
}

/*
 * Unfunnel a packet that sf_funnel_direct funneled with a partial checksum
 * on this host (veth passes it on unfinished): its `csum_start` is the
 * outer header's, of the inner one's protocol, and the inner checksum is
 * final. The inverse of the funnel, in place: what follows the outer
 * header (at `l4_off`: IPv4 or IPv6, `v6`) moves forward by `hlen` bytes,
 * the IP header gets the inner protocol and length, and the inner checksum field the seed of its
 * pseudo-header with the packet's current addresses, so that `csum_start`
 * is the inner header's and the packet is partial again, as if never
 * funneled; then the packet is trimmed. Returns 0, or -1 if it may be
 * half-written.
 */
static __always_inline int sf_unfunnel_direct(struct __sk_buff *skb, __u32 inner_len, __u32 hlen, const __u8 inner,
					      const __u32 l4_off, const int v6)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__be16 *check;

	if (inner_len < (inner == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN))
		return -1;
	if (sf_shift_front(data, data_end, l4_off, inner_len, hlen, SF_PARTIAL_MAX) < 0)
		return -1;
	check = sf_check_field(data, data_end, l4_off, inner);
	if (!check)
		return -1;
	*check = sf_fold(sf_sum_addrs_at(data, v6, 0) + bpf_htons(inner) + bpf_htons(inner_len));
	sf_set_proto_len_at(data, v6, inner, inner_len);
	return bpf_skb_change_tail(skb, skb->len - hlen, 0) < 0 ? -1 : 0;
}

/* Global functions, as SF_FUNNEL_IN_PLACE's. */
#define SF_UNFUNNEL_IN_PLACE(name, inner, l4_off, v6)							\
	__attribute__((noinline)) int name(struct __sk_buff *skb, __u32 inner_len, __u32 hlen)		\
	{												\
		return sf_unfunnel_direct(skb, inner_len, hlen, inner, l4_off, v6);			\
	}
SF_UNFUNNEL_IN_PLACE(sf_unfunnel_direct_udp, IPPROTO_UDP, SF_L4_OFF, 0)
SF_UNFUNNEL_IN_PLACE(sf_unfunnel_direct_tcp, IPPROTO_TCP, SF_L4_OFF, 0)

/*
 * sf_unfunnel for a packet whose partial checksum starts at its outer
 * header (`at`, from sf_partial_start; sf_unfunnel_direct above). SF_GO if
 * it is not such a packet, or not linear (then nothing is written), else
 * the verdict.
 */
static __always_inline int sf_unfunnel_at_tail(struct __sk_buff *skb, const struct sf_pkt *pkt, __u8 inner,
					       long at)
{
	__u32 hlen = pkt->l4_hlen, inner_len = pkt->l4_len - pkt->l4_hlen;

	if (pkt->proto != inner || at != SF_L4_OFF)
		return SF_GO;
	if ((long)skb->data_end - (long)skb->data != skb->len || skb->len != SF_L4_OFF + pkt->l4_len)
		return SF_GO;
	if (hlen == 0 || pkt->l4_len < hlen || inner_len < (inner == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN))
		return SF_GO;
	/* Longer than sf_funnel_direct moves: not from a funnel of this version. */
	if (inner_len > SF_PARTIAL_MAX)
		return SF_GO;
	if ((inner == IPPROTO_TCP ? sf_unfunnel_direct_tcp(skb, inner_len, hlen)
				  : sf_unfunnel_direct_udp(skb, inner_len, hlen)) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * Unfunnel (wire-format.md): remove the outer L4 header (its full length:
 * TCP's data offset, not an assumed 20 bytes), restore the protocol, and put
 * the packet's current addresses back into the inner checksum.
 */
static __always_inline __attribute__((unused)) int sf_unfunnel(struct __sk_buff *skb, const struct sf_pkt *pkt, __u8 inner)
{
	__u32 inner_len = pkt->l4_len - pkt->l4_hlen;
	__u32 inner_csum = SF_L4_OFF + (inner == IPPROTO_TCP ? SF_TCP_CHECK : SF_UDP_CHECK);
	long at = sf_partial_start(skb, inner);
	int go = sf_unfunnel_at_tail(skb, pkt, inner, at);

	if (go != SF_GO)
		return go;
	go = sf_unfunnel_shrink(skb, pkt->l4_hlen, pkt->l4_len, inner);
	if (go != SF_GO)
		return go;
	/*
	 * A final checksum, or a partial one that started at the outer header:
	 * the inner checksum is final, and the addresses go back in here. A
	 * partial one at the inner header: bpf_l4_csum_replace knows the seed.
	 */
	go = at == SF_CSUM_FINAL || at == SF_L4_OFF ? sf_unfunnel_hdrs(skb, inner, inner_len, SF_L4_OFF, 0) : 1;
	if (go > 0) {
		if (sf_set_ip_proto_len(skb, inner, inner_len + sizeof(struct iphdr)) < 0)
			return TC_ACT_SHOT;
		if (sf_csum_addrs(skb, inner_csum, inner, pkt, 1) < 0)
			return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

/*
 * Funnel as IP-in-UDP (`funnel udp ... encap ip`, wire-format.md "Offloads"):
 * push an IPv4 header (a copy of the packet's own, protocol UDP, new length)
 * and a UDP header in front of the original packet, which travels unchanged.
 * The encap flags mark the packet as a UDP tunnel, so the kernel (or the NIC)
 * can still segment a TCP super-packet. The outer UDP checksum is 0 (allowed
 * for IPv4): the inner packet carries its own checksums.
 */
static __always_inline __attribute__((unused)) int sf_funnel_ip(struct __sk_buff *skb, const struct sf_pkt *pkt,
								 __u16 sport, __u16 dport)
{
	const __u32 hlen = sizeof(struct iphdr) + SF_UDP_HLEN;
	__u32 inner_len = pkt->l4_len + sizeof(struct iphdr);
	void *data, *data_end;
	struct iphdr *inner;
	struct {
		struct iphdr ip;
		struct udphdr udp;
	} outer;
	__u32 mtu;

	if (inner_len + hlen > 0xffff)
		return TC_ACT_UNSPEC;
	if (!sf_fits_mtu(skb, hlen, &mtu))
		return TC_ACT_SHOT;
	if (sf_clamp_tcp(skb, pkt, mtu, hlen) < 0)
		return TC_ACT_SHOT;
	if (bpf_skb_adjust_room(skb, hlen, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP) < 0)
		return TC_ACT_SHOT;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	inner = data + SF_IP_OFF + hlen;
	if ((void *)(inner + 1) > data_end)
		return TC_ACT_SHOT;
	/* The outer IPv4 header is a copy of the inner one, its checksum updated. */
	outer.ip = *inner;
	sf_ip_set_proto_len(&outer.ip, IPPROTO_UDP, inner_len + hlen);
	outer.udp.source = bpf_htons(sport);
	outer.udp.dest = bpf_htons(dport);
	outer.udp.len = bpf_htons(inner_len + SF_UDP_HLEN);
	outer.udp.check = 0;
	if (bpf_skb_store_bytes(skb, SF_IP_OFF, &outer, sizeof(outer), 0) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * Undo `encap ip` (`unfunnel ip`): remove the outer IPv4 and UDP headers and
 * give the inner packet the outer (post-NAT) addresses, with its IPv4 and L4
 * checksums updated for them. Everything else of the inner header stays.
 * An inner packet that is not a plain IPv4 packet of the right length (or
 * is a fragment) is left alone.
 */
static __always_inline __attribute__((unused)) int sf_unfunnel_ip(struct __sk_buff *skb, const struct sf_pkt *pkt)
{
	const __u32 hlen = sizeof(struct iphdr) + SF_UDP_HLEN;
	__be32 s = bpf_htonl(pkt->saddr), d = bpf_htonl(pkt->daddr);
	struct iphdr inner;
	__u32 csum_off = 0;
	__u64 l4_flags = BPF_F_PSEUDO_HDR;	/* size 0: a precomputed difference */

	if (pkt->l4_len < SF_UDP_HLEN + sizeof(struct iphdr))
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, SF_L4_OFF + SF_UDP_HLEN, &inner, sizeof(inner)) < 0)
		return TC_ACT_UNSPEC;
	if (inner.version != 4 || inner.ihl != 5 || inner.frag_off & bpf_htons(SF_IP_MF | SF_IP_OFFSET))
		return TC_ACT_UNSPEC;
	if (bpf_ntohs(inner.tot_len) != pkt->l4_len - SF_UDP_HLEN)
		return TC_ACT_UNSPEC;
	if (inner.protocol == IPPROTO_TCP && bpf_ntohs(inner.tot_len) >= sizeof(struct iphdr) + SF_TCP_HLEN) {
		csum_off = SF_L4_OFF + SF_TCP_CHECK;
	} else if (inner.protocol == IPPROTO_UDP && bpf_ntohs(inner.tot_len) >= sizeof(struct iphdr) + SF_UDP_HLEN) {
		csum_off = SF_L4_OFF + SF_UDP_CHECK;
		l4_flags |= BPF_F_MARK_MANGLED_0;
	} else if (inner.protocol == IPPROTO_TCP || inner.protocol == IPPROTO_UDP) {
		return TC_ACT_UNSPEC;
	}

	if (bpf_skb_adjust_room(skb, -(__s32)hlen, BPF_ADJ_ROOM_MAC, 0) < 0)
		return TC_ACT_SHOT;
	/* Nothing translated the addresses on the way: the inner packet is ready. */
	if (inner.saddr == s && inner.daddr == d)
		return TC_ACT_OK;
	/*
	 * The inner header is now at SF_IP_OFF: give it the outer addresses.
	 * Checksum and addresses are adjacent: one store. The L4 checksum takes
	 * the address change as one precomputed difference (a 32-bit one's
	 * complement sum of the old addresses' complements and the new ones).
	 */
	{
		struct {
			__sum16 check;
			__be32 saddr, daddr;
		} __attribute__((packed)) tail = { .saddr = s, .daddr = d };
		__u64 diff = (__u32)~inner.saddr + (__u64)s + (__u32)~inner.daddr + (__u64)d;

		diff = (diff & 0xffffffff) + (diff >> 32);
		diff = (diff & 0xffffffff) + (diff >> 32);
		tail.check = (__u16)~sf_fold((__u16)~inner.check + diff);
		if (bpf_skb_store_bytes(skb, SF_IP_OFF + offsetof(struct iphdr, check), &tail, sizeof(tail), 0) < 0)
			return TC_ACT_SHOT;
		if (csum_off && bpf_l4_csum_replace(skb, csum_off, 0, (__u32)diff, l4_flags) < 0)
			return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

/*
 * ---- IPv6 (extension, wire-format.md): the same formats after the 40-byte
 * fixed header. Only a fixed header directly followed by an upper-layer
 * protocol is classified; a packet with any extension header is left alone
 * (the kernel makes room right after the fixed header, which would split an
 * extension header chain). IPv6 has no header checksum; the pseudo-header
 * addresses that the inner checksum leaves out are `::`.
 */
#define SF_IP6_OFF	ETH_HLEN
#define SF_L4_OFF6	(ETH_HLEN + sizeof(struct ipv6hdr))
#define SF_IP6_HLEN	sizeof(struct ipv6hdr)

/* What the IPv6 classifier sees, and what the IPv6 actions need. */
struct sf_pkt6 {
	__u64 saddr_hi;		/* addresses as two host-order halves, for the rules */
	__u64 saddr_lo;
	__u64 daddr_hi;
	__u64 daddr_lo;
	__be32 addrs[8];	/* source then destination, as on the wire */
	__u16 sport;		/* 0 when the protocol has no ports */
	__u16 dport;
	__u8 proto;		/* next header */
	__u8 l4_hlen;		/* TCP: data offset * 4; UDP: 8; else 0 */
	__u16 l4_len;		/* payload length */
};

/* Next-header values that are IPv6 extension headers (IANA registry). */
static __always_inline int sf_ipv6_ext_hdr(__u8 nh)
{
	switch (nh) {
	case 0:		/* hop-by-hop options */
	case 43:	/* routing */
	case 44:	/* fragment */
	case 50:	/* ESP */
	case 51:	/* AH */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
	case 253:	/* experimental */
	case 254:
		return 1;
	}
	return 0;
}

static __always_inline __u64 sf_half(__be32 a, __be32 b)
{
	return (__u64)bpf_ntohl(a) << 32 | bpf_ntohl(b);
}

/*
 * Parse an Ethernet/IPv6 frame into `pkt`. Returns 0 when the packet may be
 * classified (and so mangled), -1 when it must be left alone: extension
 * headers, a payload length beyond the frame, a truncated or inconsistent
 * TCP/UDP header (the same tests as for IPv4).
 */
static __always_inline __attribute__((unused)) int sf_parse_ipv6(struct __sk_buff *skb, struct sf_pkt6 *pkt)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6;

	if (!sf_eth_type_is(data, data_end, bpf_htons(ETH_P_IPV6)))
		return -1;
	/* Headers may sit beyond the linear part of a large packet. */
	if (data + SF_L4_OFF6 + SF_TCP_HLEN > data_end && skb->len >= SF_L4_OFF6) {
		__u32 want = skb->len < SF_L4_OFF6 + SF_TCP_HLEN ? skb->len : SF_L4_OFF6 + SF_TCP_HLEN;

		if (bpf_skb_pull_data(skb, want) < 0)
			return -1;
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	ip6 = data + SF_IP6_OFF;
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	if (ip6->version != 6 || sf_ipv6_ext_hdr(ip6->nexthdr))
		return -1;
	pkt->l4_len = bpf_ntohs(ip6->payload_len);
	if (SF_L4_OFF6 + pkt->l4_len > skb->len)
		return -1;
	__builtin_memcpy(pkt->addrs, &ip6->saddr, sizeof(pkt->addrs));
	pkt->saddr_hi = sf_half(pkt->addrs[0], pkt->addrs[1]);
	pkt->saddr_lo = sf_half(pkt->addrs[2], pkt->addrs[3]);
	pkt->daddr_hi = sf_half(pkt->addrs[4], pkt->addrs[5]);
	pkt->daddr_lo = sf_half(pkt->addrs[6], pkt->addrs[7]);
	pkt->proto = ip6->nexthdr;
	return sf_parse_l4(ip6 + 1, data_end, pkt->proto, pkt->l4_len,
			   &pkt->sport, &pkt->dport, &pkt->l4_hlen);
}

/* One's complement sum of both addresses (the pseudo-header's share). */
static __always_inline __u64 sf_sum_addrs6(const struct sf_pkt6 *pkt)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < 8; i++)
		sum += sf_sum32(pkt->addrs[i]);
	return sum;
}

/*
 * Replace the pseudo-header addresses `from` by `to` (8 words each, source
 * then destination; NULL = `::`) in the L4 checksum at `csum_off`: one
 * checksum difference, summed here and applied with BPF_F_PSEUDO_HDR (right
 * for a final and for a partial checksum, as for IPv4). BPF_F_MARK_MANGLED_0
 * keeps a UDP checksum of 0 at 0. BPF_F_IPV6 is not given on purpose: only the checksum
 * field changes here, not the addresses in the header, so a CHECKSUM_COMPLETE
 * skb->csum must follow the field.
 */
static __always_inline int sf_csum_addrs6(struct __sk_buff *skb, __u32 csum_off, __u8 proto,
					  __be32 *from, __be32 *to)
{
	__u64 flags = BPF_F_PSEUDO_HDR;
	__u64 diff = 0;
	int i;

	/* What bpf_csum_diff would give, without its call. */
	for (i = 0; i < 8; i++) {
		if (from)
			diff += (__u32)~from[i];
		if (to)
			diff += to[i];
	}
	diff = (diff & 0xffffffff) + (diff >> 32);
	diff = (diff & 0xffffffff) + (diff >> 32);
	if (proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	return bpf_l4_csum_replace(skb, csum_off, 0, (__u32)diff, flags);
}

/*
 * Set payload length and next header. IPv6 has no header checksum, so a
 * CHECKSUM_COMPLETE skb->csum is kept right by BPF_F_RECOMPUTE_CSUM instead.
 */
static __always_inline int sf_set_ip6_proto_len(struct __sk_buff *skb, __u8 proto, __u16 payload_len)
{
	__u8 word[4];

	if (bpf_skb_load_bytes(skb, SF_IP6_OFF + offsetof(struct ipv6hdr, payload_len), word, 4) < 0)
		return -1;
	*(__be16 *)word = bpf_htons(payload_len);
	word[2] = proto;	/* word[3], the hop limit, stays */
	return bpf_skb_store_bytes(skb, SF_IP6_OFF + offsetof(struct ipv6hdr, payload_len), word, 4,
				   BPF_F_RECOMPUTE_CSUM);
}


/* sf_clamp_tcp after a 40-byte IPv6 header: MSS at most MTU - 60 - growth. */
static __always_inline int sf_clamp_tcp6(struct __sk_buff *skb, const struct sf_pkt6 *pkt,
					 __u32 mtu, __u32 growth)
{
	return sf_clamp_tcp_at(skb, pkt->proto, pkt->l4_hlen, SF_L4_OFF6, SF_IP6_HLEN, mtu, growth);
}

/*
 * sf_funnel_direct and sf_unfunnel_direct after the 40-byte IPv6 fixed
 * header: the inner checksum's addresses are `::`, the payload length and
 * next header change (IPv6 has no header checksum).
 */
SF_FUNNEL_IN_PLACE(sf_funnel_direct6_udp, 0, IPPROTO_UDP, SF_L4_OFF6, 1)
SF_FUNNEL_IN_PLACE(sf_funnel_direct6_tcp, 0, IPPROTO_TCP, SF_L4_OFF6, 1)
SF_FUNNEL_IN_PLACE(sf_funnel_partial6_udp, 1, IPPROTO_UDP, SF_L4_OFF6, 1)
SF_FUNNEL_IN_PLACE(sf_funnel_partial6_tcp, 1, IPPROTO_TCP, SF_L4_OFF6, 1)
SF_UNFUNNEL_IN_PLACE(sf_unfunnel_direct6_udp, IPPROTO_UDP, SF_L4_OFF6, 1)
SF_UNFUNNEL_IN_PLACE(sf_unfunnel_direct6_tcp, IPPROTO_TCP, SF_L4_OFF6, 1)

/* Funnel (wire-format.md) after the IPv6 fixed header; see sf_funnel. */
static __always_inline __attribute__((unused)) int sf_funnel6(struct __sk_buff *skb, const struct sf_pkt6 *pkt,
							       __u8 fproto, __u16 sport, __u16 dport)
{
	__u32 hlen = fproto == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN;
	__u32 inner_off = SF_L4_OFF6 + hlen;
	__u32 inner_csum = inner_off + (pkt->proto == IPPROTO_TCP ? SF_TCP_CHECK : SF_UDP_CHECK);
	__u32 outer_len = pkt->l4_len + hlen;
	int udp_no_csum, go;
	__s64 inner;
	__u64 sum;

	if (outer_len > 0xffff)
		return TC_ACT_UNSPEC;
	go = sf_funnel_checks(skb, pkt->proto, pkt->l4_hlen, SF_L4_OFF6, SF_IP6_HLEN, hlen, &udp_no_csum);
	if (go != SF_GO)
		return go;

	/* In place if it can be, as sf_funnel_at_tail does for IPv4. */
	if (!udp_no_csum && skb->len >= SF_L4_OFF6 && (long)skb->data_end - (long)skb->data == skb->len) {
		__u32 ports = ((__u32)sport << 16) | dport, move = skb->len - SF_L4_OFF6;
		long at = sf_partial_start(skb, pkt->proto);
		int done = 1;

		if (at == SF_CSUM_FINAL && move <= SF_DIRECT_MAX)
			done = fproto == IPPROTO_TCP ? sf_funnel_direct6_tcp(skb, pkt->l4_len, move, ports)
						     : sf_funnel_direct6_udp(skb, pkt->l4_len, move, ports);
		else if (at == SF_L4_OFF6 && pkt->proto == fproto && move == pkt->l4_len)
			done = fproto == IPPROTO_TCP ? sf_funnel_partial6_tcp(skb, pkt->l4_len, move, ports)
						     : sf_funnel_partial6_udp(skb, pkt->l4_len, move, ports);
		if (done < 0)
			return TC_ACT_SHOT;
		if (done == 0)
			return TC_ACT_OK;
	}
	/* Make room first: if that fails, the packet is still untouched. */
	if (bpf_skb_adjust_room(skb, hlen, BPF_ADJ_ROOM_NET, 0) < 0)
		return TC_ACT_SHOT;
	if (sf_set_ip6_proto_len(skb, fproto, outer_len) < 0)
		return TC_ACT_SHOT;
	if (sf_csum_addrs6(skb, inner_csum, pkt->proto, (__be32 *)pkt->addrs, NULL) < 0)
		return TC_ACT_SHOT;
	/* The inner segment's addresses are now `::`. */
	inner = sf_inner_sum(skb, udp_no_csum, inner_off, pkt->proto, pkt->l4_len);
	if (inner < 0)
		return TC_ACT_SHOT;
	/* Outer pseudo-header, with the real addresses, and the inner segment. */
	sum = sf_sum_addrs6(pkt) + bpf_htons(fproto) + bpf_htons(outer_len) + (__u32)inner;
	if (sf_store_funnel_hdr(skb, SF_L4_OFF6, fproto, sport, dport, outer_len, sum) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/* Unfunnel after the IPv6 fixed header; see sf_unfunnel. */
static __always_inline __attribute__((unused)) int sf_unfunnel6(struct __sk_buff *skb, const struct sf_pkt6 *pkt,
								 __u8 inner)
{
	__u32 inner_len = pkt->l4_len - pkt->l4_hlen;
	__u32 inner_csum = SF_L4_OFF6 + (inner == IPPROTO_TCP ? SF_TCP_CHECK : SF_UDP_CHECK);
	long at = sf_partial_start(skb, inner);
	int go;

	/* Funneled in place on this host with a partial checksum: in place back (sf_unfunnel_at_tail). */
	if (pkt->proto == inner && at == SF_L4_OFF6 &&
	    (long)skb->data_end - (long)skb->data == skb->len && skb->len == SF_L4_OFF6 + pkt->l4_len &&
	    pkt->l4_hlen && pkt->l4_len >= pkt->l4_hlen && inner_len <= SF_PARTIAL_MAX &&
	    inner_len >= (inner == IPPROTO_TCP ? SF_TCP_HLEN : SF_UDP_HLEN))
		return (inner == IPPROTO_TCP ? sf_unfunnel_direct6_tcp(skb, inner_len, pkt->l4_hlen)
					     : sf_unfunnel_direct6_udp(skb, inner_len, pkt->l4_hlen)) < 0 ? TC_ACT_SHOT
												   : TC_ACT_OK;
	go = sf_unfunnel_shrink(skb, pkt->l4_hlen, pkt->l4_len, inner);
	if (go != SF_GO)
		return go;
	/* A final checksum, or a partial one that started at the outer header (as sf_unfunnel). */
	if ((at == SF_CSUM_FINAL || at == SF_L4_OFF6) && sf_unfunnel_hdrs(skb, inner, inner_len, SF_L4_OFF6, 1) == 0)
		return TC_ACT_OK;
	if (sf_set_ip6_proto_len(skb, inner, inner_len) < 0)
		return TC_ACT_SHOT;
	if (sf_csum_addrs6(skb, inner_csum, inner, NULL, (__be32 *)pkt->addrs) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * IP-in-UDP over IPv6 (`ip6 ... funnel udp ... encap ip`): push an IPv6
 * header (a copy of the packet's own: traffic class, flow label, hop limit,
 * addresses; next header UDP, the new payload length) and a UDP header in
 * front of the original packet, with BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 |
 * ENCAP_L4_UDP so that a TCP super-packet is segmented as a UDP tunnel.
 *
 * UDP over IPv6 must carry a checksum. For a packet that is not GSO it is
 * computed in O(1) (outer pseudo-header + UDP header + the inner IPv6 header,
 * summed for real, + what the inner TCP/UDP segment sums to: the complement
 * of its own pseudo-header). A GSO super-packet gets 0: the kernel copies
 * the outer UDP header into every segment and computes a checksum per
 * segment only for SKB_GSO_UDP_TUNNEL_CSUM, which a tc program cannot ask
 * for; any value but 0 would be wrong in every segment. RFC 6935/6936 allow
 * 0 for tunnels; docs/datapath.md says what it needs from the path.
 */
static __always_inline __attribute__((unused)) int sf_funnel_ip6(struct __sk_buff *skb, const struct sf_pkt6 *pkt,
								  __u16 sport, __u16 dport)
{
	__u32 udp_len = SF_UDP_HLEN + SF_IP6_HLEN + pkt->l4_len;
	struct {
		struct ipv6hdr ip6;
		struct udphdr udp;
	} outer;
	__u64 sum = 0;
	__u16 check;
	__u32 mtu;
	__s64 s;

	if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP)
		return TC_ACT_UNSPEC;
	if (udp_len > 0xffff)
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, SF_IP6_OFF, &outer.ip6, sizeof(outer.ip6)) < 0)
		return TC_ACT_UNSPEC;
	if (!sf_fits_mtu(skb, sizeof(outer), &mtu))
		return TC_ACT_SHOT;
	if (sf_clamp_tcp6(skb, pkt, mtu, sizeof(outer)) < 0)
		return TC_ACT_SHOT;
	if (skb->gso_size == 0) {
		/* The inner IPv6 header, as it is: it travels unchanged. */
		s = bpf_csum_diff(0, 0, (__be32 *)&outer.ip6, sizeof(outer.ip6), 0);
		if (s < 0)
			return TC_ACT_UNSPEC;
		sum = (__u32)s;
		/* The inner segment: the complement of its own pseudo-header, or its bytes. */
		int no_csum = sf_udp_no_csum(skb, SF_L4_OFF6, pkt->proto);

		if (no_csum < 0)
			return TC_ACT_UNSPEC;
		if (no_csum) {
			s = sf_sum_bytes(skb, SF_L4_OFF6, pkt->l4_len);
			if (s < 0)
				return TC_ACT_UNSPEC;
			sum += (__u32)s;
		} else {
			sum += (__u16)~sf_fold(sf_sum_addrs6(pkt) + bpf_htons(pkt->proto) + bpf_htons(pkt->l4_len));
		}
		/* The outer pseudo-header (same addresses) and UDP header. */
		sum += sf_sum_addrs6(pkt) + bpf_htons(IPPROTO_UDP) + 2 * bpf_htons(udp_len) +
		       bpf_htons(sport) + bpf_htons(dport);
		check = (__u16)~sf_fold(sum);
		if (check == 0)
			check = 0xffff;
	} else {
		check = 0;
	}
	outer.ip6.payload_len = bpf_htons(udp_len);
	outer.ip6.nexthdr = IPPROTO_UDP;
	outer.udp.source = bpf_htons(sport);
	outer.udp.dest = bpf_htons(dport);
	outer.udp.len = bpf_htons(udp_len);
	outer.udp.check = check;

	if (bpf_skb_adjust_room(skb, sizeof(outer), BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP) < 0)
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, SF_IP6_OFF, &outer, sizeof(outer), BPF_F_RECOMPUTE_CSUM) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * Undo IPv6 `encap ip` (`ip6 ... unfunnel ip`): remove the outer IPv6 and
 * UDP headers and give the inner packet the outer (post-NAT) addresses, its
 * L4 checksum updated for them (TCP, UDP — a checksum of 0 stays 0 — and
 * ICMPv6, whose checksum covers the pseudo-header too). An inner packet that
 * is not IPv6 without extension headers, of the right length, with its L4
 * header complete, is left alone.
 */
static __always_inline __attribute__((unused)) int sf_unfunnel_ip6(struct __sk_buff *skb, const struct sf_pkt6 *pkt)
{
	const __u32 hlen = SF_IP6_HLEN + SF_UDP_HLEN;
	struct ipv6hdr inner;
	__u32 csum_off = 0, payload_len;

	if (pkt->l4_len < hlen)
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, SF_L4_OFF6 + SF_UDP_HLEN, &inner, sizeof(inner)) < 0)
		return TC_ACT_UNSPEC;
	payload_len = bpf_ntohs(inner.payload_len);
	if (inner.version != 6 || sf_ipv6_ext_hdr(inner.nexthdr) || payload_len != pkt->l4_len - hlen)
		return TC_ACT_UNSPEC;
	if (inner.nexthdr == IPPROTO_TCP)
		csum_off = payload_len >= SF_TCP_HLEN ? SF_L4_OFF6 + SF_TCP_CHECK : 1;
	else if (inner.nexthdr == IPPROTO_UDP)
		csum_off = payload_len >= SF_UDP_HLEN ? SF_L4_OFF6 + SF_UDP_CHECK : 1;
	else if (inner.nexthdr == IPPROTO_ICMPV6)
		csum_off = payload_len >= 4 ? SF_L4_OFF6 + 2 : 1;
	if (csum_off == 1)
		return TC_ACT_UNSPEC;	/* L4 header cut short */

	if (bpf_skb_adjust_room(skb, -(__s32)hlen, BPF_ADJ_ROOM_MAC, 0) < 0)
		return TC_ACT_SHOT;
	/* The inner header is now at SF_IP6_OFF: give it the outer addresses. */
	if (bpf_skb_store_bytes(skb, SF_IP6_OFF + offsetof(struct ipv6hdr, saddr), (void *)pkt->addrs,
				sizeof(pkt->addrs), BPF_F_RECOMPUTE_CSUM) < 0)
		return TC_ACT_SHOT;
	if (csum_off &&
	    sf_csum_addrs6(skb, csum_off, inner.nexthdr, (__be32 *)&inner.saddr, (__be32 *)pkt->addrs) < 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}


#ifndef SFUNNEL_GENERATED
/* An empty ruleset: no rule matches, every packet passes untouched. */
__attribute__((noinline)) int sf_classify(const struct sf_pkt *pkt)
{
	return pkt ? 0 : 0;
}

static __always_inline int sf_apply(struct __sk_buff *skb, const struct sf_pkt *pkt, int action)
{
	return TC_ACT_UNSPEC;
}
#endif
/* sfunnelc: generated rules go here */

#ifdef SF_HAVE_IPV6
/* Classify and act on an Ethernet/IPv6 frame (rules generated as sf_classify6/sf_apply6). */
static __always_inline __attribute__((unused)) int sf_ipv6(struct __sk_buff *skb)
{
	struct sf_pkt6 pkt = {};
	int verdict;

	if (sf_parse_ipv6(skb, &pkt) < 0)
		return TC_ACT_UNSPEC;
	verdict = sf_apply6(skb, &pkt, sf_classify6(&pkt));
#ifdef SFUNNEL_DEBUG
	bpf_printk("sfunnel: proto %u [%pI6]:%u", pkt.proto, &pkt.addrs[0], pkt.sport);
	bpf_printk("sfunnel:   -> [%pI6]:%u verdict %d", &pkt.addrs[4], pkt.dport, verdict);
#endif
	return verdict;
}
#endif

/*
 * Entry point. Attached to a clsact hook (ingress or egress) in
 * direct-action mode: funnel on the sender's egress, unfunnel on the
 * receiver's ingress. Returns TC_ACT_OK after a funnel, unfunnel or accept,
 * TC_ACT_SHOT for drop, and TC_ACT_UNSPEC (carry on as if we were not
 * there) when no rule matches or the packet must not be touched.
 */
SEC("tc")
int sfunnel(struct __sk_buff *skb)
{
	struct sf_pkt pkt = {};
	int verdict;

#ifdef SF_RULESET_ID
	/*
	 * Puts the ruleset's identity type into the program's BTF: clang keeps
	 * a type in BTF only if something refers to it, and this reference (a
	 * CO-RE "local type id" that libbpf turns into a constant) costs one
	 * instruction. The empty asm keeps the optimiser from dropping it.
	 */
	asm volatile("" : : "r"(__builtin_btf_type_id(*(SF_RULESET_ID *)0, 0)));
#endif
#ifdef SF_HAVE_IPV6
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return sf_ipv6(skb);
#endif
	if (sf_parse_ipv4(skb, &pkt) < 0)
		return TC_ACT_UNSPEC;
	verdict = sf_apply(skb, &pkt, sf_classify(&pkt));
#ifdef SFUNNEL_DEBUG
	/*
	 * DEBUG=1 / --debug: two lines per classified packet in
	 * /sys/kernel/tracing/trace_pipe (bpf_printk takes at most 3 arguments;
	 * %pI4 wants a pointer to the address in network order).
	 */
	{
		__be32 s = bpf_htonl(pkt.saddr), d = bpf_htonl(pkt.daddr);

		bpf_printk("sfunnel: proto %u %pI4:%u", pkt.proto, &s, pkt.sport);
		bpf_printk("sfunnel:   -> %pI4:%u verdict %d", &d, pkt.dport, verdict);
	}
#endif
	return verdict;
}

char _license[] SEC("license") = "Dual BSD/GPL";
