/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sender's view of the path: the congestion window (RFC 5681, RFC
 * 6928), loss recovery by duplicate ACKs (RFC 6582 NewReno) or by SACK
 * (RFC 6675), and the scoreboard of what the peer SACKed (RFC 2018).
 */
#ifndef _XTCP_CONG_H
#define _XTCP_CONG_H

#include <linux/bits.h>
#include <linux/types.h>

#include "ofo.h"
#include "seq.h"

#define XTCP_SB_MAX		32	/* SACKed ranges remembered */
#define XTCP_DUPTHRESH		3	/* RFC 5681 3.2, RFC 6675 2 */
#define XTCP_MAX_REORDERING	300	/* Linux's tcp_max_reordering */
/* The largest cwnd and ssthresh, bytes: the start's "arbitrarily high"
 * ssthresh (RFC 5681 3.1), TCP_INFO's TCP_INFINITE_SSTHRESH
 */
#define XTCP_CWND_MAX		BIT(30)

/**
 * struct xtcp_scoreboard - what the peer holds above SND.UNA (RFC 6675 3)
 * @r: the SACKed ranges, ascending, disjoint and not touching
 * @n: how many of @r are valid
 * @sacked: bytes in them
 *
 * Forgetting a range is always safe: it is only data resent needlessly.
 * So a full board drops its highest range.
 */
struct xtcp_scoreboard {
	struct xtcp_sack_block r[XTCP_SB_MAX];
	u8 n;
	u32 sacked;
};

/* What the sender is doing about loss (Linux's tcp_ca_state, reduced). */
enum xtcp_ca_state {
	XTCP_CA_OPEN,		/* no loss seen: slow start or avoidance */
	XTCP_CA_RECOVERY,	/* fast recovery (RFC 6582 3.2, RFC 6675 5) */
	XTCP_CA_LOSS,		/* after a retransmission timeout (5681 3.1) */
};

/**
 * struct xtcp_cong - congestion control and loss recovery of a connection
 * @cwnd: congestion window, bytes
 * @ssthresh: slow start threshold, bytes
 * @bytes_acked: bytes acknowledged since @cwnd last grew in congestion
 *		 avoidance (RFC 5681 3.1, equation 3's byte counting)
 * @recover: SND.NXT when recovery began; an ACK beyond it ends it
 *	     (RFC 6582 "recover", RFC 6675 RecoveryPoint)
 * @high_rxt: data below this was resent in this recovery (RFC 6675 HighRxt)
 * @lost_end: unSACKed data below this is taken as lost (RFC 6675 IsLost)
 * @unresent: in an MTU loss, [SND.UNA, @unresent) lies below @high_rxt
 *	       but was not resent (only a too-big probe was)
 * @prior_cwnd: @cwnd before this recovery or timeout reduced it (undo)
 * @prior_ssthresh: @ssthresh before it
 * @rtx_tsval: our TSval when this recovery first resent data; an ACK
 *	       echoing an older one shows the resending was needless
 *	       (RFC 3522 Eifel detection)
 * @reordering: how many segments the path was seen to reorder; the
 *		DupThresh in use (RFC 6675 2 lets it adapt, as Linux's
 *		tp->reordering), from @dupthresh up to @max_reordering
 * @dupthresh: DupThresh to start from (net.xtcp.reordering)
 * @max_reordering: the most @reordering may grow to
 *		    (net.xtcp.max_reordering)
 * @state: enum xtcp_ca_state
 * @dupacks: duplicate ACKs since SND.UNA last moved (RFC 5681 3.2)
 * @rtx_stamped: @rtx_tsval is set
 * @may_undo: the reduction may be undone (not after an MTU loss)
 * @mtu_loss: in LOSS for a smaller path MTU, not a timeout
 * @sb: the scoreboard, when SACK was negotiated
 * @max_flight: the most bytes in flight since @usage_seq (cwnd validation)
 * @usage_seq: SND.NXT when @max_flight and @cwnd_limited were last set;
 *	       once SND.UNA passes it, the next send measures afresh
 * @cwnd_limited: what was in flight filled cwnd (the sender used it)
 * @reord_seen: ACKs that showed data arrived late, not lost
 *		(tcpi_reord_seen, as Linux's tp->reord_seen)
 * @rack_after: with @rack_hold, an undo left resent data below this in
 *		flight: RACK waits until SND.UNA passes it (its SACKed data
 *		went before those copies; Linux undoes no partial recovery
 *		while retransmissions are out)
 * @rack_hold: @rack_after holds
 */
struct xtcp_cong {
	u32 cwnd;
	u32 ssthresh;
	u32 bytes_acked;
	u32 recover;
	u32 high_rxt;
	u32 lost_end;
	u32 unresent;
	u32 prior_cwnd;
	u32 prior_ssthresh;
	u32 rtx_tsval;
	u16 reordering;
	u16 dupthresh;
	u16 max_reordering;
	u8 state;
	u8 dupacks;
	u8 rtx_stamped;
	u8 may_undo;
	u8 mtu_loss;
	struct xtcp_scoreboard sb;
	u32 max_flight;
	u32 usage_seq;
	u8 cwnd_limited;
	u32 reord_seen;
	u32 rack_after;
	u8 rack_hold;
};

/**
 * struct xtcp_ack_sample - what one ACK told the sender
 * @prior_una: SND.UNA before it
 * @snd_una: SND.UNA after it
 * @snd_nxt: SND.NXT
 * @prior_fack: the highest byte SACKed before it (xtcp_cong_fack())
 * @dupack: a duplicate ACK as RFC 5681 2 defines it
 * @sack_ok: SACK was negotiated
 * @ts_echo: the ACK carried a timestamp echo, @tsecr
 * @tsecr: its TSecr (RFC 7323 3.2)
 * @mss: the sender's MSS
 */
struct xtcp_ack_sample {
	u32 prior_una;
	u32 snd_una;
	u32 snd_nxt;
	u32 prior_fack;
	bool dupack;
	bool sack_ok;
	bool ts_echo;
	u32 tsecr;
	u32 mss;
};

/*
 * RFC 2883 4: an ACK's first SACK block is a D-SACK, reporting data that
 * arrived twice, when it lies below SEG.ACK or within the second block
 * (Linux's tcp_check_dsack()).
 */
static inline bool xtcp_sack_is_dsack(const struct xtcp_sack_block *b,
				      unsigned int n, u32 ack)
{
	return xtcp_seq_before(b[0].start, ack) ||
	       (n > 1 && xtcp_seq_after_eq(b[0].start, b[1].start) &&
		xtcp_seq_before_eq(b[0].end, b[1].end));
}

u32 xtcp_sb_add(struct xtcp_scoreboard *sb, const struct xtcp_sack_block *b,
		unsigned int n, u32 snd_una, u32 snd_nxt);
void xtcp_sb_advance(struct xtcp_scoreboard *sb, u32 snd_una);
u32 xtcp_sb_unsacked(const struct xtcp_scoreboard *sb, u32 from, u32 to);
bool xtcp_sb_next_hole(const struct xtcp_scoreboard *sb, u32 from, u32 limit,
		       u32 *start, u32 *len);
u32 xtcp_sb_lost_end(const struct xtcp_scoreboard *sb, u32 snd_una, u32 mss,
		     u32 dupthresh);

u32 xtcp_cong_initial_window(u32 mss);
void xtcp_cong_init(struct xtcp_cong *c, u32 mss);
void xtcp_cong_set_reordering(struct xtcp_cong *c, u32 start, u32 max);
u32 xtcp_cong_on_sack(struct xtcp_cong *c, const struct xtcp_sack_block *b,
		      unsigned int n, u32 snd_una, u32 snd_nxt, u32 mss);
u32 xtcp_cong_fack(const struct xtcp_cong *c, u32 snd_una);
void xtcp_cong_on_ack(struct xtcp_cong *c, const struct xtcp_ack_sample *a);
void xtcp_cong_on_rto(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt, u32 mss);
void xtcp_cong_on_tlp_loss(struct xtcp_cong *c, u32 mss);
bool xtcp_cong_on_rack_lost(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt,
			    u32 lost_end, u32 mss);
bool xtcp_cong_rack_held(struct xtcp_cong *c, u32 snd_una);
void xtcp_cong_restart(struct xtcp_cong *c, u32 mss);
void xtcp_cong_sent(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt,
		    bool limited);
bool xtcp_cong_full(const struct xtcp_cong *c, u32 pipe, u32 mss);
bool xtcp_cong_in_use(const struct xtcp_cong *c);
void xtcp_cong_on_mtu_loss(struct xtcp_cong *c, u32 snd_una, u32 snd_nxt);
void xtcp_cong_on_probe_too_big(struct xtcp_cong *c, u32 snd_una,
				u32 probe_seq, u32 probe_end, u32 snd_nxt);
void xtcp_cong_on_probe_lost(struct xtcp_cong *c, u32 snd_una, u32 probe_end,
			     u32 snd_nxt);
u32 xtcp_cong_pipe(const struct xtcp_cong *c, u32 snd_una, u32 snd_nxt,
		   bool sack_ok, u32 mss);
bool xtcp_cong_may_resend(const struct xtcp_cong *c, u32 pipe, u32 mss);
bool xtcp_cong_next_rtx(const struct xtcp_cong *c, u32 snd_una, u32 mss,
			u32 *seq, u32 *len);
void xtcp_cong_rtx_sent(struct xtcp_cong *c, u32 end, u32 tsval);
bool xtcp_cong_echo_predates_rtx(const struct xtcp_cong *c, u32 tsecr);
bool xtcp_cong_sack_reneged(const struct xtcp_cong *c, u32 snd_una);

#endif /* _XTCP_CONG_H */
