// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An ITS-like MSI translator.
 *
 * Devices write an event number to the doorbell; the translator takes the
 * writer's requester ID as DeviceID, finds that device's table (made by
 * msi_prepare, sized for the device's vectors, with a bitmap of the LPIs
 * it maps), and raises the event's LPI.  A table is shared by aliases
 * (devices with one DeviceID) and freed by the last msi_teardown; LPIs
 * still mapped then are reported.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

#define ITS_LPI_BASE	8192
#define ITS_NR_LPIS	65536

struct its_dev {
	uint32_t dev_id;
	unsigned int nvec;		/* events the table holds */
	unsigned int lpi_base;		/* LPIs lpi_base .. + nvec - 1 */
	unsigned long *map;		/* events mapped */
	unsigned int mapped;
	unsigned int users;		/* msi_prepare calls sharing it */
	bool freed_early;		/* free-on-last quirk: table gone */
	struct list_head node;
};

struct pcl_its {
	struct pcl_msi_parent parent;
	uint64_t doorbell;
	/* lock protects the device tables and the LPI allocator; taken in
	 * hard-IRQ context (doorbell writes); a leaf. */
	spinlock_t lock;
	struct list_head devs;
	unsigned long lpi_used[ITS_NR_LPIS / (8 * sizeof(unsigned long))];
	struct pcl_its_stats st;
	/* The pre-2025 Linux ITS (seed 004's wrong twin): a device's table
	 * is freed when its last LPI is, not at msi_teardown. */
	_Atomic bool free_on_last;
};

#define BITS	(8 * sizeof(unsigned long))

static bool test_bit_(const unsigned long *m, unsigned int b)
{
	return m[b / BITS] & (1ul << (b % BITS));
}

static void set_bit_(unsigned long *m, unsigned int b, bool v)
{
	if (v)
		m[b / BITS] |= 1ul << (b % BITS);
	else
		m[b / BITS] &= ~(1ul << (b % BITS));
}

/* Under lock: @n consecutive free LPIs (relative to ITS_LPI_BASE). */
static int lpi_alloc(struct pcl_its *its, unsigned int n)
{
	for (unsigned int s = 0; s + n <= ITS_NR_LPIS - ITS_LPI_BASE; s++) {
		unsigned int i;

		for (i = 0; i < n && !test_bit_(its->lpi_used, s + i); i++)
			;
		if (i == n) {
			for (i = 0; i < n; i++)
				set_bit_(its->lpi_used, s + i, true);
			return (int)(s + ITS_LPI_BASE);
		}
		s += i;
	}
	return -ENOSPC;
}

static void lpi_free(struct pcl_its *its, unsigned int base, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		set_bit_(its->lpi_used, base - ITS_LPI_BASE + i, false);
}

static struct its_dev *find_dev_locked(struct pcl_its *its, uint32_t dev_id)
{
	struct its_dev *d;

	list_for_each_entry(d, &its->devs, node)
		if (d->dev_id == dev_id)
			return d;
	return NULL;
}

static int its_msi_prepare(void *ctl, struct device *dev, uint32_t dev_id,
			   unsigned int max_vecs, void **state)
{
	struct pcl_its *its = ctl;
	struct its_dev *d, *nd;
	unsigned long flags;
	int base;

	nd = kzalloc(sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->map = kcalloc((max_vecs + BITS - 1) / BITS, sizeof(*nd->map),
			  GFP_KERNEL);
	if (!nd->map) {
		kfree(nd);
		return -ENOMEM;
	}
	spin_lock_irqsave(&its->lock, flags);
	its->st.prepares++;
	d = find_dev_locked(its, dev_id);
	if (d) {			/* an alias: share the table */
		d->users++;
		spin_unlock_irqrestore(&its->lock, flags);
		kfree(nd->map);
		kfree(nd);
		*state = d;
		return 0;
	}
	base = lpi_alloc(its, max_vecs);
	if (base < 0) {
		spin_unlock_irqrestore(&its->lock, flags);
		kfree(nd->map);
		kfree(nd);
		return base;
	}
	nd->dev_id = dev_id;
	nd->nvec = max_vecs;
	nd->lpi_base = (unsigned int)base;
	nd->users = 1;
	list_add_tail(&nd->node, &its->devs);
	its->st.tables++;
	spin_unlock_irqrestore(&its->lock, flags);
	pcl_trace(PCL_TR_CORE, "its: msi_prepare DeviceID %04x: table of %u events, LPIs %u..%u",
		  dev_id, max_vecs, base, base + max_vecs - 1);
	*state = nd;
	return 0;
}

static void its_msi_teardown(void *ctl, struct device *dev, void *state)
{
	struct pcl_its *its = ctl;
	struct its_dev *d = state;
	unsigned long flags;
	unsigned int left;
	bool last;

	spin_lock_irqsave(&its->lock, flags);
	its->st.teardowns++;
	last = --d->users == 0;
	left = d->mapped;
	if (last && !d->freed_early) {
		list_del_init(&d->node);
		lpi_free(its, d->lpi_base, d->nvec);
		its->st.tables--;
		its->st.lpis_mapped -= d->mapped;
	}
	spin_unlock_irqrestore(&its->lock, flags);
	if (!last)
		return;
	if (left)
		pcl_report(PCL_CHK_LEAK, NULL, __FILE__, __LINE__,
			   "its: msi_teardown of DeviceID %04x with %u LPIs still mapped",
			   d->dev_id, left);
	pcl_trace(PCL_TR_CORE, "its: msi_teardown DeviceID %04x: table freed",
		  d->dev_id);
	kfree(d->map);
	kfree(d);
}

static int its_alloc(void *ctl, void *state, unsigned int virq,
		     unsigned long *hwirq)
{
	struct pcl_its *its = ctl;
	struct its_dev *d = state;
	unsigned long flags;
	unsigned int ev;

	spin_lock_irqsave(&its->lock, flags);
	if (d->freed_early) {
		spin_unlock_irqrestore(&its->lock, flags);
		pcl_report(PCL_CHK_REVOKE, NULL, __FILE__, __LINE__,
			   "its: allocation for DeviceID %04x through per-device state freed with its last LPI (before msi_teardown): use after free",
			   d->dev_id);
		return -ENODEV;
	}
	for (ev = 0; ev < d->nvec && test_bit_(d->map, ev); ev++)
		;
	if (ev == d->nvec) {
		spin_unlock_irqrestore(&its->lock, flags);
		return -ENOSPC;
	}
	set_bit_(d->map, ev, true);
	d->mapped++;
	its->st.lpis_mapped++;
	spin_unlock_irqrestore(&its->lock, flags);
	*hwirq = d->lpi_base + ev;
	return 0;
}

static void its_free(void *ctl, void *state, unsigned long hwirq)
{
	struct pcl_its *its = ctl;
	struct its_dev *d = state;
	unsigned long flags;
	unsigned int ev = (unsigned int)(hwirq - d->lpi_base);

	bool early = false;

	spin_lock_irqsave(&its->lock, flags);
	if (ev < d->nvec && test_bit_(d->map, ev)) {
		set_bit_(d->map, ev, false);
		d->mapped--;
		its->st.lpis_mapped--;
	}
	if (!d->mapped && !d->freed_early && atomic_load(&its->free_on_last)) {
		/* WRONG, on purpose: the state msi_prepare made goes now. */
		d->freed_early = true;
		list_del_init(&d->node);
		lpi_free(its, d->lpi_base, d->nvec);
		its->st.tables--;
		early = true;
	}
	spin_unlock_irqrestore(&its->lock, flags);
	if (early)
		pcl_trace(PCL_TR_CORE, "its: DeviceID %04x: last LPI freed, table freed (free-on-last quirk)",
			  d->dev_id);
}

void pcl_its_set_free_on_last(struct pcl_its *its, bool on)
{
	atomic_store(&its->free_on_last, on);
}

static void its_compose(void *ctl, void *state, unsigned long hwirq,
			struct msi_msg *msg)
{
	struct pcl_its *its = ctl;
	struct its_dev *d = state;

	msg->address_lo = (uint32_t)its->doorbell;
	msg->address_hi = (uint32_t)(its->doorbell >> 32);
	msg->data = (uint32_t)(hwirq - d->lpi_base);	/* the event ID */
}

static const struct msi_parent_ops its_ops = {
	.msi_prepare = its_msi_prepare,
	.msi_teardown = its_msi_teardown,
	.alloc = its_alloc,
	.free = its_free,
	.compose = its_compose,
};

/* The ITS's own domain is only a reverse map (LPI -> virq). */
static int its_domain_alloc(struct irq_domain *d, unsigned int virq,
			    unsigned int nr, void *arg)
{
	return -ENOSYS;
}

static const struct irq_domain_ops its_domain_ops = {
	.alloc = its_domain_alloc,
};

struct pcl_its *pcl_its_create(const char *name, uint64_t doorbell)
{
	struct pcl_its *its = kzalloc(sizeof(*its), GFP_KERNEL);

	if (!its)
		return NULL;
	its->parent.name = name;
	its->parent.ops = &its_ops;
	its->parent.ctl = its;
	its->parent.domain = irq_domain_create(name, &its_domain_ops, its,
					       NULL, ITS_NR_LPIS);
	if (!its->parent.domain) {
		kfree(its);
		return NULL;
	}
	its->doorbell = doorbell;
	spin_lock_init(&its->lock);
	its->lock.dep.name = "&its->lock";
	INIT_LIST_HEAD(&its->devs);
	return its;
}

void pcl_its_destroy(struct pcl_its *its)
{
	if (!its)
		return;
	if (!list_empty(&its->devs))
		pcl_report(PCL_CHK_LEAK, NULL, __FILE__, __LINE__,
			   "its %s destroyed with %zu device tables left",
			   its->parent.name, list_count(&its->devs));
	irq_domain_remove(its->parent.domain);
	kfree(its);
}

struct pcl_msi_parent *pcl_its_msi_parent(struct pcl_its *its)
{
	return &its->parent;
}

void pcl_its_doorbell(struct pcl_its *its, uint64_t addr, uint32_t data,
		      uint32_t dev_id)
{
	unsigned int virq = 0;
	struct its_dev *d;
	unsigned long flags;

	spin_lock_irqsave(&its->lock, flags);
	d = addr == its->doorbell ? find_dev_locked(its, dev_id) : NULL;
	if (d && data < d->nvec && test_bit_(d->map, data))
		virq = irq_find_mapping(its->parent.domain, d->lpi_base + data);
	if (virq)
		its->st.delivered++;
	else
		its->st.dropped++;
	spin_unlock_irqrestore(&its->lock, flags);
	if (virq)
		pcl_irq_raise(virq);
}

void pcl_its_stats(struct pcl_its *its, struct pcl_its_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&its->lock, flags);
	*st = its->st;
	spin_unlock_irqrestore(&its->lock, flags);
}
