/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp's tracepoints: every state change, every segment sent or received
 * and every timer that fires, in /sys/kernel/tracing/events/xtcp/.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#ifndef _XTCP_TRACE_TIMERS
#define _XTCP_TRACE_TIMERS
/* The timers xtcp_timer reports (timer.c) */
enum xtcp_timer_kind {
	XTCP_TIMER_RTX,
	XTCP_TIMER_PERSIST,
	XTCP_TIMER_OVERRIDE,
	XTCP_TIMER_DELACK,
	XTCP_TIMER_KEEPALIVE,
	XTCP_TIMER_TIME_WAIT,
	XTCP_TIMER_FIN_WAIT2,
	XTCP_TIMER_LOSS_PROBE,
	XTCP_TIMER_REORDER,
};
#endif

#if !defined(_XTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_TRACE_H

#include <linux/tcp.h>
#include <linux/tracepoint.h>
#include <net/inet_sock.h>
#include <net/sock.h>

#define xtcp_show_state(s)						\
	__print_symbolic(s,						\
		{ TCP_CLOSE, "CLOSED" }, { TCP_LISTEN, "LISTEN" },	\
		{ TCP_SYN_SENT, "SYN-SENT" },				\
		{ TCP_SYN_RECV, "SYN-RECEIVED" },			\
		{ TCP_ESTABLISHED, "ESTABLISHED" },			\
		{ TCP_FIN_WAIT1, "FIN-WAIT-1" },			\
		{ TCP_FIN_WAIT2, "FIN-WAIT-2" },			\
		{ TCP_CLOSE_WAIT, "CLOSE-WAIT" },			\
		{ TCP_CLOSING, "CLOSING" },				\
		{ TCP_LAST_ACK, "LAST-ACK" },				\
		{ TCP_TIME_WAIT, "TIME-WAIT" })

#define xtcp_show_flags(f)						\
	__print_flags(f, "",						\
		{ 0x02, "S" }, { 0x10, "." }, { 0x01, "F" },		\
		{ 0x04, "R" }, { 0x08, "P" }, { 0x20, "U" })

/* A connection's name and 4-tuple, in each event that reports one. */
#define XTCP_TP_STORE_CONN(i, sa, da, sp, dp)				\
	do {								\
		__entry->skaddr = (i);					\
		memcpy(__entry->saddr, &(sa), 4);			\
		memcpy(__entry->daddr, &(da), 4);			\
		__entry->sport = ntohs(sp);				\
		__entry->dport = ntohs(dp);				\
	} while (0)

/*
 * A connection is named by @id: its socket's address, kept by its
 * TIME-WAIT record (tw.c) so the trace follows it to the end.
 */
TRACE_EVENT(xtcp_state,
	    TP_PROTO(const void *id, __be32 saddr, __be32 daddr, __be16 sport,
		     __be16 dport, int oldstate, int newstate),
	    TP_ARGS(id, saddr, daddr, sport, dport, oldstate, newstate),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(int, oldstate)
			     __field(int, newstate)),
	    TP_fast_assign(XTCP_TP_STORE_CONN(id, saddr, daddr, sport, dport);
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;),
	    TP_printk("sk=%p %pI4:%u %pI4:%u %s -> %s", __entry->skaddr,
		      __entry->saddr, __entry->sport, __entry->daddr,
		      __entry->dport, xtcp_show_state(__entry->oldstate),
		      xtcp_show_state(__entry->newstate))
);

/*
 * A segment: @win is its window field, wnd= the window in bytes, scaled by
 * @wscale (RFC 7323 2.3; never in a SYN); XTCP_TRACE_WSCALE_UNKNOWN where
 * the shift is not known (received by a listener, in SYN-SENT, or at a
 * port with no connection): then wnd=-1.
 */
#define XTCP_TRACE_WSCALE_UNKNOWN	0xff
TRACE_EVENT(xtcp_segment,
	    TP_PROTO(const void *id, int state, bool out, __be32 saddr,
		     __be32 daddr, const struct tcphdr *th, u32 len, u8 wscale),
	    TP_ARGS(id, state, out, saddr, daddr, th, len, wscale),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(bool, out)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(__u32, seq)
			     __field(__u32, ack)
			     __field(__u16, win)
			     __field(__u8, flags)
			     __field(__u32, len)
			     __field(int, state)
			     __field(__s64, wnd)),
	    TP_fast_assign(__entry->skaddr = id;
			   __entry->out = out;
			   memcpy(__entry->saddr, &saddr, 4);
			   memcpy(__entry->daddr, &daddr, 4);
			   __entry->sport = ntohs(th->source);
			   __entry->dport = ntohs(th->dest);
			   __entry->seq = ntohl(th->seq);
			   __entry->ack = ntohl(th->ack_seq);
			   __entry->win = ntohs(th->window);
			   __entry->flags = ((const u8 *)th)[13];
			   __entry->len = len;
			   __entry->state = state;
			   __entry->wnd = th->syn ? ntohs(th->window) :
				wscale == XTCP_TRACE_WSCALE_UNKNOWN ? -1 :
				(s64)ntohs(th->window) << wscale;),
	    TP_printk("sk=%p %s %pI4:%u > %pI4:%u [%s] seq=%u ack=%u win=%u len=%u state=%s wnd=%lld",
		      __entry->skaddr, __entry->out ? "out" : "in",
		      __entry->saddr, __entry->sport, __entry->daddr,
		      __entry->dport, xtcp_show_flags(__entry->flags),
		      __entry->seq, __entry->ack, __entry->win, __entry->len,
		      xtcp_show_state(__entry->state), __entry->wnd)
);

TRACE_DEFINE_ENUM(XTCP_TIMER_RTX);
TRACE_DEFINE_ENUM(XTCP_TIMER_PERSIST);
TRACE_DEFINE_ENUM(XTCP_TIMER_OVERRIDE);
TRACE_DEFINE_ENUM(XTCP_TIMER_DELACK);
TRACE_DEFINE_ENUM(XTCP_TIMER_KEEPALIVE);
TRACE_DEFINE_ENUM(XTCP_TIMER_TIME_WAIT);
TRACE_DEFINE_ENUM(XTCP_TIMER_FIN_WAIT2);
TRACE_DEFINE_ENUM(XTCP_TIMER_LOSS_PROBE);
TRACE_DEFINE_ENUM(XTCP_TIMER_REORDER);

#define xtcp_show_timer(t)						\
	__print_symbolic(t,						\
		{ XTCP_TIMER_RTX, "retransmission" },			\
		{ XTCP_TIMER_PERSIST, "persist" },			\
		{ XTCP_TIMER_OVERRIDE, "sws-override" },			\
		{ XTCP_TIMER_DELACK, "delayed-ack" },			\
		{ XTCP_TIMER_KEEPALIVE, "keepalive" },			\
		{ XTCP_TIMER_TIME_WAIT, "time-wait" },			\
		{ XTCP_TIMER_FIN_WAIT2, "fin-wait-2" },		\
		{ XTCP_TIMER_LOSS_PROBE, "loss-probe" },		\
		{ XTCP_TIMER_REORDER, "reorder" })

/*
 * A timer that fired and acted (timer.c, and tw.c for a TIME-WAIT record):
 * @backoff is the retransmission or probe count so far, @rto_ms the
 * retransmission timeout then in use (a probe's: its interval). The
 * retransmission timer also sends data held back for want of a full
 * segment (RFC 9293 3.8.6.2.1, the override timeout): "sws-override".
 */
TRACE_EVENT(xtcp_timer,
	    TP_PROTO(const void *id, __be32 saddr, __be32 daddr, __be16 sport,
		     __be16 dport, int timer, u32 backoff, u32 rto_ms, int state),
	    TP_ARGS(id, saddr, daddr, sport, dport, timer, backoff, rto_ms,
		    state),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(int, timer)
			     __field(__u32, backoff)
			     __field(__u32, rto_ms)
			     __field(int, state)),
	    TP_fast_assign(XTCP_TP_STORE_CONN(id, saddr, daddr, sport, dport);
			   __entry->timer = timer;
			   __entry->backoff = backoff;
			   __entry->rto_ms = rto_ms;
			   __entry->state = state;),
	    TP_printk("sk=%p %pI4:%u %pI4:%u timer=%s backoff=%u rto=%u state=%s",
		      __entry->skaddr, __entry->saddr, __entry->sport,
		      __entry->daddr, __entry->dport,
		      xtcp_show_timer(__entry->timer), __entry->backoff,
		      __entry->rto_ms, xtcp_show_state(__entry->state))
);

#endif /* _XTCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
