// SPDX-License-Identifier: GPL-2.0
/*
 * Segment construction and transmission: the TCP header, the checksum,
 * and handing segments to the IP layer (the window it carries: rwnd.c).
 *
 * Every transmission builds a fresh skb whose fragments point at the send
 * queue's pages, so a first transmission and a retransmission of any range
 * are the same operation, and no skb on the queue is ever handed to the
 * IP layer. New data goes in GSO skbs of several segments (tso_segs()).
 */
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "options.h"
#include "seq.h"
#include "trace.h"
#include "xtcp.h"

/* The MSS an MTU carries: less the IPv4 and TCP headers. */
static u16 mtu_mss(u32 mtu)
{
	return clamp_t(u32, mtu, 576, 65535) - sizeof(struct iphdr) -
	       sizeof(struct tcphdr);
}

/**
 * xtcp_route_mss() - the MSS we can receive: route MTU minus the IPv4 and
 * TCP headers (RFC 9293 3.7.1, RFC 9293 MUST-14), at most TCP_MAXSEG
 * @sk: a socket with a cached route, or none (then 536, MUST-15)
 */
u16 xtcp_route_mss(struct sock *sk)
{
	struct dst_entry *dst = __sk_dst_get(sk);
	u16 mss = mtu_mss(dst ? dst_mtu(dst) : 576);
	u16 user = READ_ONCE(xtcp_sk(sk)->user_mss);

	return user ? min(mss, user) : mss;
}

static struct sk_buff *alloc_segment(struct sock *sk, unsigned int payload)
{
	struct sk_buff *skb = alloc_skb(MAX_TCP_HEADER + payload, GFP_ATOMIC);

	if (skb)
		skb_reserve(skb, MAX_TCP_HEADER);
	return skb;
}

/*
 * The options of a segment of @sk with @flags into @opts: the SYN's
 * offer, or after the handshake Timestamps and, on an ACK, our SACK
 * blocks (RFC 2018 4: "SHOULD be included in all ACKs which do not ACK
 * the highest sequence number in the data receiver's queue"), a D-SACK
 * block first if text arrived twice (RFC 2883 4).
 */
static unsigned int build_options(struct sock *sk, u8 flags, u8 *opts)
{
	struct xtcp_sack_block sacks[XTCP_MAX_SACK_BLOCKS];
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_syn_options so;
	unsigned int nsacks = 0;

	if (flags & XTCP_SYN) {
		so.mss = xs->rcv_mss;
		so.wscale = xs->ws_ok ? xs->rcv_wscale : -1;
		so.sack_ok = xs->sack_ok;
		so.tstamp = xs->ts_ok;
		so.tsval = xtcp_ts_now(xs);
		/* RFC 7323 3.2: TSecr of a SYN is 0; a SYN-ACK echoes */
		so.tsecr = (flags & XTCP_ACK) ? xs->ts_recent : 0;
		return xtcp_write_syn_options(opts, &so);
	}
	if (flags & XTCP_RST)
		return 0;
	if (xs->sack_ok && (flags & XTCP_ACK))
		nsacks = xtcp_ofo_sack_blocks(&xs->ofo,
					      READ_ONCE(xtcp_sk_net(sk)->dsack),
					      sacks);
	return xtcp_write_options(opts, xs->ts_ok, xtcp_ts_now(xs),
				  xs->ts_recent, sacks, nsacks);
}

/*
 * Push the TCP header and @optlen bytes of @opts onto @skb (which holds
 * the payload) and send it on @sk's route. ACK segments carry RCV.NXT and
 * a fresh window.
 */
static int transmit(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags,
		    const u8 *opts, unsigned int optlen)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	unsigned int len = skb->len;
	struct tcphdr *th;
	u32 win, segs;
	int err;

	th = skb_push(skb, sizeof(*th) + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(seq);
	th->doff = (sizeof(*th) + optlen) / 4;
	((u8 *)th)[13] = flags;
	if (flags & XTCP_ACK) {
		th->ack_seq = htonl(xs->rcv_nxt);
		xtcp_timer_event_ack_sent(sk);
	}
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	win = xtcp_select_window(sk, flags & XTCP_SYN);
	if (!(flags & XTCP_SYN) && xs->ws_ok)
		win >>= xs->rcv_wscale;
	th->window = htons(win);
	if (!(flags & XTCP_SYN)) {
		th->urg_ptr = htons(xtcp_urg_ptr(xs, seq));
		th->urg = !!th->urg_ptr;
	}
	if (optlen)
		memcpy(th + 1, opts, optlen);

	/* The device or the stack completes the checksum (loopback, veth). */
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
	th->check = ~tcp_v4_check(skb->len, inet->inet_saddr,
				  inet->inet_daddr, 0);

	skb->protocol = htons(ETH_P_IP);
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
	skb_set_owner_w(skb, sk);

	trace_xtcp_segment(sk, sk->sk_state, true, inet->inet_saddr,
			   inet->inet_daddr, th, len, xs->rcv_wscale);
	/* A GSO skb counts as the segments it is cut into (tcp_skb_pcount) */
	segs = skb_shinfo(skb)->gso_segs ?: 1;
	xs->counts.segs_out += segs;
	/* As __tcp_transmit_skb(): what is resent counts in RetransSegs */
	if (flags & XTCP_SYN ? !xs->syn_rtx :
	    (!len && !(flags & XTCP_FIN)) ||
	    xtcp_seq_after(seq + len + !!(flags & XTCP_FIN), xs->snd_nxt))
		XTCP_ADD_STATS(sock_net(sk), TCP_MIB_OUTSEGS, segs);
	if (flags & XTCP_RST)
		XTCP_INC_STATS(sock_net(sk), TCP_MIB_OUTRSTS);
	if (len) {
		xs->counts.data_segs_out += segs;
		xs->counts.bytes_sent += len;
	}
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

/* A segment without payload: SYN, SYN-ACK, ACK, FIN or RST. */
static int send_control(struct sock *sk, u32 seq, u8 flags)
{
	u8 opts[XTCP_MAX_OPTIONS_LEN];
	unsigned int optlen = build_options(sk, flags, opts);
	struct sk_buff *skb = alloc_segment(sk, 0);

	if (!skb)
		return -ENOBUFS;
	return transmit(sk, skb, seq, flags, opts, optlen);
}

/**
 * xtcp_send_syn() - send our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED),
 * carrying the MSS option (MUST-14) and the options we offer or accept;
 * first send and retransmission alike
 * @sk: the connection, locked
 */
int xtcp_send_syn(struct sock *sk)
{
	u8 flags = XTCP_SYN;

	if (sk->sk_state == TCP_SYN_RECV)
		flags |= XTCP_ACK;
	return send_control(sk, xtcp_sk(sk)->iss, flags);
}

/**
 * xtcp_send_ack() - <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
 * @sk: the connection, locked
 */
int xtcp_send_ack(struct sock *sk)
{
	return send_control(sk, xtcp_sk(sk)->snd_nxt, XTCP_ACK);
}

/**
 * xtcp_send_keepalive() - a keepalive probe: <SEQ=SND.UNA-1><CTL=ACK>, an
 * old sequence number the peer must answer with an ACK (RFC 9293 3.8.4,
 * MAY-5: no data)
 * @sk: the connection, locked
 */
int xtcp_send_keepalive(struct sock *sk)
{
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPKEEPALIVE);
	return send_control(sk, xtcp_sk(sk)->snd_una - 1, XTCP_ACK);
}

/**
 * xtcp_send_rst() - reset our own connection: <SEQ=SND.NXT><CTL=RST,ACK>
 * (RFC 9293 3.10.4 ABORT, 3.10.7.4 "user timeout")
 * @sk: the connection, locked; synchronized, or SYN-RECEIVED
 */
void xtcp_send_rst(struct sock *sk)
{
	send_control(sk, xtcp_sk(sk)->snd_nxt, XTCP_RST | XTCP_ACK);
}

/*
 * The end of the record @seq is in (MSG_EOR), or of the queue: one
 * segment never carries the end of one record and the start of the next.
 */
static u32 record_end(struct sock *sk, u32 seq)
{
	struct sk_buff *skb;

	if (!xtcp_sk(sk)->eor_queued)
		return xtcp_sk(sk)->write_seq;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		u32 end = XTCP_SKB_CB(skb)->seq + skb->len;

		if (XTCP_SKB_CB(skb)->eor && xtcp_seq_after(end, seq))
			return end;
	}
	return xtcp_sk(sk)->write_seq;
}

/**
 * xtcp_push_ends_prune() - forget the push ends no longer in flight, in
 * (SND.UNA, SND.NXT]; on each ACK that moves SND.UNA, so that none is
 * left to seem in flight again once the sequence space wraps
 * @xs: the connection, locked
 */
void xtcp_push_ends_prune(struct xtcp_sock *xs)
{
	u8 i, n = 0;

	for (i = 0; i < xs->push_ends; i++)
		if (xtcp_seq_after(xs->push_end[i], xs->snd_una) &&
		    xtcp_seq_before_eq(xs->push_end[i], xs->snd_nxt))
			xs->push_end[n++] = xs->push_end[i];
	xs->push_ends = n;
}

/* A pushed segment of new data ended at @end: remember it, room left. */
static void push_end_note(struct xtcp_sock *xs, u32 end)
{
	xtcp_push_ends_prune(xs);
	if (xs->push_ends < XTCP_PUSH_ENDS)
		xs->push_end[xs->push_ends++] = end;
}

/*
 * Where a retransmission from @seq of at most @room bytes ends, if a
 * pushed segment ended within its reach: at the last such end, in *@end.
 * Linux resends a segment as it sent it, with the whole ones after it
 * that fit in one MSS (tcp_retrans_try_collapse()), their PSH kept;
 * xtcp's queue keeps bytes, and these ends (the first XTCP_PUSH_ENDS in
 * flight) give the same cut. False: none, the MSS decides.
 */
static bool push_end_within(const struct xtcp_sock *xs, u32 seq, u32 room,
			    u32 *end)
{
	bool found = false;
	u8 i;

	for (i = 0; i < xs->push_ends; i++) {
		if (xtcp_seq_after(xs->push_end[i], seq + room))
			break;
		if (xtcp_seq_after(xs->push_end[i], seq)) {
			*end = xs->push_end[i];
			found = true;
		}
	}
	return found;
}

/* Copy [seq, seq + len) of the send queue into @to; -EINVAL if short. */
static int copy_from_queue(struct sock *sk, u32 seq, unsigned int len, u8 *to)
{
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		u32 start = XTCP_SKB_CB(skb)->seq;
		u32 off, n;

		if (!len)
			break;
		if (xtcp_seq_before_eq(start + skb->len, seq))
			continue;
		off = seq - start;
		n = min_t(u32, len, skb->len - off);
		skb_copy_bits(skb, off, to, n);
		to += n;
		seq += n;
		len -= n;
	}
	return WARN_ON_ONCE(len) ? -EINVAL : 0;
}

/*
 * Point @skb's fragments at [seq, seq + len) of the send queue's pages,
 * a reference on each (as skb_split() shares them): no copy. The pages
 * are never written again (sk_page_frag_refill() reuses only a page no
 * one else holds). Marked shared: whoever would write into the payload
 * on the way (skb_checksum_help(), which xfrm_output() runs before ESP
 * encrypts in place) linearizes it first. -EMSGSIZE if the range is not
 * all in fragments or takes more than MAX_SKB_FRAGS; -EINVAL if the
 * queue does not hold it.
 */
static int share_queue_frags(struct sock *sk, struct sk_buff *skb, u32 seq,
			     u32 len)
{
	struct sk_buff *q;

	skb_queue_walk(&sk->sk_write_queue, q) {
		u32 off = seq - XTCP_SKB_CB(q)->seq;
		int i;

		if (!len)
			break;
		if (xtcp_seq_before_eq(XTCP_SKB_CB(q)->seq + q->len, seq))
			continue;
		if (skb_headlen(q))
			return -EMSGSIZE;
		for (i = 0; i < skb_shinfo(q)->nr_frags && len; i++) {
			const skb_frag_t *f = &skb_shinfo(q)->frags[i];
			int j = skb_shinfo(skb)->nr_frags;
			u32 n, size = skb_frag_size(f);

			if (off >= size) {
				off -= size;
				continue;
			}
			n = min(len, size - off);
			if (skb_can_coalesce(skb, j, skb_frag_page(f),
					     skb_frag_off(f) + off)) {
				skb_frag_size_add(&skb_shinfo(skb)->frags[j - 1],
						  n);
			} else if (j < MAX_SKB_FRAGS) {
				skb_fill_page_desc(skb, j, skb_frag_page(f),
						   skb_frag_off(f) + off, n);
				skb_frag_ref(skb, j);
			} else {
				return -EMSGSIZE;
			}
			skb_len_add(skb, n);
			seq += n;
			len -= n;
			off = 0;
		}
	}
	if (WARN_ON_ONCE(len))
		return -EINVAL;
	if (skb_shinfo(skb)->nr_frags)
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
	return 0;
}

/*
 * A copy of [seq, seq + len) in an skb of its own: linear if it is
 * small, else in pages allocated for it (alloc_skb_with_frags()).
 */
static struct sk_buff *copied_skb(struct sock *sk, u32 seq, u32 len)
{
	struct sk_buff *skb;
	int err, i;

	/* linear only while small: loopback's room is a 64 KB segment */
	if (len <= SKB_WITH_OVERHEAD(PAGE_SIZE) - MAX_TCP_HEADER) {
		skb = alloc_segment(sk, len);
		if (skb && copy_from_queue(sk, seq, len, skb_put(skb, len)))
			goto fail;
		return skb;
	}
	skb = alloc_skb_with_frags(MAX_TCP_HEADER, len, PAGE_ALLOC_COSTLY_ORDER,
				   &err, GFP_ATOMIC | __GFP_NOWARN);
	if (!skb)
		return NULL;
	skb_reserve(skb, MAX_TCP_HEADER);
	skb->data_len = len;
	skb->len = len;
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		if (copy_from_queue(sk, seq, skb_frag_size(f),
				    skb_frag_address(f)))
			goto fail;
		seq += skb_frag_size(f);
	}
	return skb;
fail:
	kfree_skb(skb);
	return NULL;
}

/*
 * An skb carrying @data bytes from @seq in segments of at most @room
 * bytes, its payload the send queue's own pages where it can (else a
 * copy): one segment, or for more a GSO skb that the device or the stack
 * (tcp4_gso_segment()) cuts into segments of @room, each with our header
 * and options, FIN and PSH on the last only, as Linux's TSO.
 */
static struct sk_buff *data_skb(struct sock *sk, u32 seq, u32 data, u32 room)
{
	struct sk_buff *skb = alloc_segment(sk, 0);
	int err;

	if (!skb)
		return NULL;
	err = share_queue_frags(sk, skb, seq, data);
	if (err) {
		consume_skb(skb);	/* what was shared goes with it */
		skb = err == -EMSGSIZE ? copied_skb(sk, seq, data) : NULL;
		if (!skb)
			return NULL;
	}
	if (data > room) {
		skb_shinfo(skb)->gso_type = sk->sk_gso_type;
		skb_shinfo(skb)->gso_size = room;
		skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(data, room);
	}
	return skb;
}

/**
 * send_sized() - send sequence space [@seq, @seq + @len): queued data, and
 * our FIN if the range covers it (it follows the last byte, write_seq)
 * @sk: the connection, locked
 * @seq: first sequence number
 * @len: sequence numbers wanted; fewer go if the options leave less room
 *	 than @size, never more
 * @fin: the FIN goes with it if the range reaches it
 * @size: the most a segment carries after its fixed TCP header, options
 *	  and data together (the MSS; more for an MTU probe)
 * @segs: the most segments of @size to send as one GSO skb; with more
 *	  than one only whole ones go
 *
 * Return: sequence numbers sent (data, plus one for a FIN), or -errno.
 */
static int send_sized(struct sock *sk, u32 seq, u32 len, bool fin, u32 size,
		      u32 segs)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u8 opts[XTCP_MAX_OPTIONS_LEN];
	unsigned int optlen = build_options(sk, XTCP_ACK, opts);
	u32 data = 0, room = size - optlen, end = xs->write_seq;
	struct sk_buff *skb;
	u8 flags = XTCP_ACK;
	int err;

	if (xtcp_seq_before(seq, xs->write_seq)) {
		u32 pushed;

		end = record_end(sk, seq);
		/* a resend ends where a pushed segment did */
		if (xtcp_seq_before(seq, xs->snd_nxt) &&
		    push_end_within(xs, seq, room, &pushed) &&
		    xtcp_seq_before(pushed, end))
			end = pushed;
		data = min3(len, end - seq, room * segs);
		if (data > room)
			data = rounddown(data, room);
	}
	fin = fin && xs->fin_queued && xtcp_seq_after(seq + len, xs->write_seq) &&
	      seq + data == xs->write_seq;
	if (!data && !fin)
		return 0;
	skb = data_skb(sk, seq, data, room);
	if (!skb)
		return -ENOBUFS;
	/* the end of a write or record, or a resent pushed segment's */
	if (data && seq + data == end)
		flags |= XTCP_PSH;
	if (fin)
		flags |= XTCP_FIN;
	err = transmit(sk, skb, seq, flags, opts, optlen);
	if (err)
		return err;
	xs->last_send = ktime_get();
	if (seq == xs->snd_nxt) {	/* new: where its last segment starts */
		xs->last_seg = seq + (data > room ? data - room : 0);
		if (flags & XTCP_PSH)
			push_end_note(xs, seq + data);
	}
	return data + fin;
}

/* send_sized() for a segment of at most the MSS */
static int send_range(struct sock *sk, u32 seq, u32 len, bool fin)
{
	return send_sized(sk, seq, len, fin, xtcp_sk(sk)->snd_mss, 1);
}

/* FIN is sent once the application closed and all data went out. */
static bool fin_due(const struct xtcp_sock *xs)
{
	return xs->fin_queued && xs->snd_nxt == xs->write_seq;
}

/*
 * A segment of @n sequence numbers from @seq went out again. An MTU probe
 * in flight then tells nothing (RFC 4821 7.6.4: inconclusive). RFC 4821
 * 7.6.3 takes a probe's timeout as its failure; like Linux's
 * __tcp_retransmit_skb(), xtcp takes any resending as inconclusive.
 */
static void count_retrans(struct xtcp_sock *xs, u32 seq, u32 n)
{
	xs->mtup_probe = 0;
	XTCP_INC_STATS(sock_net(&xs->inet.sk), TCP_MIB_RETRANSSEGS);
	xs->counts.total_retrans++;
	if (xtcp_seq_before(seq, xs->write_seq))
		xs->counts.bytes_retrans += min(n, xs->write_seq - seq);
}

/*
 * Resend what the loss recovery takes as lost, while the pipe lets it
 * (RFC 6675 5 step (C), NextSeg rule 1), and the first of a recovery in
 * any case (step 4.3). Return whether anything went.
 */
static bool send_lost(struct sock *sk, u32 mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool sent = false;
	u32 seq, len;
	int n;

	while (xtcp_cong_may_resend(&xs->cong,
				    xtcp_cong_pipe(&xs->cong, xs->snd_una,
						   xs->snd_nxt, xs->sack_ok,
						   mss), mss) &&
	       xtcp_cong_next_rtx(&xs->cong, xs->snd_una, mss, &seq, &len)) {
		u32 tsval = xtcp_ts_now(xs);	/* at most the one it carries */

		n = send_range(sk, seq, len, true);
		if (n <= 0)
			break;
		count_retrans(xs, seq, n);
		xtcp_cong_rtx_sent(&xs->cong, seq + n, tsval);
		/* Karn: an ACK may now answer either copy (RFC 6298 3) */
		xtcp_rtt_retransmitted(&xs->rtt);
		sent = true;
	}
	return sent;
}

/* How a push treats a segment shorter than the MSS. */
enum push_how {
	PUSH_NAGLE,	/* Nagle and TCP_CORK decide */
	PUSH_FORCED,	/* the sender's SWS override: send it */
	PUSH_MORE,	/* MSG_MORE: the tail waits, as under TCP_CORK */
};

/*
 * How much new data may go now, 0 for none: the peer's window (RFC 9293
 * 3.8.6.2.1) and the congestion window (RFC 5681 3.1) both bound it, and
 * a segment shorter than the MSS waits (sender SWS avoidance, MUST-38;
 * Nagle, RFC 9293 3.7.4 SHLD-7) unless it is the end of what is queued
 * and no short segment sent before is unacknowledged (Minshall's change,
 * as Linux), or TCP_NODELAY; TCP_CORK and MSG_MORE hold it back even
 * then. A FIN to follow sends the tail at once.
 */
static u32 new_data_len(struct sock *sk, u32 mss, u32 segs,
			enum push_how how)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 wnd_end = xs->snd_una + xs->snd_wnd;
	u32 queued = xs->write_seq - xs->snd_nxt;
	u32 pipe, room, len, end;

	if (!queued || !xtcp_seq_before(xs->snd_nxt, wnd_end))
		return 0;
	/* A record that ends before the tail goes as if pushed (as
	 * tcp_write_xmit() pushes every skb but the last): only the last
	 * waits for Nagle, TCP_CORK or MSG_MORE.
	 */
	end = record_end(sk, xs->snd_nxt);
	queued = end - xs->snd_nxt;
	pipe = xtcp_cong_pipe(&xs->cong, xs->snd_una, xs->snd_nxt, xs->sack_ok,
			      mss);
	if (pipe >= xs->cong.cwnd)
		return 0;
	room = min(wnd_end - xs->snd_nxt, xs->cong.cwnd - pipe);
	len = min3(queued, mss * segs, room);
	if (len >= mss || how == PUSH_FORCED)
		return len;
	if (len < queued) {
		/* The window or cwnd cuts it short: MUST-38 (3) allows it
		 * once it is half the largest window the peer offered.
		 */
		return len == wnd_end - xs->snd_nxt && len >= xs->max_snd_wnd / 2 ?
		       len : 0;
	}
	/* The tail of a record or of the queue (pushed: every send is) */
	if (end != xs->write_seq || xs->fin_queued || xs->push_pending)
		return len;
	/* Urgent mode: no Nagle, not even TCP_CORK (tcp_nagle_test()) */
	if (xs->urg_mode)
		return len;
	if (xs->cork || how == PUSH_MORE)
		return 0;
	/* Nagle with Minshall's change, as Linux (tcp_minshall_check()):
	 * wait only while a short segment sent before is unacknowledged
	 */
	return xs->nodelay || !xtcp_seq_after(xs->snd_sml, xs->snd_una) ||
	       xtcp_seq_after(xs->snd_sml, xs->snd_nxt) ? len : 0;
}

/* Linux's defaults: sk_pacing_shift (a 1/1024 s burst), tcp_tso_rtt_log
 * (512 us units)
 */
#define XTCP_PACING_SHIFT	10
#define XTCP_TSO_RTT_LOG	9

/*
 * Segments of @mss per GSO skb, as tcp_tso_autosize(): what Linux would
 * pace in about 1 ms (cwnd per smoothed RTT, by the slow-start or the
 * avoidance ratio: tcp_update_pacing_rate()), plus on short paths the
 * GSO limit >> (min RTT / 512 us), at least 2, within the route's limits
 * (sk_setup_caps(): sk_gso_max_size is below loopback's 64 KB MSS, so
 * there it is 1). One without GSO, and in urgent mode:
 * tcp4_gso_segment() would copy one urgent pointer to all. The min RTT
 * is the connection's lowest, where Linux keeps a windowed one.
 */
static u32 tso_segs(struct sock *sk, u32 mss)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 max_size = READ_ONCE(sk->sk_gso_max_size), r;
	u64 bytes = max_size;

	if (!sk_can_gso(sk) || xs->urg_mode)
		return 1;
	if (xs->rtt.srtt_us) {
		bytes = xtcp_pacing_rate(xs) >> XTCP_PACING_SHIFT;
		r = xs->rtt.min_us >> XTCP_TSO_RTT_LOG;
		if (r < 32)
			bytes += max_size >> r;
	}
	bytes = min_t(u64, bytes, max_size);
	return min3(max_t(u32, div_u64(bytes, mss), 2), max(max_size / mss, 1U),
		    max_t(u32, READ_ONCE(sk->sk_gso_max_segs), 1));
}

/* Send new data while new_data_len() allows; return whether any went. */
static bool send_new(struct sock *sk, u32 mss, enum push_how how)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 len, segs = tso_segs(sk, mss);
	bool sent = false;
	int n;

	while ((len = new_data_len(sk, mss, segs, how))) {
		/* The FIN rides on the last segment when it is due. */
		n = send_sized(sk, xs->snd_nxt,
			       len + (xs->fin_queued &&
				      xs->snd_nxt + len == xs->write_seq), true,
			       xs->snd_mss, segs);
		if (n <= 0)
			break;
		WRITE_ONCE(xs->snd_nxt, xs->snd_nxt + n);
		/* what went short of a full segment (tcp_minshall_update()) */
		if (xs->snd_nxt - xs->last_seg - xtcp_fin_sent(xs) < mss)
			xs->snd_sml = xs->snd_nxt;
		sent = true;
		if (how == PUSH_FORCED)
			how = PUSH_NAGLE;	/* one short segment at most */
	}
	if (sent) {
		xtcp_chrono_start(sk, XTCP_CHRONO_BUSY);
		xtcp_rate_app_limited(sk);
	}
	/* the peer's window, not cwnd or the application, holds data back */
	if (xtcp_seq_before(xs->snd_nxt, xs->write_seq) &&
	    xtcp_seq_after(xs->snd_nxt + min(mss, xs->write_seq - xs->snd_nxt),
			   xs->snd_una + xs->snd_wnd))
		xtcp_chrono_start(sk, XTCP_CHRONO_RWND);
	else
		xtcp_chrono_stop(sk, XTCP_CHRONO_RWND);
	return sent;
}

/*
 * New data just went, it was all the application wrote, cwnd has room
 * for more, and the writer waits for buffer space: the send buffer, not
 * the path, holds the connection back (Linux's tcp_cwnd_validate()). The
 * clock stops when space frees (xtcp_write_space()).
 */
static void sndbuf_starves(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->snd_nxt == xs->write_seq &&
	    !xtcp_cong_in_use(&xs->cong) && sk->sk_socket &&
	    test_bit(SOCK_NOSPACE, &sk->sk_socket->flags) &&
	    (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		xtcp_chrono_start(sk, XTCP_CHRONO_SNDBUF);
}

/* RFC 5681 4.1: sending after an idle spell longer than the RTO */
static void restart_after_idle(struct sock *sk, u32 mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->snd_una == xs->snd_nxt && xs->rtt.rto_ms &&
	    xtcp_seq_before(xs->snd_nxt, xs->write_seq) &&
	    ktime_ms_delta(ktime_get(), xs->last_send) > xs->rtt.rto_ms)
		xtcp_cong_restart(&xs->cong, mss);
}

/*
 * RFC 4821 7.5: one segment bigger than the rest tries an MTU the search
 * has not settled (pmtu.c), ahead of the data that will tell its loss,
 * also with nothing in flight (as Linux: a receiver that acknowledges
 * all at once would otherwise leave no moment for one). Probes go only
 * without SACK blocks (xtcp_mtu_probe_len()), so Timestamps are all
 * their options.
 *
 * Return: 1 if a probe went, 0 if none, -EAGAIN if one waits for room
 * and no new data may go meanwhile.
 */
static int send_mtu_probe(struct sock *sk, u32 mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 seq = xs->snd_nxt;
	int len, n;

	if (!xtcp_seq_before(seq, xs->write_seq))
		return 0;
	len = xtcp_mtu_probe_len(sk, mss);
	/* within one record: its end is pushed as a segment's end */
	if (len <= 0 || record_end(sk, seq) - seq < len)
		return min(len, 0);
	n = send_sized(sk, seq, len, false,
		       len + (xs->ts_ok ? TCPOLEN_TSTAMP_ALIGNED : 0), 1);
	if (n <= 0)
		return 0;
	xtcp_mtu_probe_sent(sk, seq, n);
	WRITE_ONCE(xs->snd_nxt, seq + n);
	return 1;
}

static void do_push(struct sock *sk, enum push_how how)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool sent = false, fresh, full, idle;
	struct dst_entry *dst;
	int probe = 0;
	u32 mss, pipe;

	if (!xtcp_can_send_data(sk))
		return;
	idle = xs->snd_una == xs->snd_nxt;
	/*
	 * The route's MTU moved since the MSS was sized (a path MTU another
	 * socket learnt, or one that expired): follow it (tcp_current_mss())
	 */
	dst = __sk_dst_get(sk);
	if (dst && xs->pmtu && dst_mtu(dst) != xs->pmtu)
		xtcp_sync_mss(sk, dst_mtu(dst));
	mss = xtcp_send_mss(xs);
	restart_after_idle(sk, mss);
	if (xs->cong.state != XTCP_CA_OPEN)
		sent = send_lost(sk, mss);
	else
		probe = send_mtu_probe(sk, mss);
	fresh = probe > 0;
	if (probe >= 0)
		fresh |= send_new(sk, mss, how);
	sent |= fresh;
	/* A FIN takes no window: the receiver accepts it at RCV.NXT. */
	if (fin_due(xs) && send_range(sk, xs->snd_nxt, 1, true) == 1) {
		WRITE_ONCE(xs->snd_nxt, xs->snd_nxt + 1);
		sent = true;
	}
	/* cwnd validation (cong.c): only when something went or waits, as
	 * tcp_write_xmit() runs only then
	 */
	if (sent || xtcp_seq_before(xs->snd_nxt, xs->write_seq)) {
		pipe = xtcp_cong_pipe(&xs->cong, xs->snd_una, xs->snd_nxt,
				      xs->sack_ok, mss);
		full = xtcp_cong_full(&xs->cong, pipe, mss);
		if (sent || full)
			xtcp_cong_sent(&xs->cong, xs->snd_una, xs->snd_nxt,
				       full);
		if (fresh)
			sndbuf_starves(sk);
	}
	if (sent)
		xtcp_timer_event_sent(sk, idle);
	else if (xs->snd_una == xs->snd_nxt &&
		 xtcp_seq_before(xs->snd_nxt, xs->write_seq))
		xtcp_timer_event_window_closed(sk);
}

/**
 * xtcp_push() - send what loss recovery resends, then what the windows
 * allow of the queued data, then our FIN if the application closed (RFC
 * 9293 3.10.2 SEND, 3.10.4 CLOSE: "queue this until all preceding SENDs
 * have been segmentized")
 * @sk: the connection, locked
 */
void xtcp_push(struct sock *sk)
{
	do_push(sk, PUSH_NAGLE);
}

/**
 * xtcp_push_more() - xtcp_push() for a sendmsg() with MSG_MORE: a short
 * tail waits for more, as under TCP_CORK, for this push only
 * @sk: the connection, locked
 */
void xtcp_push_more(struct sock *sk)
{
	do_push(sk, PUSH_MORE);
}

/**
 * xtcp_push_forced() - the sender's SWS override timeout (RFC 9293
 * 3.8.6.2.1 MUST-38 (4)): nothing in flight, the window open but small:
 * send what fits, however short
 * @sk: the connection, locked
 */
void xtcp_push_forced(struct sock *sk)
{
	do_push(sk, PUSH_FORCED);
}

/**
 * xtcp_fin_sent() - whether our FIN has been sent (it occupies write_seq)
 * @xs: the connection
 */
bool xtcp_fin_sent(const struct xtcp_sock *xs)
{
	return xs->fin_queued && xs->snd_nxt == xs->write_seq + 1;
}

/**
 * xtcp_retransmit_head() - resend the oldest unacknowledged segment
 * (RFC 6298 5.4): SYN, SYN-ACK, or what loss recovery resends first
 * after a timeout (data, FIN)
 * @sk: the connection, locked
 *
 * Return: 0 or -errno.
 */
int xtcp_retransmit_head(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 mss = xtcp_send_mss(xs), seq, len, tsval;
	int n;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		xs->syn_rtx = 1;
		n = xtcp_send_syn(sk);
		if (!n) {
			XTCP_INC_STATS(sock_net(sk), TCP_MIB_RETRANSSEGS);
			xs->counts.total_retrans++;
		}
		return n;
	}
	if (!xtcp_cong_next_rtx(&xs->cong, xs->snd_una, mss, &seq, &len))
		return 0;
	tsval = xtcp_ts_now(xs);
	n = send_range(sk, seq, len, true);
	if (n > 0) {
		count_retrans(xs, seq, n);
		xtcp_cong_rtx_sent(&xs->cong, seq + n, tsval);
	}
	return n < 0 ? n : 0;
}

/**
 * xtcp_retransmit_all() - the path MTU fell below our segments (RFC
 * 1191): all in flight is lost, not to congestion; resend it now at the
 * new MSS (Linux's tcp_simple_retransmit())
 * @sk: the connection, locked
 */
void xtcp_retransmit_all(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_can_send_data(sk) || xs->snd_una == xs->snd_nxt)
		return;
	xtcp_cong_on_mtu_loss(&xs->cong, xs->snd_una, xs->snd_nxt);
	xs->tlp_out = 0;	/* a loss to the path MTU ends a probe's episode */
	xtcp_push(sk);
}

/**
 * xtcp_retransmit_mtu_probe() - an MTU probe was too big for the path
 * (RFC 1191 "fragmentation needed", the MSS unchanged): resend the probe
 * alone now, in segments that fit (Linux's tcp_simple_retransmit())
 * @sk: the connection, locked
 */
void xtcp_retransmit_mtu_probe(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_can_send_data(sk) ||
	    !xtcp_seq_after(xs->mtup_probe_end, xs->snd_una))
		return;
	xtcp_cong_on_probe_too_big(&xs->cong, xs->snd_una, xs->mtup_probe_seq,
				   xs->mtup_probe_end, xs->snd_nxt);
	xs->tlp_out = 0;
	xtcp_push(sk);
}

/*
 * A loss probe of new data: one segment, if the peer's window takes all
 * of it (tcp_snd_wnd_test()); cwnd, Nagle and TCP_CORK do not hold it
 * (tcp_write_xmit() with TCP_NAGLE_OFF and push_one 2). Its length, or 0.
 */
static u32 probe_new_len(struct sock *sk, u32 mss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 len;

	if (!xtcp_seq_before(xs->snd_nxt, xs->write_seq))
		return 0;
	len = min(record_end(sk, xs->snd_nxt) - xs->snd_nxt, mss);
	return xtcp_seq_after(xs->snd_nxt + len, xs->snd_una + xs->snd_wnd) ?
	       0 : len;
}

/*
 * Where the last segment sent begins (RFC 8985 7.3: the highest-sequence
 * segment; Linux's the last MSS of its last skb): as it went, if it
 * still fits one segment with the options it would carry now (SACK
 * blocks among them); else what fits, ending at SND.NXT, within the
 * record that ends the flight.
 */
static u32 last_segment(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool dsack = xs->ofo.has_dsack;	/* measuring sends no D-SACK */
	u8 opts[XTCP_MAX_OPTIONS_LEN];
	u32 room = xs->snd_mss - build_options(sk, XTCP_ACK, opts);
	u32 end = xtcp_seq_min(xs->snd_nxt, xs->write_seq);
	u32 seq = end - min(room, end - xs->snd_una);	/* a FIN rides on */

	xs->ofo.has_dsack = dsack;
	if (xtcp_seq_after_eq(xs->last_seg, seq) &&
	    xtcp_seq_before(xs->last_seg, xs->snd_nxt))
		return xs->last_seg;

	while (xtcp_seq_before(seq, end) &&
	       xtcp_seq_before(record_end(sk, seq), end))
		seq = record_end(sk, seq);
	return seq;
}

/**
 * xtcp_send_loss_probe() - the tail loss probe (RFC 8985 7.3, Linux's
 * tcp_send_loss_probe()): a segment of new data if the peer's window
 * takes it, else the last segment sent, again; one probe at a time
 * @sk: the connection, locked
 *
 * Return: whether a probe went.
 */
bool xtcp_send_loss_probe(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 mss = xtcp_send_mss(xs), seq = xs->snd_nxt, len;
	bool resent = false;
	int n;

	if (xs->tlp_out || !xtcp_can_send_data(sk) || xs->snd_una == xs->snd_nxt)
		return false;
	len = probe_new_len(sk, mss);
	if (len) {
		/* the FIN rides on the last segment when it is due */
		n = send_range(sk, seq, len + (xs->fin_queued &&
					       seq + len == xs->write_seq),
			       true);
		if (n <= 0)
			return false;
		WRITE_ONCE(xs->snd_nxt, seq + n);
		if (len < mss)		/* tcp_minshall_update() */
			xs->snd_sml = xs->snd_nxt;
		xtcp_rtt_sent(&xs->rtt, xs->snd_nxt, ktime_get());
	} else {
		seq = last_segment(sk);
		n = send_range(sk, seq, xs->snd_nxt - seq, true);
		if (n <= 0)
			return false;
		count_retrans(xs, seq, n);
		/* Karn: the ACK that ends the timing may answer the probe
		 * (RFC 6298 3; Linux drops any sample once resent data is
		 * acknowledged)
		 */
		xtcp_rtt_retransmitted(&xs->rtt);
		resent = true;
	}
	xs->tlp_out = 1;
	xs->tlp_retrans = resent;
	xs->tlp_end = xs->snd_nxt;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPLOSSPROBES);
	return true;
}

/**
 * xtcp_send_probe() - a zero-window probe as Linux sends one
 * (tcp_xmit_probe_skb()): <SEQ=SND.UNA-1><CTL=ACK>, no text. An old
 * sequence number, which the peer answers with an ACK carrying its window
 * (RFC 9293 3.8.6.1, MUST-36: "or retransmit"; the other way it allows,
 * one byte of new text, is not what peers of Linux see). In urgent mode
 * one at SND.UNA goes first.
 * @sk: the connection, locked
 */
int xtcp_send_probe(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_seq_before(xs->snd_una, xs->write_seq))
		return 0;
	/* Urgent data waits behind the window: a probe the peer accepts,
	 * at SND.UNA, first carries the urgent pointer (tcp_write_wakeup())
	 */
	if (xs->urg_mode && xtcp_seq_after(xs->snd_up, xs->snd_una) &&
	    xtcp_seq_before_eq(xs->snd_up, xs->snd_una + 0xFFFF)) {
		send_control(sk, xs->snd_una, XTCP_ACK);
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPWINPROBE);
	}
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPWINPROBE);
	return send_control(sk, xs->snd_una - 1, XTCP_ACK);
}

/**
 * xtcp_oow_rate_limited() - at most one ACK per 500 ms answers
 * unacceptable segments or repeated SYNs (Linux's tcp_invalid_ratelimit;
 * RFC 5961 10)
 * @sk: the connection, locked
 *
 * Return: true if one went out less than that ago; else false, noting
 * that one goes now.
 */
bool xtcp_oow_rate_limited(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->oow_ack_at &&
	    time_before(jiffies, xs->oow_ack_at + msecs_to_jiffies(500)))
		return true;
	xs->oow_ack_at = jiffies ?: 1;
	return false;
}

/**
 * xtcp_send_oow_ack() - the ACK that answers an unacceptable segment
 * without text or an ACK of data not yet sent (RFC 9293 3.10.7.4), at
 * most one per 500 ms (Linux's tcp_invalid_ratelimit; RFC 5961 10): two
 * ends that disagree would otherwise answer each other's ACKs forever
 * @sk: the connection, locked
 */
void xtcp_send_oow_ack(struct sock *sk)
{
	if (!xtcp_oow_rate_limited(sk))
		xtcp_send_ack(sk);
}

/*
 * RFC 5961 7, as tcp_challenge_ack_allowed(): at most challenge_ack_limit
 * challenge ACKs a second in the namespace, the budget drawn at random
 * between half and one and a half times the limit each second, so that
 * an off-path attacker cannot count it down to learn that its guess hit
 * (CVE-2016-5696). Racy updates only move the budget by a few.
 */
static bool challenge_allowed(struct xtcp_net *xn)
{
	u32 limit = READ_ONCE(xn->challenge_ack_limit), now, left;

	if (limit == INT_MAX)
		return true;
	now = jiffies / HZ;
	if (now != READ_ONCE(xn->challenge_second)) {
		u32 half = (limit + 1) >> 1;

		WRITE_ONCE(xn->challenge_second, now);
		WRITE_ONCE(xn->challenge_left,
			   get_random_u32_inclusive(half, limit + half - 1));
	}
	left = READ_ONCE(xn->challenge_left);
	if (!left)
		return false;
	WRITE_ONCE(xn->challenge_left, left - 1);
	return true;
}

/**
 * xtcp_send_challenge_ack() - the ACK that answers a RST or SYN that may
 * be forged, or an ACK outside SND.UNA - MAX.SND.WND .. SND.NXT (RFC 5961
 * 3.2, 4.2, 5.2): the true peer resynchronizes from it. Limited per
 * connection as xtcp_send_oow_ack() and per namespace (RFC 5961 7).
 * @sk: the connection, locked
 */
void xtcp_send_challenge_ack(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_sk_net(sk);

	if (xtcp_oow_rate_limited(sk)) {
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPACKSKIPPEDCHALLENGE);
		return;
	}
	if (!challenge_allowed(xn))
		return;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPCHALLENGEACK);
	xtcp_send_ack(sk);
}

/**
 * xtcp_send_raw() - send a segment that has no socket behind it: a RST for
 * a stray segment, an ACK from a TIME-WAIT record
 * @r: the segment
 */
void xtcp_send_raw(const struct xtcp_raw *r)
{
	unsigned int olen = 0;
	u16 win = r->win;
	struct flowi4 fl4 = {};
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;
	struct rtable *rt;

	fl4.daddr = r->daddr;
	fl4.saddr = r->saddr;
	fl4.flowi4_proto = IPPROTO_TCP;
	fl4.flowi4_oif = r->oif;
	fl4.flowi4_mark = r->mark;
	fl4.fl4_sport = r->sport;
	fl4.fl4_dport = r->dport;
	rt = ip_route_output_key(r->net, &fl4);
	if (IS_ERR(rt))
		return;

	skb = alloc_skb(MAX_TCP_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(skb, MAX_TCP_HEADER);
	if (r->syn) {
		u8 opts[XTCP_SYN_OPTIONS_LEN];

		/* The MSS we can receive on this route (MUST-14), at most
		 * the caller's bound (a listener's TCP_MAXSEG)
		 */
		u16 mss = mtu_mss(dst_mtu(&rt->dst));

		r->syn->mss = r->syn->mss ? min(r->syn->mss, mss) : mss;
		if (r->syn_space)
			win = xtcp_syn_window(r->syn_space, r->syn->mss -
					      (r->syn->tstamp ?
					       TCPOLEN_TSTAMP_ALIGNED : 0));
		olen = xtcp_write_syn_options(opts, r->syn);
		memcpy(skb_push(skb, olen), opts, olen);
	} else if (r->ts_ok) {
		olen = xtcp_write_options(skb_push(skb, XTCP_OLEN_TS_ALIGNED),
					  true, r->tsval, r->tsecr, NULL, 0);
	}
	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = r->sport;
	th->dest = r->dport;
	th->seq = htonl(r->seq);
	th->ack_seq = htonl(r->ack);
	th->doff = (sizeof(*th) + olen) / 4;
	((u8 *)th)[13] = r->flags;
	th->window = htons(win);
	th->check = tcp_v4_check(sizeof(*th) + olen, r->saddr, r->daddr,
				 csum_partial(th, sizeof(*th) + olen, 0));
	skb->ip_summed = CHECKSUM_NONE;
	trace_xtcp_segment(r->id, r->state, true, r->saddr, r->daddr, th, 0,
			   r->wscale);

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = r->tos;
	iph->frag_off = htons(IP_DF);
	iph->ttl = r->ttl > 0 ? r->ttl : ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	skb->protocol = htons(ETH_P_IP);
	skb->mark = r->mark;
	skb_dst_set(skb, &rt->dst);
	XTCP_INC_STATS(r->net, TCP_MIB_OUTSEGS);
	if (r->flags & XTCP_RST)
		XTCP_INC_STATS(r->net, TCP_MIB_OUTRSTS);
	ip_local_out(r->net, NULL, skb);
}

/**
 * xtcp_reply_rst() - answer a segment no connection accepts (RFC 9293
 * 3.10.7.1): <SEQ=SEG.ACK><CTL=RST> if it had ACK, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never answers a RST.
 * @net: namespace of the segment
 * @skb: the segment, data at the TCP payload, XTCP_SKB_CB filled
 */
void xtcp_reply_rst(struct net *net, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_raw r = {
		.net = net,
		.state = TCP_CLOSE,
		.saddr = ip_hdr(skb)->daddr,
		.daddr = ip_hdr(skb)->saddr,
		.sport = th->dest,
		.dport = th->source,
		.oif = skb->skb_iif,	/* back out of the arrival device */
		.mark = skb->mark,
	};

	if (cb->flags & XTCP_RST)
		return;
	if (cb->flags & XTCP_ACK) {
		r.seq = cb->ack_seq;
		r.flags = XTCP_RST;
	} else {
		r.ack = cb->end_seq;
		r.flags = XTCP_RST | XTCP_ACK;
	}
	xtcp_send_raw(&r);
}
