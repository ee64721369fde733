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

/* The rules, in order (their decisions are in the tree below). */
/* rule 1, line 2: ip saddr 10.0.0.1 daddr != 192.168.0.0/16 udp sport != 53 dport 2055 actions funnel udp sport 540 dport 4789 */
/* rule 2, line 3: ip saddr { 10.1.0.0/16, 172.16.0.0/12 } tcp dport 1000-2000 actions accept */
/* rule 3, line 4: ip tcp sport { 1-1023, 8080 } dport != { 22, 23 } actions drop */
/* rule 4, line 5: ip daddr 203.0.113.0/24 actions drop */
/* rule 5, line 6: udp dport 0-1023 actions accept */
/* rule 6, line 7: tcp dport 65000-65535 actions unfunnel udp */

/* An empty statement, and 10, 100, 1000 of them (see TreeAsm.pad). */
#define SF_PAD1 asm volatile("");
#define SF_PAD10 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1 SF_PAD1
#define SF_PAD100 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10
#define SF_PAD1000 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100 SF_PAD100

/*
 * First match wins, as a decision tree: fields tested in the order
 * proto, dport, saddr, daddr, sport; 14 nodes, 56 edges (sfunnelc compile --emit tree),
 * as BPF assembly (see TreeAsm.swift). Returns the action of the first rule
 * that holds, 0 for none.
 */
static __always_inline int sf_classify(const struct sf_pkt *pkt)
{
	__u32 act;

	asm volatile(
	".Ln0_%=:\n"
	"	if %[proto] >= 7 goto .Ls0_%=\n"
	"	if %[proto] < 6 goto .Ln1_%=\n"
	"	goto .Ln2_%=\n"
	".Ls0_%=:\n"
	"	if %[proto] == 17 goto .Ln8_%=\n"
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
	"	if %[dport] < 2001 goto .Ln5_%=\n"
	"	if %[dport] >= 65000 goto .Ln6_%=\n"
	".Ln3_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Ln4_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	".Ln4_%=:\n"
	"	if %[sport] >= 1024 goto .Ls2_%=\n"
	"	if %[sport] < 1 goto .Lx0_%=\n"
	"	goto .Lx1_%=\n"
	".Ls2_%=:\n"
	"	if %[sport] == 8080 goto .Lx1_%=\n"
	"	goto .Lx0_%=\n"
	".Ln5_%=:\n"
	"	if %[saddr] >= 0x0a020000 goto .Ls3_%=\n"
	"	if %[saddr] < 0x0a010000 goto .Ln3_%=\n"
	"	goto .Lx2_%=\n"
	".Ls3_%=:\n"
	"	if %[saddr] < 0xac100000 goto .Ln3_%=\n"
	"	if %[saddr] < 0xac200000 goto .Lx2_%=\n"
	"	goto .Ln3_%=\n"
	".Ln6_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Ln7_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	".Ln7_%=:\n"
	"	if %[sport] >= 1024 goto .Ls4_%=\n"
	"	if %[sport] < 1 goto .Lx3_%=\n"
	"	goto .Lx1_%=\n"
	".Ls4_%=:\n"
	"	if %[sport] == 8080 goto .Lx1_%=\n"
	"	goto .Lx3_%=\n"
	".Ln8_%=:\n"
	"	if %[dport] >= 2055 goto .Ls5_%=\n"
	"	if %[dport] < 1024 goto .Ln9_%=\n"
	"	goto .Ln1_%=\n"
	".Ls5_%=:\n"
	"	if %[dport] < 2056 goto .Ln10_%=\n"
	"	goto .Ln1_%=\n"
	".Ln9_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Lx2_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Lx1_%=\n"
	"	goto .Lx2_%=\n"
	".Ln10_%=:\n"
	"	if %[saddr] != 0x0a000001 goto .Ln1_%=\n"
	".Ln11_%=:\n"
	"	if %[daddr] >= 0xc0a90000 goto .Ls6_%=\n"
	"	if %[daddr] < 0xc0a80000 goto .Ln12_%=\n"
	"	goto .Lx0_%=\n"
	".Ls6_%=:\n"
	"	if %[daddr] < 0xcb007100 goto .Ln12_%=\n"
	"	if %[daddr] < 0xcb007200 goto .Ln13_%=\n"
	".Ln12_%=:\n"
	"	if %[sport] == 53 goto .Lx0_%=\n"
	"	goto .Lx4_%=\n"
	".Ln13_%=:\n"
	"	if %[sport] == 53 goto .Lx1_%=\n"
	"	goto .Lx4_%=\n"
	".Lx0_%=:\n"
	/* no rule */
	"	%[act] = 0\n"
	"	goto .Lend_%=\n"
	".Lx1_%=:\n"
	/* drop */
	"	%[act] = 3\n"
	"	goto .Lend_%=\n"
	".Lx2_%=:\n"
	/* accept */
	"	%[act] = 2\n"
	"	goto .Lend_%=\n"
	".Lx3_%=:\n"
	/* unfunnel udp */
	"	%[act] = 4\n"
	"	goto .Lend_%=\n"
	".Lx4_%=:\n"
	/* funnel udp sport 540 dport 4789 */
	"	%[act] = 1\n"
	".Lend_%=:\n"
	: [act] "=&w"(act)
	: [proto] "w"((__u32)SF_FIELD(pkt, proto)), [dport] "w"((__u32)SF_FIELD(pkt, dport)), [sport] "w"((__u32)SF_FIELD(pkt, sport)), [daddr] "w"((__u32)SF_FIELD(pkt, daddr)), [saddr] "w"((__u32)SF_FIELD(pkt, saddr)));
	/* 60 instructions above: as many empty statements for clang's jump sizes */
	SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10 SF_PAD10
	return act;
}
