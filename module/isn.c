// SPDX-License-Identifier: GPL-2.0
/*
 * Initial sequence numbers, RFC 6528: ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), M a 4-microsecond clock and F SipHash
 * keyed with a secret drawn once per boot (module load).
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/random.h>
#include <linux/siphash.h>

#include "xtcp.h"

static siphash_key_t isn_secret __read_mostly;
static siphash_key_t ts_secret __read_mostly;

void xtcp_isn_init(void)
{
	get_random_bytes(&isn_secret, sizeof(isn_secret));
	get_random_bytes(&ts_secret, sizeof(ts_secret));
}

/**
 * xtcp_isn_at() - the ISN for a 4-tuple at a given time
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @ns: the clock, in nanoseconds
 *
 * RFC 6528 section 3: M advances by one every 4 us, so the ISNs of
 * successive incarnations of one 4-tuple keep moving forward (RFC 9293
 * 3.4.1), while F hides the sequence space of one connection from
 * anybody who cannot see its segments.
 */
u32 xtcp_isn_at(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport,
		u64 ns)
{
	u32 f = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			     (__force u32)sport << 16 | (__force u32)dport,
			     &isn_secret);

	return f + (u32)div_u64(ns, 4 * NSEC_PER_USEC);
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_isn_at);

u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	return xtcp_isn_at(saddr, daddr, sport, dport, ktime_get_real_ns());
}
EXPORT_SYMBOL_IF_KUNIT(xtcp_isn);

/**
 * xtcp_ts_off() - the TSval offset of a connection a SYN cookie opened
 * (RFC 7323 5.4: unguessable): a keyed hash of its 4-tuple, so that the
 * ACK returning the cookie finds the offset the SYN-ACK used, as Linux's
 * secure_tcp_ts_off()
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 */
u32 xtcp_ts_off(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	return siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &ts_secret);
}
