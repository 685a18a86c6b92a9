// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * refcount_t: saturating reference counts that report misuse.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/sync.h>

static void refcount_warn(refcount_t *r, const char *what)
{
	atomic_store(&r->refs, REFCOUNT_SATURATED);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
		   "refcount_t: %s; use-after-free.", what);
}

void refcount_inc(refcount_t *r)
{
	int old = atomic_fetch_add(&r->refs, 1);

	if (unlikely(old <= 0 || old >= REFCOUNT_SATURATED))
		refcount_warn(r, old == 0 ? "addition on 0" : "saturated");
}

bool refcount_inc_not_zero(refcount_t *r)
{
	int c = atomic_load(&r->refs);

	do {
		if (!c)
			return false;
		if (c >= REFCOUNT_SATURATED)
			return true;
	} while (!atomic_compare_exchange_weak(&r->refs, &c, c + 1));
	return true;
}

bool refcount_dec_and_test(refcount_t *r)
{
	int old = atomic_fetch_sub(&r->refs, 1);

	if (unlikely(old >= REFCOUNT_SATURATED)) {
		atomic_store(&r->refs, REFCOUNT_SATURATED);
		return false;
	}
	if (unlikely(old <= 0)) {
		refcount_warn(r, "underflow");
		return false;
	}
	return old == 1;
}

void refcount_dec(refcount_t *r)
{
	if (refcount_dec_and_test(r))
		refcount_warn(r, "decrement hit 0; leaking memory");
}
