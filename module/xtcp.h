/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp's shared definitions: the socket, the per-namespace state, the
 * locking rules, and the entry points each file offers the others.
 *
 * Locking strategy
 * ================
 * Each socket is guarded by its socket lock (lock_sock() in process
 * context, bh_lock_sock() in softirq: segment arrival and timers). Softirq
 * work that finds the socket owned by a process defers: segments go to the
 * socket backlog (sk_add_backlog, replayed by release_sock through
 * xtcp_backlog_rcv), timer expiries set a bit in xtcp_sock.deferred that
 * xtcp_release_cb replays. So every state change of a connection happens
 * under its socket lock, in exactly one context at a time.
 *
 * Backlog handlers run in process context with BHs enabled:
 * __release_sock() drops the socket's spinlock around each skb. Code
 * reached from there that takes another socket's spinlock (a listener
 * making a child) must disable BHs first, or a softirq on the same CPU (a
 * loopback segment, sent by the very code holding that lock) spins on it
 * for ever; xtcp_backlog_rcv() does. Deferred timer work (release_cb)
 * runs after them, under the spinlock with BHs off.
 *
 * References across release_sock(): whatever runs in there may move the
 * socket to CLOSED and, for an orphan, drop the orphan's own reference
 * (xtcp_done -> xtcp_destroy). A caller of release_sock() on a socket
 * that may be an orphan holds a reference of its own across the call, as
 * tcp_close() does; were it missing, the deferred expiry's put in
 * xtcp_release_cb() would hit zero and refcount_t would say so.
 *
 * A listener's SYN and accept queues are guarded by xtcp_sock.queue_lock,
 * a spinlock taken with BHs disabled, because a child (under its own
 * socket lock) moves itself from one queue to the other.
 *
 * The lookup tables (conn_table.c) are RCU for readers and one spinlock
 * per table for writers; sockets are SOCK_RCU_FREE, and a reader keeps a
 * socket only if refcount_inc_not_zero() succeeds.
 *
 * Lock order: socket lock of a listener, then socket lock of a child (never
 * the reverse), then the listener's queue_lock, then a table lock; a
 * socket's timer_lock (timer.c) is innermost. Segment
 * arrival takes a socket's spinlock at lockdep subclass 1
 * (SINGLE_DEPTH_NESTING) and a new child's at subclass 0, as tcp_v4_rcv.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/hrtimer.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/snmp.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "cong.h"
#include "ofo.h"
#include "state.h"

/*
 * Connection states are Linux TCP's numbers (net/tcp_states.h) in
 * sk->sk_state, so the socket core's stream helpers and /proc readers
 * understand them. state.c maps them to the RFC 9293 names.
 */

/**
 * struct xtcp_skb_cb - what xtcp keeps in skb->cb of a received segment
 * @seq: SEG.SEQ
 * @end_seq: SEG.SEQ + SEG.LEN (SYN and FIN each count one)
 * @ack_seq: SEG.ACK
 * @wnd: SEG.WND as on the wire (scaled by the receiver: rcv_ack)
 * @flags: the TCP header's flag byte (TCPHDR_*)
 * @mss: the MSS option, 0 if absent
 * @offset: bytes of this skb's data the application has already read
 * @eor: (send queue) a record ends with this skb's data (MSG_EOR): no
 *	 later data joins it, in the skb or on the wire
 */
struct xtcp_skb_cb {
	u32 seq;
	u32 end_seq;
	u32 ack_seq;
	u16 wnd;
	u8 flags;
	u16 mss;
	u32 offset;
	u8 eor;
};

#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

/* TCP header flag bits, as in the flag byte (RFC 9293 3.1) */
#define XTCP_FIN	0x01
#define XTCP_SYN	0x02
#define XTCP_RST	0x04
#define XTCP_PSH	0x08
#define XTCP_ACK	0x10
#define XTCP_URG	0x20

/*
 * Timer expiries, and ICMP errors, that found the socket owned by a process
 * (deferred).
 */
enum {
	XTCP_DEFER_RTX,		/* retransmission (and persist) timer */
	XTCP_DEFER_WAIT,	/* TIME-WAIT / FIN-WAIT-2 timer */
	XTCP_DEFER_KA,		/* keepalive timer */
	XTCP_DEFER_DELACK,	/* delayed-ACK timer */
	XTCP_DEFER_MTU,		/* "fragmentation needed" (icmp.c) */
	XTCP_DEFER_ICMP,	/* an error ending a connect() (icmp.c) */
};

struct xtcp_port;

/**
 * struct xtcp_rtt - the RFC 6298 estimator and its one running measurement
 * @srtt_us: smoothed round-trip time, 0 before the first sample
 * @rttvar_us: round-trip time variation
 * @min_us: the smallest sample, 0 before the first (TCP_INFO's min_rtt)
 * @rto_ms: retransmission timeout derived from them, 0 before a sample
 * @timing: a measurement is running
 * @seq: it ends when SND.UNA reaches this
 * @start: when it began
 */
struct xtcp_rtt {
	u32 srtt_us;
	u32 rttvar_us;
	u32 min_us;
	u32 rto_ms;
	bool timing;
	u32 seq;
	ktime_t start;
};

/**
 * struct xtcp_counts - what a connection counted, for TCP_INFO (info.c):
 * RFC 4898's counters, with Linux's meanings
 * @bytes_sent: data sent, resent data included (HCDataOctetsOut)
 * @bytes_retrans: data resent (OctetsRetrans)
 * @bytes_acked: sequence space the peer acknowledged, an active opener's
 *		 SYN included (HCThruOctetsAcked)
 * @bytes_received: sequence space received in order, the peer's FIN
 *		    included (HCThruOctetsReceived)
 * @segs_out: segments sent
 * @segs_in: segments received (a listener counts none)
 * @data_segs_out: ... of them carrying data
 * @data_segs_in: ... of them carrying data
 * @total_retrans: segments resent, SYN and FIN included
 * @rcv_ooopack: segments that arrived out of order
 * @last_data_rcv: when in-order data last arrived (or the connection was
 *		   established)
 * @delivered: data segments the peer got, acknowledged or SACKed, each
 *	       once (tcpi_delivered without the SYN; rate.c)
 * @dsack_dups: segments the peer reported receiving twice (D-SACK)
 * @una_passed: data bytes SND.UNA passed (64 bits: no wrap)
 * @rate_una: SND.UNA when @una_passed was last moved
 * @fin_delivered: our FIN's delivery was counted
 * @delivered_bytes: the most bytes the peer was seen to hold, SACKed
 *		     included: the bytes behind @delivered
 * @rate_base: @delivered_bytes when the rate's interval began
 * @rate_stamp: when it began, or 0 for none yet
 * @delivery_rate: the last interval's rate, bytes a second
 * @rate_app_limited: the application left this interval short
 * @delivery_app_limited: ... and @delivery_rate's
 * @chrono_us: microseconds spent busy (data in flight), limited by the
 *	       peer's window and by the send buffer, by enum xtcp_chrono
 *	       less one (tcp_chrono)
 * @chrono: which is running, since @chrono_start
 * @chrono_start: when it began
 */
struct xtcp_counts {
	u64 bytes_sent;
	u64 bytes_retrans;
	u64 bytes_acked;
	u64 bytes_received;
	u32 segs_out;
	u32 segs_in;
	u32 data_segs_out;
	u32 data_segs_in;
	u32 total_retrans;
	u32 rcv_ooopack;
	ktime_t last_data_rcv;
	u32 delivered;
	u32 dsack_dups;
	u64 una_passed;
	u32 rate_una;
	u8 fin_delivered;
	u64 delivered_bytes;
	u64 rate_base;
	ktime_t rate_stamp;
	u64 delivery_rate;
	u8 rate_app_limited;
	u8 delivery_app_limited;
	u64 chrono_us[3];
	u8 chrono;
	ktime_t chrono_start;
};

/* The pushed segments' ends a connection remembers for retransmission */
#define XTCP_PUSH_ENDS	8

/**
 * struct xtcp_sock - one xtcp socket: a listener or a connection
 *
 * All fields are under the socket lock unless said otherwise. Three
 * parts, by what happens to them when a listener's child is made with
 * sk_clone_lock() (which copies the whole object) or when
 * connect(AF_UNSPEC) disconnects:
 *   - settings (socket options, the bound port): a child inherits them
 *     by the copy, a disconnect keeps them;
 *   - the socket's machinery (timers, queues, table links): set up once
 *     per object by xtcp_sock_init(), never copied, never zeroed while
 *     the object lives (a lockless reader may be walking a table link);
 *   - @conn, the connection: zeroed and set up again by
 *     xtcp_conn_reset() for a child and on disconnect, so no field of
 *     the old connection survives by being forgotten.
 */
struct xtcp_sock {
	/* The IPv4 socket it is; first, so that inet_sk() works on it. */
	struct inet_sock inet;

	/* Settings: socket options; 0 means the namespace's tunable */
	int keepidle;		/* TCP_KEEPIDLE, s */
	int keepintvl;		/* TCP_KEEPINTVL, s */
	int keepcnt;		/* TCP_KEEPCNT */
	u32 user_timeout;	/* TCP_USER_TIMEOUT, ms; 0: retries decide */
	u8 nodelay:1;		/* TCP_NODELAY: no Nagle (MUST-17) */
	u8 cork:1;		/* TCP_CORK: hold back partial segments */
	u8 recvmsg_inq:1;	/* TCP_INQ: each read says what is left */

	u8 syn_retries;		/* TCP_SYNCNT: SYN (and SYN-ACK) retries */
	/* TCP_DEFER_ACCEPT, a listener's: SYN-ACK timeouts during which
	 * its children drop an ACK that brings no data (input.c)
	 */
	u8 defer_accept;
	u16 user_mss;		/* TCP_MAXSEG: the most either end may use */
	u32 window_clamp;	/* TCP_WINDOW_CLAMP: the most window we offer */
	int linger2;		/* TCP_LINGER2, s: FIN-WAIT-2; -1 none */
	u32 notsent_lowat;	/* TCP_NOTSENT_LOWAT, bytes */
	/* After a disconnect (af.c): where the next connection to that
	 * address starts, past the old one's sequence space; 0 if none
	 */
	u32 reconnect_iss;
	__be32 reconnect_daddr;
	/* Port held in the kernel's TCP (conn_table.c), shared with children */
	struct xtcp_port *port;

	/* Timers (timer.c), each holding a socket reference while queued */
	struct hrtimer rtx_timer;	/* retransmission and persist */
	struct hrtimer wait_timer;	/* TIME-WAIT and FIN-WAIT-2 */
	struct hrtimer ka_timer;	/* keepalive */
	struct hrtimer delack_timer;	/* delayed ACK */
	/* Which timers own a socket reference (one bit each), and the lock
	 * that makes "arm and take the reference" one step against the
	 * timer's own callback, which may run on another CPU while a
	 * process owns the socket. Innermost: taken under the socket lock;
	 * only the hrtimer's own base lock is taken inside it.
	 */
	spinlock_t timer_lock;
	u8 timer_refs;
	/* XTCP_DEFER_* bits, atomic: set by a timer's softirq callback that
	 * found the socket owned by a process, cleared by xtcp_release_cb()
	 */
	unsigned long deferred;

	/* Listener side (af.c): children, under queue_lock */
	spinlock_t queue_lock;
	struct list_head syn_queue;	/* children in SYN-RECEIVED */
	struct list_head accept_queue;	/* established, not yet accepted */
	u32 syn_qlen;
	u32 accept_qlen;
	/* jiffies of the last SYN answered with a cookie (syncookie.c),
	 * 0 if none: its ACK is looked at only within two minutes of it
	 */
	unsigned long cookie_sent_at;
	bool synflood_warned;
	/* Child side: the listener it came from (a reference), its queue
	 * link and which queue that is, under the listener's queue_lock
	 */
	struct sock *parent;
	struct list_head queue_node;
	bool in_accept_queue;

	/* Lookup table links (conn_table.c), under the table lock */
	u8 in_ehash:1;		/* hashed by 4-tuple */
	u8 in_lhash:1;		/* hashed as a listener */
	/* Left a table: hashing again waits for the RCU grace period that
	 * began then (rehash_gp), lest a lockless reader standing on this
	 * socket follow it into another chain and miss the rest of its own
	 */
	u8 rehash_wait:1;
	unsigned long rehash_gp;
	struct hlist_node ehash_node;
	struct hlist_node lhash_node;

	/* The connection; first, RFC 9293 3.3.1 send sequence variables */
	struct_group(conn, u32 iss;		/* initial send sequence number */
		u32 snd_una;		/* oldest unacknowledged sequence number */
		u32 snd_nxt;		/* next sequence number to send */
		u32 snd_wnd;		/* peer's window */
		u32 snd_wl1;		/* SEG.SEQ of the last window update */
		u32 snd_wl2;		/* SEG.ACK of the last window update */
		u32 write_seq;		/* sequence number after the last queued byte */
		u32 snd_mss;		/* largest segment we send (peer's MSS, MTU) */
		u16 peer_mss;		/* the peer's MSS option (536 without), TCP_MAXSEG */
		u32 pmtu;		/* the path MTU snd_mss was sized for */
		u32 mtu_info;		/* MTU of the last "fragmentation needed" */
		int icmp_err;		/* errno of an ICMP error to act on */
		u32 mtup_low;		/* RFC 4821: an MTU taken to pass (pmtu.c) */
		u32 mtup_high;		/* ... the most that may pass */
		u32 mtup_probe;		/* ... the MTU of a probe in flight, or 0 */
		u32 mtup_probe_seq;	/* ... its first sequence number */
		u32 mtup_probe_end;	/* ... and the one after its last */
		unsigned long mtup_stamp;	/* ... jiffies the search began */
		u8 mtup_enabled;	/* ... and segments kept within mtup_low */

		/* RFC 9293 3.3.1 receive sequence variables */
		u32 irs;		/* initial receive sequence number */
		u32 rcv_nxt;		/* next sequence number expected */
		u32 rcv_wnd;		/* window we last advertised */
		u32 rcv_wup;		/* rcv_nxt when we last advertised it */
		u32 rcv_ssthresh;	/* ceiling on the window offered (rwnd.c) */
		u32 copied_seq;		/* the next byte the application reads */
		u16 rcv_mss;		/* MSS we advertise */

		u8 fin_queued:1;	/* application closed its side: FIN after data */
		/* TCP_NODELAY set while corked: what is queued goes, cork or
		 * not, until more is queued (Linux's TCP_NAGLE_PUSH)
		 */
		u8 push_pending:1;
		u32 eor_queued;		/* send-queue skbs ending a record (MSG_EOR) */
		u8 orphan_counted:1;	/* counted in xtcp_orphans (sock.c) */
		u8 fin_rcvd:1;		/* peer's FIN is in sequence (rcv_nxt covers it) */
		u8 tw_moved:1;		/* handed over to a TIME-WAIT record (tw.c) */

		/* Urgent data (urg.c) */
		u8 urg_mode:1;		/* SND.UP ahead of SND.UNA: URG goes out */
		u32 snd_up;		/* SND.UP: the byte after our urgent data */
		u32 urg_seq;		/* the peer's urgent byte (RCV.UP - 1) */
		u16 urg_data;		/* XTCP_URG_* | the byte, 0: none */

		u32 max_snd_wnd;	/* largest window the peer offered */
		u32 last_seg;		/* where the last new segment began */
		/* Where pushed segments ended, each past SND.UNA, ascending
		 * (output.c: a retransmission ends there, PSH kept)
		 */
		u32 push_end[XTCP_PUSH_ENDS];
		u8 push_ends;
		u32 snd_sml;		/* after the last short segment sent
					 * (Nagle, Minshall's: output.c)
					 */

		/* Negotiated in the handshake (sock.c: xtcp_syn_negotiate) */
		u8 snd_wscale:4;	/* the peer's window shift (RFC 7323 2.2) */
		u8 rcv_wscale:4;	/* ours */
		u8 ws_ok:1;		/* both sent Window Scale */
		u8 sack_ok:1;		/* both sent SACK-Permitted (RFC 2018 2) */
		u8 ts_ok:1;		/* both sent Timestamps (RFC 7323 3.2) */
		u8 syn_rtx:1;		/* our SYN or SYN-ACK was resent: IW 1 */
		u8 defer_acked:1;	/* TCP_DEFER_ACCEPT dropped a bare ACK */
		u8 from_cookie:1;	/* opened by a SYN cookie's ACK */
		u32 ts_offset;		/* added to our clock in TSval (RFC 7323 5.4) */
		u32 ts_recent;		/* TS.Recent (RFC 7323 4.3) */
		u32 ts_recent_stamp;	/* when it was set, seconds, for PAWS 5.5 */

		/* Congestion control and loss recovery (cong.c) */
		struct xtcp_cong cong;
		ktime_t last_send;	/* for the restart after idle (RFC 5681 4.1) */

		/* Out-of-order text and the SACK blocks we report (ofo.c) */
		struct xtcp_ofo ofo;

		/* Receive buffer auto-tuning (stream.c: xtcp_rcv_space_adjust) */
		u32 rcvq_space;		/* bytes the application read last round */
		u32 rcvq_copied;	/* bytes it read this round */
		ktime_t rcvq_time;	/* when this round began */
		u32 rcv_rtt_us;		/* the receiver's RTT estimate (timestamps) */

		/* Retransmission and round-trip time (timer.c) */
		struct xtcp_rtt rtt;
		u8 retries;		/* consecutive expiries without progress */
		u8 retry_limit;		/* the tunable when this schedule began */
		u8 armed;		/* which timers an expiry is wanted of */
		ktime_t una_since;	/* SND.UNA last moved, or the flight
					 * began: TCP_USER_TIMEOUT, a SYN's
					 * give-up
					 */
		ktime_t rto_at;		/* when the RTO is due (a loss probe may
					 * come first: rtx_probe)
					 */
		u8 rtx_probe:1;		/* rtx_timer is armed for a loss probe */
		u8 rtx_reo:1;		/* ... for RACK's reordering window */
		u32 rack_fack;		/* the highest SACKed byte it was armed at */
		/* Tail loss probe (tlp.c) */
		u8 tlp_out:1;		/* a probe is out (RFC 8985 7.3) */
		u8 tlp_retrans:1;	/* ... and resent data (TLP.is_retrans) */
		u32 tlp_end;		/* SND.NXT when it went (TLP.end_seq) */
		/* Keepalive (timer.c) */
		u8 ka_probes;		/* probes sent since the peer was last heard */
		/* Persist (timer.c): window probes since the peer was last
		 * heard, and how often the probe interval has doubled since the
		 * window closed (Linux's icsk_probes_out, icsk_backoff)
		 */
		u8 probes_out;
		u8 probe_backoff;
		ktime_t probes_since;	/* the first probe's expiry, or 0 */
		unsigned long oow_ack_at;	/* jiffies of our last out-of-window ACK */
		ktime_t last_rcv;	/* when the peer last sent us a segment */
		/* Delayed ACK (timer.c) */
		u32 rcv_acked;		/* RCV.NXT as our last ACK carried it */
		u16 rcv_mss_est;	/* the peer's MSS: xtcp_peer_mss() */
		u16 last_seg_size;	/* the last short segment's size */
		u8 ack_pushed;		/* XTCP_ACK_PUSHED{,2} */
		u8 quick;		/* quick-ACK mode: ACKs yet to go at once */
		u8 pingpong;		/* our data answers the peer's (interactive) */
		ktime_t last_data_in;	/* when in-order text last came, or 0 */
		/* For TCP_INFO (info.c) */
		struct xtcp_counts counts;
	);
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/*
 * Data and our FIN go out in these states. FIN-WAIT-1, CLOSING and
 * LAST-ACK are entered when the application closes, but the FIN is sent
 * only after the data queued before it, which the window may still hold.
 */
static inline bool xtcp_can_send_data(const struct sock *sk)
{
	return (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				      TCPF_FIN_WAIT1 | TCPF_CLOSING |
				      TCPF_LAST_ACK);
}

/* Our MSS less the Timestamps option, if agreed: Linux's advmss */
static inline u32 xtcp_advmss(const struct xtcp_sock *xs)
{
	return xs->rcv_mss - (xs->ts_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
}

/*
 * The peer's segment size as Linux estimates it (icsk_ack.rcv_mss): from
 * the handshake on, timer.c's xtcp_rcv_mss_init() and
 * xtcp_measure_rcv_mss(); 536 before (RFC 9293 MUST-15). Read without
 * the lock by poll and TCP_INFO.
 */
static inline u32 xtcp_peer_mss(const struct xtcp_sock *xs)
{
	return READ_ONCE(xs->rcv_mss_est) ?: TCP_MSS_DEFAULT;
}

/* A segment ended a write of the peer's (timer.c's xtcp_measure_rcv_mss()):
 * a read that empties the queue sends the ACK owed (ICSK_ACK_PUSHED),
 * even in ping-pong mode if twice in a row (..._PUSHED2).
 */
#define XTCP_ACK_PUSHED		0x1
#define XTCP_ACK_PUSHED2	0x2

/*
 * The socket lock is held, in either form: owned by a process
 * (lock_sock) or its spinlock taken (bh_lock_sock). Checked by lockdep.
 */
#define xtcp_assert_locked(sk)	lockdep_assert(lockdep_sock_is_held(sk))

/**
 * struct xtcp_net - per-network-namespace state
 *
 * Tunables (/proc/sys/net/xtcp/): names, units and defaults are Linux
 * TCP's where Linux has the knob; the _ms knobs expose what Linux keeps
 * fixed, so tests can run in milliseconds. Values are read when a timer is
 * armed, so a write affects timers armed afterwards. Written only through
 * proc_dointvec_minmax (range-checked).
 */
struct xtcp_net {
	int syn_retries;
	int syn_linear_timeouts;	/* SYN timeouts before backing off */
	int synack_retries;
	int retries1;
	int retries2;
	int orphan_retries;
	int fin_timeout;	/* seconds */
	int keepalive_time;	/* seconds */
	int keepalive_intvl;	/* seconds */
	int keepalive_probes;
	int rto_initial_ms;
	int rto_min_ms;
	int rto_max_ms;
	int msl_ms;		/* TIME-WAIT lasts 2 * msl_ms */
	int delack_ms;
	int window_scaling;	/* RFC 7323 window scale: offer, accept */
	int timestamps;		/* RFC 7323 timestamps */
	int sack;		/* RFC 2018 selective acknowledgments */
	int dsack;		/* RFC 2883 duplicate SACK blocks we send */
	int reordering;		/* DupThresh to start from (cong.c) */
	int max_reordering;	/* the most DupThresh may grow to */
	int early_retrans;	/* tail loss probes at 3 or 4 (tlp.c) */
	int recovery;		/* bit 0x1: RACK loss detection (tlp.c) */
	int max_tw_buckets;	/* TIME-WAIT records at most (tw.c) */
	int syncookies;		/* 0 never, 1 on a full SYN queue, 2 always */
	int max_syn_backlog;	/* half-open at most per listener, no cookies */
	int challenge_ack_limit;	/* per second, namespace-wide (RFC 5961 7) */
	int max_orphans;	/* orphans (all namespaces) before resetting */
	int mtu_probing;	/* RFC 4821: 0 off, 1 after a black hole, 2 on */
	int base_mss;		/* MSS probing starts from, bytes */
	int mtu_probe_floor;	/* the least MSS a black hole cuts to */
	int probe_interval;	/* s after which a finished search starts anew */
	int probe_threshold;	/* bytes: the search ends once this narrow */
	struct ctl_table_header *sysctl_hdr;
	struct net *net;		/* the namespace these belong to */

	/* Counters (stats.c): per CPU, TCP_MIB_* and LINUX_MIB_* */
	struct tcp_mib __percpu *tcp_stats;
	struct linux_mib __percpu *ext_stats;
	/* challenge_ack_limit's budget: the second it is for, what is left */
	u32 challenge_second;
	u32 challenge_left;
	atomic_long_t synack_timeouts;	/* half-open children given up */
	atomic_long_t icmp_errors;	/* ICMP errors taken (icmp.c) */
	atomic_long_t pmtu_reduced;	/* MSS lowered by fragmentation needed */
	atomic_long_t mtu_black_holes;	/* MSS lowered by timeouts (RFC 4821) */
	atomic_t tw_count;		/* TIME-WAIT records in the table */
};

struct xtcp_net *xtcp_net(const struct net *net);

static inline struct xtcp_net *xtcp_sk_net(const struct sock *sk)
{
	return xtcp_net(sock_net(sk));
}

/* sysctl.c */
int xtcp_sysctl_register(void);
void xtcp_sysctl_unregister(void);
void xtcp_net_set_defaults(struct xtcp_net *xn);
const char *xtcp_sysctl_check(const struct xtcp_net *xn);

/* stats.c */
#define XTCP_INC_STATS(net, field) \
	SNMP_INC_STATS(xtcp_net(net)->tcp_stats, field)
#define XTCP_DEC_STATS(net, field) \
	SNMP_DEC_STATS(xtcp_net(net)->tcp_stats, field)
#define XTCP_ADD_STATS(net, field, n) \
	SNMP_ADD_STATS(xtcp_net(net)->tcp_stats, field, n)
#define XTCP_EXT_INC(net, field) \
	SNMP_INC_STATS(xtcp_net(net)->ext_stats, field)
#define XTCP_EXT_ADD(net, field, n) \
	SNMP_ADD_STATS(xtcp_net(net)->ext_stats, field, n)
int xtcp_stats_init_net(struct xtcp_net *xn);
void xtcp_stats_exit_net(struct xtcp_net *xn);
unsigned long xtcp_stats_tcp(const struct xtcp_net *xn, int field);
unsigned long xtcp_stats_ext(const struct xtcp_net *xn, int field);
void xtcp_stats_state(struct sock *sk, int old, int state);
void xtcp_stats_attempt_failed(struct sock *sk);
void xtcp_stats_listen_drop(struct sock *sk);
void xtcp_stats_listen_overflow(struct sock *sk);
void xtcp_stats_synack_timeout(struct sock *sk);

/* sockopt.c */
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int xtcp_ioctl(struct sock *sk, int cmd, int *karg);
bool xtcp_stream_memory_free(const struct sock *sk, int wake);
int xtcp_inq(const struct sock *sk);

/* urg.c: urgent data; urg_data is a state and, once VALID, the byte */
#define XTCP_URG_VALID	0x0100		/* the byte is here (low 8 bits) */
#define XTCP_URG_NOTYET	0x0200		/* announced, not yet arrived */
#define XTCP_URG_READ	0x0400		/* read with MSG_OOB */
void xtcp_urg_mark(struct sock *sk);
void xtcp_urg_acked(struct xtcp_sock *xs);
u16 xtcp_urg_ptr(const struct xtcp_sock *xs, u32 seq);
void xtcp_urg_rcv(struct sock *sk, struct sk_buff *skb);
size_t xtcp_urg_room(struct sock *sk, u32 seq, bool peek, size_t *hole);
void xtcp_urg_read_past(struct xtcp_sock *xs);
int xtcp_urg_recv(struct sock *sk, struct msghdr *msg, size_t len, int flags);
bool xtcp_urg_at_mark(const struct sock *sk);
int xtcp_urg_inq(const struct sock *sk, int inq);
bool xtcp_urg_pri(const struct sock *sk);
bool xtcp_urg_at_hidden_mark(const struct sock *sk);
bool xtcp_readable(const struct sock *sk, int extra);
int xtcp_set_rcvlowat(struct sock *sk, int val);
int xtcp_syn_retries(const struct sock *sk);
int xtcp_fin_timeout_ms(const struct sock *sk);

/* info.c */
void xtcp_get_info(struct sock *sk, struct tcp_info *info);
unsigned int xtcp_info_options(const struct xtcp_sock *xs);

/* af.c */
extern int xtcp_family;
extern struct proto xtcp_prot;
int xtcp_af_register(void);
void xtcp_af_unregister(void);
void xtcp_proto_unregister(void);
bool xtcp_accept_queue_full(const struct sock *sk);
bool xtcp_syn_queue_full(const struct sock *sk);
void xtcp_child_enqueue(struct sock *parent, struct sock *child);
bool xtcp_child_established(struct sock *child);
bool xtcp_child_unlink(struct sock *child);

/* sock.c */
void xtcp_sock_init(struct sock *sk);
void xtcp_conn_reset(struct sock *sk);
struct sock *xtcp_child_create(struct sock *parent, struct sk_buff *skb);
void xtcp_set_mss(struct sock *sk, u16 peer_mss);
struct xtcp_options;
void xtcp_syn_offer(struct sock *sk);
void xtcp_syn_negotiate(struct sock *sk, const struct xtcp_options *peer);
u32 xtcp_send_mss(const struct xtcp_sock *xs);
u32 xtcp_ts_now(const struct xtcp_sock *xs);
u32 xtcp_ts_clock(u32 offset);
u8 xtcp_rcv_wscale_for(const struct sock *sk);
void xtcp_done(struct sock *sk);
void xtcp_reset(struct sock *sk, int err);
void xtcp_icmp_abort(struct sock *sk, int err);
void xtcp_abort(struct sock *sk, int err);
void xtcp_give_up(struct sock *sk);
bool xtcp_check_oom(const struct sock *sk, int shift);
void xtcp_orphan_count(struct sock *sk);
void xtcp_abort_on_memory(struct sock *sk);
void xtcp_abort_on_linger(struct sock *sk);
int xtcp_orphans(void);
void xtcp_purge_queues(struct sock *sk);
void xtcp_socks_wait(void);

/* mem.c */
/* Free a send-queue skb and its charge (tcp_wmem_free_skb()). */
static inline void xtcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

int xtcp_prot_mem_init(struct proto *prot);
void xtcp_prot_mem_exit(void);
int xtcp_mem_sysctl_register(void);
void xtcp_mem_sysctl_unregister(void);
bool xtcp_under_memory_pressure(const struct sock *sk);
bool xtcp_out_of_memory(const struct sock *sk);
bool xtcp_rmem_schedule(struct sock *sk, struct sk_buff *skb, bool in_order);

/* rate.c: what the sender's time went on, the most telling first */
enum xtcp_chrono {
	XTCP_CHRONO_NONE,
	XTCP_CHRONO_BUSY,	/* data in flight */
	XTCP_CHRONO_RWND,	/* ... and the peer's window holds more back */
	XTCP_CHRONO_SNDBUF,	/* ... all written went, the writer waits */
};

u64 xtcp_pacing_rate(const struct xtcp_sock *xs);
void xtcp_chrono_start(struct sock *sk, enum xtcp_chrono type);
void xtcp_chrono_stop(struct sock *sk, enum xtcp_chrono type);
void xtcp_chrono_info(const struct xtcp_sock *xs, struct tcp_info *info);
void xtcp_chrono_end(struct sock *sk);
void xtcp_rate_app_limited(struct sock *sk);
void xtcp_rate_on_ack(struct sock *sk);
void xtcp_rate_dsack(struct sock *sk, const struct xtcp_sack_block *b,
		     unsigned int n, u32 ack);

/* state.c (events and the table: state.h) */
void xtcp_set_state(struct sock *sk, int state);
const char *xtcp_state_name(int state);

/* conn_table.c */
/* What a listener lookup knows of a segment: where it came from and to. */
struct xtcp_lookup {
	struct net *net;
	__be32 saddr, daddr;
	__be16 sport, dport;
	int dif, sdif;
};

#define XTCP_EHASH_SIZE	BIT(14)		/* buckets by 4-tuple, all namespaces */
extern struct workqueue_struct *xtcp_wq;
int xtcp_port_get(struct sock *sk, __be32 addr, __be16 port, bool reuse);
void xtcp_port_share(struct sock *child, struct sock *parent);
int xtcp_port_listen(struct sock *sk);
void xtcp_port_unlisten(struct sock *sk);
void xtcp_port_put(struct sock *sk, bool can_sleep);
void xtcp_port_drop(struct xtcp_port *p, bool can_sleep);
bool xtcp_port_held(struct net *net, __be32 addr, __be16 port);
bool xtcp_is_shadow(struct sock *sk);
int xtcp_ehash(struct sock *sk);
void xtcp_lhash(struct sock *sk);
void xtcp_unhash(struct sock *sk);
void xtcp_rehash_wait(struct sock *sk);
void xtcp_port_hold(struct xtcp_port *p);
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif, int sdif);
struct sock *xtcp_lookup_listener(const struct xtcp_lookup *l);
void xtcp_tables_drain(void (*fn)(struct sock *sk));
struct xtcp_tw;
void xtcp_tables_walk(struct net *net, void (*sock_fn)(struct sock *, void *),
		      void (*tw_fn)(struct xtcp_tw *, void *), void *arg);

/* syncookie.c */
enum xtcp_cookie_verdict {
	XTCP_COOKIE_NONE,	/* no cookie of ours: answer with a RST */
	XTCP_COOKIE_DROP,	/* drop the segment silently */
	XTCP_COOKIE_TAKEN,	/* a connection made; the segment is its */
};

bool xtcp_cookie_wanted(const struct sock *sk);
void xtcp_cookie_send_synack(struct sock *sk, struct sk_buff *skb,
			     const struct xtcp_options *peer);
enum xtcp_cookie_verdict xtcp_cookie_ack(struct sock *sk,
					 struct sk_buff *skb);

/* proc.c */
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);

/* tw.c (more in tw.h) */
int xtcp_tw_init(void);
void xtcp_tw_exit(void);

/* isn.c */
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 xtcp_ts_off(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 xtcp_isn_at(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport,
		u64 ns);
void xtcp_isn_init(void);

/**
 * struct xtcp_raw - a segment sent without a socket (xtcp_send_raw)
 * @net: namespace to send in
 * @id: the connection it belongs to, for tracing, or NULL
 * @state: that connection's state, for tracing
 * @saddr: source address
 * @daddr: destination address
 * @sport: source port
 * @dport: destination port
 * @seq: SEG.SEQ
 * @ack: SEG.ACK
 * @flags: XTCP_* flags
 * @win: SEG.WND
 * @oif: output interface, or 0
 * @mark: routing mark
 * @ts_ok: carry a Timestamps option with @tsval and @tsecr
 * @tsval: TSval
 * @tsecr: TSecr
 * @syn: the options of a SYN-ACK (its MSS is filled in from the route,
 *	at most a non-zero MSS it came with), or NULL; then @ts_ok says
 *	what the segment carries
 */
struct xtcp_raw {
	struct net *net;
	const void *id;
	int state;
	__be32 saddr, daddr;
	__be16 sport, dport;
	u32 seq, ack;
	u8 flags;
	u16 win;
	u8 wscale;	/* the shift of @win, for the trace only */
	int oif;
	u32 mark;
	u8 tos;		/* IP_TOS of the socket it speaks for */
	int ttl;	/* its IP_TTL; 0 or -1: the route's */
	bool ts_ok;
	u32 tsval, tsecr;
	struct xtcp_syn_options *syn;
	u32 syn_space;	/* if set, @win: xtcp_syn_window() of it (a SYN-ACK) */
};

/*
 * The window a SYN or SYN-ACK offers from @space, as Linux's
 * tcp_select_initial_window(): if larger than a segment of @seg bytes (the
 * MSS, less the Timestamps option if agreed), rounded down to a whole
 * number of them; at most 65535, never scaled (RFC 7323 2.2).
 */
static inline u32 xtcp_syn_window(u32 space, u32 seg)
{
	if (seg && space > seg)
		space = rounddown(space, seg);
	return min(space, 65535U);
}

/* rwnd.c */
u32 xtcp_rcv_space(const struct sock *sk);
u32 xtcp_rcv_sws_step(const struct sock *sk);
u32 xtcp_max_window(const struct xtcp_sock *xs);
u32 xtcp_rcv_window_now(const struct sock *sk);
u32 xtcp_select_window(struct sock *sk, bool syn);
u32 xtcp_rcv_truesize(const struct sk_buff *skb, bool in_order);
void xtcp_grow_window(struct sock *sk, u32 len, u32 truesize);
void xtcp_rcv_ssthresh_prune(struct sock *sk);
void xtcp_rcv_ssthresh_clamp(struct sock *sk, u32 old);

/* output.c */
void xtcp_send_raw(const struct xtcp_raw *r);
u16 xtcp_route_mss(struct sock *sk);
int xtcp_send_syn(struct sock *sk);
int xtcp_send_ack(struct sock *sk);
void xtcp_send_rst(struct sock *sk);
int xtcp_send_keepalive(struct sock *sk);
int xtcp_send_probe(struct sock *sk);
bool xtcp_send_loss_probe(struct sock *sk);
void xtcp_reply_rst(struct net *net, struct sk_buff *skb);
void xtcp_push(struct sock *sk);
void xtcp_push_more(struct sock *sk);
int xtcp_retransmit_head(struct sock *sk);
void xtcp_retransmit_all(struct sock *sk);
void xtcp_retransmit_mtu_probe(struct sock *sk);
void xtcp_push_forced(struct sock *sk);
bool xtcp_fin_sent(const struct xtcp_sock *xs);
void xtcp_push_ends_prune(struct xtcp_sock *xs);
void xtcp_send_oow_ack(struct sock *sk);
bool xtcp_oow_rate_limited(struct sock *sk);
void xtcp_send_challenge_ack(struct sock *sk);

/* tlp.c: the tail loss probe (RFC 8985 7) */
enum xtcp_tlp_verdict {
	XTCP_TLP_WAIT,		/* the episode goes on */
	XTCP_TLP_NO_LOSS,	/* it ended, nothing lost */
	XTCP_TLP_LOSS,		/* the probe repaired a loss */
};

u64 xtcp_tlp_pto_us(u32 srtt_us, bool one_out, u64 rto_min_us,
		    u64 initial_us);
s64 xtcp_tlp_pto_ns(const struct sock *sk);
#define XTCP_RACK_LOSS_DETECTION	0x1	/* Linux's TCP_RACK_LOSS_DETECTION */
s64 xtcp_rack_timeout_ns(struct sock *sk);
enum xtcp_tlp_verdict xtcp_tlp_judge(u32 end, bool resent, u32 ack,
				     bool dsacked, bool news);
void xtcp_tlp_on_ack(struct sock *sk, u32 ack, u32 prior_una,
		     const struct xtcp_sack_block *b, unsigned int n,
		     bool news);

/* input.c */
int xtcp_input_register(void);
void xtcp_input_unregister(void);

/* pmtu.c */
void xtcp_sync_mss(struct sock *sk, u32 pmtu);
void xtcp_mtu_reduced(struct sock *sk);
void xtcp_mtu_init(struct sock *sk);
void xtcp_mtu_black_hole(struct sock *sk);
void xtcp_ip_options_changed(struct sock *sk);
int xtcp_mtu_probe_len(struct sock *sk, u32 mss);
void xtcp_mtu_probe_sent(struct sock *sk, u32 seq, u32 len);
void xtcp_mtu_probe_acked(struct sock *sk, u8 prior_ca_state);

/* icmp.c */
unsigned int xtcp_icmp_rcv(struct net *net, struct sk_buff *skb);
void xtcp_icmp_deferred(struct sock *sk);
int xtcp_recv_error(struct sock *sk, struct msghdr *msg, int len,
		    int *addr_len);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb);
bool xtcp_seq_acceptable(u32 seg_seq, u32 seg_len, u32 rcv_nxt, u32 rcv_wnd);

/* stream.c */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
ssize_t xtcp_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags);
void xtcp_splice_eof(struct socket *sock);
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
		 int *addr_len);
void xtcp_write_space(struct sock *sk);
void xtcp_sndbuf_expand(struct sock *sk);
void xtcp_clean_acked(struct sock *sk);
bool xtcp_queue_data(struct sock *sk, struct sk_buff *skb, bool *ofo_fin);
void xtcp_rcvq_consume(struct sock *sk, struct sk_buff *skb, u32 n);
void xtcp_rbuf_cleaned(struct sock *sk, bool took);
void xtcp_rcv_space_adjust(struct sock *sk, u32 copied);

/* timer.c: the event hooks; the table of timers is atop timer.c */
void xtcp_timers_init(struct sock *sk);
void xtcp_timers_stop(struct sock *sk);
void xtcp_timer_event_sent(struct sock *sk, bool idle);
void xtcp_timer_event_acked(struct sock *sk, u32 ts_rtt_us);
void xtcp_timer_event_ack_done(struct sock *sk);
void xtcp_timer_event_delivered(struct sock *sk);
void xtcp_timer_event_sack_reneged(struct sock *sk);
void xtcp_timer_event_window_closed(struct sock *sk);
void xtcp_timer_event_window_opened(struct sock *sk);
void xtcp_timer_event_time_wait(struct sock *sk);
void xtcp_timer_event_fin_wait2(struct sock *sk);
void xtcp_timer_event_orphaned(struct sock *sk);
void xtcp_timer_event_received(struct sock *sk);
void xtcp_timer_event_gap_filled(struct sock *sk, bool fin);
void xtcp_rcv_mss_init(struct xtcp_sock *xs);
void xtcp_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb, u32 len);
void xtcp_timer_event_data_in(struct sock *sk);
void xtcp_timer_event_ack_sent(struct sock *sk);
void xtcp_timer_event_keepalive(struct sock *sk, bool on);
void xtcp_release_cb(struct sock *sk);
int xtcp_keepidle(const struct sock *sk);
int xtcp_keepintvl(const struct sock *sk);
int xtcp_keepcnt(const struct sock *sk);
void xtcp_rtt_sample(struct xtcp_rtt *est, u32 rtt_us, u32 rto_min_ms,
		     u32 rto_max_ms);
void xtcp_rtt_sent(struct xtcp_rtt *est, u32 snd_nxt, ktime_t now);
bool xtcp_rtt_acked(struct xtcp_rtt *est, u32 snd_una, ktime_t now,
		    u32 *rtt_us);
void xtcp_rtt_retransmitted(struct xtcp_rtt *est);
u32 xtcp_rto_backoff(u32 rto_ms, u32 rto_max_ms);

#endif /* _XTCP_H */
