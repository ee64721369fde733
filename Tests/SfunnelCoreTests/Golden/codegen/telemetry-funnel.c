/* Generated: 3 rules, 1 distinct actions. */

/* Read a packet field afresh at each test (see CEmitter.swift). */
#define SF_FIELD(p, f) (*(const volatile typeof((p)->f) *)&(p)->f)

/* One block per distinct action, shared by every rule that uses it. */
static __always_inline int sf_apply(struct __sk_buff *skb, const struct sf_pkt *pkt, int action)
{
	switch (action) {
	case 1:	/* funnel tcp sport 540 dport 179 */
		return sf_funnel(skb, pkt, IPPROTO_TCP, 540, 179);
	default:	/* no rule matched */
		return TC_ACT_UNSPEC;
	}
}

/* First match wins: returns the action of the first rule that holds, 0 for none. */
__attribute__((noinline)) int sf_classify(const struct sf_pkt *pkt)
{
	if (!pkt)
		return 0;
	/* rule 1, line 8: ip udp dport 2055 actions funnel tcp dport 179 sport 540 */
	if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, dport) == 2055)
		return 1;
	/* rule 2, line 9: ip udp dport 4739 actions funnel tcp dport 179 sport 540 */
	if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, dport) == 4739)
		return 1;
	/* rule 3, line 10: ip udp dport 6343 actions funnel tcp dport 179 sport 540 */
	if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, dport) == 6343)
		return 1;
	return 0;
}
