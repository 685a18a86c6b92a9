// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Revocable resources: an RCU-protected pointer with a reference-counted
 * provider, revoked in batches so that an unbind waits one grace period
 * however many resources the driver had.
 *
 * States of a provider:
 *
 *   alloc ---> LIVE (res != NULL) --revoke--> REVOKED (res == NULL)
 *                                   |            |
 *                                   +-- last put (provider + handles) --> freed
 *
 * Invariants
 *   1. res is set once at allocation (rcu_assign_pointer()) and cleared
 *      once, LIVE to REVOKED, by an atomic exchange (whoever swaps out the
 *      non-NULL value revoked it); readers load it with rcu_dereference()
 *      inside rcu_read_lock().
 *   2. A revoke returns only after a grace period that started after the
 *      store of NULL: no reader still holds the old pointer.
 *   3. A devm provider sits on dev->revocables (under devres_lock) from
 *      allocation until the binding's batch revoke takes it off; its devres
 *      then only drops the reference.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include "internal.h"

struct revocable_provider {
	void *res;			/* RCU pointer; NULL once revoked */
	struct kref kref;
	struct device *dev;		/* devm: the device, else NULL */
	struct list_head node;		/* on dev->revocables (devm) */
};

struct revocable {
	struct revocable_provider *rp;
};

struct revocable_provider *revocable_provider_alloc(void *res)
{
	struct revocable_provider *rp;

	if (PCL_WARN_ON(!res, NULL, "revocable_provider_alloc() of NULL"))
		return NULL;
	rp = kzalloc(sizeof(*rp), GFP_KERNEL);
	if (!rp)
		return NULL;
	kref_init(&rp->kref);
	INIT_LIST_HEAD(&rp->node);
	rcu_assign_pointer(rp->res, res);
	return rp;
}

static void provider_free(struct kref *kref)
{
	kfree(container_of(kref, struct revocable_provider, kref));
}

void revocable_provider_put(struct revocable_provider *rp)
{
	if (rp)
		kref_put(&rp->kref, provider_free);
}

/* Store NULL; true if this call revoked it. */
static bool revoke_store(struct revocable_provider *rp)
{
	void *old = __atomic_exchange_n(&rp->res, NULL, __ATOMIC_SEQ_CST);

	return old != NULL;
}

void revocable_provider_revoke_many(struct revocable_provider **rps,
				    unsigned int n)
{
	bool any = false;

	might_sleep();
	for (unsigned int i = 0; i < n; i++)
		any |= revoke_store(rps[i]);
	if (any)
		synchronize_rcu();
}

void revocable_provider_revoke(struct revocable_provider *rp)
{
	revocable_provider_revoke_many(&rp, 1);
}

/* devres: the device's reference.  The batch revoke already ran at
 * unbind; revoking again is a no-op without a grace period. */
static void devm_provider_release(void *data)
{
	struct revocable_provider *rp = data;
	struct device *dev = rp->dev;

	spin_lock(&dev->devres_lock);
	list_del_init(&rp->node);
	spin_unlock(&dev->devres_lock);
	revocable_provider_revoke(rp);
	revocable_provider_put(rp);
}

struct revocable_provider *devm_revocable_provider_alloc(struct device *dev,
							  void *res)
{
	struct revocable_provider *rp = revocable_provider_alloc(res);

	if (!rp)
		return NULL;
	rp->dev = dev;
	/* Consumer handles may hold it past the binding (they then read
	 * NULL): not a leak of the binding. */
	kmemleak_not_leak(rp);
	spin_lock(&dev->devres_lock);
	list_add_tail(&rp->node, &dev->revocables);
	spin_unlock(&dev->devres_lock);
	if (devm_add_action_or_reset(dev, devm_provider_release, rp))
		return NULL;
	return rp;
}

unsigned int pcl__revoke_device(struct device *dev)
{
	struct revocable_provider *rp;
	unsigned int n = 0;

	might_sleep();
	spin_lock(&dev->devres_lock);
	list_for_each_entry(rp, &dev->revocables, node)
		n += revoke_store(rp);
	spin_unlock(&dev->devres_lock);
	if (n) {
		synchronize_rcu();
		pcl_trace(PCL_TR_DEVRES, "%s: revoked %u resource%s (one grace period)",
			  dev_name(dev), n, n == 1 ? "" : "s");
	}
	return n;
}

struct revocable *revocable_alloc(struct revocable_provider *rp)
{
	struct revocable *rev = kzalloc(sizeof(*rev), GFP_KERNEL);

	if (!rev)
		return NULL;
	kref_get(&rp->kref);
	rev->rp = rp;
	return rev;
}

void revocable_free(struct revocable *rev)
{
	if (!rev)
		return;
	revocable_provider_put(rev->rp);
	kfree(rev);
}

void *revocable_try_access(struct revocable *rev)
{
	rcu_read_lock();
	return rcu_dereference(rev->rp->res);
}

void revocable_withdraw_access(struct revocable *rev)
{
	rcu_read_unlock();
}

bool revocable_is_revoked(struct revocable *rev)
{
	return __atomic_load_n(&rev->rp->res, __ATOMIC_ACQUIRE) == NULL;
}
