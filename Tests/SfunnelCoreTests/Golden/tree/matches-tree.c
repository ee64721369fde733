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

/*
 * First match wins, as a decision tree: fields tested in the order
 * proto, dport, saddr, daddr, sport; 14 nodes, 56 edges (sfunnelc compile --emit tree).
 * Returns the action of the first rule that holds, 0 for none.
 */
static __always_inline int sf_classify(const struct sf_pkt *pkt)
{
	__u32 v;

	if (!pkt)
		return 0;

	v = SF_FIELD(pkt, proto);
	if (v < 7U) {
		if (v < 6U) {
			goto n1;
		}
		goto n2;
	}
	if (v - 17U <= 0U) {
		goto n8;
	}
	goto n1;
n1:
	v = SF_FIELD(pkt, daddr);
	if (v - 0xcb007100U <= 0x000000ffU) {
		goto a3;
	}
	goto a0;	/* no rule */
n2:
	v = SF_FIELD(pkt, dport);
	if (v < 1000U) {
		if (v - 22U <= 1U) {
			goto n1;
		}
		goto n3;
	}
	if (v < 2001U) {
		goto n5;
	}
	if (v < 65000U) {
		goto n3;
	}
	goto n6;
n3:
	v = SF_FIELD(pkt, daddr);
	if (v - 0xcb007100U <= 0x000000ffU) {
		goto a3;
	}
	goto n4;
n4:
	v = SF_FIELD(pkt, sport);
	if (v < 1024U) {
		if (v < 1U) {
			goto a0;	/* no rule */
		}
		goto a3;
	}
	if (v - 8080U <= 0U) {
		goto a3;
	}
	goto a0;	/* no rule */
n5:
	v = SF_FIELD(pkt, saddr);
	if (v < 0x0a020000U) {
		if (v < 0x0a010000U) {
			goto n3;
		}
		goto a2;
	}
	if (v - 0xac100000U <= 0x000fffffU) {
		goto a2;
	}
	goto n3;
n6:
	v = SF_FIELD(pkt, daddr);
	if (v - 0xcb007100U <= 0x000000ffU) {
		goto a3;
	}
	goto n7;
n7:
	v = SF_FIELD(pkt, sport);
	if (v < 1024U) {
		if (v < 1U) {
			goto a4;
		}
		goto a3;
	}
	if (v - 8080U <= 0U) {
		goto a3;
	}
	goto a4;
n8:
	v = SF_FIELD(pkt, dport);
	if (v < 2055U) {
		if (v < 1024U) {
			goto n9;
		}
		goto n1;
	}
	if (v < 2056U) {
		goto n10;
	}
	goto n1;
n9:
	v = SF_FIELD(pkt, daddr);
	if (v - 0xcb007100U <= 0x000000ffU) {
		goto a3;
	}
	goto a2;
n10:
	v = SF_FIELD(pkt, saddr);
	if (v - 0x0a000001U <= 0x00000000U) {
		goto n11;
	}
	goto n1;
n11:
	v = SF_FIELD(pkt, daddr);
	if (v < 0xc0a90000U) {
		if (v < 0xc0a80000U) {
			goto n12;
		}
		goto a0;	/* no rule */
	}
	if (v - 0xcb007100U <= 0x000000ffU) {
		goto n13;
	}
	goto n12;
n12:
	v = SF_FIELD(pkt, sport);
	if (v - 53U <= 0U) {
		goto a0;	/* no rule */
	}
	goto a1;
n13:
	v = SF_FIELD(pkt, sport);
	if (v - 53U <= 0U) {
		goto a3;
	}
	goto a1;
a0:
	return 0;	/* no rule */
a1:
	return 1;	/* funnel udp sport 540 dport 4789 */
a2:
	return 2;	/* accept */
a3:
	return 3;	/* drop */
a4:
	return 4;	/* unfunnel udp */
}
