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
#include <net/proto_memory.h>
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

/* Memory is short (Linux's tcp_memory_pressure, set above net.xtcp.mem's
 * pressure mark): the window's ceiling drops to four segments
 * (tcp_adjust_rcv_ssthresh())
 */
static void pressure_clamp(struct xtcp_sock *xs)
{
	xs->rcv_ssthresh = min(xs->rcv_ssthresh, 4 * xtcp_advmss(xs));
}

/*
 * rcv_ssthresh as a cap on the window: in whole units of our shift,
 * rounded up, so that a ceiling below one unit (two segments after an
 * overflow, with a large shift) leaves the window open, as Linux's
 * __tcp_select_window() aligns it up
 */
static u32 ssthresh_cap(const struct xtcp_sock *xs, u32 unit)
{
	return round_up(min(xs->rcv_ssthresh, xtcp_max_window(xs)), unit);
}

/**
 * xtcp_rcv_window_now() - the window the buffer would offer now, before
 * the rule that keeps an edge once offered (Linux's __tcp_select_window()):
 * the least of half the free buffer, rcv_ssthresh and xtcp_max_window(),
 * in whole units of our shift
 * @sk: the connection, locked
 */
u32 xtcp_rcv_window_now(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 unit = xs->ws_ok ? 1U << xs->rcv_wscale : 1;

	return round_down(min(xtcp_rcv_space(sk), ssthresh_cap(xs, unit)),
			  unit);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rcv_window_now);

/**
 * xtcp_rcv_truesize() - what a segment's skb costs the buffer, for
 * xtcp_grow_window() (Linux's truesize_adjust()): a driver's page-fragment
 * skb with no text in its head gives that head back (or shares it) when
 * it joins the receive queue, so then only its pages count
 * @skb: the segment, data at its text
 * @in_order: it goes to the receive queue
 */
u32 xtcp_rcv_truesize(const struct sk_buff *skb, bool in_order)
{
	u32 truesize = skb->truesize;

	if (in_order && !skb_headlen(skb)) {
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
		return 2 * xtcp_advmss(xs);
	for (truesize /= 4; xs->rcv_ssthresh <= window; window /= 2) {
		if (truesize <= len)
			return 2 * xtcp_peer_mss(xs);
		truesize /= 2;
	}
	return 0;
}

/**
 * xtcp_grow_window() - text was queued: let the window offered grow
 * toward what the buffer holds (Linux's tcp_grow_window())
 * @sk: the connection, locked
 * @len: bytes of text
 * @truesize: what its skb costs the buffer (xtcp_rcv_truesize())
 *
 * A segment whose cost half the buffer covers raises rcv_ssthresh by
 * twice its text, two of our full segments at least, within what the
 * free buffer and TCP_WINDOW_CLAMP offer; and the next ACK goes at once
 * (quick-ACK mode), to show the sender the larger window. Under memory
 * pressure rcv_ssthresh drops instead.
 */
void xtcp_grow_window(struct sock *sk, u32 len, u32 truesize)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 room = xtcp_rcv_space(sk), incr;

	if (room <= xs->rcv_ssthresh)
		return;
	if (sk_under_memory_pressure(sk)) {
		pressure_clamp(xs);
		return;
	}
	incr = grow_step(sk, len, truesize);
	if (!incr)
		return;
	incr = max(incr, 2 * len);
	xs->rcv_ssthresh += min(room - xs->rcv_ssthresh, incr);
	xs->quick |= 1;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_grow_window);

/**
 * xtcp_rcv_ssthresh_prune() - text found no room (Linux's
 * tcp_prune_queue()): if the buffer is full, it grows to hold what it
 * holds, within tcp_rmem[2] and while memory is plentiful; if it still
 * overflows, skbs cost more than the window assumed, and its ceiling
 * starts again from two segments (tcp_clamp_window()). Else memory is
 * short, and the ceiling drops to four. In-order text comes here only
 * past twice rcvbuf (mem.c), so an overflow is mostly out-of-order text's.
 * @sk: the connection, locked
 */
void xtcp_rcv_ssthresh_prune(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rmem = atomic_read(&sk->sk_rmem_alloc);
	int rmem2 = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]);

	if (rmem < sk->sk_rcvbuf) {
		if (sk_under_memory_pressure(sk))
			pressure_clamp(xs);
		return;
	}
	xs->quick = 0;
	if (sk->sk_rcvbuf < rmem2 && !(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !xtcp_under_memory_pressure(sk))
		WRITE_ONCE(sk->sk_rcvbuf, min_t(u32, rmem, rmem2));
	if (rmem > sk->sk_rcvbuf)
		xs->rcv_ssthresh = min(xtcp_max_window(xs), 2 * xtcp_advmss(xs));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rcv_ssthresh_prune);

/**
 * xtcp_rcv_ssthresh_clamp() - TCP_WINDOW_CLAMP changed on a connection:
 * the window's ceiling follows it (tcp_set_window_clamp())
 * @sk: the connection, locked
 * @old: the clamp before, 0 for none
 */
void xtcp_rcv_ssthresh_clamp(struct sock *sk, u32 old)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 clamp = xs->window_clamp ?: U32_MAX;

	old = old ?: U32_MAX;
	if (clamp < old)
		xs->rcv_ssthresh = min(xs->rcv_ssthresh, clamp);
	else if (clamp > old)
		xs->rcv_ssthresh = max(xs->rcv_ssthresh,
				       min(xs->rcv_wnd, clamp));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_rcv_ssthresh_clamp);

/*
 * A SYN's window @win, as Linux's tcp_select_initial_window() offers it: the
 * space it comes from, if larger than a segment, rounded down to a whole
 * number of them. A listener's child's segment is the MSS less the
 * Timestamps option (agreed by then, tcp_openreq_init_rwin()); a SYN's is
 * the whole MSS (tcp_connect_init()), and so is a SYN-ACK's in a
 * simultaneous open, which Linux sends with the window of its SYN. A space
 * beyond 65535 still offers 65535.
 */
static void syn_whole_segments(struct sock *sk, u32 *win)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 space = min(xtcp_rcv_space(sk), xtcp_max_window(xs));
	u32 mss = xs->parent ? xtcp_advmss(xs) : xs->rcv_mss;

	if (mss && space > mss)
		*win = min(*win, rounddown(space, mss));
}

/**
 * xtcp_select_window() - the window to advertise now, and remember it
 * @sk: the connection, locked
 * @syn: for a SYN or SYN-ACK, whose window is never scaled (RFC 7323 2.2)
 *
 * The window of a SYN is what the buffer offers in whole segments, and
 * rcv_ssthresh starts there (Linux: rcv_ssthresh = rcv_wnd). After it,
 * the window is xtcp_rcv_window_now(); but it never moves the right edge
 * we advertised before to the left (RFC 9293 3.8.6.2.2: SHLD-14), and
 * grows only in steps of xtcp_rcv_sws_step() so a slowly reading
 * application does not cause silly windows (MUST-39).
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
		syn_whole_segments(sk, &win);
	} else {
		/* past half the buffer: no more quick ACKs; and memory */
		if (win < full_space(sk) / 2) {
			xs->quick = 0;
			if (sk_under_memory_pressure(sk))
				pressure_clamp(xs);
		}
		win = min(win, ssthresh_cap(xs, unit));
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

	if (syn)
		xs->rcv_ssthresh = win;		/* Linux: rcv_wnd */
	xs->rcv_wnd = win;
	xs->rcv_wup = xs->rcv_nxt;
	return win;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_select_window);
