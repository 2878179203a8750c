// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite xtcp_state: every state x every event of the transition
 * table, against RFC 9293's diagram (3.3.2, Figure 5) written out again
 * here, independently of module/state.c.
 */
#include <kunit/test.h>

#include "../module/xtcp.h"

struct arc {
	int from;
	enum xtcp_event ev;
	int to;
};

/* Every arc of the diagram and of 3.10.7.4's prose; all else is no-op. */
static const struct arc arcs[] = {
	{ TCP_CLOSE, XTCP_EV_ACTIVE_OPEN, TCP_SYN_SENT },
	{ TCP_CLOSE, XTCP_EV_PASSIVE_OPEN, TCP_LISTEN },
	{ TCP_LISTEN, XTCP_EV_CLOSE, TCP_CLOSE },
	{ TCP_LISTEN, XTCP_EV_RCV_SYN, TCP_SYN_RECV },
	{ TCP_LISTEN, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_SYN_SENT, XTCP_EV_CLOSE, TCP_CLOSE },
	{ TCP_SYN_SENT, XTCP_EV_RCV_SYN, TCP_SYN_RECV },
	{ TCP_SYN_SENT, XTCP_EV_RCV_SYNACK, TCP_ESTABLISHED },
	{ TCP_SYN_SENT, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_SYN_SENT, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_SYN_SENT, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_SYN_RECV, XTCP_EV_CLOSE, TCP_FIN_WAIT1 },
	{ TCP_SYN_RECV, XTCP_EV_RCV_ACK_OF_SYN, TCP_ESTABLISHED },
	{ TCP_SYN_RECV, XTCP_EV_RCV_FIN, TCP_CLOSE_WAIT },
	{ TCP_SYN_RECV, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_SYN_RECV, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_SYN_RECV, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_ESTABLISHED, XTCP_EV_CLOSE, TCP_FIN_WAIT1 },
	{ TCP_ESTABLISHED, XTCP_EV_RCV_FIN, TCP_CLOSE_WAIT },
	{ TCP_ESTABLISHED, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_ESTABLISHED, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_ESTABLISHED, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_FIN_WAIT1, XTCP_EV_RCV_FIN, TCP_CLOSING },
	{ TCP_FIN_WAIT1, XTCP_EV_RCV_ACK_OF_FIN, TCP_FIN_WAIT2 },
	{ TCP_FIN_WAIT1, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_FIN_WAIT1, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_FIN_WAIT1, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_FIN_WAIT2, XTCP_EV_RCV_FIN, TCP_TIME_WAIT },
	{ TCP_FIN_WAIT2, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_FIN_WAIT2, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_FIN_WAIT2, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_CLOSE_WAIT, XTCP_EV_CLOSE, TCP_LAST_ACK },
	{ TCP_CLOSE_WAIT, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_CLOSE_WAIT, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_CLOSE_WAIT, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_CLOSING, XTCP_EV_RCV_ACK_OF_FIN, TCP_TIME_WAIT },
	{ TCP_CLOSING, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_CLOSING, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_CLOSING, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_LAST_ACK, XTCP_EV_RCV_ACK_OF_FIN, TCP_CLOSE },
	{ TCP_LAST_ACK, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_LAST_ACK, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_LAST_ACK, XTCP_EV_ABORT, TCP_CLOSE },
	{ TCP_TIME_WAIT, XTCP_EV_RCV_RST, TCP_CLOSE },
	{ TCP_TIME_WAIT, XTCP_EV_TIMEOUT, TCP_CLOSE },
	{ TCP_TIME_WAIT, XTCP_EV_ABORT, TCP_CLOSE },
};

static const int states[] = {
	TCP_CLOSE, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECV, TCP_ESTABLISHED,
	TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE_WAIT, TCP_CLOSING,
	TCP_LAST_ACK, TCP_TIME_WAIT,
};

static int expected(int from, enum xtcp_event ev)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(arcs); i++)
		if (arcs[i].from == from && arcs[i].ev == ev)
			return arcs[i].to;
	return -1;
}

/* All 11 x 11 pairs, one assertion each. */
static void state_every_state_every_event(struct kunit *test)
{
	int i, ev;

	for (i = 0; i < ARRAY_SIZE(states); i++)
		for (ev = 0; ev < XTCP_NEVENTS; ev++)
			KUNIT_EXPECT_EQ_MSG(test, xtcp_next_state(states[i], ev),
					    expected(states[i], ev),
					    "%s + %s", xtcp_state_name(states[i]),
					    xtcp_event_name(ev));
}

/* Walk the two textbook paths end to end. */
static void state_textbook_paths(struct kunit *test)
{
	static const enum xtcp_event active_close[] = {
		XTCP_EV_ACTIVE_OPEN, XTCP_EV_RCV_SYNACK, XTCP_EV_CLOSE,
		XTCP_EV_RCV_ACK_OF_FIN, XTCP_EV_RCV_FIN, XTCP_EV_TIMEOUT,
	};
	static const int active_states[] = {
		TCP_SYN_SENT, TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2,
		TCP_TIME_WAIT, TCP_CLOSE,
	};
	static const enum xtcp_event passive_close[] = {
		XTCP_EV_PASSIVE_OPEN, XTCP_EV_RCV_SYN, XTCP_EV_RCV_ACK_OF_SYN,
		XTCP_EV_RCV_FIN, XTCP_EV_CLOSE, XTCP_EV_RCV_ACK_OF_FIN,
	};
	static const int passive_states[] = {
		TCP_LISTEN, TCP_SYN_RECV, TCP_ESTABLISHED, TCP_CLOSE_WAIT,
		TCP_LAST_ACK, TCP_CLOSE,
	};
	int s, i;

	for (s = TCP_CLOSE, i = 0; i < ARRAY_SIZE(active_close); i++) {
		s = xtcp_next_state(s, active_close[i]);
		KUNIT_EXPECT_EQ(test, s, active_states[i]);
	}
	for (s = TCP_CLOSE, i = 0; i < ARRAY_SIZE(passive_close); i++) {
		s = xtcp_next_state(s, passive_close[i]);
		KUNIT_EXPECT_EQ(test, s, passive_states[i]);
	}
}

/* Simultaneous open (MUST-10) and simultaneous close. */
static void state_simultaneous(struct kunit *test)
{
	int s = xtcp_next_state(TCP_SYN_SENT, XTCP_EV_RCV_SYN);

	KUNIT_EXPECT_EQ(test, s, TCP_SYN_RECV);
	KUNIT_EXPECT_EQ(test, xtcp_next_state(s, XTCP_EV_RCV_ACK_OF_SYN),
			TCP_ESTABLISHED);
	s = xtcp_next_state(TCP_FIN_WAIT1, XTCP_EV_RCV_FIN);
	KUNIT_EXPECT_EQ(test, s, TCP_CLOSING);
	KUNIT_EXPECT_EQ(test, xtcp_next_state(s, XTCP_EV_RCV_ACK_OF_FIN),
			TCP_TIME_WAIT);
}

static void state_bad_input(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xtcp_next_state(0, XTCP_EV_CLOSE), -1);
	KUNIT_EXPECT_EQ(test, xtcp_next_state(99, XTCP_EV_CLOSE), -1);
	KUNIT_EXPECT_EQ(test, xtcp_next_state(TCP_LISTEN, XTCP_NEVENTS), -1);
	KUNIT_EXPECT_STREQ(test, xtcp_state_name(TCP_SYN_RECV), "SYN-RECEIVED");
	KUNIT_EXPECT_STREQ(test, xtcp_state_name(99), "?");
}

static struct kunit_case xtcp_state_cases[] = {
	KUNIT_CASE(state_every_state_every_event),
	KUNIT_CASE(state_textbook_paths),
	KUNIT_CASE(state_simultaneous),
	KUNIT_CASE(state_bad_input),
	{}
};

static struct kunit_suite xtcp_state_suite = {
	.name = "xtcp_state",
	.test_cases = xtcp_state_cases,
};

kunit_test_suite(xtcp_state_suite);
