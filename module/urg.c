// SPDX-License-Identifier: GPL-2.0
/*
 * Urgent data (RFC 9293 3.8.5, MUST-30..33 and MUST-62), as Linux's TCP
 * presents it to applications: send(MSG_OOB) marks the end of its data
 * with the urgent pointer; the receiver is told at once (SIGURG to the
 * socket's owner, POLLPRI), a read stops at the mark (SIOCATMARK says it
 * is there), and the last urgent byte is read apart with recv(MSG_OOB),
 * or in line with SO_OOBINLINE.
 *
 * The pointer on the wire is the byte after the urgent data (MUST-62;
 * RFC 6093 made the BSD reading the standard), so the byte Linux holds
 * apart is SEG.SEQ + SEG.UP - 1. RFC 9293 advises new applications not
 * to use urgent data (SHLD-13); telnet, rlogin and ftp's ABOR still do.
 *
 * Where the rules live:
 *   sender: urgent mode, SND.UP         xtcp_urg_mark, xtcp_urg_acked
 *           SEG.UP of each segment      xtcp_urg_ptr (output.c transmit)
 *           no Nagle in urgent mode     new_data_len (output.c)
 *   receiver, 3.10.7.4 sixth check      xtcp_urg_rcv (input.c)
 *           a read stops at the mark    xtcp_urg_room, xtcp_urg_read_past
 *           recv(MSG_OOB)               xtcp_urg_recv
 *           SIOCATMARK, SIOCINQ          xtcp_urg_at_mark, xtcp_urg_inq
 *           poll(): POLLPRI, POLLIN     xtcp_urg_pri, xtcp_urg_at_hidden_mark
 *
 * All of it under the socket lock; poll() and the ioctls read lockless.
 */
#include <net/sock.h>
#include <net/tcp_states.h>

#include "seq.h"
#include "xtcp.h"

/**
 * xtcp_urg_mark() - send(MSG_OOB) queued its data: urgent mode, SND.UP
 * at the end of what is queued (Linux's tcp_mark_urg())
 * @sk: the connection, locked
 */
void xtcp_urg_mark(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_up = xs->write_seq;
	xs->urg_mode = 1;
}

/**
 * xtcp_urg_acked() - the peer acknowledged up to SND.UNA: urgent mode
 * ends once it covers SND.UP
 * @xs: the connection, locked
 */
void xtcp_urg_acked(struct xtcp_sock *xs)
{
	if (xs->urg_mode && xtcp_seq_after_eq(xs->snd_una, xs->snd_up))
		xs->urg_mode = 0;
}

/**
 * xtcp_urg_ptr() - SEG.UP for a segment starting at @seq, as
 * tcp_transmit_skb(): each segment sent in urgent mode before SND.UP
 * points at it, or as far as 16 bits reach while SND.NXT is within them
 * @xs: the connection, locked
 * @seq: SEG.SEQ
 *
 * Return: the urgent pointer, 0 for none (no URG bit).
 */
u16 xtcp_urg_ptr(const struct xtcp_sock *xs, u32 seq)
{
	if (!xs->urg_mode || !xtcp_seq_before(seq, xs->snd_up))
		return 0;
	if (xtcp_seq_before(xs->snd_up, seq + 0x10000))
		return xs->snd_up - seq;
	if (xtcp_seq_after(seq + 0xFFFF, xs->snd_nxt))
		return 0xFFFF;
	return 0;
}

/* Pass the urgent byte at the head of the receive queue (not in line). */
static void skip_urgent_byte(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

	if (skb)	/* it is: the callers saw it queued */
		xtcp_rcvq_consume(sk, skb, 1);
}

/*
 * A new urgent pointer (tcp_check_urg()): RCV.UP moves forward only, and
 * the user is signalled once for each advance (MUST-32).
 */
static void urg_advance(struct sock *sk, u32 up)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_seq_after(xs->copied_seq, up) ||	/* read already */
	    xtcp_seq_before(up, xs->rcv_nxt))		/* arrived already */
		return;
	if (xs->urg_data && !xtcp_seq_after(up, xs->urg_seq))
		return;					/* not an advance */
	sk_send_sigurg(sk);
	/* The old urgent byte, unread at the head of the queue, is passed:
	 * only the latest can be read apart.
	 */
	if (xs->urg_data && xs->urg_seq == xs->copied_seq &&
	    !sock_flag(sk, SOCK_URGINLINE) && xs->copied_seq != xs->rcv_nxt)
		skip_urgent_byte(sk);
	WRITE_ONCE(xs->urg_data, XTCP_URG_NOTYET);
	WRITE_ONCE(xs->urg_seq, up);
}

/**
 * xtcp_urg_rcv() - RFC 9293 3.10.7.4 sixth check, the URG bit: take
 * SEG.UP, and keep the urgent byte once a segment brings it (tcp_urg())
 * @sk: the connection, locked
 * @skb: an acceptable segment, data at the payload
 */
void xtcp_urg_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u16 up = ntohs(tcp_hdr(skb)->urg_ptr);
	u32 data_seq = cb->seq + !!(cb->flags & XTCP_SYN), off;
	u8 byte;

	/* CLOSE-WAIT and later: "should not occur ... Ignore the URG." */
	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	if (cb->flags & XTCP_URG)	/* SEG.UP 0: SEG.SEQ, as Linux */
		urg_advance(sk, cb->seq + (up ? up - 1 : 0));
	if (xs->urg_data != XTCP_URG_NOTYET)
		return;
	off = xs->urg_seq - data_seq;
	if (off < skb->len && !skb_copy_bits(skb, off, &byte, 1)) {
		WRITE_ONCE(xs->urg_data, XTCP_URG_VALID | byte);
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_data_ready(sk);
	}
}

/**
 * xtcp_urg_room() - how far a read from @seq may go before the mark
 * (tcp_recvmsg()): up to the urgent byte; at it, past it, the byte
 * skipped unless SO_OOBINLINE
 * @sk: the connection, locked
 * @seq: where the read is (beyond copied_seq when peeking)
 * @peek: MSG_PEEK: the byte is not consumed
 * @hole: set to 1 if the read is to pass the byte (peeking), else 0
 *
 * Return: bytes the read may take now, SIZE_MAX for no bound.
 */
size_t xtcp_urg_room(struct sock *sk, u32 seq, bool peek, size_t *hole)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 off = xs->urg_seq - seq;

	*hole = 0;
	if (!xs->urg_data || off >= xs->rcv_nxt - seq)
		return SIZE_MAX;	/* no mark among what is queued */
	if (off)
		return off;
	if (!sock_flag(sk, SOCK_URGINLINE)) {
		if (peek)
			*hole = 1;
		else
			skip_urgent_byte(sk);
	}
	return SIZE_MAX;
}

/**
 * xtcp_urg_read_past() - a read went beyond the mark: no urgent data
 * any more (until a new pointer comes)
 * @xs: the connection, locked
 */
void xtcp_urg_read_past(struct xtcp_sock *xs)
{
	if (xs->urg_data && xtcp_seq_after(xs->copied_seq, xs->urg_seq))
		WRITE_ONCE(xs->urg_data, 0);
}

/**
 * xtcp_urg_recv() - recv(MSG_OOB), as tcp_recv_urg(): the urgent byte,
 * once (MSG_PEEK leaves it)
 * @sk: the connection, locked
 * @msg: where it goes
 * @len: room for it; 0 gives MSG_TRUNC
 * @flags: MSG_PEEK, MSG_TRUNC
 *
 * Return: 1 (or 0 with no room), or -EINVAL (in line, none, or read
 * already), -ENOTCONN, -EAGAIN (announced, not arrived), -EFAULT; 0 at
 * the end of the stream.
 */
int xtcp_urg_recv(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 urg = xs->urg_data;
	char c = urg;

	if (sock_flag(sk, SOCK_URGINLINE) || !urg || urg == XTCP_URG_READ)
		return -EINVAL;
	if (sk->sk_state == TCP_CLOSE && !xs->fin_rcvd)	/* SOCK_DONE */
		return -ENOTCONN;
	if (urg & XTCP_URG_VALID) {
		if (!(flags & MSG_PEEK))
			WRITE_ONCE(xs->urg_data, XTCP_URG_READ);
		msg->msg_flags |= MSG_OOB;
		if (!len) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(flags & MSG_TRUNC) && memcpy_to_msg(msg, &c, 1))
			return -EFAULT;
		return 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN;
}

/**
 * xtcp_urg_at_mark() - SIOCATMARK: the next byte to read is the urgent
 * one
 * @sk: the connection
 */
bool xtcp_urg_at_mark(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return READ_ONCE(xs->urg_data) &&
	       READ_ONCE(xs->urg_seq) == READ_ONCE(xs->copied_seq);
}

/**
 * xtcp_urg_inq() - SIOCINQ with urgent data not in line: the bytes up to
 * the mark (tcp_inq())
 * @sk: the connection
 * @inq: the unread bytes without regard to urgent data
 */
int xtcp_urg_inq(const struct sock *sk, int inq)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 up = READ_ONCE(xs->urg_seq), copied = READ_ONCE(xs->copied_seq);

	if (sock_flag(sk, SOCK_URGINLINE) || !READ_ONCE(xs->urg_data) ||
	    xtcp_seq_before(up, copied) ||
	    !xtcp_seq_before(up, READ_ONCE(xs->rcv_nxt)))
		return inq;
	return up - copied;
}

/**
 * xtcp_urg_pri() - poll()'s POLLPRI: the urgent byte is here, unread
 * @sk: the connection
 */
bool xtcp_urg_pri(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->urg_data) & XTCP_URG_VALID;
}

/**
 * xtcp_urg_at_hidden_mark() - the next byte is the urgent one, not in
 * line: a read passes it, so poll() wants one byte more (tcp_poll())
 * @sk: the connection
 */
bool xtcp_urg_at_hidden_mark(const struct sock *sk)
{
	return xtcp_urg_at_mark(sk) && !sock_flag(sk, SOCK_URGINLINE);
}
