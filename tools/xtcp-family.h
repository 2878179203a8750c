/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address family of the loaded xtcp module, for xtcp's userspace
 * tools: /sys/module/xtcp/parameters/family, else AF_XTCP.
 */
#ifndef _XTCP_FAMILY_H
#define _XTCP_FAMILY_H

#include <stdio.h>

#include <linux/xtcp.h>

static inline int xtcp_loaded_family(void)
{
	int fam = AF_XTCP;
	FILE *f = fopen(XTCP_FAMILY_PATH, "re");

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = AF_XTCP;
		fclose(f);
	}
	return fam;
}

#endif /* _XTCP_FAMILY_H */
