// SPDX-License-Identifier: GPL-2.0
/*
 * Memory that all of xtcp's sockets hold together, bounded as Linux's
 * tcp_mem bounds its TCP's: the kernel's socket accounting counts every
 * queued skb in xtcp_prot.memory_allocated (pages), and net.xtcp.mem
 * (min, pressure, max; init_net only, global as tcp_mem) says when buffers
 * stop growing (pressure) and when charges fail (max). This file holds the
 * account, the pressure flag and the sysctl; the queues charge through
 * sk_wmem_schedule() (stream.c) and xtcp_rmem_schedule() below.
 */
#include <linux/mm.h>
#include <linux/percpu_counter.h>
#include <net/net_namespace.h>
#include <net/proto_memory.h>
#include <net/sock.h>

#include "ofo.h"
#include "xtcp.h"

static atomic_long_t xtcp_memory_allocated ____cacheline_aligned_in_smp;
static DEFINE_PER_CPU(int, xtcp_memory_per_cpu_fw_alloc);
static struct percpu_counter xtcp_sockets_allocated;

/* jiffies when pressure began (never 0), or 0: tcp_memory_pressure */
static unsigned long xtcp_memory_pressure;

/* net.xtcp.mem, in pages: written by proc_doulongvec_minmax only */
static long sysctl_xtcp_mem[3];

static void xtcp_enter_memory_pressure(struct sock *sk)
{
	unsigned long val = jiffies ?: -1UL;

	if (READ_ONCE(xtcp_memory_pressure))
		return;
	if (!cmpxchg(&xtcp_memory_pressure, 0, val))
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_TCPMEMORYPRESSURES);
}

static void xtcp_leave_memory_pressure(struct sock *sk)
{
	unsigned long val;

	if (!READ_ONCE(xtcp_memory_pressure))
		return;
	val = xchg(&xtcp_memory_pressure, 0);
	if (val)
		XTCP_EXT_ADD(sock_net(sk), LINUX_MIB_TCPMEMORYPRESSURESCHRONO,
			     jiffies_to_msecs(jiffies - val));
}

/**
 * xtcp_prot_mem_init() - hook xtcp_prot up to the account
 * @prot: xtcp_prot, before proto_register()
 *
 * Return: 0, or -ENOMEM.
 */
int xtcp_prot_mem_init(struct proto *prot)
{
	prot->memory_allocated = &xtcp_memory_allocated;
	prot->per_cpu_fw_alloc = &xtcp_memory_per_cpu_fw_alloc;
	prot->sockets_allocated = &xtcp_sockets_allocated;
	prot->memory_pressure = &xtcp_memory_pressure;
	prot->sysctl_mem = sysctl_xtcp_mem;
	prot->enter_memory_pressure = xtcp_enter_memory_pressure;
	prot->leave_memory_pressure = xtcp_leave_memory_pressure;
	/* rmem[0]/wmem[0], the floor each socket keeps: Linux TCP's knobs */
	prot->sysctl_rmem_offset = offsetof(struct net, ipv4.sysctl_tcp_rmem);
	prot->sysctl_wmem_offset = offsetof(struct net, ipv4.sysctl_tcp_wmem);
	return percpu_counter_init(&xtcp_sockets_allocated, 0, GFP_KERNEL);
}

void xtcp_prot_mem_exit(void)
{
	percpu_counter_destroy(&xtcp_sockets_allocated);
}

static struct ctl_table xtcp_mem_table[] = {
	{
		.procname	= "mem",
		.data		= &sysctl_xtcp_mem,
		.maxlen		= sizeof(sysctl_xtcp_mem),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
	{ }	/* sentinel for kernels before 6.5 */
};

static struct ctl_table_header *xtcp_mem_hdr;

/**
 * xtcp_mem_sysctl_register() - /proc/sys/net/xtcp/mem, in init_net only:
 * one limit for the whole machine, as net.ipv4.tcp_mem, starting from
 * Linux's defaults (tcp_init_mem(): a sixteenth of the memory buffers may
 * use for pressure, three quarters of that for min, twice min for max)
 *
 * Return: 0, or -ENOMEM.
 */
int xtcp_mem_sysctl_register(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	sysctl_xtcp_mem[0] = limit / 4 * 3;
	sysctl_xtcp_mem[1] = limit;
	sysctl_xtcp_mem[2] = sysctl_xtcp_mem[0] * 2;
	xtcp_mem_hdr = register_net_sysctl_sz(&init_net, "net/xtcp",
					      xtcp_mem_table, 1);
	return xtcp_mem_hdr ? 0 : -ENOMEM;
}

void xtcp_mem_sysctl_unregister(void)
{
	unregister_net_sysctl_table(xtcp_mem_hdr);
}

/**
 * xtcp_under_memory_pressure() - buffers must not grow now
 * (tcp_under_memory_pressure())
 * @sk: the socket asking
 */
bool xtcp_under_memory_pressure(const struct sock *sk)
{
	return sk_under_memory_pressure(sk) ||
	       sk_memory_allocated(sk) >= sk_prot_mem_limits(sk, 0);
}

/**
 * xtcp_out_of_memory() - past net.xtcp.mem's max with more than a minimal
 * send queue: such an orphan is reset (tcp_out_of_memory())
 * @sk: the socket asking
 */
bool xtcp_out_of_memory(const struct sock *sk)
{
	return sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	       sk_memory_allocated(sk) > sk_prot_mem_limits(sk, 2);
}

/*
 * Charge @size to @sk past every limit: the one skb a receiver must always
 * take to make progress (sk_forced_mem_schedule(), not exported). Not for
 * a socket in a memory cgroup, whose charge only the kernel can force.
 */
static bool forced_schedule(struct sock *sk, int size)
{
	int delta = size - sk->sk_forward_alloc, amt;

	if (delta <= 0)
		return true;
	if (mem_cgroup_sk_enabled(sk))
		return false;
	amt = sk_mem_pages(delta);
	sk_forward_alloc_add(sk, amt << PAGE_SHIFT);
	sk_memory_allocated_add(sk, amt);
	return true;
}

/*
 * The receive buffer has room for @skb, and net.xtcp.mem for its charge.
 * Out-of-order text must fit in rcvbuf; in-order text is taken while the
 * buffer holds at most twice rcvbuf: the window offered counts text, the
 * buffer truesize, and only a peer that ignores the window goes past.
 */
static bool rmem_fits(const struct sock *sk, const struct sk_buff *skb,
		      bool in_order)
{
	s64 rmem = atomic_read(&sk->sk_rmem_alloc);
	s64 rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	return in_order ? rmem <= 2 * rcvbuf : rmem + skb->truesize <= rcvbuf;
}

static bool rmem_room(struct sock *sk, struct sk_buff *skb, bool in_order)
{
	return rmem_fits(sk, skb, in_order) &&
	       sk_rmem_schedule(sk, skb, skb->truesize);
}

/**
 * xtcp_rmem_schedule() - make room for @skb in the receive buffer and
 * charge it, as Linux's tcp_try_rmem_schedule()
 * @sk: the connection, locked
 * @skb: text about to be queued: at RCV.NXT, or out of order at
 *	 XTCP_SKB_CB(skb)->seq
 * @in_order: @skb goes to the receive queue (else the out-of-order one)
 *
 * Short of room, the buffer grows or the window's ceiling drops
 * (xtcp_rcv_ssthresh_prune()), and the out-of-order queue first copies
 * its runs of small skbs into few large ones (tcp_collapse_ofo_queue());
 * short of it still, or of net.xtcp.mem, it gives up its latest text,
 * from its tail down to @skb's place (tcp_prune_ofo_queue(): what lies
 * beyond the segment that wants room is the least urgent). In-order text
 * into an empty receive queue is charged regardless, so that the
 * connection always makes progress (as tcp_data_queue()); the
 * application's read gives the memory back. A socket in a memory cgroup is the exception:
 * only the kernel can force its cgroup's charge, so such text is dropped
 * (RcvPruned) until the cgroup has room.
 *
 * Return: true if @skb's charge is covered (skb_set_owner_r() may follow).
 */
bool xtcp_rmem_schedule(struct sock *sk, struct sk_buff *skb, bool in_order)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 seq = in_order ? xs->rcv_nxt : XTCP_SKB_CB(skb)->seq;
	unsigned int collapsed;

	xtcp_assert_locked(sk);
	if (rmem_room(sk, skb, in_order))
		return true;
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_PRUNECALLED);
	xtcp_rcv_ssthresh_prune(sk);
	/* Collapsing pays when the buffer is full, not net.xtcp.mem */
	collapsed = rmem_fits(sk, skb, in_order) ? 0 :
		    xtcp_ofo_collapse(&xs->ofo, sk,
				      READ_ONCE(sk->sk_rcvbuf) >> 3);
	if (collapsed) {
		XTCP_EXT_ADD(sock_net(sk), LINUX_MIB_TCPRCVCOLLAPSED, collapsed);
		if (rmem_room(sk, skb, in_order))
			return true;
	}
	while (xtcp_ofo_prune(&xs->ofo, seq,
			      READ_ONCE(sk->sk_rcvbuf) >> 3)) {
		XTCP_EXT_INC(sock_net(sk), LINUX_MIB_OFOPRUNED);
		if (rmem_room(sk, skb, in_order))
			return true;
	}
	if (in_order && skb_queue_empty(&sk->sk_receive_queue))
		return forced_schedule(sk, skb->truesize);
	XTCP_EXT_INC(sock_net(sk), LINUX_MIB_RCVPRUNED);
	return false;
}
