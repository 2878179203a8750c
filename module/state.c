// SPDX-License-Identifier: GPL-2.0
/*
 * The connection state machine: RFC 9293's diagram, the one table of
 * transitions drawn from it, and xtcp_set_state(), through which every
 * change of state passes.
 *
 * RFC 9293 3.3.2, Figure 5 (the states and the events that move them):
 *
 *                             +---------+ ---------\      active OPEN
 *                             |  CLOSED |            \    -----------
 *                             +---------+<---------\   \   create TCB
 *                               |     ^              \   \  snd SYN
 *                  passive OPEN |     |   CLOSE        \   \
 *                  ------------ |     | ----------       \   \
 *                   create TCB  |     | delete TCB         \   \
 *                               V     |                      \   \
 *           rcv RST (note 1)  +---------+            CLOSE    |    \
 *        -------------------->|  LISTEN |          ---------- |     |
 *       /                     +---------+          delete TCB |     |
 *      /           rcv SYN      |     |     SEND              |     |
 *     /           -----------   |     |    -------            |     V
 * +--------+      snd SYN,ACK  /       \   snd SYN          +--------+
 * |        |<-----------------           ------------------>|        |
 * |  SYN   |                    rcv SYN                     |  SYN   |
 * |  RCVD  |<-----------------------------------------------|  SENT  |
 * |        |                  snd SYN,ACK                   |        |
 * |        |------------------           -------------------|        |
 * +--------+   rcv ACK of SYN  \       /  rcv SYN,ACK       +--------+
 *    |         --------------   |     |   -----------
 *    |                x         |     |     snd ACK
 *    |                          V     V
 *    |  CLOSE               +---------+
 *    | -------              |  ESTAB  |
 *    | snd FIN              +---------+
 *    |                CLOSE   |     |    rcv FIN
 *    V               -------  |     |    -------
 * +---------+        snd FIN  /       \   snd ACK         +---------+
 * |  FIN    |<----------------          ------------------>|  CLOSE  |
 * | WAIT-1  |------------------                            |   WAIT  |
 * +---------+          rcv FIN  \                          +---------+
 *   | rcv ACK of FIN   -------   |                          CLOSE  |
 *   | --------------   snd ACK   |                         ------- |
 *   V        x                   V                         snd FIN V
 * +---------+               +---------+                    +---------+
 * |FINWAIT-2|               | CLOSING |                    | LAST-ACK|
 * +---------+               +---------+                    +---------+
 *   |              rcv ACK of FIN |                 rcv ACK of FIN |
 *   |  rcv FIN     -------------- |    Timeout=2MSL -------------- |
 *   |  -------            x       V    ------------        x       V
 *    \ snd ACK              +---------+delete TCB          +---------+
 *      -------------------->|TIME-WAIT|------------------->| CLOSED  |
 *                           +---------+                    +---------+
 *
 * Note 1: a child of a listener that is reset in SYN-RECEIVED is deleted;
 * its listener stays in LISTEN (RFC 9293 3.10.7.4, first check).
 *
 * The table below is that diagram plus the arcs the RFC gives in prose: a
 * FIN in SYN-RECEIVED (3.10.7.4, eighth check), RST and ABORT from any
 * synchronized state (3.10.7.4 second check, 3.10.4 ABORT call), and the
 * FIN-WAIT-2 timeout Linux applies to orphans (tcp_fin_timeout).
 */
#include <linux/kernel.h>

#include "state.h"
#include "trace.h"
#include "xtcp.h"

/* Linux's TCP_* numbers (net/tcp_states.h) in RFC 9293's words. */
static const char *const state_names[XTCP_NSTATES] = {
	[TCP_CLOSE]		= "CLOSED",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_SYN_SENT]		= "SYN-SENT",
	[TCP_SYN_RECV]		= "SYN-RECEIVED",
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_FIN_WAIT1]		= "FIN-WAIT-1",
	[TCP_FIN_WAIT2]		= "FIN-WAIT-2",
	[TCP_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCP_CLOSING]		= "CLOSING",
	[TCP_LAST_ACK]		= "LAST-ACK",
	[TCP_TIME_WAIT]		= "TIME-WAIT",
};

static const char *const event_names[XTCP_NEVENTS] = {
	[XTCP_EV_ACTIVE_OPEN]	= "active OPEN",
	[XTCP_EV_PASSIVE_OPEN]	= "passive OPEN",
	[XTCP_EV_CLOSE]		= "CLOSE",
	[XTCP_EV_RCV_SYN]	= "rcv SYN",
	[XTCP_EV_RCV_SYNACK]	= "rcv SYN,ACK",
	[XTCP_EV_RCV_ACK_OF_SYN] = "rcv ACK of SYN",
	[XTCP_EV_RCV_FIN]	= "rcv FIN",
	[XTCP_EV_RCV_ACK_OF_FIN] = "rcv ACK of FIN",
	[XTCP_EV_RCV_RST]	= "rcv RST",
	[XTCP_EV_TIMEOUT]	= "timeout",
	[XTCP_EV_ABORT]		= "ABORT",
};

#define S(x) (TCP_##x + 1)	/* 0 in the table means "no transition" */

/*
 * next_state[state][event]: where @event takes a connection in @state.
 * An empty slot means the event does not change that state (for instance
 * a FIN retransmitted into TIME-WAIT, which only restarts the wait).
 */
static const u8 next_state[XTCP_NSTATES][XTCP_NEVENTS] = {
	[TCP_CLOSE] = {
		[XTCP_EV_ACTIVE_OPEN]	= S(SYN_SENT),
		[XTCP_EV_PASSIVE_OPEN]	= S(LISTEN),
	},
	[TCP_LISTEN] = {
		[XTCP_EV_CLOSE]		= S(CLOSE),
		[XTCP_EV_RCV_SYN]	= S(SYN_RECV),	/* the new child */
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_SYN_SENT] = {
		[XTCP_EV_CLOSE]		= S(CLOSE),
		[XTCP_EV_RCV_SYN]	= S(SYN_RECV),	/* simultaneous open */
		[XTCP_EV_RCV_SYNACK]	= S(ESTABLISHED),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_SYN_RECV] = {
		[XTCP_EV_CLOSE]		= S(FIN_WAIT1),
		[XTCP_EV_RCV_ACK_OF_SYN] = S(ESTABLISHED),
		[XTCP_EV_RCV_FIN]	= S(CLOSE_WAIT),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_ESTABLISHED] = {
		[XTCP_EV_CLOSE]		= S(FIN_WAIT1),
		[XTCP_EV_RCV_FIN]	= S(CLOSE_WAIT),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_FIN_WAIT1] = {
		[XTCP_EV_RCV_FIN]	= S(CLOSING),
		[XTCP_EV_RCV_ACK_OF_FIN] = S(FIN_WAIT2),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_FIN_WAIT2] = {
		[XTCP_EV_RCV_FIN]	= S(TIME_WAIT),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_CLOSE_WAIT] = {
		[XTCP_EV_CLOSE]		= S(LAST_ACK),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_CLOSING] = {
		[XTCP_EV_RCV_ACK_OF_FIN] = S(TIME_WAIT),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_LAST_ACK] = {
		[XTCP_EV_RCV_ACK_OF_FIN] = S(CLOSE),
		[XTCP_EV_RCV_RST]	= S(CLOSE),
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
	[TCP_TIME_WAIT] = {
		[XTCP_EV_RCV_RST]	= S(CLOSE),	/* RFC 1337 aside, as Linux */
		[XTCP_EV_TIMEOUT]	= S(CLOSE),
		[XTCP_EV_ABORT]		= S(CLOSE),
	},
};

#undef S

/**
 * xtcp_next_state() - look up the table
 * @state: a TCP_* state
 * @event: an XTCP_EV_* event
 *
 * Return: the state @event leads to, or -1 if it leaves @state unchanged.
 */
int xtcp_next_state(int state, enum xtcp_event event)
{
	if (state <= 0 || state >= XTCP_NSTATES || event >= XTCP_NEVENTS)
		return -1;
	return (int)next_state[state][event] - 1;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_next_state);

const char *xtcp_state_name(int state)
{
	if (state > 0 && state < XTCP_NSTATES && state_names[state])
		return state_names[state];
	return "?";
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_state_name);

const char *xtcp_event_name(enum xtcp_event event)
{
	return event < XTCP_NEVENTS ? event_names[event] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_event_name);

/**
 * xtcp_set_state() - the one place a connection changes state
 * @sk: the socket, locked
 * @state: the new TCP_* state
 *
 * Tracing and per-state bookkeeping hang here. Entering CLOSED takes the
 * socket out of the lookup tables, so no further segment can reach it.
 */
void xtcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;

	xtcp_assert_locked(sk);
	if (old == state)
		return;
	/*
	 * A socket handing its connection to a TIME-WAIT record closes, but
	 * the connection does not: the record traces its end (tw.c).
	 */
	if (!(old == TCP_TIME_WAIT && state == TCP_CLOSE &&
	      xtcp_sk(sk)->tw_moved))
		trace_xtcp_state(sk, inet_sk(sk)->inet_saddr,
				 inet_sk(sk)->inet_daddr,
				 inet_sk(sk)->inet_sport,
				 inet_sk(sk)->inet_dport, old, state);
	xtcp_stats_state(sk, old, state);
	/* Lockless readers (poll, /proc) pair with this release. */
	smp_store_release(&sk->sk_state, state);
	if (state == TCP_CLOSE)
		xtcp_unhash(sk);
}

/**
 * xtcp_transition() - apply @event to @sk through the table
 * @sk: the socket, locked
 * @event: what happened
 *
 * Return: true if the state changed.
 */
bool xtcp_transition(struct sock *sk, enum xtcp_event event)
{
	int next = xtcp_next_state(sk->sk_state, event);

	if (next < 0)
		return false;
	xtcp_set_state(sk, next);
	return true;
}
