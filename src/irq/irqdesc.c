// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sparse interrupt descriptors.
 *
 * IRQ numbers index an array of RCU-protected descriptor pointers.  A
 * freed descriptor is unpublished at once and its memory released after
 * a grace period, so a demultiplexer looking a child up under
 * rcu_read_lock() while another thread frees it (seed 003, VMD) never
 * touches freed memory.  Freeing a batch waits one grace period for all
 * of it (call_rcu), not one per IRQ.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

/*
 * sparse_lock serialises allocation and freeing of IRQ numbers; readers
 * use RCU.  It is taken in process context only; desc->request_mutex
 * never nests inside it.
 */
static DEFINE_MUTEX(sparse_lock);
static struct irq_desc *descs[PCL_NR_IRQS];	/* RCU-published */

struct irq_desc *irq_to_desc(unsigned int irq)
{
	if (irq >= PCL_NR_IRQS)
		return NULL;
	return rcu_dereference(descs[irq]);
}

struct irq_desc *pcl__irq_desc_get(unsigned int irq)
{
	struct irq_desc *d;

	rcu_read_lock();
	d = irq_to_desc(irq);
	rcu_read_unlock();
	return d;
}

static struct irq_desc *alloc_desc(unsigned int irq, const char *name)
{
	struct irq_desc *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	kmemleak_not_leak(d);	/* owned by the IRQ core, not a binding */
	d->irq_data.irq = irq;
	d->irq_data.hwirq = irq;
	d->name = name;
	d->handle_irq = handle_simple_irq;
	d->depth = 1;			/* disabled until requested */
	d->masked = true;
	spin_lock_init(&d->lock);
	d->lock.dep.name = "&desc->lock";
	mutex_init(&d->request_mutex);
	d->request_mutex.dep.name = "&desc->request_mutex";
	init_waitqueue_head(&d->wait_for_threads);
	return d;
}

int irq_alloc_descs(unsigned int from, unsigned int cnt, const char *name)
{
	unsigned int start, i;

	might_sleep();
	if (!cnt || cnt > PCL_NR_IRQS)
		return -EINVAL;
	if (from == 0)
		from = 1;		/* IRQ 0 is never handed out */
	if (from > PCL_NR_IRQS - cnt)	/* and start + cnt must not wrap */
		return -ENOSPC;
	mutex_lock(&sparse_lock);
	for (start = from; start + cnt <= PCL_NR_IRQS; start = i + 1) {
		for (i = start; i < start + cnt && !descs[i]; i++)
			;
		if (i == start + cnt)
			break;
	}
	if (start + cnt > PCL_NR_IRQS) {
		mutex_unlock(&sparse_lock);
		return -ENOSPC;
	}
	for (i = 0; i < cnt; i++) {
		struct irq_desc *d = alloc_desc(start + i, name);

		if (!d) {
			while (i--) {
				kfree(descs[start + i]);
				descs[start + i] = NULL;
			}
			mutex_unlock(&sparse_lock);
			return -ENOMEM;
		}
		rcu_assign_pointer(descs[start + i], d);
	}
	mutex_unlock(&sparse_lock);
	pcl_trace(PCL_TR_CORE, "irq %u..%u allocated (%s)", start,
		  start + cnt - 1, name ? name : "-");
	return (int)start;
}

static void free_desc_rcu(struct rcu_head *head)
{
	struct irq_desc *d = container_of(head, struct irq_desc, rcu);

	kfree(d);
}

int irq_free_descs(unsigned int irq, unsigned int cnt)
{
	int ret = 0;

	might_sleep();
	mutex_lock(&sparse_lock);
	for (unsigned int i = irq; i < irq + cnt && i < PCL_NR_IRQS; i++) {
		struct irq_desc *d = descs[i];
		const char *busy = NULL;

		if (!d)
			continue;
		spin_lock(&d->lock);
		if (d->action)
			busy = d->action->name;
		spin_unlock(&d->lock);
		if (busy) {
			pcl_report(PCL_CHK_IRQ_FREE, NULL, __FILE__, __LINE__,
				   "freeing IRQ %u which still has handler '%s': refused",
				   i, busy);
			ret = -EBUSY;
			continue;
		}
		rcu_assign_pointer(descs[i], NULL);
		call_rcu(&d->rcu, free_desc_rcu);
	}
	mutex_unlock(&sparse_lock);
	return ret;
}

struct irq_data *irq_get_irq_data(unsigned int irq)
{
	struct irq_desc *d = pcl__irq_desc_get(irq);

	return d ? &d->irq_data : NULL;
}

struct irq_data *irq_desc_get_irq_data(struct irq_desc *desc)
{
	return &desc->irq_data;
}

void *irq_desc_get_handler_data(struct irq_desc *desc)
{
	return desc->handler_data;
}

void irq_set_chip_and_handler(unsigned int irq, const struct irq_chip *chip,
			      irq_flow_handler_t handle)
{
	struct irq_desc *d = pcl__irq_desc_get(irq);
	unsigned long flags;

	if (!d)
		return;
	spin_lock_irqsave(&d->lock, flags);
	d->irq_data.chip = chip;
	/* generic_handle_irq() reads it without the lock: the descriptor is
	 * published before its domain sets it up, and a demultiplexer may
	 * already hand it an interrupt (seed 003). */
	if (handle)
		__atomic_store_n(&d->handle_irq, handle, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&d->lock, flags);
}

void irq_set_chip_data(unsigned int irq, void *data)
{
	struct irq_desc *d = pcl__irq_desc_get(irq);

	if (d)
		d->irq_data.chip_data = data;
}

void irq_set_hwirq(unsigned int irq, unsigned long hwirq)
{
	struct irq_desc *d = pcl__irq_desc_get(irq);

	if (d)
		d->irq_data.hwirq = hwirq;
}

unsigned long kstat_irqs_cpu(unsigned int irq, unsigned int cpu)
{
	struct irq_desc *d;
	unsigned long n = 0;

	if (cpu >= PCL_MAX_CPUS)
		return 0;
	rcu_read_lock();
	d = irq_to_desc(irq);
	if (d)
		n = atomic_load(&d->kstat[cpu]);
	rcu_read_unlock();
	return n;
}

static const char *flow_name(irq_flow_handler_t h)
{
	if (h == handle_edge_irq)
		return "edge";
	if (h == handle_level_irq)
		return "level";
	if (h == handle_fasteoi_irq)
		return "fasteoi";
	if (h == handle_simple_irq)
		return "simple";
	return "chained";
}

void pcl_irq_show(FILE *f)
{
	unsigned int ncpu = pcl__irq_cpus_shown();

	fprintf(f, "     ");
	for (unsigned int c = 0; c < ncpu; c++)
		fprintf(f, "       CPU%u", c);
	fputc('\n', f);
	mutex_lock(&sparse_lock);
	for (unsigned int i = 0; i < PCL_NR_IRQS; i++) {
		struct irq_desc *d = descs[i];
		struct irqaction *a;
		unsigned long flags;
		char names[256] = "";
		size_t used = 0;

		if (!d)
			continue;
		spin_lock_irqsave(&d->lock, flags);
		for (a = d->action; a && used < sizeof(names) - 1; a = a->next)
			used += (size_t)snprintf(names + used, sizeof(names) - used,
						 "%s%s", used ? ", " : "",
						 a->name ? a->name : "-");
		spin_unlock_irqrestore(&d->lock, flags);
		fprintf(f, "%4u:", i);
		for (unsigned int c = 0; c < ncpu; c++)
			fprintf(f, " %10lu", atomic_load(&d->kstat[c]));
		fprintf(f, "  %-10s %6lu-%-8s %s\n",
			d->irq_data.chip ? d->irq_data.chip->name : "none",
			d->irq_data.hwirq, flow_name(d->handle_irq), names);
	}
	mutex_unlock(&sparse_lock);
}
