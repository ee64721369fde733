/* Generated: 6 rules, 4 distinct actions. */

/* Read a packet field afresh at each test (see CEmitter.swift). */
#define SF_FIELD(p, f) (*(const volatile typeof((p)->f) *)&(p)->f)

/* One block per distinct action, shared by every rule that uses it. */
static __always_inline int sf_apply(struct __sk_buff *skb, const struct sf_pkt *pkt, int action)
{
	switch (action) {
	case 1:	/* funnel udp sport 540 dport 4789 */
		return sf_funnel(skb, pkt, IPPROTO_UDP, 540, 4789);
	case 2:	/* accept */
		return TC_ACT_OK;
	case 3:	/* drop */
		return TC_ACT_SHOT;
	case 4:	/* unfunnel udp */
		return sf_unfunnel(skb, pkt, IPPROTO_UDP);
	default:	/* no rule matched */
		return TC_ACT_UNSPEC;
	}
}

/* The rules, in order (their decisions are in the tables below). */
/* rule 1, line 2: ip saddr 10.0.0.1 daddr != 192.168.0.0/16 udp sport != 53 dport 2055 actions funnel udp sport 540 dport 4789 */
/* rule 2, line 3: ip saddr { 10.1.0.0/16, 172.16.0.0/12 } tcp dport 1000-2000 actions accept */
/* rule 3, line 4: ip tcp sport { 1-1023, 8080 } dport != { 22, 23 } actions drop */
/* rule 4, line 5: ip daddr 203.0.113.0/24 actions drop */
/* rule 5, line 6: udp dport 0-1023 actions accept */
/* rule 6, line 7: tcp dport 65000-65535 actions unfunnel udp */

/*
 * First match wins, as a decision tree in constant tables (.rodata, frozen
 * at load; see TableEmitter.swift): fields tested in the order
 * proto, dport, saddr, daddr, sport; 14 nodes, 56 edges, 704 bytes.
 * A target word: field position + 1 in bits 29-31, the node's bucket bits b
 * in bits 24-28 (the value's top b bits pick its bucket) and its first bucket
 * in sf_<field>_bucket below; or 0 in bits 29-31 and an action number below
 * (0: no rule).
 */
/*
 * All ones when bound <= v, else 0 (both below 2^32): the high half of a
 * 64-bit difference, hidden from clang, which would otherwise see a
 * comparison and make it a branch again.
 */
static __always_inline __u32 sf_at_most(__u64 bound, __u64 v)
{
	__u64 d = v - bound;

	asm volatile("" : "+r"(d));
	return ~(__u32)(d >> 32);
}

static const volatile __u32 sf_proto_bucket[2] = {
	0x80000000, 4,
};

static const volatile __u8 sf_proto_lo[8] = {
	0, 6, 7, 17, 18,
};

static const volatile __u32 sf_proto_to[8] = {
	0x80000000, 0x40000000, 0x80000000, 0x40000002, 0x80000000,
};

static const volatile __u32 sf_dport_bucket[4] = {
	0x80000000, 5, 0x80000006, 9,
};

static const volatile __u16 sf_dport_lo[16] = {
	0, 22, 24, 1000, 2001, 65000, 0, 1024, 2055, 2056,
};

static const volatile __u32 sf_dport_to[16] = {
	0x80000002, 0x80000000, 0x80000002, 0x61000000, 0x80000002, 0x80000004, 0x80000006, 0x80000000,
	0x60000003, 0x80000000,
};

static const volatile __u32 sf_saddr_bucket[8] = {
	0x80000000, 2, 4, 0x80000005, 7,
};

static const volatile __u32 sf_saddr_lo[8] = {
	0x00000000, 0x0a010000, 0x0a020000, 0xac100000, 0xac200000, 0x00000000, 0x0a000001, 0x0a000002,
};

static const volatile __u32 sf_saddr_to[8] = {
	0x80000002, 2, 0x80000002, 2, 0x80000002, 0x80000000, 0x80000008, 0x80000000,
};

static const volatile __u32 sf_daddr_bucket[16] = {
	0x80000000, 2, 0x80000003, 5, 0x80000006, 8, 0x80000009, 11, 0x8000000c, 16,
};

static const volatile __u32 sf_daddr_lo[32] = {
	0x00000000, 0xcb007100, 0xcb007200, 0x00000000, 0xcb007100, 0xcb007200, 0x00000000, 0xcb007100,
	0xcb007200, 0x00000000, 0xcb007100, 0xcb007200, 0x00000000, 0xc0a80000, 0xc0a90000, 0xcb007100,
	0xcb007200,
};

static const volatile __u32 sf_daddr_to[32] = {
	0, 3, 0, 0xa0000000, 3, 0xa0000000, 0xa0000002, 3, 0xa0000002, 2, 3, 2, 0xa0000004, 0,
	0xa0000004, 0xa0000006, 0xa0000004,
};

static const volatile __u32 sf_sport_bucket[8] = {
	0x80000000, 4, 0x80000005, 9, 0x8000000a, 12, 0x8000000d, 15,
};

static const volatile __u16 sf_sport_lo[16] = {
	0, 1, 1024, 8080, 8081, 0, 1, 1024, 8080, 8081, 0, 53, 54, 0, 53, 54,
};

static const volatile __u32 sf_sport_to[16] = {
	0, 3, 0, 3, 0, 4, 3, 4, 3, 4, 1, 0, 1, 1, 3, 1,
};

static __always_inline int sf_classify(const struct sf_pkt *pkt)
{
	__u32 t = 0x20000000;
	__u32 base, n, half, b;
	__u64 v;

	/* Keep clang from folding the root's search into special cases. */
	asm volatile("" : "+r"(t));

	/* proto: 1 nodes, 5 edges, 2 buckets, 3 search steps */
	if ((t >> 29) == 1) {
		v = pkt->proto;
		b = (t & 0xffffff) + (__u32)(v >> ((8 - ((t >> 24) & 31)) & 63));
		base = sf_proto_bucket[b & 1] & 0x7fffffff;
		n = sf_proto_bucket[(b + 1) & 1];
		n = (n & 0x7fffffff) - (n >> 31) - base + 1;
		half = n >> 1;
		base += half & sf_at_most(sf_proto_lo[(base + half) & 7], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_proto_lo[(base + half) & 7], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_proto_lo[(base + half) & 7], v);
		n -= half;
		t = sf_proto_to[base & 7];
	}

	/* dport: 2 nodes, 10 edges, 4 buckets, 3 search steps */
	if ((t >> 29) == 2) {
		v = pkt->dport;
		b = (t & 0xffffff) + (__u32)(v >> ((16 - ((t >> 24) & 31)) & 63));
		base = sf_dport_bucket[b & 3] & 0x7fffffff;
		n = sf_dport_bucket[(b + 1) & 3];
		n = (n & 0x7fffffff) - (n >> 31) - base + 1;
		half = n >> 1;
		base += half & sf_at_most(sf_dport_lo[(base + half) & 15], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_dport_lo[(base + half) & 15], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_dport_lo[(base + half) & 15], v);
		n -= half;
		t = sf_dport_to[base & 15];
	}

	/* saddr: 2 nodes, 8 edges, 5 buckets, 2 search steps */
	if ((t >> 29) == 3) {
		v = pkt->saddr;
		b = (t & 0xffffff) + (__u32)(v >> ((32 - ((t >> 24) & 31)) & 63));
		base = sf_saddr_bucket[b & 7] & 0x7fffffff;
		n = sf_saddr_bucket[(b + 1) & 7];
		n = (n & 0x7fffffff) - (n >> 31) - base + 1;
		half = n >> 1;
		base += half & sf_at_most(sf_saddr_lo[(base + half) & 7], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_saddr_lo[(base + half) & 7], v);
		n -= half;
		t = sf_saddr_to[base & 7];
	}

	/* daddr: 5 nodes, 17 edges, 10 buckets, 3 search steps */
	if ((t >> 29) == 4) {
		v = pkt->daddr;
		b = (t & 0xffffff) + (__u32)(v >> ((32 - ((t >> 24) & 31)) & 63));
		base = sf_daddr_bucket[b & 15] & 0x7fffffff;
		n = sf_daddr_bucket[(b + 1) & 15];
		n = (n & 0x7fffffff) - (n >> 31) - base + 1;
		half = n >> 1;
		base += half & sf_at_most(sf_daddr_lo[(base + half) & 31], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_daddr_lo[(base + half) & 31], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_daddr_lo[(base + half) & 31], v);
		n -= half;
		t = sf_daddr_to[base & 31];
	}

	/* sport: 4 nodes, 16 edges, 8 buckets, 3 search steps */
	if ((t >> 29) == 5) {
		v = pkt->sport;
		b = (t & 0xffffff) + (__u32)(v >> ((16 - ((t >> 24) & 31)) & 63));
		base = sf_sport_bucket[b & 7] & 0x7fffffff;
		n = sf_sport_bucket[(b + 1) & 7];
		n = (n & 0x7fffffff) - (n >> 31) - base + 1;
		half = n >> 1;
		base += half & sf_at_most(sf_sport_lo[(base + half) & 15], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_sport_lo[(base + half) & 15], v);
		n -= half;
		half = n >> 1;
		base += half & sf_at_most(sf_sport_lo[(base + half) & 15], v);
		n -= half;
		t = sf_sport_to[base & 15];
	}

	return t & 536870911;
}
