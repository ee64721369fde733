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
 * proto, dport, saddr, daddr, sport; 4 nodes, 16 edges, 128 bytes.
 * The leading fields proto, dport, saddr, daddr are code (10 nodes, 40 edges),
 * BPF assembly as in the code form (TreeAsm.swift) that ends in a target word.
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

/* An empty statement, and 10, 100, 1000 of them (see TreeAsm.pad). */
#define SF_PAD1 asm volatile("");
#define SF_PAD10 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1
#define SF_PAD100 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10
#define SF_PAD1000 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100

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
	__u32 t;
	__u32 base, n, half, b;
	__u64 v;

	asm volatile(
	".Ln0_%=:\n"
	"	if %[proto] >= 7 goto .Ls0_%=\n"
	"	if %[proto] < 6 goto .Ln1_%=\n"
	"	goto .Ln2_%=\n"
	".Ls0_%=:\n"
	"	if %[proto] == 17 goto .Ln6_%=\n"
	".Ln1_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Lx0_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	"	goto .Lx0_%=\n"
	".Ln2_%=:\n"
	"	if %[dport] >= 1000 goto .Ls1_%=\n"
	"	if %[dport] < 22 goto .Ln3_%=\n"
	"	if %[dport] < 24 goto .Ln1_%=\n"
	"	goto .Ln3_%=\n"
	".Ls1_%=:\n"
	"	if %[dport] < 2001 goto .Ln4_%=\n"
	"	if %[dport] >= 65000 goto .Ln5_%=\n"
	".Ln3_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Lx2_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	"	goto .Lx2_%=\n"
	".Ln4_%=:\n"
	"	if %[saddr] >= 0x0a020000 goto .Ls2_%=\n"
	"	if %[saddr] < 0x0a010000 goto .Ln3_%=\n"
	"	goto .Lx3_%=\n"
	".Ls2_%=:\n"
	"	if %[saddr] < 0xac100000 goto .Ln3_%=\n"
	"	if %[saddr] < 0xac200000 goto .Lx3_%=\n"
	"	goto .Ln3_%=\n"
	".Ln5_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Lx4_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	"	goto .Lx4_%=\n"
	".Ln6_%=:\n"
	"	if %[dport] >= 2055 goto .Ls3_%=\n"
	"	if %[dport] < 1024 goto .Ln7_%=\n"
	"	goto .Ln1_%=\n"
	".Ls3_%=:\n"
	"	if %[dport] < 2056 goto .Ln8_%=\n"
	"	goto .Ln1_%=\n"
	".Ln7_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Lx3_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	"	goto .Lx3_%=\n"
	".Ln8_%=:\n"
	"	if %[saddr] != 0x0a000001 goto .Ln1_%=\n"
	".Ln9_%=:\n"
	"	if %[daddr] >= 0xc0a90000 goto .Ls4_%=\n"
	"	if %[daddr] < 0xc0a80000 goto .Lx5_%=\n"
	"	goto .Lx0_%=\n"
	".Ls4_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Lx5_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx6_%=\n"
	"	goto .Lx5_%=\n"
	".Lx0_%=:\n"
	"	%[t] = 0\n"
	"	goto .Lend_%=\n"
	".Lx1_%=:\n"
	"	%[t] = 3\n"
	"	goto .Lend_%=\n"
	".Lx2_%=:\n"
	"	%[t] = 0xa0000000\n"
	"	goto .Lend_%=\n"
	".Lx3_%=:\n"
	"	%[t] = 2\n"
	"	goto .Lend_%=\n"
	".Lx4_%=:\n"
	"	%[t] = 0xa0000002\n"
	"	goto .Lend_%=\n"
	".Lx5_%=:\n"
	"	%[t] = 0xa0000004\n"
	"	goto .Lend_%=\n"
	".Lx6_%=:\n"
	"	%[t] = 0xa0000006\n"
	".Lend_%=:\n"
	"	%[t] ^= %[sport]\n"
	"	%[t] ^= %[sport]\n"
	: [t] "=&w"(t)
	: [proto] "w"((__u32)SF_FIELD(pkt, proto)), [dport] "w"((__u32)SF_FIELD(pkt, dport)), [sport] "w"((__u32)SF_FIELD(pkt, sport)), [daddr] "w"((__u32)SF_FIELD(pkt, daddr)), [saddr] "w"((__u32)SF_FIELD(pkt, saddr)));
	/* 55 instructions above: as many empty statements for clang's jump sizes */
	SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1

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
