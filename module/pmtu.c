// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU: how big our segments may be on the path to the peer, learnt
 * from ICMP "fragmentation needed" (RFC 1191; the ICMP itself is taken in
 * icmp.c) or, where those never come back, guessed from retransmission
 * timeouts (RFC 4821's black hole detection, net.xtcp.mtu_probing).
 *
 * Where an RFC rule lives:
 *   RFC 1191 3.1: MSS from the path MTU           xtcp_sync_mss
 *   RFC 1191: a lower PMTU, what is in flight
 *            resent at once                       xtcp_mtu_reduced
 *   RFC 4821 (Linux's tcp_mtu_probing()):
 *            black hole detection                 xtcp_mtu_black_hole
 *   RFC 4821 search upward from base_mss          not yet (README)
 *
 * xtcp_sock.pmtu is the MTU snd_mss was sized for; mtup_low, with
 * mtup_enabled, the MTU probing takes to pass (Linux's search_low).
 */
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

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
	if (xs->snd_mss >= old)
		return;		/* the peer's MSS was smaller all along */
	atomic_long_inc(&xtcp_sk_net(sk)->pmtu_reduced);
	xtcp_retransmit_all(sk);
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
	xs->mtup_enabled = READ_ONCE(xn->mtu_probing) > 1;
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
	} else {
		mss = (xs->mtup_low - hdrs) >> 1;
		mss = min(READ_ONCE(xn->base_mss), mss);
		mss = max(mss, READ_ONCE(xn->mtu_probe_floor));
		xs->mtup_low = mss + hdrs;
	}
	atomic_long_inc(&xn->mtu_black_holes);
	xtcp_sync_mss(sk, xs->pmtu);
}
