// SPDX-License-Identifier: GPL-2.0
/*
 * The xtcp address family: socket creation and the proto_ops table that
 * maps the socket system calls onto xtcp.
 *
 * Calls xtcp does not implement yet answer EOPNOTSUPP through the
 * sock_no_*() helpers, never a crash or a silent success.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include <uapi/linux/xtcp.h>

#include "xtcp.h"

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default "
		 __stringify(AF_XTCP) ", must be free and below AF_MAX)");

static struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
};

static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	sock_orphan(sk);
	release_sock(sk);

	sock->sk = NULL;
	sock_put(sk);	/* the socket's reference, taken by sk_alloc() */
	return 0;
}

static const struct proto_ops xtcp_stream_ops = {
	.family		= PF_XTCP,	/* informational; xtcp_family rules */
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= sock_no_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
	.mmap		= sock_no_mmap,
};

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, xtcp_family, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOBUFS;

	sock->state = SS_UNCONNECTED;
	sock->ops = &xtcp_stream_ops;
	sock_init_data(sock, sk);
	sk->sk_protocol = IPPROTO_TCP;
	return 0;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

/**
 * xtcp_af_register() - register the socket layer with the family
 * @xtcp_family. Sockets hold a reference on the module, so rmmod waits
 * for the last one to close.
 *
 * Return: 0, or -EINVAL for a number out of range, -EEXIST if taken.
 */
int xtcp_af_register(void)
{
	int err;

	if (xtcp_family <= AF_UNSPEC || xtcp_family >= NPROTO) {
		pr_err("family=%d is not between 1 and %d\n",
		       xtcp_family, NPROTO - 1);
		return -EINVAL;
	}

	err = proto_register(&xtcp_prot, 1);
	if (err)
		return err;

	xtcp_family_ops.family = xtcp_family;
	err = sock_register(&xtcp_family_ops);
	if (err) {
		pr_err("address family %d is taken (%d); load with family=N\n",
		       xtcp_family, err);
		proto_unregister(&xtcp_prot);
	}
	return err;
}

void xtcp_af_unregister(void)
{
	sock_unregister(xtcp_family);
	proto_unregister(&xtcp_prot);
}
