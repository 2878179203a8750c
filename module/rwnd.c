// SPDX-License-Identifier: GPL-2.0
/*
 * The receive window we offer (RFC 9293 3.8.6.2.2, RFC 7323 2): how much
 * of the receive buffer it shows, how it grows as a connection starts,
 * and how it avoids silly windows.
 *
 * The window offered is the least of
 *  - half the free receive buffer (xtcp_rcv_space(): the other half
 *    covers what skbs cost beyond their text);
 *  - rcv_ssthresh (Linux's): the window of the SYN at first, raised by
 *    each segment whose cost half the buffer covers (xtcp_grow_window(),
 *    as tcp_grow_window()). While the buffer has room beyond it, the
 *    window stays put as text queues: it shrinks only once the reader
 *    falls behind, which is what the ACK rule of timer.c watches for;
 *  - 65535 << shift and TCP_WINDOW_CLAMP (xtcp_max_window()).
 * Its right edge never moves left (SHLD-14), and a window opens only by a
 * silly-window step (MUST-39): xtcp_select_window().
 */
#include <net/sock.h>
#include <net/tcp.h>

#include "seq.h"
#include "xtcp.h"

/* The largest window the header can say: 65535, scaled by our shift. */
static u32 top_window(const struct xtcp_sock *xs)
{
	return 65535U << (xs->ws_ok ? xs->rcv_wscale : 0);
}

/**
 * xtcp_max_window() - the largest window we advertise: 65535, scaled by
 * our shift once Window Scale is agreed (RFC 7323 2.2), at most
 * TCP_WINDOW_CLAMP in whole units of the shift (one at least: a clamp
 * set after the handshake below one unit must not close the window)
 * @xs: the connection
 */
u32 xtcp_max_window(const struct xtcp_sock *xs)
{
	u32 unit = 1U << (xs->ws_ok ? xs->rcv_wscale : 0);
	u32 clamp = READ_ONCE(xs->window_clamp);

	if (!clamp)
		return top_window(xs);
	return min(top_window(xs), max(round_down(clamp, unit), unit));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_max_window);

/**
 * xtcp_rcv_space() - the window we could offer now: half the free receive
 * buffer (the rest covers skb overhead), at most xtcp_max_window()
 * @sk: the connection
 */
u32 xtcp_rcv_space(const struct sock *sk)
{
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	return min_t(u32, space > 0 ? space / 2 : 0,
		     xtcp_max_window(xtcp_sk(sk)));
}

/* What the whole buffer would offer: RCV.BUFF of RFC 9293 3.8.6.2.2 */
static u32 full_space(const struct sock *sk)
{
	return min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
		     xtcp_max_window(xtcp_sk(sk)));
}

/**
 * xtcp_rcv_sws_step() - the receiver's silly window avoidance step
 * (RFC 9293 3.8.6.2.2, MUST-39): a window is reopened only by at least
 * min(Fr * RCV.BUFF, Eff.snd.MSS), Fr = 1/2, RCV.BUFF being the largest
 * window this buffer can offer
 * @sk: the connection
 */
u32 xtcp_rcv_sws_step(const struct sock *sk)
{
	return max(min_t(u32, full_space(sk) / 2, xtcp_sk(sk)->rcv_mss), 1U);
}

/* Memory is short: what the window learnt shrinks to four segments
 * (tcp_adjust_rcv_ssthresh())
 */
static void pressure_clamp(struct xtcp_sock *xs)
{
	xs->rcv_ssthresh = min_t(u32, xs->rcv_ssthresh, 4U * xs->rcv_mss);
}

/**
 * xtcp_rcv_window_now() - the window the buffer would offer now, before
 * the rule that keeps an edge once offered (Linux's __tcp_select_window()):
 * the least of half the free buffer, rcv_ssthresh and xtcp_max_window(),
 * in whole units of our shift
 * @sk: the connection
 */
u32 xtcp_rcv_window_now(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 unit = xs->ws_ok ? 1U << xs->rcv_wscale : 1;

	return round_down(min(xtcp_rcv_space(sk), READ_ONCE(xs->rcv_ssthresh)),
			  unit);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rcv_window_now);

/*
 * What a segment's skb costs the buffer (Linux's truesize_adjust()): a
 * driver's page-fragment skb with no text in its head gives that head
 * back (or shares it) when it joins the queue, so only its pages count.
 */
static u32 text_truesize(const struct sk_buff *skb, bool adjust)
{
	u32 truesize = skb->truesize;

	if (adjust && !skb_headlen(skb)) {
		truesize -= SKB_TRUESIZE(skb_end_offset(skb));
		if ((int)truesize < (int)skb->len)
			truesize = skb->truesize;
	}
	return truesize;
}

/*
 * How much one segment of @len bytes costing @truesize raises
 * rcv_ssthresh (tcp_grow_window()'s check #2): two full segments if half
 * the buffer covers its cost, as the window assumes; else, for a costly
 * skb, only while the window is small beside tcp_rmem[2], the smaller
 * the costlier (__tcp_grow_window()); else nothing.
 */
static u32 grow_step(const struct sock *sk, u32 len, u32 truesize)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 window = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]) / 4;

	if (truesize / 2 <= len)
		return 2 * xs->rcv_mss;
	for (truesize /= 4; xs->rcv_ssthresh <= window; window /= 2) {
		if (truesize <= len)
			return 2 * xtcp_peer_mss(xs);
		truesize /= 2;
	}
	return 0;
}

/**
 * xtcp_grow_window() - text arrived: let the window offered grow toward
 * what the buffer holds (Linux's tcp_grow_window())
 * @sk: the connection, locked
 * @skb: its segment, queued or about to be
 * @in_order: @skb goes to the receive queue (else the out-of-order one)
 *
 * A segment whose cost half the buffer covers raises rcv_ssthresh by
 * twice its text, two of our full segments at least, within what the
 * free buffer and TCP_WINDOW_CLAMP offer; and the next ACK goes at once
 * (quick-ACK mode), to show the sender the larger window. Under memory
 * pressure rcv_ssthresh shrinks instead.
 */
void xtcp_grow_window(struct sock *sk, const struct sk_buff *skb,
		      bool in_order)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 room = xtcp_rcv_space(sk), incr;

	if (room <= xs->rcv_ssthresh)
		return;
	if (xtcp_under_memory_pressure(sk)) {
		pressure_clamp(xs);
		return;
	}
	incr = grow_step(sk, skb->len, text_truesize(skb, in_order));
	if (!incr)
		return;
	incr = max(incr, 2 * skb->len);
	xs->rcv_ssthresh += min(room - xs->rcv_ssthresh, incr);
	xs->quick |= 1;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_grow_window);

/**
 * xtcp_rcv_ssthresh_prune() - the buffer overflowed (Linux's
 * tcp_clamp_window() and tcp_prune_queue()): skbs cost more than the
 * window assumed, so what it learnt starts again from two segments; or
 * memory is short, and it shrinks to four
 * @sk: the connection, locked
 */
void xtcp_rcv_ssthresh_prune(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf))
		xs->rcv_ssthresh = min(xtcp_max_window(xs), 2U * xs->rcv_mss);
	else if (xtcp_under_memory_pressure(sk))
		pressure_clamp(xs);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rcv_ssthresh_prune);

/**
 * xtcp_rcv_ssthresh_clamp() - TCP_WINDOW_CLAMP changed on a connection:
 * what the window learnt follows it (tcp_set_window_clamp())
 * @sk: the connection, locked
 * @old: the clamp before, 0 for none
 */
void xtcp_rcv_ssthresh_clamp(struct sock *sk, u32 old)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 clamp = READ_ONCE(xs->window_clamp) ?: U32_MAX;

	if (clamp < (old ?: U32_MAX))
		xs->rcv_ssthresh = min(xs->rcv_ssthresh, clamp);
	else
		xs->rcv_ssthresh = max(xs->rcv_ssthresh,
				       min(xs->rcv_wnd, clamp));
}

/**
 * xtcp_select_window() - the window to advertise now, and remember it
 * @sk: the connection, locked
 * @syn: for a SYN or SYN-ACK, whose window is never scaled (RFC 7323 2.2)
 *
 * The window of a SYN is what the buffer offers, and rcv_ssthresh starts
 * there (Linux: rcv_ssthresh = rcv_wnd). After it, the window is
 * xtcp_rcv_window_now(); but it never moves the right edge we advertised
 * before to the left (RFC 9293 3.8.6.2.2: SHLD-14), and grows only in
 * steps of xtcp_rcv_sws_step() so a slowly reading application does not
 * cause silly windows (MUST-39).
 * With a window shift the window is a multiple of 2^shift: rounded down,
 * unless that would shrink it (RFC 7323 2.4).
 *
 * Return: the window in bytes.
 */
u32 xtcp_select_window(struct sock *sk, bool syn)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 max = syn ? min(65535U, xtcp_max_window(xs)) : xtcp_max_window(xs);
	u32 top = syn ? 65535U : top_window(xs);
	u32 cur = 0, win = min(xtcp_rcv_space(sk), max);
	u32 unit = syn || !xs->ws_ok ? 1 : 1U << xs->rcv_wscale;

	if (syn) {
		xs->rcv_ssthresh = win;		/* Linux: rcv_wnd */
	} else {
		/* short of half the buffer, and of memory */
		if (win < full_space(sk) / 2 && xtcp_under_memory_pressure(sk))
			pressure_clamp(xs);
		win = min(win, xs->rcv_ssthresh);
	}
	/* A TCP_WINDOW_CLAMP lowered since only stops the growth: the edge
	 * offered stays, up to what the header can say (top)
	 */
	if (xtcp_seq_after(xs->rcv_wup + xs->rcv_wnd, xs->rcv_nxt))
		cur = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;
	if (win < cur || (win < cur + xtcp_rcv_sws_step(sk) && win != max))
		win = min(cur, top);
	win = round_down(win, unit);
	if (win < cur)
		win = min(round_up(cur, unit), top & ~(unit - 1));

	xs->rcv_wnd = win;
	xs->rcv_wup = xs->rcv_nxt;
	return win;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_select_window);

