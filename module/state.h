/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The events of RFC 9293's state diagram, and the table-driven transition
 * that applies them (state.c).
 */
#ifndef _XTCP_STATE_H
#define _XTCP_STATE_H

#include <linux/types.h>
#include <net/tcp_states.h>

struct sock;

/* One past the highest state xtcp uses (TCP_CLOSING). */
#define XTCP_NSTATES	(TCP_CLOSING + 1)

enum xtcp_event {
	XTCP_EV_ACTIVE_OPEN,	/* connect() */
	XTCP_EV_PASSIVE_OPEN,	/* listen() */
	XTCP_EV_CLOSE,		/* close() or shutdown(SHUT_WR) */
	XTCP_EV_RCV_SYN,	/* a SYN without ACK */
	XTCP_EV_RCV_SYNACK,	/* a SYN acknowledging our SYN */
	XTCP_EV_RCV_ACK_OF_SYN,	/* an ACK covering our SYN */
	XTCP_EV_RCV_FIN,	/* the peer's FIN, in sequence */
	XTCP_EV_RCV_ACK_OF_FIN,	/* an ACK covering our FIN */
	XTCP_EV_RCV_RST,	/* an acceptable RST */
	XTCP_EV_TIMEOUT,	/* 2MSL, FIN-WAIT-2 or retries exhausted */
	XTCP_EV_ABORT,		/* ABORT call: SO_LINGER 0, errors */
	XTCP_NEVENTS
};

int xtcp_next_state(int state, enum xtcp_event event);
bool xtcp_transition(struct sock *sk, enum xtcp_event event);
const char *xtcp_event_name(enum xtcp_event event);

#endif /* _XTCP_STATE_H */
