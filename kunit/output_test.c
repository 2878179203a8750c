// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_output: the receive window we advertise (rwnd.c), with
 * and without Window Scale (RFC 7323 2), and how it grows, on a zeroed
 * xtcp_sock that never becomes a real socket: only its buffer sizes and
 * window fields are read, and xtcp_prot's memory account.
 */
#include <kunit/test.h>

#include "../module/xtcp.h"

/* A connection whose free receive buffer gives a window of @space. */
static struct sock *conn(struct kunit *test, int shift, u32 space)
{
	struct xtcp_sock *xs = kunit_kzalloc(test, sizeof(*xs), GFP_KERNEL);
	struct sock *sk;

	KUNIT_ASSERT_NOT_NULL(test, xs);
	sk = (struct sock *)xs;
	sk->sk_prot = &xtcp_prot;
	write_pnet(&sk->sk_net, &init_net);
	sk->sk_rcvbuf = 4 << 20;
	atomic_set(&sk->sk_rmem_alloc, (4 << 20) - 2 * space);
	xs->ws_ok = shift >= 0;
	xs->rcv_wscale = shift >= 0 ? shift : 0;
	xs->rcv_mss = 1460;
	xs->rcv_nxt = 1000;
	xs->rcv_wup = 1000;
	xs->rcv_ssthresh = U32_MAX;			/* nothing learnt yet */
	return sk;
}

/* RFC 7323 2.2: the window of a SYN or SYN-ACK is never scaled. */
static void window_syn_unscaled(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 1 << 20);

	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, true), 65535u);
	KUNIT_EXPECT_EQ(test, xtcp_sk(sk)->rcv_wnd, 65535u);
}

/*
 * A SYN offers its space in whole segments, as Linux's
 * tcp_select_initial_window(): a listener's child's SYN-ACK less the
 * Timestamps option, a SYN, and a SYN-ACK of a simultaneous open, the
 * whole MSS (65536 of space).
 */
static void window_syn_whole_segments(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 65536);
	struct sock *listener = conn(test, 7, 65536);

	sk->sk_state = TCP_SYN_RECV;
	xtcp_sk(sk)->parent = listener;
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, true), 44 * 1460u);
	KUNIT_EXPECT_EQ(test, xtcp_sk(sk)->rcv_ssthresh, 44 * 1460u);

	sk = conn(test, 7, 65536);
	sk->sk_state = TCP_SYN_RECV;
	xtcp_sk(sk)->parent = listener;
	xtcp_sk(sk)->ts_ok = 1;
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, true), 45 * 1448u);

	sk = conn(test, 7, 65536);
	sk->sk_state = TCP_SYN_SENT;
	xtcp_sk(sk)->ts_ok = 1;
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, true), 44 * 1460u);
	/* simultaneous open: its SYN-ACK offers what its SYN did */
	sk->sk_state = TCP_SYN_RECV;
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, true), 44 * 1460u);
	KUNIT_EXPECT_EQ(test, xtcp_sk(sk)->rcv_ssthresh, 44 * 1460u);
}

/* RFC 7323 2.3: the largest window is 65535 << shift, 2^30 - 2^14 at 14. */
static void window_max(struct kunit *test)
{
	struct sock *sk;

	sk = conn(test, -1, 1 << 20);
	KUNIT_EXPECT_EQ(test, xtcp_max_window(xtcp_sk(sk)), 65535u);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 65535u);

	sk = conn(test, 2, 1 << 20);
	KUNIT_EXPECT_EQ(test, xtcp_max_window(xtcp_sk(sk)), 262140u);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false) >> 2, 65535u);

	sk = conn(test, 14, 0);
	sk->sk_rcvbuf = INT_MAX;
	atomic_set(&sk->sk_rmem_alloc, 0);
	KUNIT_EXPECT_EQ(test, xtcp_max_window(xtcp_sk(sk)), (1U << 30) - (1U << 14));
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false),
			(1U << 30) - (1U << 14));
}

/*
 * With a shift the peer sees only multiples of 2^shift: what we remember
 * having advertised must be one, and no more than the buffer offers.
 */
static void window_scaled_rounded(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 100000);
	u32 win = xtcp_select_window(sk, false);

	KUNIT_EXPECT_EQ(test, win, 99968u);		/* 781 * 128 */
	KUNIT_EXPECT_EQ(test, win % 128, 0u);
	KUNIT_EXPECT_EQ(test, xtcp_sk(sk)->rcv_wnd, win);
	KUNIT_EXPECT_EQ(test, xtcp_sk(sk)->rcv_wup, 1000u);

	sk = conn(test, -1, 100000);			/* unscaled: exact */
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 65535u);
	sk = conn(test, -1, 30001);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 30001u);
}

/*
 * RFC 9293 3.8.6.2.2 (SHLD-14) and RFC 7323 2.4: the right edge we
 * advertised does not move left when the buffer fills, even when the
 * remaining window is not a multiple of 2^shift: it is rounded up.
 */
static void window_no_shrink(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 10000);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 win;

	xs->rcv_wnd = 100000;				/* right edge 101000 */
	win = xtcp_select_window(sk, false);
	KUNIT_EXPECT_EQ(test, win, 100096u);		/* 782 * 128 */
	KUNIT_EXPECT_EQ(test, xs->rcv_wup + win, 101096u);

	/* 50000 bytes arrived since: 50000 left, rounded up to 50048. */
	xs->rcv_wup = 1000;
	xs->rcv_wnd = 100000;
	xs->rcv_nxt = 51000;
	win = xtcp_select_window(sk, false);
	KUNIT_EXPECT_EQ(test, win, 50048u);
	KUNIT_EXPECT_EQ(test, xs->rcv_wup, 51000u);
	KUNIT_EXPECT_GE(test, xs->rcv_wup + win, 101000u);

	/* Across the sequence wrap too. */
	xs->rcv_wup = 0xffff0000;
	xs->rcv_wnd = 0x20000;				/* edge 0x10000 */
	xs->rcv_nxt = 0xfffff000;
	win = xtcp_select_window(sk, false);
	KUNIT_EXPECT_EQ(test, win, 0x11000u);
}

/*
 * TCP_WINDOW_CLAMP set once connected: it stops the window growing, never
 * pulls back the right edge already offered (SHLD-14), and counts in
 * whole units of the shift, one at least, so a clamp below one unit
 * leaves the window open (as Linux's __tcp_select_window() rounds up).
 */
static void window_clamp_late(struct kunit *test)
{
	struct sock *sk = conn(test, 0, 100000);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ws_ok = 0;
	xs->rcv_wnd = 60000;				/* right edge 61000 */
	xs->window_clamp = 5000;
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 60000u);
	xs->rcv_nxt = 58000;				/* 3000 left: now 5000 */
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 5000u);

	sk = conn(test, 11, 1 << 20);			/* unit 2048 */
	xs = xtcp_sk(sk);
	xs->window_clamp = 1152;
	KUNIT_EXPECT_EQ(test, xtcp_max_window(xs), 2048u);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 2048u);
	xs->window_clamp = 3500;			/* whole units: 2048 */
	KUNIT_EXPECT_EQ(test, xtcp_max_window(xs), 2048u);
}

/* RFC 9293 3.8.6.2.2 (MUST-39): a closed window reopens only by a step. */
static void window_sws(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 1000);

	sk->sk_rcvbuf = 200000;				/* step: 1460 */
	atomic_set(&sk->sk_rmem_alloc, 200000 - 2 * 1000);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 0u);
	atomic_set(&sk->sk_rmem_alloc, 200000 - 2 * 20000);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 19968u);
}

/*
 * Linux's rcv_ssthresh: the window starts at the SYN's and grows by twice
 * each segment's text, two full segments at least, and the next ACK goes
 * at once; while the buffer has room beyond it, text queued does not
 * shrink the window (so timer.c's ACK rule sees it hold).
 */
static void window_grows(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 65535);
	struct xtcp_sock *xs = xtcp_sk(sk);

	/* the SYN's window: 44 whole segments */
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, true), 64240u);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 64240u);

	atomic_set(&sk->sk_rmem_alloc, (4 << 20) - 2 * 400000);
	xs->rcv_nxt += 1448;
	xtcp_grow_window(sk, 1448, 2304);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 64240u + 2 * 1460);
	KUNIT_EXPECT_EQ(test, xs->quick, 1);
	KUNIT_EXPECT_EQ(test, xtcp_rcv_window_now(sk), 67200u);	/* 525 * 128 */
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 67200u);

	/* two segments queued, the buffer has room: the window holds */
	xs->rcv_nxt += 2 * 1448;
	atomic_add(2 * 2304, &sk->sk_rmem_alloc);
	KUNIT_EXPECT_GE(test, xtcp_rcv_window_now(sk), xs->rcv_wnd);
	/* the reader behind, half the free buffer below it: it shrinks */
	atomic_set(&sk->sk_rmem_alloc, (4 << 20) - 2 * 60000);
	KUNIT_EXPECT_LT(test, xtcp_rcv_window_now(sk), xs->rcv_wnd);
	atomic_set(&sk->sk_rmem_alloc, (4 << 20) - 2 * 400000);

	/* text larger than two segments raises it by twice its size */
	xtcp_grow_window(sk, 20000, 24000);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 64240u + 2 * 1460 + 40000);

	/* never beyond what the free buffer offers */
	atomic_set(&sk->sk_rmem_alloc, (4 << 20) - 2 * 110000);
	xtcp_grow_window(sk, 20000, 24000);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 110000u);
	xs->quick = 0;
	atomic_set(&sk->sk_rmem_alloc, (4 << 20) - 2 * 100000);
	xtcp_grow_window(sk, 20000, 24000);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 110000u);
	KUNIT_EXPECT_EQ(test, xs->quick, 0);
}

/*
 * A segment whose skb costs more than twice its text grows the window
 * only while it is small beside tcp_rmem[2] (__tcp_grow_window()).
 */
static void window_costly_text(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 0);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rmem2 = READ_ONCE(init_net.ipv4.sysctl_tcp_rmem[2]);

	sk->sk_rcvbuf = INT_MAX;
	atomic_set(&sk->sk_rmem_alloc, 0);
	xs->rcv_mss_est = TCP_MSS_DEFAULT;		/* the peer's, as estimated */
	xs->rcv_ssthresh = rmem2 / 8;			/* 1/8 of 1024 < 200 */
	xtcp_grow_window(sk, 200, 1024);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, rmem2 / 8 + 2 * 536);
	xs->rcv_ssthresh = rmem2 / 8 + 1;		/* 1/4 of it: too much */
	xtcp_grow_window(sk, 200, 1024);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, rmem2 / 8 + 1);
}

/*
 * An overflowing buffer grows if it may (tcp_clamp_window()); if not, the
 * window's ceiling starts again from two segments, yet with a shift of
 * 12 the window stays one unit open once the reader frees the buffer
 * (Linux aligns it up): a zero window nothing would reopen.
 */
static void window_overflow(struct kunit *test)
{
	struct sock *sk = conn(test, 12, 0);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rmem2 = READ_ONCE(init_net.ipv4.sysctl_tcp_rmem[2]);

	sk->sk_rcvbuf = rmem2 / 2;
	atomic_set(&sk->sk_rmem_alloc, rmem2 / 2 + 1000);
	xs->quick = 3;
	xtcp_rcv_ssthresh_prune(sk);
	KUNIT_EXPECT_EQ(test, sk->sk_rcvbuf, rmem2 / 2 + 1000);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, U32_MAX);
	KUNIT_EXPECT_EQ(test, xs->quick, 0);

	sk->sk_userlocks |= SOCK_RCVBUF_LOCK;		/* SO_RCVBUF: no growth */
	sk->sk_rcvbuf = 1 << 20;
	atomic_set(&sk->sk_rmem_alloc, (1 << 20) + 1000);
	xtcp_rcv_ssthresh_prune(sk);
	KUNIT_EXPECT_EQ(test, sk->sk_rcvbuf, 1 << 20);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 2u * 1460);

	atomic_set(&sk->sk_rmem_alloc, 0);
	KUNIT_EXPECT_EQ(test, xtcp_rcv_window_now(sk), 4096u);
	KUNIT_EXPECT_EQ(test, xtcp_select_window(sk, false), 4096u);
}

/* TCP_WINDOW_CLAMP moves the window's ceiling (tcp_set_window_clamp()). */
static void window_clamp_ssthresh(struct kunit *test)
{
	struct sock *sk = conn(test, 7, 1 << 20);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcv_ssthresh = 100000;
	xs->rcv_wnd = 80000;
	xs->window_clamp = 50000;
	xtcp_rcv_ssthresh_clamp(sk, 0);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 50000u);
	xs->window_clamp = 200000;			/* raised: to rcv_wnd */
	xtcp_rcv_ssthresh_clamp(sk, 50000);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 80000u);
	xs->rcv_ssthresh = 3000;			/* the same clamp again */
	xtcp_rcv_ssthresh_clamp(sk, 200000);
	KUNIT_EXPECT_EQ(test, xs->rcv_ssthresh, 3000u);
}

static struct kunit_case xtcp_output_cases[] = {
	KUNIT_CASE(window_syn_unscaled),
	KUNIT_CASE(window_syn_whole_segments),
	KUNIT_CASE(window_max),
	KUNIT_CASE(window_scaled_rounded),
	KUNIT_CASE(window_no_shrink),
	KUNIT_CASE(window_sws),
	KUNIT_CASE(window_clamp_late),
	KUNIT_CASE(window_grows),
	KUNIT_CASE(window_costly_text),
	KUNIT_CASE(window_overflow),
	KUNIT_CASE(window_clamp_ssthresh),
	{}
};

static struct kunit_suite xtcp_output_suite = {
	.name = "xtcp_output",
	.test_cases = xtcp_output_cases,
};

kunit_test_suite(xtcp_output_suite);
