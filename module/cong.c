// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control and loss recovery: how much the sender may have in
 * flight (cwnd, RFC 5681), what it takes as lost, and what it resends
 * next (RFC 6582 NewReno without SACK, RFC 6675 with it).
 *
 * One model serves both kinds of peer. Each byte in flight is SACKed,
 * lost, or still in the network; RFC 6675's "pipe" counts the last kind
 * plus what was resent:
 *
 *   pipe = (SND.NXT - SND.UNA) - SACKed - (lost and not yet resent)
 *
 * and the sender sends while pipe < cwnd: first the lost data from
 * HighRxt on (NextSeg rule 1), then new data. Without SACK, each
 * duplicate ACK stands for one segment that left the network (as RFC
 * 6582's window inflation, and Linux's "reno sacks"), and only the
 * segment at SND.UNA is lost: a partial ACK marks the next one (RFC 6582
 * 3.2 step 5). After a timeout everything in flight is lost and the
 * window restarts at one segment (RFC 5681 3.1, "loss window").
 *
 * Reordering is not loss. A hole filled by the original segment, not by a
 * resent one, shows how far the path reorders; DupThresh grows to that
 * many segments (RFC 6675 2 allows it; Linux's tp->reordering). And when
 * an ACK for resent data echoes a timestamp older than the first
 * resending, the original arrived after all: the window is restored
 * (RFC 3522 Eifel detection, the response of RFC 4015 3).
 *
 * Where an RFC rule lives:
 *   RFC 6928 initial window               xtcp_cong_initial_window
 *   RFC 5681 3.1 slow start, avoidance    cong_grow
 *   cwnd validation (RFC 7661's aim)      xtcp_cong_in_use, xtcp_cong_sent,
 *                                         xtcp_cong_full
 *   RFC 5681 3.1 equation 4, timeout      xtcp_cong_on_rto
 *   RFC 5681 3.2 fast retransmit          enter_recovery
 *   RFC 6582 3.2 full and partial ACKs    xtcp_cong_on_ack
 *   RFC 8985 7.4.2 a probe repaired loss  xtcp_cong_on_tlp_loss (tlp.c)
 *   RFC 8985 6.2 RACK: a hole timed out   xtcp_cong_on_rack_lost (tlp.c)
 *   RFC 5681 4.1 restart after idle       xtcp_cong_restart
 *   RFC 6675 IsLost                       xtcp_sb_lost_end
 *   RFC 6675 pipe, NextSeg rule 1         xtcp_cong_pipe, xtcp_cong_next_rtx
 *   RFC 6675 5 (4.3) first resending      xtcp_cong_may_resend
 *   RFC 2018 8 (reneging: forget SACKs)   xtcp_cong_on_rto
 *   reneging seen before the timeout      xtcp_cong_sack_reneged
 *   reordering degree (DupThresh)         note_reordering, xtcp_cong_on_sack
 *   RFC 3522 detection, RFC 4015 undo     spurious, undo
 *   Karn's rule for timestamp echoes      xtcp_cong_echo_predates_rtx
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "compat.h"

#include "cong.h"
#include "seq.h"

static u32 block_len(const struct xtcp_sack_block *b)
{
	return b->end - b->start;
}

static void sb_recount(struct xtcp_scoreboard *sb)
{
	unsigned int i;

	sb->sacked = 0;
	for (i = 0; i < sb->n; i++)
		sb->sacked += block_len(&sb->r[i]);
}

/* Add [start, end) to the board, merging what it touches. */
static void sb_insert(struct xtcp_scoreboard *sb, u32 start, u32 end)
{
	unsigned int i = 0, j;

	while (i < sb->n && xtcp_seq_before(sb->r[i].end, start))
		i++;
	for (j = i; j < sb->n && xtcp_seq_before_eq(sb->r[j].start, end); j++) {
		start = xtcp_seq_min(start, sb->r[j].start);
		end = xtcp_seq_max(end, sb->r[j].end);
	}
	if (j == i) {
		/* Touches nothing: a new range at i; a full board drops its
		 * highest (or this one, if it would be the highest).
		 */
		if (sb->n == XTCP_SB_MAX) {
			if (i == sb->n)
				return;
			sb->n--;
		}
		memmove(&sb->r[i + 1], &sb->r[i],
			(sb->n - i) * sizeof(sb->r[0]));
		sb->n++;
	} else {
		/* Ranges i..j-1 become one, at i. */
		memmove(&sb->r[i + 1], &sb->r[j], (sb->n - j) * sizeof(sb->r[0]));
		sb->n -= j - i - 1;
	}
	sb->r[i].start = start;
	sb->r[i].end = end;
}

/* RFC 2018 4: what a SACK block may describe (see xtcp_sb_add()) */
static bool sack_block_ok(u32 start, u32 end, u32 snd_una, u32 snd_nxt)
{
	return xtcp_seq_before(start, end) &&
	       !xtcp_seq_after(end, snd_nxt) &&
	       xtcp_seq_after(end, snd_una) &&
	       end - start <= snd_nxt - snd_una;
}

/* The end of the highest SACKed range, or @snd_una. */
static u32 sb_fack(const struct xtcp_scoreboard *sb, u32 snd_una)
{
	return sb->n ? xtcp_seq_max(sb->r[sb->n - 1].end, snd_una) : snd_una;
}

/**
 * xtcp_sb_add() - record the SACK blocks of an ACK (RFC 2018 3, RFC 6675 5)
 * @sb: the scoreboard
 * @b: the blocks as received
 * @n: how many
 * @snd_una: SND.UNA after this ACK
 * @snd_nxt: SND.NXT
 *
 * A block that is empty, reversed, reaches beyond SND.NXT or is longer
 * than all data in flight is bogus and ignored; the part of a block at or
 * below SND.UNA says nothing new (a D-SACK, RFC 2883) and is cut off.
 *
 * Return: bytes SACKed for the first time.
 */
u32 xtcp_sb_add(struct xtcp_scoreboard *sb, const struct xtcp_sack_block *b,
		unsigned int n, u32 snd_una, u32 snd_nxt)
{
	u32 before = sb->sacked;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 start = b[i].start, end = b[i].end;

		if (!sack_block_ok(start, end, snd_una, snd_nxt))
			continue;
		sb_insert(sb, xtcp_seq_max(start, snd_una), end);
	}
	sb_recount(sb);
	return sb->sacked > before ? sb->sacked - before : 0;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_sb_add);

/**
 * xtcp_sb_advance() - SND.UNA moved: forget what lies below it
 * @sb: the scoreboard
 * @snd_una: the new SND.UNA
 */
void xtcp_sb_advance(struct xtcp_scoreboard *sb, u32 snd_una)
{
	unsigned int i = 0;

	while (i < sb->n && xtcp_seq_before_eq(sb->r[i].end, snd_una))
		i++;
	if (i) {
		memmove(&sb->r[0], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
		sb->n -= i;
	}
	if (sb->n && xtcp_seq_before(sb->r[0].start, snd_una))
		sb->r[0].start = snd_una;
	sb_recount(sb);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_sb_advance);

/**
 * xtcp_sb_unsacked() - bytes of [@from, @to) the peer has not SACKed
 * @sb: the scoreboard
 * @from: first byte
 * @to: the byte after the last
 */
u32 xtcp_sb_unsacked(const struct xtcp_scoreboard *sb, u32 from, u32 to)
{
	u32 total;
	unsigned int i;

	if (!xtcp_seq_before(from, to))
		return 0;
	total = to - from;
	for (i = 0; i < sb->n; i++) {
		u32 s = xtcp_seq_max(sb->r[i].start, from);
		u32 e = xtcp_seq_min(sb->r[i].end, to);

		if (xtcp_seq_before(s, e))
			total -= e - s;
	}
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_sb_unsacked);

/**
 * xtcp_sb_next_hole() - the first unSACKed run at or after @from, below
 * @limit
 * @sb: the scoreboard
 * @from: where to look from
 * @limit: where to stop
 * @start: the run's first byte
 * @len: its length (it ends at the next SACKed range or @limit)
 *
 * Return: whether there is one.
 */
bool xtcp_sb_next_hole(const struct xtcp_scoreboard *sb, u32 from, u32 limit,
		       u32 *start, u32 *len)
{
	unsigned int i;

	for (i = 0; i < sb->n; i++) {
		if (xtcp_seq_before_eq(sb->r[i].end, from))
			continue;
		if (xtcp_seq_after(sb->r[i].start, from))
			break;
		from = sb->r[i].end;	/* inside a SACKed range: skip it */
	}
	if (!xtcp_seq_before(from, limit))
		return false;
	*start = from;
	*len = (i < sb->n ? xtcp_seq_min(sb->r[i].start, limit) : limit) - from;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_sb_next_hole);

/**
 * xtcp_sb_lost_end() - RFC 6675 IsLost: an unSACKed byte is lost once
 * DupThresh SACKed ranges or more than (DupThresh - 1) * SMSS SACKed bytes
 * lie above it. Those bytes are all below the returned sequence number.
 * @sb: the scoreboard
 * @snd_una: SND.UNA, returned when nothing is lost
 * @mss: SMSS
 * @dupthresh: DupThresh
 */
u32 xtcp_sb_lost_end(const struct xtcp_scoreboard *sb, u32 snd_una, u32 mss,
		     u32 dupthresh)
{
	u32 above = 0;
	int i;

	for (i = sb->n - 1; i >= 0; i--) {
		above += block_len(&sb->r[i]);
		if (above > (dupthresh - 1) * mss || sb->n - i >= dupthresh)
			return sb->r[i].start;
	}
	return snd_una;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_sb_lost_end);

/**
 * xtcp_cong_initial_window() - RFC 6928 2: min(10 * MSS,
 * max(2 * MSS, 14600)) bytes
 * @mss: the sender's MSS
 */
u32 xtcp_cong_initial_window(u32 mss)
{
	return min(10 * mss, max(2 * mss, 14600U));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_initial_window);

/**
 * xtcp_cong_init() - a new connection: the initial window, and ssthresh
 * "arbitrarily high" (RFC 5681 3.1)
 * @c: the state
 * @mss: the sender's MSS
 */
void xtcp_cong_init(struct xtcp_cong *c, u32 mss)
{
	memset(c, 0, sizeof(*c));
	c->cwnd = xtcp_cong_initial_window(mss);
	c->ssthresh = XTCP_CWND_MAX;
	xtcp_cong_set_reordering(c, XTCP_DUPTHRESH, XTCP_MAX_REORDERING);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_init);

/**
 * xtcp_cong_set_reordering() - DupThresh to start from, and the most the
 * reordering estimate may raise it to (Linux's tcp_reordering and
 * tcp_max_reordering)
 * @c: the state
 * @start: DupThresh now, and after a timeout that found it too high
 * @max: the ceiling
 */
void xtcp_cong_set_reordering(struct xtcp_cong *c, u32 start, u32 max)
{
	c->dupthresh = clamp_t(u32, start, 1, U16_MAX);
	c->max_reordering = clamp_t(u32, max, 1, U16_MAX);
	c->reordering = c->dupthresh;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_set_reordering);

/**
 * xtcp_cong_sent() - after the sender sent (or found cwnd full): how
 * much of cwnd it used, once per flight (Linux's tcp_cwnd_validate())
 * @c: the state
 * @snd_una: SND.UNA
 * @snd_nxt: SND.NXT
 * @limited: cwnd has no room for another full segment
 *
 * A flight measures anew once SND.UNA passes where the last began; within
 * one, cwnd reached counts at once, and so does a fuller use unless cwnd
 * was reached already.
 */
void xtcp_cong_sent(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt,
		    bool limited)
{
	u32 flight = snd_nxt - snd_una;

	if (!xtcp_seq_before(snd_una, c->usage_seq) || limited ||
	    (!c->cwnd_limited && flight > c->max_flight)) {
		c->max_flight = flight;
		c->usage_seq = snd_nxt;
		c->cwnd_limited = limited;
	}
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_sent);

/**
 * xtcp_cong_full() - cwnd has no room for another full segment: the
 * sender is cwnd-limited (Linux's "packets in flight >= cwnd", in bytes)
 * @c: the state
 * @pipe: what is in flight (xtcp_cong_pipe())
 * @mss: the sender's MSS
 */
bool xtcp_cong_full(const struct xtcp_cong *c, u32 pipe, u32 mss)
{
	return pipe + mss > c->cwnd;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_full);

/**
 * xtcp_cong_in_use() - whether the sender used cwnd (congestion window
 * validation)
 * @c: the state
 *
 * An ACK may grow cwnd only if the sender used it (RFC 5681 4.1's concern;
 * RFC 7661 1: an unused cwnd says nothing of the path), as Linux's
 * tcp_is_cwnd_limited(): in slow start
 * while cwnd is under twice the largest flight, so a flight that doubles
 * is never held back; in avoidance only if the flight filled cwnd (to
 * within a segment: after a loss cwnd is rarely whole segments). A
 * request/response or rate-limited sender keeps the window it began
 * with, and one bound by the receiver's window does not grow a cwnd far
 * beyond it.
 *
 * Return: true if it did.
 */
bool xtcp_cong_in_use(const struct xtcp_cong *c)
{
	if (c->cwnd < c->ssthresh)
		return c->cwnd_limited || c->cwnd < 2 * c->max_flight;
	return c->cwnd_limited;
}

/*
 * RFC 5681 3.1: slow start grows cwnd by the bytes acknowledged, up to
 * ssthresh; congestion avoidance by one SMSS per cwnd acknowledged. A
 * stretch ACK (GRO, an ACK lost) counts in full, as Linux's
 * tcp_slow_start() counts every segment acknowledged: RFC 5681's "at
 * most SMSS" per ACK, or RFC 3465's 2 * SMSS, would slow the start of a
 * connection whose peer ACKs less often than every other segment. After
 * a timeout, though, one SMSS per ACK (RFC 3465 2.3): xtcp does not pace,
 * and one ACK for a whole flight would send ssthresh in one burst.
 * Whatever an ACK acknowledges past ssthresh counts toward avoidance.
 */
static void cong_grow(struct xtcp_cong *c, u32 acked, u32 mss)
{
	if (!xtcp_cong_in_use(c))
		return;
	if (c->state == XTCP_CA_LOSS)
		acked = min(acked, mss);
	if (c->cwnd < c->ssthresh) {
		u32 room = c->ssthresh - c->cwnd;

		c->cwnd += min(acked, room);
		if (acked <= room)
			return;
		acked -= room;
	}
	c->bytes_acked += acked;
	if (c->bytes_acked >= c->cwnd) {
		c->bytes_acked -= c->cwnd;
		c->cwnd += mss;
	}
	c->cwnd = min(c->cwnd, XTCP_CWND_MAX);
}

/* RFC 5681 equation 4: ssthresh = max(FlightSize / 2, 2 * SMSS) */
static u32 half_flight(u32 snd_una, u32 snd_nxt, u32 mss)
{
	return max((snd_nxt - snd_una) / 2, 2 * mss);
}

/* What to restore if the coming reduction proves needless (undo). */
static void save_undo(struct xtcp_cong *c)
{
	c->prior_cwnd = c->cwnd;
	c->prior_ssthresh = c->ssthresh;
	c->rtx_stamped = 0;
	c->may_undo = 1;
}

/*
 * Data @metric bytes below the highest SACKed byte arrived late, not
 * lost: DupThresh becomes at least that many segments.
 */
static void raise_reordering(struct xtcp_cong *c, u32 metric, u32 mss)
{
	u32 segs = DIV_ROUND_UP(metric, mss);

	if (segs > c->reordering && c->reordering < c->max_reordering)
		c->reordering = min_t(u32, segs, c->max_reordering);
}

/* ... and the event counts (tcpi_reord_seen), as
 * tcp_check_sack_reordering() counts it; an undo does not
 */
static void note_reordering(struct xtcp_cong *c, u32 metric, u32 mss)
{
	c->reord_seen++;
	raise_reordering(c, metric, mss);
}

/**
 * xtcp_cong_echo_predates_rtx() - in a recovery or after a timeout, does
 * TSecr @tsecr name a segment sent before the first resending?
 * @c: the state
 * @tsecr: an ACK's TSecr
 *
 * Then the ACK was caused by an earlier copy (RFC 3522 3.2), and now -
 * TSecr is no round trip: it counts the time we waited to resend, as the
 * ACK that copy first earned was lost. No RTT sample (RFC 6298 3, Karn).
 */
bool xtcp_cong_echo_predates_rtx(const struct xtcp_cong *c, u32 tsecr)
{
	return c->state != XTCP_CA_OPEN && c->rtx_stamped &&
	       xtcp_seq_before(tsecr, c->rtx_tsval);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_echo_predates_rtx);

/*
 * RFC 3522 3.2: the ACK echoes a TSval older than the first resending's,
 * so the segment that moved SND.UNA was an original: the loss was not.
 */
static bool spurious(const struct xtcp_cong *c, const struct xtcp_ack_sample *a)
{
	return c->may_undo && a->ts_echo &&
	       xtcp_cong_echo_predates_rtx(c, a->tsecr);
}

/* A recovery or a timeout's aftermath is over: nothing is taken as lost. */
static void to_open(struct xtcp_cong *c, u32 snd_una)
{
	c->state = XTCP_CA_OPEN;
	c->mtu_loss = 0;
	c->dupacks = 0;
	c->lost_end = snd_una;
	c->high_rxt = snd_una;
}

/*
 * RFC 4015 3 (and Linux's tcp_undo_cwnd_reduction): back to the window
 * before the reduction, and to sending new data.
 */
static void undo(struct xtcp_cong *c, u32 snd_una)
{
	if (xtcp_seq_after(c->high_rxt, snd_una)) {
		c->rack_after = c->high_rxt;
		c->rack_hold = 1;
	}
	c->cwnd = max(c->cwnd, c->prior_cwnd);
	c->ssthresh = max(c->ssthresh, c->prior_ssthresh);
	c->bytes_acked = 0;
	c->rtx_stamped = 0;
	to_open(c, snd_una);
}

/* RFC 5681 3.2 steps 2-3, RFC 6675 5 step 4: fast retransmit begins. */
static void enter_recovery(struct xtcp_cong *c, const struct xtcp_ack_sample *a)
{
	save_undo(c);
	c->ssthresh = half_flight(a->snd_una, a->snd_nxt, a->mss);
	c->cwnd = c->ssthresh;	/* RFC 6675; pipe does 6582's inflation */
	c->bytes_acked = 0;
	c->recover = a->snd_nxt;
	c->high_rxt = a->snd_una;
	c->lost_end = a->snd_una;
	c->state = XTCP_CA_RECOVERY;
}

/* Which unSACKed data is lost now. */
static void mark_lost(struct xtcp_cong *c, const struct xtcp_ack_sample *a)
{
	/* the segment at SND.UNA ends here */
	u32 head = a->snd_una + min(a->mss, a->snd_nxt - a->snd_una);
	u32 lost = a->snd_una;

	if (c->state == XTCP_CA_OPEN)
		return;
	if (a->sack_ok)
		lost = xtcp_sb_lost_end(&c->sb, a->snd_una, a->mss,
					c->reordering);
	/*
	 * In recovery, at least the segment at SND.UNA (RFC 6675 5 step 4.2
	 * resends it whatever the board says; without SACK, RFC 6582 3.2
	 * step 5's partial ACK). A timeout or an MTU loss took what it
	 * lost itself: after a lost probe, the data behind it was not.
	 */
	if (c->state == XTCP_CA_RECOVERY)
		lost = xtcp_seq_max(lost, head);
	/* Lost below a too-big probe's resending (without SACK: DupThresh
	 * duplicate ACKs there): resending starts again at SND.UNA (the
	 * probe's pieces may go twice)
	 */
	if (c->mtu_loss && xtcp_seq_before(a->snd_una, c->unresent) &&
	    (xtcp_seq_after(lost, a->snd_una) ||
	     (!a->sack_ok && c->dupacks >= c->reordering))) {
		lost = xtcp_seq_max(lost, head);
		c->high_rxt = a->snd_una;
		c->unresent = a->snd_una;
	}
	c->lost_end = xtcp_seq_min(xtcp_seq_max(c->lost_end, lost), a->snd_nxt);
	c->high_rxt = xtcp_seq_max(c->high_rxt, a->snd_una);
}

/**
 * xtcp_cong_on_sack() - put an ACK's SACK blocks on the board (RFC 6675 5),
 * noting reordering: data newly SACKed below the highest SACKed byte that
 * was never resent arrived late, not lost
 * @c: the state
 * @b: the blocks as received
 * @n: how many
 * @snd_una: SND.UNA after this ACK
 * @snd_nxt: SND.NXT
 * @mss: the sender's MSS
 *
 * Return: bytes SACKed for the first time.
 */
u32 xtcp_cong_on_sack(struct xtcp_cong *c, const struct xtcp_sack_block *b,
		      unsigned int n, u32 snd_una, u32 snd_nxt, u32 mss)
{
	u32 fack = sb_fack(&c->sb, snd_una), low = fack;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 start = xtcp_seq_max(b[i].start, snd_una);

		if (!sack_block_ok(b[i].start, b[i].end, snd_una, snd_nxt) ||
		    !xtcp_seq_before(start, fack) ||
		    !xtcp_sb_unsacked(&c->sb, start,
				      xtcp_seq_min(b[i].end, fack)))
			continue;
		if (c->state == XTCP_CA_OPEN ||
		    xtcp_seq_after_eq(start, c->high_rxt))
			low = xtcp_seq_min(low, start);
	}
	/* once an ACK, from its lowest late block (tcp_check_sack_reordering) */
	if (low != fack)
		note_reordering(c, fack - low, mss);
	return xtcp_sb_add(&c->sb, b, n, snd_una, snd_nxt);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_sack);

/**
 * xtcp_cong_fack() - the highest byte the peer has SACKed, or SND.UNA
 * (Linux's tcp_highest_sack_seq())
 * @c: the state
 * @snd_una: SND.UNA
 */
u32 xtcp_cong_fack(const struct xtcp_cong *c, u32 snd_una)
{
	return sb_fack(&c->sb, snd_una);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_fack);

/**
 * xtcp_cong_on_ack() - an acceptable ACK arrived
 * @c: the state
 * @a: what it said (SACK blocks already on the board)
 */
void xtcp_cong_on_ack(struct xtcp_cong *c, const struct xtcp_ack_sample *a)
{
	u32 acked = a->snd_una - a->prior_una;
	u32 fack = sb_fack(&c->sb, a->snd_una);

	/*
	 * A hole at SND.UNA filled with no resending, below data SACKed
	 * before this ACK: reordering. Not an ACK that brings the first
	 * block as it moves SND.UNA: what it acknowledges came first.
	 */
	if (acked && c->state == XTCP_CA_OPEN && c->sb.n &&
	    xtcp_seq_after(c->sb.r[0].start, a->prior_una) &&
	    xtcp_seq_after(a->prior_fack, a->prior_una))
		note_reordering(c, fack - a->prior_una, a->mss);
	if (acked)
		xtcp_sb_advance(&c->sb, a->snd_una);

	if (acked && c->state != XTCP_CA_OPEN && spurious(c, a)) {
		raise_reordering(c, fack - a->prior_una, a->mss);
		undo(c, a->snd_una);
		return;
	}

	if (c->state != XTCP_CA_OPEN &&
	    xtcp_seq_after_eq(a->snd_una, c->recover)) {
		/* RFC 6582 3.2 step 3 "full acknowledgment" (and the end of
		 * a timeout's recovery): cwnd = ssthresh, or what slow
		 * start after the timeout reached.
		 */
		if (c->state == XTCP_CA_RECOVERY)
			c->cwnd = c->ssthresh;
		else
			cong_grow(c, acked, a->mss);
		to_open(c, a->snd_una);
		return;
	}

	if (acked && c->state == XTCP_CA_RECOVERY) {
		/*
		 * A partial ACK (RFC 6582 3.2 step 5): it covers the resent
		 * segment and those the duplicate ACKs stood for; the rest
		 * still stand for segments that left the network (the
		 * "deflate by the amount acked, add back one SMSS" of the
		 * RFC, as Linux's tcp_remove_reno_sacks). No growth.
		 */
		u32 segs = acked / a->mss;

		c->dupacks -= min_t(u32, c->dupacks, segs ? segs - 1 : 0);
	} else if (acked) {
		c->dupacks = 0;
		cong_grow(c, acked, a->mss);
	} else if (a->dupack && c->dupacks < U8_MAX) {
		c->dupacks++;
	}

	if (c->state == XTCP_CA_OPEN && a->snd_nxt != a->snd_una &&
	    (c->dupacks >= c->reordering ||
	     (a->sack_ok && xtcp_seq_after(xtcp_sb_lost_end(&c->sb, a->snd_una,
							      a->mss,
							      c->reordering),
					    a->snd_una))))
		enter_recovery(c, a);
	mark_lost(c, a);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_ack);

/**
 * xtcp_cong_sack_reneged() - has the peer dropped data it SACKed? SND.UNA
 * stopped where the board says the peer holds data (RFC 2018 8: a receiver
 * may discard what it SACKed; one that still held it would acknowledge
 * it). Linux's FLAG_SACK_RENEGING, tcp_check_sack_reneging().
 * @c: the state, this ACK's blocks on the board
 * @snd_una: SND.UNA after the ACK
 *
 * Return: whether the board's lowest block begins at @snd_una.
 */
bool xtcp_cong_sack_reneged(const struct xtcp_cong *c, u32 snd_una)
{
	return c->sb.n && c->sb.r[0].start == snd_una;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_sack_reneged);

/**
 * xtcp_cong_on_rto() - the retransmission timer expired (RFC 5681 3.1):
 * ssthresh from equation 4 (held if this is a repeated timeout), cwnd one
 * segment, everything in flight lost. SACK information is dropped: the
 * peer may have reneged (RFC 2018 8). A timeout while many segments were
 * SACKed but none taken as lost says DupThresh grew too far: back to
 * where it started, net.xtcp.reordering (as Linux's tcp_enter_loss).
 * @c: the state
 * @snd_una: SND.UNA
 * @snd_nxt: SND.NXT
 * @mss: the sender's MSS
 */
void xtcp_cong_on_rto(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt, u32 mss)
{
	if (c->state == XTCP_CA_OPEN) {
		save_undo(c);
		if (c->sb.sacked >= c->dupthresh * mss)
			c->reordering = min(c->reordering, c->dupthresh);
	}
	/* the first timeout; an MTU loss was none (xtcp_cong_on_mtu_loss) */
	if (c->state != XTCP_CA_LOSS || c->mtu_loss)
		c->ssthresh = half_flight(snd_una, snd_nxt, mss);
	c->mtu_loss = 0;
	c->cwnd = mss;
	c->bytes_acked = 0;
	c->dupacks = 0;
	c->state = XTCP_CA_LOSS;
	c->recover = snd_nxt;
	c->high_rxt = snd_una;
	c->lost_end = snd_nxt;
	c->sb.n = 0;
	c->sb.sacked = 0;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_rto);

/**
 * xtcp_cong_on_rack_lost() - RACK (RFC 8985 6.2, tlp.c) found the unSACKed
 * data below @lost_end lost: a fast recovery begins (RFC 6675 5 step 4),
 * as Linux's tcp_rack_reo_timeout() enters one
 * @c: the state
 * @snd_una: SND.UNA
 * @snd_nxt: SND.NXT
 * @lost_end: the highest SACKed byte that showed it
 * @mss: the sender's MSS
 *
 * Return: whether a recovery began.
 */
bool xtcp_cong_on_rack_lost(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt,
			    u32 lost_end, u32 mss)
{
	struct xtcp_ack_sample a = {
		.snd_una = snd_una,
		.snd_nxt = snd_nxt,
		.mss = mss,
	};

	if (c->state != XTCP_CA_OPEN || !xtcp_seq_after(lost_end, snd_una) ||
	    !xtcp_sb_unsacked(&c->sb, snd_una, lost_end))
		return false;
	enter_recovery(c, &a);
	c->lost_end = xtcp_seq_min(lost_end, snd_nxt);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_rack_lost);

/**
 * xtcp_cong_rack_held() - whether data resent before an undo is still in
 * flight below SND.UNA's reach: RACK may not take those holes as lost,
 * their SACKed neighbours having gone before the copies
 * @c: the state
 * @snd_una: SND.UNA
 */
bool xtcp_cong_rack_held(struct xtcp_cong *c, u32 snd_una)
{
	if (c->rack_hold && !xtcp_seq_before(snd_una, c->rack_after))
		c->rack_hold = 0;
	return c->rack_hold;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_rack_held);

/**
 * xtcp_cong_on_tlp_loss() - a tail loss probe repaired a loss (RFC 8985
 * 7.4.2): the response of a fast recovery, over at once since nothing
 * else is missing. As Linux's CWR state, entered and left at once in
 * tcp_process_tlp_ack(): ssthresh half of cwnd, at least two segments
 * (tcp_reno_ssthresh(); xtcp is NewReno, Linux's default CUBIC keeps
 * 0.7), and cwnd down to it, where Linux raises a cwnd below two
 * segments to it. Not RFC 5681's FlightSize / 2: the ACK that ends the
 * episode may come flights after the loss.
 * @c: the state
 * @mss: the sender's MSS
 */
void xtcp_cong_on_tlp_loss(struct xtcp_cong *c, u32 mss)
{
	c->ssthresh = max(c->cwnd / 2, 2 * mss);
	c->cwnd = min(c->cwnd, c->ssthresh);	/* a response never grows it */
	c->bytes_acked = 0;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_tlp_loss);

/**
 * xtcp_cong_on_mtu_loss() - the path MTU fell below our segments (RFC
 * 1191): everything in flight is lost, but not to congestion, so cwnd and
 * ssthresh stay and there is nothing to undo (Linux's
 * tcp_simple_retransmit())
 * @c: the state
 * @snd_una: SND.UNA
 * @snd_nxt: SND.NXT
 */
void xtcp_cong_on_mtu_loss(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt)
{
	if (c->state != XTCP_CA_LOSS) {
		c->state = XTCP_CA_LOSS;
		c->recover = snd_nxt;
		c->dupacks = 0;
		c->may_undo = 0;
		c->rtx_stamped = 0;
		c->mtu_loss = 1;
	}
	c->high_rxt = snd_una;
	c->unresent = snd_una;
	c->lost_end = snd_nxt;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_mtu_loss);

/**
 * xtcp_cong_on_probe_too_big() - "fragmentation needed" for an MTU probe,
 * the MSS unchanged (RFC 1191 with RFC 4821): only the probe is lost, for
 * its size, not to congestion; the data around it is not (Linux's
 * tcp_simple_retransmit() marks what is bigger than the MSS). Already
 * resending, all in flight is taken as lost, as for a lower path MTU.
 * @c: the state
 * @snd_una: SND.UNA
 * @probe_seq: where the probe starts
 * @probe_end: the sequence number after it
 * @snd_nxt: SND.NXT
 */
void xtcp_cong_on_probe_too_big(struct xtcp_cong *c, u32 snd_una,
				u32 probe_seq, u32 probe_end, u32 snd_nxt)
{
	bool was_open = c->state == XTCP_CA_OPEN;
	u8 dupacks = c->dupacks;	/* segments that left behind it */

	xtcp_cong_on_mtu_loss(c, snd_una, snd_nxt);
	if (was_open) {
		c->dupacks = dupacks;
		c->high_rxt = xtcp_seq_max(probe_seq, snd_una);
		c->unresent = c->high_rxt;
		c->lost_end = xtcp_seq_min(probe_end, snd_nxt);
	}
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_probe_too_big);

/**
 * xtcp_cong_on_probe_lost() - the hole that just began a recovery is an
 * MTU probe (pmtu.c), lost for its size, not to congestion (RFC 4821
 * 7.6.2): the halving is undone and only the probe is taken as lost, to
 * be resent in segments that fit (Linux's tcp_mtup_probe_failed(), then
 * tcp_simple_retransmit())
 * @c: the state, just gone into recovery
 * @snd_una: SND.UNA, where the probe starts
 * @probe_end: the sequence number after the probe
 * @snd_nxt: SND.NXT
 */
void xtcp_cong_on_probe_lost(struct xtcp_cong *c, u32 snd_una, u32 probe_end,
			     u32 snd_nxt)
{
	u8 dupacks = c->dupacks;	/* segments that left behind it */

	c->cwnd = c->prior_cwnd;
	c->ssthresh = c->prior_ssthresh;
	xtcp_cong_on_mtu_loss(c, snd_una, snd_nxt);
	c->dupacks = dupacks;
	c->lost_end = xtcp_seq_min(probe_end, snd_nxt);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_on_probe_lost);

/**
 * xtcp_cong_restart() - sending after an idle period longer than the RTO:
 * cwnd at most the initial window (RFC 5681 4.1)
 * @c: the state
 * @mss: the sender's MSS
 */
void xtcp_cong_restart(struct xtcp_cong *c, u32 mss)
{
	c->cwnd = min(c->cwnd, xtcp_cong_initial_window(mss));
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_restart);

/**
 * xtcp_cong_pipe() - RFC 6675 "pipe": bytes taken to be in the network
 * @c: the state
 * @snd_una: SND.UNA
 * @snd_nxt: SND.NXT
 * @sack_ok: SACK was negotiated (else duplicate ACKs count)
 * @mss: the sender's MSS
 */
u32 xtcp_cong_pipe(const struct xtcp_cong *c, u32 snd_una, u32 snd_nxt,
		   bool sack_ok, u32 mss)
{
	u32 flight = snd_nxt - snd_una, gone, from;

	gone = sack_ok ? c->sb.sacked : c->dupacks * mss;
	if (c->state != XTCP_CA_OPEN) {
		from = xtcp_seq_max(c->high_rxt, snd_una);
		gone += xtcp_sb_unsacked(&c->sb, from, c->lost_end);
	}
	return flight > gone ? flight - gone : 0;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_pipe);

/**
 * xtcp_cong_may_resend() - whether lost data may be resent now: while cwnd
 * has room for a whole segment beyond the pipe, "cwnd - pipe >= 1 SMSS"
 * (RFC 6675 5 step C; a resend may be short, and Linux counts it as a
 * whole packet), or nothing is in flight; and the first resending of a
 * recovery whatever the pipe (step 4.3; Linux's PRR sends at least one)
 * @c: the state
 * @pipe: xtcp_cong_pipe()
 * @mss: the sender's MSS
 */
bool xtcp_cong_may_resend(const struct xtcp_cong *c, u32 pipe, u32 mss)
{
	return pipe + mss <= c->cwnd || !pipe ||
	       (c->state == XTCP_CA_RECOVERY && !c->rtx_stamped);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_may_resend);

/**
 * xtcp_cong_next_rtx() - RFC 6675 NextSeg rule 1: the lost data to resend
 * next, at most one segment of it
 * @c: the state
 * @snd_una: SND.UNA
 * @mss: the sender's MSS
 * @seq: where it starts
 * @len: how long it is
 *
 * Return: whether there is any.
 */
bool xtcp_cong_next_rtx(const struct xtcp_cong *c, u32 snd_una, u32 mss,
			u32 *seq, u32 *len)
{
	u32 from = xtcp_seq_max(c->high_rxt, snd_una);

	if (c->state == XTCP_CA_OPEN ||
	    !xtcp_sb_next_hole(&c->sb, from, c->lost_end, seq, len))
		return false;
	*len = min(*len, mss);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_next_rtx);

/**
 * xtcp_cong_rtx_sent() - lost data up to @end was resent (HighRxt)
 * @c: the state
 * @end: the sequence number after it
 * @tsval: the TSval it carried (or the clock's reading without
 *	   timestamps); the first of a recovery is kept (RFC 3522 3.2)
 */
void xtcp_cong_rtx_sent(struct xtcp_cong *c, u32 end, u32 tsval)
{
	c->high_rxt = xtcp_seq_max(c->high_rxt, end);
	if (!c->rtx_stamped) {
		c->rtx_tsval = tsval;
		c->rtx_stamped = 1;
	}
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_cong_rtx_sent);
