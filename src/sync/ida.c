// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ID allocation, as Linux's IDA: the lowest free number, for names like
 * "switchtec0".  A bitmap of PCL_IDA_MAX bits under a mutex.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/sync.h>

#define BITS	(8 * sizeof(unsigned long))

int ida_alloc_max(struct ida *ida, unsigned int max, gfp_t gfp)
{
	int id = -ENOSPC;

	if (gfpflags_allow_blocking(gfp))
		might_sleep();
	if (max >= PCL_IDA_MAX)
		max = PCL_IDA_MAX - 1;
	mutex_lock(&ida->lock);
	for (unsigned int i = 0; i <= max; i++) {
		if (!(ida->map[i / BITS] & (1ul << (i % BITS)))) {
			ida->map[i / BITS] |= 1ul << (i % BITS);
			id = (int)i;
			break;
		}
	}
	mutex_unlock(&ida->lock);
	return id;
}

void ida_free(struct ida *ida, unsigned int id)
{
	if (id >= PCL_IDA_MAX)
		return;
	mutex_lock(&ida->lock);
	ida->map[id / BITS] &= ~(1ul << (id % BITS));
	mutex_unlock(&ida->lock);
}
