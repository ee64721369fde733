/* Generated: 1 rules, 1 distinct actions. */

/* Read a packet field afresh at each test (see CEmitter.swift). */
#define SF_FIELD(p, f) (*(const volatile typeof((p)->f) *)&(p)->f)

/* One block per distinct action, shared by every rule that uses it. */
static __always_inline int sf_apply(struct __sk_buff *skb, const struct sf_pkt *pkt, int action)
{
	switch (action) {
	case 1:	/* unfunnel udp */
		return sf_unfunnel(skb, pkt, IPPROTO_UDP);
	default:	/* no rule matched */
		return TC_ACT_UNSPEC;
	}
}

/* First match wins: returns the action of the first rule that holds, 0 for none. */
__attribute__((noinline)) int sf_classify(const struct sf_pkt *pkt)
{
	if (!pkt)
		return 0;
	/* rule 1, line 6: ip tcp dport 179 sport 540 actions unfunnel udp */
	if (SF_FIELD(pkt, proto) == 6 && SF_FIELD(pkt, sport) == 540 && SF_FIELD(pkt, dport) == 179)
		return 1;
	return 0;
}
