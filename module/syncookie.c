// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies (RFC 4987 3.6): a listener whose SYN queue is full answers a
 * SYN without keeping anything, and builds the connection from the ACK
 * that returns the cookie.
 *
 * The cookie is Linux's own (__cookie_v4_init_sequence(): a keyed hash of
 * the 4-tuple and the peer's ISN, a counter of minutes, and the MSS as an
 * index into Linux's table 536, 1300, 1440, 1460). With timestamps, the
 * peer's window scale and SACK-Permitted ride in the low six bits of our
 * TSval, as Linux puts them there (cookie_init_timestamp()); without, the
 * SYN-ACK offers neither, as there is nowhere to keep them. Data on the
 * SYN is not acknowledged: the peer sends it again.
 *
 * net.xtcp.syncookies: 0 never (a full SYN queue drops SYNs), 1 when the
 * SYN queue is full (the default), 2 for every SYN.
 */
#include <net/tcp.h>

#include "options.h"
#include "xtcp.h"

#define COOKIE_VALID		(2 * 60 * HZ)	/* TCP_SYNCOOKIE_VALID */
#define TS_OPT_WSCALE_MASK	0xf		/* all four set: no scale */
#define TS_OPT_SACK		BIT(4)
#define TSBITS			6

/**
 * xtcp_cookie_wanted() - whether a SYN for a listener is answered with a
 * cookie: always (syncookies=2), or when its SYN queue is full (1)
 * @sk: the listener
 */
bool xtcp_cookie_wanted(const struct sock *sk)
{
	int mode = READ_ONCE(xtcp_sk_net(sk)->syncookies);

	if (!IS_ENABLED(CONFIG_SYN_COOKIES))
		return false;	/* no __cookie_v4_*() in this kernel */
	return mode == 2 || (mode == 1 && xtcp_syn_queue_full(sk));
}

/* The TSval offset of the connection @skb (a SYN or an ACK) would open. */
static u32 cookie_ts_off(const struct sk_buff *skb)
{
	return xtcp_ts_off(ip_hdr(skb)->daddr, ip_hdr(skb)->saddr,
			   tcp_hdr(skb)->dest, tcp_hdr(skb)->source);
}

/*
 * Our TSval now with @opts in its low bits, never ahead of the clock the
 * connection goes on with (the peer's PAWS would drop what follows).
 */
static u32 cookie_tsval(u32 off, u32 opts)
{
	u32 now = xtcp_ts_clock(0), ts = (now & ~(BIT(TSBITS) - 1)) | opts;

	if ((s32)(ts - now) > 0)
		ts -= BIT(TSBITS);
	return ts + off;
}

/*
 * The space a cookie SYN-ACK offers: half the listener's buffer, within
 * its TCP_WINDOW_CLAMP. xtcp_send_raw() makes it a window in whole
 * segments of the route's MSS, as for any SYN-ACK.
 */
static u32 cookie_space(const struct sock *sk)
{
	u32 clamp = READ_ONCE(xtcp_sk(sk)->window_clamp);

	return min((u32)READ_ONCE(sk->sk_rcvbuf) / 2, clamp ?: U32_MAX);
}

static void flood_warn(struct sock *sk)
{
	struct xtcp_sock *xp = xtcp_sk(sk);

	if (xp->synflood_warned ||
	    READ_ONCE(xtcp_sk_net(sk)->syncookies) == 2)
		return;
	xp->synflood_warned = true;
	net_info_ratelimited("Possible SYN flooding on port %u. Sending cookies.\n",
			     ntohs(inet_sk(sk)->inet_sport));
}

/**
 * xtcp_cookie_send_synack() - answer a SYN with a cookie SYN-ACK
 * @sk: the listener, locked
 * @skb: the SYN
 * @peer: its options
 */
void xtcp_cookie_send_synack(struct sock *sk, struct sk_buff *skb,
			     const struct xtcp_options *peer)
{
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	u16 user_mss = READ_ONCE(xtcp_sk(sk)->user_mss);
	/* what we offer: the route's MSS, at most the listener's TCP_MAXSEG */
	struct xtcp_syn_options so = { .wscale = -1, .mss = user_mss };
	/* the cookie keeps the smaller of it and the peer's (mss_clamp) */
	u16 mss = min_t(u16, peer->mss ?: 536,	/* MUST-15 */
			user_mss ?: U16_MAX);
	struct xtcp_raw r = {
		.net = sock_net(sk),
		.state = TCP_SYN_RECV,
		.saddr = ip_hdr(skb)->daddr,
		.daddr = ip_hdr(skb)->saddr,
		.sport = tcp_hdr(skb)->dest,
		.dport = tcp_hdr(skb)->source,
		.ack = XTCP_SKB_CB(skb)->seq + 1,
		.flags = XTCP_SYN | XTCP_ACK,
		.syn_space = cookie_space(sk),
		.oif = skb->skb_iif,
		.mark = READ_ONCE(sk->sk_mark),
		/* the listener's IP_TOS and IP_TTL, as its children's SYN-ACKs */
		.tos = READ_ONCE(inet_sk(sk)->tos),
		.ttl = READ_ONCE(inet_sk(sk)->uc_ttl),
		.syn = &so,
	};

	if (!IS_ENABLED(CONFIG_SYN_COOKIES))
		return;		/* xtcp_cookie_wanted() said no: not reached */
	r.seq = __cookie_v4_init_sequence(ip_hdr(skb), tcp_hdr(skb), &mss);
	if (peer->saw_tstamp && READ_ONCE(xn->timestamps)) {
		u32 opts = TS_OPT_WSCALE_MASK;

		so.tstamp = true;
		so.sack_ok = peer->sack_ok && READ_ONCE(xn->sack);
		if (peer->saw_wscale && READ_ONCE(xn->window_scaling)) {
			so.wscale = xtcp_rcv_wscale_for(sk);
			opts = peer->wscale;
		}
		if (so.sack_ok)
			opts |= TS_OPT_SACK;
		so.tsval = cookie_tsval(cookie_ts_off(skb), opts);
		so.tsecr = peer->tsval;
	}
	WRITE_ONCE(xtcp_sk(sk)->cookie_sent_at, jiffies ?: 1);
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_SYNCOOKIESSENT);
	flood_warn(sk);
	xtcp_send_raw(&r);
}

/*
 * The options of the SYN, as the ACK that returns a cookie brings them
 * back (cookie_timestamp_decode()). Return false if they name one that
 * is now disabled.
 */
static bool cookie_options(const struct sock *sk, struct sk_buff *skb,
			   struct xtcp_options *peer)
{
	const struct xtcp_net *xn = xtcp_sk_net(sk);
	u32 opts;

	xtcp_parse_options((u8 *)(tcp_hdr(skb) + 1),
			   tcp_hdr(skb)->doff * 4 - sizeof(struct tcphdr), peer);
	peer->saw_wscale = 0;
	peer->sack_ok = 0;
	if (!peer->saw_tstamp)
		return true;
	if (!READ_ONCE(xn->timestamps))
		return false;
	opts = (peer->tsecr - cookie_ts_off(skb)) & (BIT(TSBITS) - 1);
	peer->sack_ok = !!(opts & TS_OPT_SACK);
	if (peer->sack_ok && !READ_ONCE(xn->sack))
		return false;
	if ((opts & TS_OPT_WSCALE_MASK) == TS_OPT_WSCALE_MASK)
		return true;
	peer->saw_wscale = 1;
	peer->wscale = min_t(u8, opts & TS_OPT_WSCALE_MASK, XTCP_MAX_WSCALE);
	return READ_ONCE(xn->window_scaling);
}

/*
 * A child in SYN-RECEIVED as the SYN would have made it, for the ACK @skb
 * that is one past both ISNs: RCV.NXT = SEG.SEQ, SND.NXT = SEG.ACK.
 */
static struct sock *cookie_child(struct sock *sk, struct sk_buff *skb,
				 const struct xtcp_options *peer, u16 mss)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs;
	struct sock *child;

	child = xtcp_child_create(sk, skb);	/* bh-locked */
	if (!child)
		return NULL;
	xs = xtcp_sk(child);
	xs->irs = cb->seq - 1;
	xs->rcv_nxt = cb->seq;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wup = cb->seq;
	xs->rcv_acked = cb->seq;		/* what the SYN-ACK acknowledged */
	xs->iss = cb->ack_seq - 1;
	xs->snd_una = xs->iss;
	xs->snd_sml = xs->iss;	/* no short segment yet (Nagle) */
	xs->snd_nxt = cb->ack_seq;
	xs->write_seq = cb->ack_seq;
	xs->snd_wl1 = xs->irs;
	xs->snd_wl2 = xs->iss;
	xtcp_syn_offer(child);
	xs->ts_offset = cookie_ts_off(skb);
	xtcp_syn_negotiate(child, peer);
	xtcp_set_mss(child, mss);
	/*
	 * At least what the SYN-ACK offered: that was the space rounded down
	 * to whole segments of the route's MSS then, which a route or an
	 * option changed since could make differ; the space itself is never
	 * less, so text the peer may send is never cut off as beyond it.
	 */
	xs->rcv_wnd = xtcp_syn_window(cookie_space(sk), 0);
	xs->rcv_ssthresh = xs->rcv_wnd;
	xtcp_transition(child, XTCP_EV_RCV_SYN);	/* LISTEN -> SYN-RECEIVED */
	xs->from_cookie = 1;	/* its ACK came: no TCP_DEFER_ACCEPT (Linux) */
	return child;
}

/* Queue, hash and run the ACK through a new child; consumes @skb if taken. */
static enum xtcp_cookie_verdict cookie_open(struct sock *sk,
					    struct sock *child,
					    struct sk_buff *skb)
{
	enum xtcp_cookie_verdict v = XTCP_COOKIE_TAKEN;

	xtcp_child_enqueue(sk, child);
	sock_hold(child);	/* ours across the unlock, as rcv_listen's */
	if (xtcp_ehash(child)) {
		/* A connection with this 4-tuple already exists. */
		xtcp_done(child);
		v = XTCP_COOKIE_DROP;
	} else {
		xtcp_rcv_state_process(child, skb);
		/* Refused (the accept queue filled meanwhile): no timer
		 * resends a SYN-ACK that was never ours to keep.
		 */
		if (child->sk_state == TCP_SYN_RECV)
			xtcp_done(child);
	}
	bh_unlock_sock(child);
	sock_put(child);
	return v;
}

/**
 * xtcp_cookie_ack() - an ACK for a listener: if it returns one of our
 * cookies, made less than two minutes after our last one, open its
 * connection
 * @sk: the listener, locked
 * @skb: the ACK (no SYN, no RST)
 *
 * Return: what became of @skb; XTCP_COOKIE_TAKEN consumed it.
 */
enum xtcp_cookie_verdict xtcp_cookie_ack(struct sock *sk, struct sk_buff *skb)
{
	unsigned long sent = READ_ONCE(xtcp_sk(sk)->cookie_sent_at);
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_options peer;
	struct sock *child;
	int mss;

	if (!IS_ENABLED(CONFIG_SYN_COOKIES) || !READ_ONCE(xn->syncookies) ||
	    !sent || time_after(jiffies, sent + COOKIE_VALID))
		return XTCP_COOKIE_NONE;
	mss = __cookie_v4_check(ip_hdr(skb), tcp_hdr(skb));
	if (!mss) {
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_SYNCOOKIESFAILED);
		return XTCP_COOKIE_NONE;
	}
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_SYNCOOKIESRECV);
	/* An option now disabled: a RST, as cookie_v4_check() leaves it */
	if (!cookie_options(sk, skb, &peer))
		return XTCP_COOKIE_NONE;
	if (xtcp_accept_queue_full(sk)) {
		xtcp_stats_listen_overflow(sk);
		return XTCP_COOKIE_DROP;
	}
	DEBUG_NET_WARN_ON_ONCE(!in_softirq());	/* see rcv_listen() */
	child = cookie_child(sk, skb, &peer, mss);
	if (!child)
		return XTCP_COOKIE_DROP;
	return cookie_open(sk, child, skb);
}
