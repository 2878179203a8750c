// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU: how big our segments may be on the path to the peer, learnt
 * from ICMP "fragmentation needed" (RFC 1191; the ICMP itself is taken in
 * icmp.c) or, where those never come back, from the segments themselves:
 * black holes guessed from retransmission timeouts, then a search upward
 * with probes (RFC 4821 packetization-layer PMTUD, net.xtcp.mtu_probing).
 *
 * Where an RFC rule lives:
 *   RFC 1191 3.1: MSS from the path MTU           xtcp_sync_mss
 *   RFC 1191: a lower PMTU, what is in flight
 *            resent at once (a probe: it alone)   xtcp_mtu_reduced
 *   RFC 4821 (Linux's tcp_mtu_probing()):
 *            black hole detection                 xtcp_mtu_black_hole
 *   RFC 4821 7.4, 7.5: a probe's size, when it
 *            goes                                 xtcp_mtu_probe_len
 *            (the segment itself: output.c's send_mtu_probe())
 *   RFC 4821 7.6.1, 7.6.2: success, failure       xtcp_mtu_probe_acked
 *   RFC 4821 7.6.4: inconclusive (any resending,
 *            a timeout's too, as Linux)           output.c's count_retrans()
 *   a finished search begun again                 mtu_check_reprobe
 *
 * xtcp_sock.pmtu is the MTU snd_mss was sized for. With mtup_enabled,
 * segments are no bigger than mtup_low, the largest MTU taken to pass
 * (Linux's search_low), and probes look between it and mtup_high, the
 * largest that may (search_high). MTUs here are whole IP packets.
 */
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "seq.h"
#include "xtcp.h"

/* IP_OPTIONS: the bytes each of our IP headers carries beyond 20 */
static int ip_options_len(const struct sock *sk)
{
	const struct ip_options_rcu *opt;
	int len;

	rcu_read_lock();
	opt = rcu_dereference(inet_sk(sk)->inet_opt);
	len = opt ? opt->opt.optlen : 0;
	rcu_read_unlock();
	return len;
}

/**
 * xtcp_ip_options_changed() - IP_OPTIONS were set: a connection's
 * segments make room for them (as do_ip_setsockopt() has TCP's
 * icsk_sync_mss() do)
 * @sk: the socket, locked
 */
void xtcp_ip_options_changed(struct sock *sk)
{
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)) &&
	    xtcp_sk(sk)->pmtu)
		xtcp_sync_mss(sk, xtcp_sk(sk)->pmtu);
}

/**
 * xtcp_sync_mss() - the largest segment we send on a path of MTU @pmtu
 * (RFC 1191 3.1; Linux's tcp_sync_mss()): the MTU less the IPv4
 * and TCP headers (and any IP_OPTIONS), at most the peer's MSS (and
 * TCP_MAXSEG as it was at the handshake), and at most
 * what packetization-layer probing takes to pass (RFC 4821)
 * @sk: the connection, locked
 * @pmtu: the path MTU
 */
void xtcp_sync_mss(struct sock *sk, u32 pmtu)
{
	const int hdrs = sizeof(struct iphdr) + sizeof(struct tcphdr);
	struct xtcp_sock *xs = xtcp_sk(sk);
	int mss = (int)pmtu - hdrs;

	xs->pmtu = pmtu;
	xs->mtup_high = min(xs->mtup_high, pmtu);	/* as tcp_sync_mss() */
	if (xs->mtup_enabled)	/* RFC 4821: what the search found to pass */
		mss = min_t(int, mss, xs->mtup_low - hdrs);
	mss = min_t(int, mss, xs->peer_mss);
	/* RFC 6691: the MSS option assumes no IP options; ours take room */
	mss -= ip_options_len(sk);
	xs->snd_mss = max(mss, 64);
	/* a bigger MSS (the path grew back): cwnd holds at least one */
	if (xs->cong.cwnd && xs->cong.cwnd < xtcp_send_mss(xs))
		xs->cong.cwnd = xtcp_send_mss(xs);
}

/**
 * xtcp_mtu_reduced() - RFC 1191: the path MTU learnt from "fragmentation
 * needed" (xtcp_sock.mtu_info) goes into the route; if it is below what
 * the MSS was sized for, the MSS shrinks and everything in flight, too
 * big to arrive, is resent at once (as tcp_v4_mtu_reduced())
 * @sk: the connection, locked and owned (or its spinlock held and not
 *	owned by a process)
 */
void xtcp_mtu_reduced(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct dst_entry *dst;
	u32 mtu, dmtu, old;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	mtu = READ_ONCE(xs->mtu_info);
	dst = inet_csk_update_pmtu(sk, mtu);
	if (!dst)
		return;
	dmtu = dst_mtu(dst);
	/* The connection may not recover: say why if it times out. */
	if (mtu < dmtu && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	if (inet_sk(sk)->pmtudisc == IP_PMTUDISC_DONT ||
	    !ip_sk_accept_pmtu(sk) || xs->pmtu <= dmtu)
		return;
	old = xs->snd_mss;
	xtcp_sync_mss(sk, dmtu);
	if (xs->snd_mss < old)
		atomic_long_inc(&xtcp_sk_net(sk)->pmtu_reduced);
	/*
	 * An MTU probe too big for the path: it alone is resent (resending
	 * makes it inconclusive; mtup_high is down to the path's MTU now).
	 * Else, with the MSS unchanged, the peer's MSS was smaller all along.
	 */
	if (xs->snd_mss < old)
		xtcp_retransmit_all(sk);
	else if (xs->mtup_probe > dmtu)
		xtcp_retransmit_mtu_probe(sk);
}

/* The largest packet the peer's MSS takes: where a search starts from */
static u32 peer_mtu(const struct xtcp_sock *xs)
{
	return xs->peer_mss + sizeof(struct iphdr) + sizeof(struct tcphdr);
}

/**
 * xtcp_mtu_init() - a connection's probing state (Linux's tcp_mtup_init()):
 * on from the start with net.xtcp.mtu_probing 2, segments then no bigger
 * than base_mss; else off until a black hole is suspected
 * @sk: the connection, locked
 */
void xtcp_mtu_init(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->mtup_low = READ_ONCE(xn->base_mss) + sizeof(struct iphdr) +
		       sizeof(struct tcphdr) +
		       (xs->ts_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
	xs->mtup_high = peer_mtu(xs);
	xs->mtup_probe = 0;
	xs->mtup_stamp = jiffies;
	xs->mtup_enabled = READ_ONCE(xn->mtu_probing) > 1;
}

/* The IP and TCP headers of a segment now: IP options, Timestamps */
static u32 seg_hdrs(const struct sock *sk)
{
	return sizeof(struct iphdr) + sizeof(struct tcphdr) +
	       ip_options_len(sk) +
	       (xtcp_sk(sk)->ts_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
}

/*
 * A finished search begins again after probe_interval (ten minutes, as
 * RFC 1191 waits before it tries a larger PMTU), from the MTU in use up
 * to the largest the peer takes, in case the path grew (Linux's
 * tcp_mtu_check_reprobe()).
 */
static void mtu_check_reprobe(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long interval = READ_ONCE(xtcp_sk_net(sk)->probe_interval);

	if (time_before(jiffies, xs->mtup_stamp + interval * HZ))
		return;
	xs->mtup_high = min(peer_mtu(xs), xs->pmtu);
	xs->mtup_stamp = jiffies;
}

/**
 * xtcp_mtu_probe_len() - whether an MTU probe goes now, and how much data
 * it carries (RFC 4821 7.4, 7.5, as Linux's tcp_mtu_probe()): the search
 * is on, no probe is out, nothing is being recovered, the window is big
 * enough to see a probe's loss by the duplicate ACKs of the data behind
 * it (11 segments, as Linux), and no SACK blocks vary our header. The
 * probe is the middle of the range still searched, until that range is
 * narrower than probe_threshold. A probe that the send window or cwnd
 * has no room for yet, with data in flight to make that room, is waited
 * for: no new data goes until it has (Linux's tcp_write_xmit() when
 * tcp_mtu_probe() returns 0), else a sender the receiver's window
 * limits fills each opening and never probes.
 * @sk: the connection, locked
 * @mss: the MSS data segments go with
 *
 * Return: the probe's payload, 0 for none, -EAGAIN to wait for room.
 */
int xtcp_mtu_probe_len(struct sock *sk, u32 mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 hdrs = seg_hdrs(sk), mtu, len, needed;

	/* not in Linux's CA_Disorder either: no loss suspected */
	if (!xs->mtup_enabled || xs->mtup_probe ||
	    xs->cong.state != XTCP_CA_OPEN || xs->cong.dupacks ||
	    xs->cong.sb.n || xs->cong.cwnd < 11 * mss ||
	    !xtcp_ofo_empty(&xs->ofo) || xs->ofo.has_dsack)
		return 0;
	mtu = (xs->mtup_low + xs->mtup_high) / 2;
	if (xs->mtup_high < xs->mtup_low +
			    READ_ONCE(xtcp_sk_net(sk)->probe_threshold) ||
	    mtu <= hdrs + mss || mtu > xs->pmtu) {
		mtu_check_reprobe(sk);
		return 0;
	}
	len = mtu - hdrs;
	/* RFC 4821 7.5: data behind it, DupThresh segments and one more */
	needed = len + (xs->cong.reordering + 1) * mss;
	if (xs->write_seq - xs->snd_nxt < needed || xs->snd_wnd < needed)
		return 0;
	if (xtcp_seq_after(xs->snd_nxt + needed, xs->snd_una + xs->snd_wnd) ||
	    xtcp_cong_pipe(&xs->cong, xs->snd_una, xs->snd_nxt, xs->sack_ok,
			   mss) + len > xs->cong.cwnd)
		return xs->snd_una != xs->snd_nxt ? -EAGAIN : 0;
	return len;
}

/**
 * xtcp_mtu_probe_sent() - a probe of @len bytes from @seq went out
 * @sk: the connection, locked
 * @seq: its first sequence number
 * @len: its payload
 */
void xtcp_mtu_probe_sent(struct sock *sk, u32 seq, u32 len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->mtup_probe = len + seg_hdrs(sk);
	xs->mtup_probe_seq = seq;
	xs->mtup_probe_end = seq + len;
}

/**
 * xtcp_mtu_probe_acked() - RFC 4821 7.6: what an ACK says of the probe in
 * flight. Acknowledged: its MTU passes, and becomes our segments' size
 * (TCPMTUPSuccess). The hole that sends us into recovery: its MTU does
 * not (TCPMTUPFail); the search looks lower, and the loss, not one of
 * congestion, leaves cwnd as it was (Linux's tcp_mtup_probe_success(),
 * tcp_mtup_probe_failed())
 * @sk: the connection, locked, the ACK processed
 * @prior_ca_state: the recovery state before the ACK
 */
void xtcp_mtu_probe_acked(struct sock *sk, u8 prior_ca_state)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->mtup_probe)
		return;
	if (xtcp_seq_after_eq(xs->snd_una, xs->mtup_probe_end)) {
		xs->mtup_low = xs->mtup_probe;
		xs->mtup_probe = 0;
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPMTUPSUCCESS);
		xtcp_sync_mss(sk, xs->pmtu);
	} else if (prior_ca_state == XTCP_CA_OPEN &&
		   xs->cong.state == XTCP_CA_RECOVERY &&
		   xs->snd_una == xs->mtup_probe_seq) {
		xs->mtup_high = min(xs->mtup_probe - 1, xs->pmtu);
		xs->mtup_probe = 0;
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPMTUPFAIL);
		xtcp_cong_on_probe_lost(&xs->cong, xs->snd_una,
					xs->mtup_probe_end, xs->snd_nxt);
	}
}

/**
 * xtcp_mtu_black_hole() - retransmissions keep timing out (R1 passed):
 * perhaps big segments vanish on the path and no ICMP says so (RFC 4821
 * black hole detection, as Linux's tcp_mtu_probing() with mtu_probing 1
 * or 2). The first time, segments shrink to base_mss; each time after, to
 * half of that, down to mtu_probe_floor.
 * @sk: the connection, locked
 */
void xtcp_mtu_black_hole(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 hdrs = sizeof(struct iphdr) + sizeof(struct tcphdr) +
		   (xs->ts_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
	int mss;

	if (!READ_ONCE(xn->mtu_probing))
		return;
	if (!xs->mtup_enabled) {
		xs->mtup_enabled = 1;
		xs->mtup_stamp = jiffies;	/* the search's clock starts */
	} else {
		mss = (xs->mtup_low - hdrs) >> 1;
		mss = min(READ_ONCE(xn->base_mss), mss);
		mss = max(mss, READ_ONCE(xn->mtu_probe_floor));
		xs->mtup_low = mss + hdrs;
	}
	atomic_long_inc(&xn->mtu_black_holes);
	xtcp_sync_mss(sk, xs->pmtu);
}
