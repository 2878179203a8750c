// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream: the send queue the application fills and ACKs drain,
 * the receive queue arriving text fills and the application drains, and
 * the send and receive calls with Linux TCP's blocking, flag and error
 * semantics (RFC 9293 3.10.2 SEND, 3.10.3 RECEIVE).
 */
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "ofo.h"
#include "seq.h"
#include "xtcp.h"

/*
 * Send queue skbs hold their data in page fragments (as tcp_sendmsg()),
 * at most this much each: transmission shares those pages with the skbs
 * it sends (output.c) instead of copying them. sendmsg() checks the send
 * buffer only as a new one starts; acknowledged data leaves the head
 * skb at once (trim_acked_head()), so a buffer smaller than this drains
 * as the ACKs come.
 */
#define XTCP_CHUNK	SZ_64K

/*
 * Whether sendmsg() may append to @skb, the tail of the send queue: up to
 * XTCP_CHUNK from where it began (end_seq, set by queue_skb(); brought
 * forward when a splice finds no fragment left), wherever
 * trim_acked_head() moved its start since, so that its end stays where
 * writes of a size dividing 64 KB end.
 */
static bool tail_open(const struct xtcp_sock *xs, const struct sk_buff *skb)
{
	return skb && xtcp_seq_before(xs->write_seq, XTCP_SKB_CB(skb)->end_seq) &&
	       !XTCP_SKB_CB(skb)->eor &&
	       skb_shinfo(skb)->nr_frags < MAX_SKB_FRAGS &&
	       XTCP_SKB_CB(skb)->seq + skb->len == xs->write_seq;
}

/*
 * The first @len bytes of @skb, which SND.UNA passed: their pages go now,
 * not when the whole skb is acknowledged, so that a small send buffer
 * refills as ACKs come (tcp_trim_head()). Data in fragments only.
 */
static void trim_acked_head(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	u32 eat = len;
	int i, k = 0;

	DEBUG_NET_WARN_ON_ONCE(skb_headlen(skb) || len > skb->len);

	for (i = 0; i < shinfo->nr_frags; i++) {
		u32 size = skb_frag_size(&shinfo->frags[i]);

		if (size <= eat) {
			skb_frag_unref(skb, i);
			eat -= size;
			continue;
		}
		shinfo->frags[k] = shinfo->frags[i];
		if (eat) {
			skb_frag_off_add(&shinfo->frags[k], eat);
			skb_frag_size_sub(&shinfo->frags[k], eat);
			eat = 0;
		}
		k++;
	}
	shinfo->nr_frags = k;
	skb->len -= len;
	skb->data_len -= len;
	skb->truesize -= len;
	XTCP_SKB_CB(skb)->seq += len;
	sk_wmem_queued_add(sk, -len);
	sk_mem_uncharge(sk, len);
}

/**
 * xtcp_write_space() - sk->sk_write_space: wake writers once a third of
 * the send buffer is free again (sk_stream_write_space, not exported),
 * and stop the send-buffer clock if they waited (tcp_check_space())
 * @sk: the socket, locked (SOCK_USE_WRITE_QUEUE: sock_wfree() never
 *	calls it)
 */
void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !__sk_stream_is_writeable(sk, 1))
		return;
	if (test_and_clear_bit(SOCK_NOSPACE, &sock->flags))
		xtcp_chrono_stop(sk, XTCP_CHRONO_SNDBUF);	/* rate.c */
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/**
 * xtcp_sndbuf_expand() - grow the send buffer with the peer's window
 * @sk: the connection, locked
 *
 * As Linux TCP starts small (tcp_wmem[1], 16 KB) and grows, the buffer
 * follows twice the largest window the peer offered, within tcp_wmem[2],
 * unless the application fixed it with SO_SNDBUF, and not while memory
 * is short (net.xtcp.mem, tcp_should_expand_sndbuf()).
 */
void xtcp_sndbuf_expand(struct sock *sk)
{
	const int *wmem = sock_net(sk)->ipv4.sysctl_tcp_wmem;
	int want;

	if ((sk->sk_userlocks & SOCK_SNDBUF_LOCK) ||
	    xtcp_under_memory_pressure(sk))
		return;
	want = clamp_t(int, 2 * xtcp_sk(sk)->max_snd_wnd + SZ_16K,
		       READ_ONCE(wmem[1]), READ_ONCE(wmem[2]));
	if (want > sk->sk_sndbuf) {
		WRITE_ONCE(sk->sk_sndbuf, want);
		sk->sk_write_space(sk);
	}
}

/**
 * xtcp_clean_acked() - free send-queue buffers SND.UNA has passed, and wake
 * writers waiting for room
 * @sk: the connection, locked
 */
void xtcp_clean_acked(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	bool freed = false;

	xtcp_push_ends_prune(xs);	/* output.c */
	while ((skb = skb_peek(&sk->sk_write_queue))) {
		if (xtcp_seq_after(XTCP_SKB_CB(skb)->seq + skb->len, xs->snd_una))
			break;
		/* Open for sendmsg() to append to: keep (its acknowledged
		 * bytes go below), unless a record ends with it.
		 */
		if (skb == skb_peek_tail(&sk->sk_write_queue) &&
		    tail_open(xs, skb) && !xs->fin_queued)
			break;
		if (XTCP_SKB_CB(skb)->eor)
			xs->eor_queued--;
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_free_skb(sk, skb);
		freed = true;
	}
	/* What SND.UNA passed of the head (or all of a tail kept above):
	 * its memory goes now, or a writer waiting for it would sleep on
	 */
	skb = skb_peek(&sk->sk_write_queue);
	if (skb && !skb_headlen(skb) &&
	    xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_una)) {
		trim_acked_head(sk, skb, min(xs->snd_una - XTCP_SKB_CB(skb)->seq,
					     skb->len));
		freed = true;
	}
	if (freed && !sock_flag(sk, SOCK_DEAD))
		sk->sk_write_space(sk);
}

/*
 * Hold @skb, which begins beyond RCV.NXT, in the out-of-order queue
 * (RFC 9293 3.10.7.4 seventh check: "segments with higher beginning
 * sequence numbers may be held"), within the window and the receive
 * buffer, and ACK at once with the SACK blocks that now describe it (RFC
 * 5681 4.2, RFC 2018 4). Return whether it was kept.
 */
static bool queue_ofo(struct sock *sk, struct sk_buff *skb, u32 wnd_end,
		      u32 seg_len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool kept = false;

	if (!xtcp_seq_before(cb->seq, wnd_end))
		goto ack;
	if (xtcp_seq_after(cb->seq + skb->len, wnd_end)) {
		if (pskb_trim(skb, wnd_end - cb->seq))
			goto ack;
		cb->flags &= ~XTCP_FIN;		/* it lay beyond the window */
	}
	/* The queue lives in the receive buffer (mem.c) */
	if (!xtcp_rmem_schedule(sk, skb, false))
		goto ack;
	xtcp_measure_rcv_mss(sk, skb, seg_len);		/* timer.c */
	skb_set_owner_r(skb, sk);
	xs->counts.rcv_ooopack++;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPOFOQUEUE);
	kept = xtcp_ofo_insert(&xs->ofo, skb);
	/* Without SACK the window stays, so that the ACKs stay duplicates
	 * for the sender's fast retransmit (tcp_data_queue_ofo())
	 */
	if (kept && xs->sack_ok)
		xtcp_grow_window(sk, skb->len, xtcp_rcv_truesize(skb, false));
ack:
	xtcp_send_ack(sk);
	return kept;
}

/*
 * In-order text joins the receive queue's last skb when it can (Linux's
 * tcp_try_coalesce()): copied into its tailroom, or its pages taken over.
 * A peer sending tiny segments then costs the buffer bytes, not an skb
 * each, and the buffer holds the text the window offered. @from is
 * consumed if it joined; its charge was scheduled, only the growth of
 * @to is charged.
 */
static bool coalesce(struct sock *sk, struct sk_buff *to, struct sk_buff *from)
{
	bool fragstolen;
	int delta;

	if (!to || !skb_try_coalesce(to, from, &fragstolen, &delta))
		return false;
	XTCP_SKB_CB(to)->end_seq = XTCP_SKB_CB(from)->end_seq;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPRCVCOALESCE);
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	kfree_skb_partial(from, fragstolen);
	return true;
}

/**
 * xtcp_queue_data() - RFC 9293 3.10.7.4 seventh check: take text
 * @sk: the connection, locked
 * @skb: an acceptable segment with text, data at the payload
 * @ofo_fin: set if text held out of order that this segment completed
 *	     ends with the peer's FIN (RCV.NXT is then at the FIN)
 *
 * Text before RCV.NXT (a retransmission overlapping what we have) is
 * trimmed away, text beyond the window too. Text after a gap is held in
 * the out-of-order queue (ofo.c) until the gap fills; then it follows
 * onto the receive queue, in order, and the ACK goes at once.
 *
 * Return: true if @skb was queued, in order or not.
 */
bool xtcp_queue_data(struct sock *sk, struct sk_buff *skb, bool *ofo_fin)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 seq = cb->seq + !!(cb->flags & XTCP_SYN);
	u32 wnd_end = xs->rcv_wup + xs->rcv_wnd, seg_len = skb->len;
	u32 len, prior_nxt, truesize;

	*ofo_fin = false;
	if (xtcp_seq_after(seq, xs->rcv_nxt)) {
		cb->seq = seq;
		return queue_ofo(sk, skb, wnd_end, seg_len);
	}
	if (xtcp_seq_before(seq, xs->rcv_nxt)) {
		u32 dup = xs->rcv_nxt - seq;

		/* its head we have: a D-SACK (RFC 2883 4) */
		xtcp_ofo_dsack(&xs->ofo, seq,
			       dup < skb->len ? xs->rcv_nxt : seq + skb->len);
		if (dup >= skb->len || !pskb_pull(skb, dup))
			return false;
	}
	len = skb->len;
	if (xtcp_seq_after(xs->rcv_nxt + len, wnd_end)) {
		len = xtcp_seq_after(wnd_end, xs->rcv_nxt) ?
		      wnd_end - xs->rcv_nxt : 0;
		if (!len || pskb_trim(skb, len))
			return false;
		cb->flags &= ~XTCP_FIN;		/* it lay beyond the window */
	}
	/* Room in the receive buffer and net.xtcp.mem (mem.c) */
	if (!xtcp_rmem_schedule(sk, skb, true))
		return false;

	cb->offset = 0;
	truesize = xtcp_rcv_truesize(skb, true);
	xtcp_measure_rcv_mss(sk, skb, seg_len);
	if (!coalesce(sk, skb_peek_tail(&sk->sk_receive_queue), skb)) {
		skb_set_owner_r(skb, sk);
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	}
	if (len >= 128)			/* as tcp_event_data_recv() */
		xtcp_grow_window(sk, len, truesize);
	prior_nxt = xs->rcv_nxt;
	WRITE_ONCE(xs->rcv_nxt, xs->rcv_nxt + len);
	if (xtcp_ofo_empty(&xs->ofo)) {
		xtcp_timer_event_data_in(sk);
	} else {
		/* A gap filled: what waited follows */
		WRITE_ONCE(xs->rcv_nxt,
			   xtcp_ofo_pull(&xs->ofo, xs->rcv_nxt,
					 &sk->sk_receive_queue, ofo_fin));
		xtcp_timer_event_gap_filled(sk, *ofo_fin);
	}
	xs->counts.bytes_received += xs->rcv_nxt - prior_nxt;
	xs->counts.last_data_rcv = ktime_get();
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	return true;
}

/**
 * xtcp_rcv_space_adjust() - receive buffer auto-tuning (as Linux's
 * tcp_rcv_space_adjust): once per round trip, if the application read
 * more than the round before, grow the buffer so that the window (half
 * of it) covers twice that: a sender in slow start is never held back by
 * the window, and a long fat path gets its bandwidth-delay product
 * without tuning. Bounded by tcp_rmem[2]; SO_RCVBUF switches it off, and
 * it rests while memory is short (net.xtcp.mem).
 * @sk: the connection, locked
 * @copied: bytes the application just read
 */
void xtcp_rcv_space_adjust(struct sock *sk, u32 copied)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rtt = max3(xs->rcv_rtt_us, xs->rtt.srtt_us, 1000U);
	ktime_t now = ktime_get();
	u64 want;

	xs->rcvq_copied += copied;
	if (!xs->rcvq_time)
		xs->rcvq_time = now;
	if (ktime_us_delta(now, xs->rcvq_time) < rtt)
		return;
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    xs->rcvq_copied > xs->rcvq_space &&
	    !xtcp_under_memory_pressure(sk)) {
		want = min_t(u64, 4ULL * xs->rcvq_copied,
			     READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
		if (want > READ_ONCE(sk->sk_rcvbuf))
			WRITE_ONCE(sk->sk_rcvbuf, want);
		xs->rcvq_space = xs->rcvq_copied;
	}
	xs->rcvq_copied = 0;
	xs->rcvq_time = now;
}

/**
 * xtcp_rbuf_cleaned() - a read is done with the queue (Linux's
 * __tcp_cleanup_rbuf()): send the ACK owed if more than a full-sized
 * segment is unacknowledged (arrival held it back while the window
 * shrank), or if the read emptied the queue of text that ended a write
 * of the peer's (XTCP_ACK_PUSHED, twice in ping-pong mode); else, if it
 * took text and the window we could offer now is a silly-window step
 * beyond what the peer knows, tell it (receiver side of MUST-39), unless
 * the peer has closed
 * @sk: the connection, locked
 * @took: the read consumed text (Linux's copied > 0; a peek did not)
 */
void xtcp_rbuf_cleaned(struct sock *sk, bool took)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 known = xtcp_seq_after(xs->rcv_wup + xs->rcv_wnd, xs->rcv_nxt) ?
		    xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt : 0;
	u32 owed = xs->rcv_nxt - xs->rcv_acked;
	bool pushed;

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2 | TCPF_CLOSE_WAIT)))
		return;
	pushed = (xs->ack_pushed & XTCP_ACK_PUSHED2) ||
		 ((xs->ack_pushed & XTCP_ACK_PUSHED) && !xs->pingpong);
	if (owed > xtcp_peer_mss(xs) ||
	    (owed && took && pushed && !atomic_read(&sk->sk_rmem_alloc)) ||
	    (took && !(sk->sk_shutdown & RCV_SHUTDOWN) &&
	     xtcp_rcv_window_now(sk) >= known + xtcp_rcv_sws_step(sk)))
		xtcp_send_ack(sk);
}

/*
 * Push what a send() queued (tcp_push()): MSG_OOB makes it urgent (urg.c);
 * MSG_MORE holds its short tail, as TCP_CORK would.
 */
static void sendmsg_push(struct sock *sk, int flags, size_t copied)
{
	if ((flags & MSG_OOB) && copied)
		xtcp_urg_mark(sk);
	if (flags & MSG_MORE)
		xtcp_push_more(sk);
	else
		xtcp_push(sk);
}

/* A new, empty send-queue skb at the tail, or NULL (net.xtcp.mem, mem.c,
 * as tcp_stream_alloc_skb())
 */
static struct sk_buff *queue_skb(struct sock *sk)
{
	struct sk_buff *skb = alloc_skb(0, sk->sk_allocation);

	if (!skb) {
		sk->sk_prot->enter_memory_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return NULL;
	}
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		__kfree_skb(skb);
		return NULL;
	}
	/* the device or the stack sums it: no checksum while copying */
	skb->ip_summed = CHECKSUM_PARTIAL;
	XTCP_SKB_CB(skb)->seq = xtcp_sk(sk)->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xtcp_sk(sk)->write_seq + XTCP_CHUNK;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return skb;
}

/*
 * Copy up to *@copy bytes of @msg into the page fragment sendmsg() fills
 * (sk_page_frag(), as tcp_sendmsg_locked()), appended to @skb; *@copy
 * becomes what was copied. -EAGAIN when memory must be waited for.
 */
static int append_frag(struct sock *sk, struct msghdr *msg,
		       struct sk_buff *skb, size_t *copy)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;

	if (!sk_page_frag_refill(sk, pfrag))
		return -EAGAIN;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	*copy = min_t(size_t, *copy, pfrag->size - pfrag->offset);
	if (!sk_wmem_schedule(sk, *copy))
		return -EAGAIN;
	if (skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page,
				     pfrag->offset, *copy))
		return -EFAULT;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], *copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, *copy);
		page_ref_inc(pfrag->page);
	}
	pfrag->offset += *copy;
	return 0;
}

/*
 * MSG_SPLICE_PAGES (sendfile(), splice() into the socket): up to *@copy
 * bytes of @msg's own pages join @skb by reference, not copied, as
 * tcp_sendmsg_locked() queues them; marked SKBFL_SHARED_FRAG, since their
 * owner may still write to them. *@copy becomes what was taken; -EAGAIN
 * when memory must be waited for, -EMSGSIZE when @skb has no fragment
 * left for them (net.core.max_skb_frags lowered): the next skb takes them.
 */
static int splice_pages(struct sock *sk, struct msghdr *msg,
			struct sk_buff *skb, size_t *copy)
{
	ssize_t n;

	if (!sk_wmem_schedule(sk, *copy))
		return -EAGAIN;
	n = skb_splice_from_iter(skb, &msg->msg_iter, *copy, sk->sk_allocation);
	if (n < 0)
		return n;
	*copy = n;
	if (!(msg->msg_flags & MSG_NO_SHARED_FRAGS))
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
	sk_wmem_queued_add(sk, n);
	sk_mem_charge(sk, n);
	return 0;
}

/**
 * xtcp_sendmsg() - SEND (RFC 9293 3.10.2), as Linux TCP's sendmsg
 * @sk: the socket
 * @msg: the data and flags (MSG_DONTWAIT, MSG_NOSIGNAL, MSG_MORE, MSG_EOR,
 *	 MSG_OOB: urgent data, urg.c; MSG_SPLICE_PAGES: pages queued, not
 *	 copied)
 * @size: bytes to send
 *
 * Before the handshake completes it waits for it; after our shutdown or
 * a reset it fails with EPIPE (and SIGPIPE, unless MSG_NOSIGNAL), or the
 * pending error (ECONNRESET) once.
 *
 * Return: bytes queued, or -errno if none were.
 */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int flags = msg->msg_flags;
	size_t copied = 0;
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);

	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}

	while (msg_data_left(msg)) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		size_t copy;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto do_error;

		if (!tail_open(xs, skb)) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = queue_skb(sk);
			if (!skb)
				goto wait_for_space;
		}

		copy = min_t(size_t, msg_data_left(msg),
			     XTCP_SKB_CB(skb)->end_seq - xs->write_seq);
		if (flags & MSG_SPLICE_PAGES)
			err = splice_pages(sk, msg, skb, &copy);
		else
			err = append_frag(sk, msg, skb, &copy);
		if (err == -EAGAIN)
			goto wait_for_space;
		if (err == -EMSGSIZE) {	/* full: close it, as tcp_sendmsg */
			XTCP_SKB_CB(skb)->end_seq = xs->write_seq;
			continue;
		}
		if (err)
			goto do_error;
		WRITE_ONCE(xs->write_seq, xs->write_seq + copy);
		xs->push_pending = 0;	/* TCP_NODELAY's flush was for the old */
		copied += copy;
		if (!msg_data_left(msg)) {
			/* MSG_EOR: the record ends here, marked before any
			 * push (an ACK it lets in may free the skb)
			 */
			if (flags & MSG_EOR) {
				XTCP_SKB_CB(skb)->eor = 1;
				xs->eor_queued++;
			}
			break;
		}
		/* MSG_OOB: all of it goes in urgent mode (tcp_sendmsg) */
		if (!tail_open(xs, skb) && !(flags & MSG_OOB)) {
			xtcp_push(sk);
			/* ACKs queued while we copy free room and open the
			 * window: take them now, as tcp_sendmsg does.
			 */
			sk_flush_backlog(sk);
		}
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		sendmsg_push(sk, flags & ~MSG_MORE, copied);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
	}
	sendmsg_push(sk, flags, copied);
	release_sock(sk);
	return copied;

do_error:
	sendmsg_push(sk, flags, copied);
	if (copied) {
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/**
 * xtcp_rcvq_consume() - the application has taken @n bytes of @skb, the
 * receive queue's head: move copied_seq, and free @skb once all of it is
 * read
 * @sk: the connection, locked
 * @skb: the head of its receive queue
 * @n: bytes of @skb taken, from its offset on
 */
void xtcp_rcvq_consume(struct sock *sk, struct sk_buff *skb, u32 n)
{
	WRITE_ONCE(xtcp_sk(sk)->copied_seq, xtcp_sk(sk)->copied_seq + n);
	XTCP_SKB_CB(skb)->offset += n;
	if (XTCP_SKB_CB(skb)->offset == skb->len) {
		__skb_unlink(skb, &sk->sk_receive_queue);
		__kfree_skb(skb);
	}
}

/* Copy up to @len bytes of the receive queue, from @skip bytes in. */
static int copy_received(struct sock *sk, struct msghdr *msg, size_t len,
			 size_t skip, bool peek, size_t *copied)
{
	struct sk_buff *skb, *tmp;

	skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
		u32 off = XTCP_SKB_CB(skb)->offset;
		size_t avail = skb->len - off, n;

		if (skip >= avail) {
			skip -= avail;
			continue;
		}
		off += skip;
		avail -= skip;
		skip = 0;
		n = min(avail, len - *copied);
		if (skb_copy_datagram_msg(skb, off, msg, n))
			return -EFAULT;	/* what went before stays copied */
		*copied += n;
		if (!peek)
			xtcp_rcvq_consume(sk, skb, n);
		if (*copied == len)
			break;
	}
	return 0;
}

/*
 * Up to @len bytes of the receive queue into @pipe, its skbs' pages
 * referenced, not copied (skb_splice_bits(), as tcp_read_sock() with
 * tcp_splice_data_recv()); not past the urgent mark, as Linux's.
 *
 * Return: bytes spliced, or what skb_splice_bits() said if none were.
 */
static int splice_received(struct sock *sk, struct pipe_inode_info *pipe,
			   size_t len, unsigned int flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	size_t done = 0;
	int ret = 0;

	while (done < len && (skb = skb_peek(&sk->sk_receive_queue))) {
		u32 off = XTCP_SKB_CB(skb)->offset;
		size_t n = min_t(size_t, len - done, skb->len - off);

		if (xs->urg_data && xs->urg_seq - xs->copied_seq < n)
			n = xs->urg_seq - xs->copied_seq;
		if (!n)
			break;
		ret = skb_splice_bits(skb, sk, off, pipe, n, flags);
		if (ret <= 0)
			break;
		done += ret;
		xtcp_rcvq_consume(sk, skb, ret);
		if (ret < n)		/* the pipe is full */
			break;
	}
	if (!done)
		return ret;
	xtcp_urg_read_past(xs);
	xtcp_rcv_space_adjust(sk, done);
	xtcp_rbuf_cleaned(sk, true);
	return done;
}

/**
 * xtcp_splice_read() - splice() from the socket into a pipe, as
 * tcp_splice_read(): what is queued goes at once; with nothing queued it
 * waits as recv() does (O_NONBLOCK, SO_RCVTIMEO, signals), and ends at the
 * end of the stream (0), an error, or the urgent mark
 * @sock: the socket
 * @ppos: unused: a socket has no position
 * @pipe: where the pages go
 * @len: at most this much
 * @flags: SPLICE_F_*
 *
 * Return: bytes spliced, 0 at the end of the stream, or -errno.
 */
ssize_t xtcp_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags)
{
	struct sock *sk = sock->sk;
	ssize_t spliced = 0;
	long timeo;
	int ret = 0;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		release_sock(sk);
		return -ENOTCONN;
	}
	timeo = sock_rcvtimeo(sk, sock->file->f_flags & O_NONBLOCK);
	while (len) {
		ret = splice_received(sk, pipe, len, flags);
		if (ret < 0)
			break;
		if (ret) {
			len -= ret;
			spliced += ret;
			if (!len || !timeo)
				break;
			release_sock(sk);	/* let the backlog in */
			lock_sock(sk);
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) ||
			    signal_pending(current))
				break;
			continue;
		}
		/* nothing now: why, or wait as tcp_splice_read() does; a
		 * reset leaves RCV_SHUTDOWN too, so sk_err first, unless
		 * the peer's FIN came before it (SOCK_DONE)
		 */
		if (spliced || xtcp_sk(sk)->fin_rcvd)
			break;
		if (sk->sk_err) {
			ret = sock_error(sk);
			break;
		}
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			break;
		if (sk->sk_state == TCP_CLOSE) {
			ret = -ENOTCONN;
			break;
		}
		if (!timeo) {
			ret = -EAGAIN;
			break;
		}
		if (!skb_queue_empty(&sk->sk_receive_queue))
			break;		/* at the urgent mark */
		ret = sk_wait_data(sk, &timeo, NULL);
		if (ret < 0)
			break;
		if (signal_pending(current)) {
			ret = sock_intr_errno(timeo);
			break;
		}
	}
	release_sock(sk);
	return spliced ?: ret;
}

/**
 * xtcp_splice_eof() - a splice() into the socket ended early (sendfile()
 * past the end of its file): what it queued with MSG_MORE, expecting
 * more, goes now (tcp_splice_eof())
 * @sock: the socket
 */
void xtcp_splice_eof(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!skb_peek_tail(&sk->sk_write_queue))
		return;
	lock_sock(sk);
	xtcp_push(sk);
	release_sock(sk);
}

/**
 * xtcp_recvmsg() - RECEIVE (RFC 9293 3.10.3), as Linux TCP's recvmsg
 * @sk: the socket
 * @msg: where the data goes
 * @len: at most this much
 * @flags: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_OOB (urg.c)
 * @addr_len: unused: a stream has no per-message address
 *
 * Return: bytes copied; 0 at the end of the stream (the peer's FIN, our
 * SHUT_RD, a reset already reported); or -errno: EAGAIN, ENOTCONN,
 * ECONNRESET (once), EINTR.
 */
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
		 int *addr_len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool peek = flags & MSG_PEEK;
	size_t copied = 0, holes = 0;	/* urgent bytes passed, peeking */
	u32 peek_seq;			/* where a peek is */
	int target, err = 0;
	long timeo;

	if (flags & MSG_ERRQUEUE)	/* ICMP errors (icmp.c), IP_RECVERR */
		return xtcp_recv_error(sk, msg, len, addr_len);
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		err = -ENOTCONN;
		goto out;
	}
	if (flags & MSG_OOB) {
		err = xtcp_urg_recv(sk, msg, len, flags);
		if (err > 0) {
			copied = err;
			err = 0;
		}
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	peek_seq = xs->copied_seq;

	while (copied < len) {
		size_t before = copied, room = SIZE_MAX, h = 0;
		u32 seq = peek ? peek_seq : xs->copied_seq;

		/* A read stops at the urgent mark; a signal there is
		 * reported first (its SIGURG handler may want the byte);
		 * one at the mark passes the byte unless in line (urg.c).
		 */
		if (unlikely(xs->urg_data)) {
			if (xs->urg_seq == seq && copied)
				break;
			if (xs->urg_seq == seq && signal_pending(current)) {
				err = timeo ? sock_intr_errno(timeo) : -EAGAIN;
				break;
			}
			room = xtcp_urg_room(sk, seq, peek, &h);
			holes += h;
			peek_seq += h;
		}
		/* As tcp_recvmsg(): a fault ends the call with what was
		 * copied before it, or EFAULT if nothing was.
		 */
		err = copy_received(sk, msg,
				    len - copied > room ? copied + room : len,
				    peek ? peek_seq - xs->copied_seq : 0, peek,
				    &copied);
		peek_seq += copied - before;
		if (!peek)
			xtcp_urg_read_past(xs);
		if (copied > before && !peek) {
			xtcp_rcv_space_adjust(sk, copied - before);
			xtcp_rbuf_cleaned(sk, true);
		}
		if (err)
			break;
		if (copied >= len)
			break;
		if (copied > before)
			continue;	/* the queue may hold more */

		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			/* the peer's FIN (SOCK_DONE) before any error: a
			 * reset after it leaves its error for SO_ERROR
			 */
			if (xs->fin_rcvd)
				break;
			if (sk->sk_err) {
				err = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				err = -ENOTCONN;
				break;
			}
			if (!timeo) {
				err = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				err = sock_intr_errno(timeo);
				break;
			}
		}

		if (copied >= target) {
			/* Let the backlog in, then look again; still owned,
			 * so no other call (a read, a disconnect) slips in
			 * between two parts of this one (tcp_recvmsg too).
			 */
			sk_flush_backlog(sk);
		} else {
			/* Sleep until the queue grows past what is there now
			 * (all of it peeked already, or none): waiting for "any
			 * data" would return at once and spin, deaf to
			 * SO_RCVTIMEO (tcp_recvmsg waits for "last" too).
			 * An ACK owed goes first, as tcp_cleanup_rbuf() before
			 * sk_wait_data(): a peek consumed nothing, so no read
			 * after it would send one.
			 */
			xtcp_rbuf_cleaned(sk, false);
			if (sk_wait_data(sk, &timeo,
					 skb_peek_tail(&sk->sk_receive_queue)) < 0) {
				/* connect(AF_UNSPEC) while we slept: this
				 * call belonged to the old connection, and
				 * owes the new one nothing (tcp_recvmsg too)
				 */
				err = -EPIPE;
				goto out;
			}
		}
		/* Another reader, or a new urgent byte passing the old,
		 * moved the queue while we waited: peek from where it is
		 * now (tcp_recvmsg(), "race in MSG_PEEK").
		 */
		if (peek && peek_seq - copied - holes != xs->copied_seq)
			peek_seq = xs->copied_seq;
	}
	/* and as the call ends, also from a peek (tcp_recvmsg_locked()) */
	xtcp_rbuf_cleaned(sk, false);
out:
	/* TCP_INQ: what is left to read, as tcp_inq_hint() counts it (the
	 * peer's FIN among it, so 1 at the end)
	 */
	if (xtcp_sk(sk)->recvmsg_inq && (copied || !err)) {
		int inq = xtcp_sk(sk)->rcv_nxt - xtcp_sk(sk)->copied_seq;

		if (!inq && xtcp_sk(sk)->fin_rcvd)
			inq = 1;
		put_cmsg(msg, SOL_TCP, TCP_CM_INQ, sizeof(inq), &inq);
	}
	release_sock(sk);
	if (copied)
		return copied;
	return err;
}
