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

/* First match wins: returns the action of the first rule that holds, 0 for none. */
__attribute__((noinline)) int sf_classify(const struct sf_pkt *pkt)
{
	if (!pkt)
		return 0;
	/* rule 1, line 2: ip saddr 10.0.0.1 daddr != 192.168.0.0/16 udp sport != 53 dport 2055 actions funnel udp sport 540 dport 4789 */
	if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, saddr) == 0x0a000001U && !((SF_FIELD(pkt, daddr) & 0xffff0000U) == 0xc0a80000U) && !(SF_FIELD(pkt, sport) == 53) && SF_FIELD(pkt, dport) == 2055)
		return 1;
	/* rule 2, line 3: ip saddr { 10.1.0.0/16, 172.16.0.0/12 } tcp dport 1000-2000 actions accept */
	if (SF_FIELD(pkt, proto) == 6 && ((SF_FIELD(pkt, saddr) & 0xffff0000U) == 0x0a010000U || (SF_FIELD(pkt, saddr) & 0xfff00000U) == 0xac100000U) && (SF_FIELD(pkt, dport) >= 1000 && SF_FIELD(pkt, dport) <= 2000))
		return 2;
	/* rule 3, line 4: ip tcp sport { 1-1023, 8080 } dport != { 22, 23 } actions drop */
	if (SF_FIELD(pkt, proto) == 6 && ((SF_FIELD(pkt, sport) >= 1 && SF_FIELD(pkt, sport) <= 1023) || SF_FIELD(pkt, sport) == 8080) && !((SF_FIELD(pkt, dport) == 22 || SF_FIELD(pkt, dport) == 23)))
		return 3;
	/* rule 4, line 5: ip daddr 203.0.113.0/24 actions drop */
	if ((SF_FIELD(pkt, daddr) & 0xffffff00U) == 0xcb007100U)
		return 3;
	/* rule 5, line 6: udp dport 0-1023 actions accept */
	if (SF_FIELD(pkt, proto) == 17 && SF_FIELD(pkt, dport) <= 1023)
		return 2;
	/* rule 6, line 7: tcp dport 65000-65535 actions unfunnel udp */
	if (SF_FIELD(pkt, proto) == 6 && SF_FIELD(pkt, dport) >= 65000)
		return 4;
	return 0;
}
