// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors about xtcp's segments: taken from the IP layer as its
 * segments are, checked against the connection they quote, and acted on
 * as tcp_v4_err() acts on them for the kernel's TCP.
 *
 * Where an RFC rule lives:
 *   RFC 1122 3.2.2: the errors that name a connection
 *            (unreachable, time exceeded, parameter problem,
 *            source quench)                      xtcp_icmp_rcv
 *   RFC 5927 4.1: the quoted sequence number lies
 *            in SND.UNA..SND.NXT, else ignored   icmp_error
 *   RFC 6633: source quench is ignored           icmp_error
 *   RFC 1191: fragmentation needed lowers the
 *            path MTU and the MSS, and what is in
 *            flight is resent at once            icmp_error ->
 *                                                xtcp_mtu_reduced (pmtu.c)
 *   RFC 9293 3.9.2.2 (MUST-54..56), RFC 1122 4.2.3.9, RFC 5927 4.2:
 *            once synchronized, all are soft
 *            errors, reported at a timeout or
 *            through IP_RECVERR                  icmp_synchronized
 *   Linux: in SYN-SENT any of them ends the
 *            connect() at once                   icmp_opening
 *   Linux (tcp_req_err()): a child in
 *            SYN-RECEIVED is dropped by those
 *            that say the peer is unreachable    icmp_child
 *   RFC 5082: IP_MINTTL                          icmp_error
 *
 * Why here: the kernel hands ICMP quoting protocol 6 to its own TCP
 * (tcp_v4_err()), which finds no socket for xtcp's connections and counts
 * an Icmp InErrors. So xtcp's NF_INET_LOCAL_IN hook (input.c) passes each
 * ICMP packet here first; an error which quotes one of xtcp's connections
 * and passes icmp_rcv()'s checks (checksum, IPsec policy, not broadcast)
 * is taken (NF_STOLEN) and counted in the Icmp MIB as icmp_rcv() counts
 * it. Like xtcp's segments, it then reaches no raw socket. Everything else
 * goes on to the kernel untouched, errors for xtcp's TIME-WAIT records
 * too (nothing is left there to act on them).
 *
 * Not yet: redirects (they reach the kernel's TCP, which finds no socket),
 * and RFC 6069's revert of the RTO backoff on net or host unreachable.
 */
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "seq.h"
#include "xtcp.h"

/* The ICMP types that quote a segment of ours (RFC 1122 3.2.2). */
static bool names_connection(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/* The ICMP checksum covers the message, from its header on. */
static bool icmp_csum_ok(struct sk_buff *skb, unsigned int off)
{
	if (skb_csum_unnecessary(skb))
		return true;
	return !csum_fold(skb_checksum(skb, off, skb->len - off, 0));
}

/* An error before the connection is synchronized ends it (Linux). */
static void icmp_opening(struct sock *sk, struct sk_buff *skb, int err,
			 u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	struct tcphdr *th = (struct tcphdr *)(skb->data + iph->ihl * 4);

	ip_icmp_error(sk, skb, err, th->dest, info, (u8 *)th);
	if (!sock_owned_by_user(sk)) {
		xtcp_icmp_abort(sk, err);
		return;
	}
	/*
	 * The SYN's own error often arrives while connect() still owns the
	 * socket: it is sent and answered within the SYN's transmission.
	 * The kernel's TCP then keeps it as a soft error, and connect()
	 * fails only when the SYN times out again; xtcp ends the connection
	 * as the owner releases the socket, so connect() fails at once
	 * whichever way the race went.
	 */
	WRITE_ONCE(sk->sk_err_soft, err);
	WRITE_ONCE(xtcp_sk(sk)->icmp_err, err);
	if (!test_and_set_bit(XTCP_DEFER_ICMP, &xtcp_sk(sk)->deferred))
		sock_hold(sk);			/* for xtcp_release_cb() */
}

/**
 * xtcp_icmp_deferred() - an error that arrived for a connection being
 * opened while a process owned it ends the connection now
 * @sk: the connection, owned by the process releasing it
 */
void xtcp_icmp_deferred(struct sock *sk)
{
	int err = READ_ONCE(xtcp_sk(sk)->icmp_err);

	if (err && (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		xtcp_icmp_abort(sk, err);
}

/*
 * Once synchronized, every error is soft (as tcp_v4_err()): kept for a
 * timeout to report, or reported now with IP_RECVERR. RFC 1122 4.2.3.9
 * calls protocol and port unreachable hard, but RFC 5927 4.2 advises
 * treating them as soft here: otherwise a blind attacker needs only a
 * sequence number within the flight to reset the connection.
 */
static void icmp_synchronized(struct sock *sk, int err)
{
	if (!sock_owned_by_user(sk) && inet_test_bit(RECVERR, sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
}

/*
 * A child in SYN-RECEIVED is a request to Linux (tcp_req_err()): an error
 * saying the peer cannot be reached drops it silently; others are ignored.
 */
static void icmp_child(struct sock *sk, int type, int code)
{
	if (type == ICMP_PARAMETERPROB || type == ICMP_TIME_EXCEEDED ||
	    (type == ICMP_DEST_UNREACH &&
	     (code == ICMP_NET_UNREACH || code == ICMP_HOST_UNREACH))) {
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_LISTENDROPS);
		xtcp_transition(sk, XTCP_EV_ABORT);
		xtcp_done(sk);
	}
}

/* The -errno an error stands for, 0 if it is to be ignored. */
static int icmp_errno(int type, int code)
{
	switch (type) {
	case ICMP_PARAMETERPROB:
		return -EPROTO;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return 0;
		return -icmp_err_convert[code].errno;
	case ICMP_TIME_EXCEEDED:	/* not reassembly's (icmp_unreach()) */
		return code == ICMP_EXC_FRAGTIME ? 0 : -EHOSTUNREACH;
	}
	return 0;	/* RFC 6633: source quench is ignored */
}

/*
 * The MTU a "fragmentation needed" reports, as icmp_unreach() passes it on
 * under net.ipv4.ip_no_pmtu_disc: 0 with 1, which makes the route's MTU
 * the minimum (ip-sysctl.rst); mode 2's never get here (xtcp_icmp_rcv).
 */
static u32 frag_mtu(struct net *net, const struct icmphdr *icmph)
{
	switch (READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc)) {
	case 0:
	case 3:		/* TCP's own errors are checked (RFC 5927) */
		return ntohs(icmph->un.frag.mtu);
	}
	return 0;
}

/*
 * One error for @sk, which holds its spinlock. @skb's data is at the
 * quoted IP header, its transport header at the ICMP header.
 */
static void icmp_error(struct sock *sk, struct sk_buff *skb)
	__must_hold(&sk->sk_lock.slock)
{
	const struct icmphdr *icmph = icmp_hdr(skb);
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const void *)(skb->data + iph->ihl * 4);
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	int type = icmph->type, code = icmph->code, err;
	u32 seq = ntohl(th->seq);

	/* The lookup was lockless: still the connection quoted, and open? */
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN) ||
	    inet->inet_daddr != iph->daddr || inet->inet_dport != th->dest ||
	    inet->inet_sport != th->source)
		return;
	/* IP_MINTTL (RFC 5082), on the quoted header's TTL: tcp_v4_err()'s */
	if (iph->ttl < READ_ONCE(inet->min_ttl)) {
		XTCP_EXT_INC(net, LINUX_MIB_TCPMINTTLDROP);
		return;
	}
	/* RFC 5927 4.1: a child's SYN-ACK (tcp_req_err()) */
	if (sk->sk_state == TCP_SYN_RECV && xs->parent) {
		if (seq != xs->iss)
			XTCP_EXT_INC(net, LINUX_MIB_OUTOFWINDOWICMPS);
		else
			icmp_child(sk, type, code);
		return;
	}
	if (sock_owned_by_user(sk) &&
	    !(type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED))
		XTCP_EXT_INC(net, LINUX_MIB_LOCKDROPPEDICMPS);
	/* RFC 5927 4.1: only data we sent and is not yet acknowledged */
	if (!xtcp_seq_between(seq, xs->snd_una, xs->snd_nxt)) {
		XTCP_EXT_INC(net, LINUX_MIB_OUTOFWINDOWICMPS);
		return;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		WRITE_ONCE(xs->mtu_info, frag_mtu(net, icmph));
		if (!sock_owned_by_user(sk))
			xtcp_mtu_reduced(sk);
		else if (!test_and_set_bit(XTCP_DEFER_MTU, &xs->deferred))
			sock_hold(sk);		/* for xtcp_release_cb() */
		return;
	}
	err = -icmp_errno(type, code);
	if (!err)
		return;
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		icmp_opening(sk, skb, err, type == ICMP_PARAMETERPROB ?
			     ntohl(icmph->un.gateway) >> 24 : 0);
	else
		icmp_synchronized(sk, err);
}

/**
 * xtcp_icmp_rcv() - an ICMP packet at NF_INET_LOCAL_IN: an error about
 * one of xtcp's connections is taken and acted on
 * @net: its namespace
 * @skb: the packet, data at its IP header
 *
 * Return: NF_STOLEN if it was ours, else NF_ACCEPT.
 */
unsigned int xtcp_icmp_rcv(struct net *net, struct sk_buff *skb)
{
	unsigned int ihl = ip_hdrlen(skb), qihl;
	const struct rtable *rt = skb_rtable(skb);
	const struct icmphdr *icmph;
	const struct iphdr *qiph;
	const struct tcphdr *th;
	struct sock *sk;

	/* the ICMP header, the quoted IP header and 8 bytes of TCP */
	if (!pskb_may_pull(skb, ihl + sizeof(*icmph) + sizeof(*qiph)))
		return NF_ACCEPT;
	icmph = (const struct icmphdr *)(skb->data + ihl);
	qiph = (const struct iphdr *)(icmph + 1);
	qihl = qiph->ihl * 4;
	if (!names_connection(icmph->type) || qiph->protocol != IPPROTO_TCP ||
	    qihl < sizeof(*qiph) ||
	    !pskb_may_pull(skb, ihl + sizeof(*icmph) + qihl + 8))
		return NF_ACCEPT;	/* icmp_rcv() drops what is bad */
	icmph = (const struct icmphdr *)(skb->data + ihl);
	qiph = (const struct iphdr *)(icmph + 1);
	th = (const struct tcphdr *)((const u8 *)qiph + qihl);
	/* What icmp_rcv() and icmp_unreach() would drop, they may drop */
	if ((rt && rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)) ||
	    (icmph->type == ICMP_DEST_UNREACH &&
	     icmph->code == ICMP_FRAG_NEEDED &&
	     READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) == 2))
		return NF_ACCEPT;

	/*
	 * The segment we sent: from us (its source) to the peer. A TIME-WAIT
	 * record has nothing left to act on; the kernel's TCP may have the
	 * 4-tuple itself, so errors for records go on to it.
	 */
	sk = xtcp_lookup_established(net, qiph->daddr, th->dest, qiph->saddr,
				     th->source, inet_iif(skb), inet_sdif(skb));
	if (!sk)
		return NF_ACCEPT;
	/* A bad checksum, or IPsec policy's reverse checks: icmp_rcv()'s */
	if (!icmp_csum_ok(skb, ihl) ||
	    !xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
		sock_put(sk);
		return NF_ACCEPT;
	}

	/* Counted as icmp_rcv() counts what it takes. */
	__ICMP_INC_STATS(net, ICMP_MIB_INMSGS);
	ICMPMSGIN_INC_STATS(net, icmph->type);
	atomic_long_inc(&xtcp_net(net)->icmp_errors);

	/* As icmp_rcv() hands it on: data at the quoted header */
	skb_set_transport_header(skb, ihl);
	__skb_pull(skb, ihl + sizeof(*icmph));
	bh_lock_sock(sk);
	icmp_error(sk, skb);
	bh_unlock_sock(sk);
	sock_put(sk);
	consume_skb(skb);
	return NF_STOLEN;
}

/**
 * xtcp_recv_error() - recvmsg(MSG_ERRQUEUE): the ICMP errors IP_RECVERR
 * queued (icmp_opening()), with the sockaddr_in of the peer and the
 * IP_RECVERR control message naming the router that sent it
 * @sk: the socket
 * @msg: where they go
 * @len: room for the quoted bytes
 * @addr_len: set to the length of msg_name's address
 *
 * This is ip_recv_error(), which inet_recv_error() calls only for sockets
 * whose family is AF_INET and which is not exported: xtcp's queue holds
 * only ICMP errors, so the offender is always known.
 *
 * Return: the bytes copied, or -EAGAIN if the queue is empty.
 */
int xtcp_recv_error(struct sock *sk, struct msghdr *msg, int len,
		    int *addr_len)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, msg->msg_name);
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in offender;
	} errhdr = {};
	struct sock_exterr_skb *serr;
	struct sk_buff *skb;
	int err, copied;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;
	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	sock_recv_timestamp(msg, sk, skb);

	serr = SKB_EXT_ERR(skb);
	if (sin && serr->port) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = *(__be32 *)(skb_network_header(skb) +
						   serr->addr_offset);
		sin->sin_port = serr->port;
		memset(&sin->sin_zero, 0, sizeof(sin->sin_zero));
		*addr_len = sizeof(*sin);
	}
	errhdr.ee = serr->ee;
	if (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP) {
		errhdr.offender.sin_family = AF_INET;
		errhdr.offender.sin_addr.s_addr = ip_hdr(skb)->saddr;
		if (inet_cmsg_flags(inet_sk(sk)))
			ip_cmsg_recv(msg, skb);
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);
	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return copied;
}
