# SPDX-License-Identifier: GPL-2.0
# Feature probes for compat.h: what this kernel tree has, not its version.
xtcp-probe-file = $(if $(wildcard $(srctree)/$(1)),-D$(2))
xtcp-probe-grep = $(if $(shell grep -qs '$(1)' $(srctree)/$(2) && echo y),-D$(3))
ccflags-y += $(call xtcp-probe-file,include/linux/unaligned.h,XTCP_HAVE_LINUX_UNALIGNED_H)
ccflags-y += $(call xtcp-probe-file,include/kunit/visibility.h,XTCP_HAVE_KUNIT_VISIBILITY_H)
ccflags-y += $(call xtcp-probe-grep,register_net_sysctl_sz,include/net/net_namespace.h,XTCP_HAVE_REGISTER_NET_SYSCTL_SZ)
ccflags-y += $(call xtcp-probe-file,include/linux/skbuff_ref.h,XTCP_HAVE_SKBUFF_REF_H)
