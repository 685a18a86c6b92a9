// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A legacy INTx controller: level-triggered lines that devices share.
 * A line is handled with handle_level_irq (masked while its handlers run);
 * several devices' pins may be wired to one line, hence IRQF_SHARED.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include "internal.h"

struct pcl_intx_ctl {
	const char *name;
	struct irq_domain *domain;	/* line -> virq; translate <line> */
	unsigned int lines;
	int first_virq;
	/* lock protects the line levels; a leaf taken in any context. */
	spinlock_t lock;
	unsigned int *asserted;		/* per line: devices asserting */
	bool *masked;
};

static void intx_mask(struct irq_data *d)
{
	struct pcl_intx_ctl *c = d->chip_data;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->masked[d->hwirq] = true;
	spin_unlock_irqrestore(&c->lock, flags);
}

static void intx_unmask(struct irq_data *d)
{
	struct pcl_intx_ctl *c = d->chip_data;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->masked[d->hwirq] = false;
	spin_unlock_irqrestore(&c->lock, flags);
}

static int intx_translate(struct irq_domain *d, const uint32_t *spec,
			  unsigned int n, unsigned long *hwirq)
{
	struct pcl_intx_ctl *c = irq_domain_host_data(d);

	if (n != 1 || spec[0] >= c->lines)
		return -EINVAL;
	*hwirq = spec[0];
	return 0;
}

static int intx_domain_alloc(struct irq_domain *d, unsigned int virq,
			     unsigned int nr, void *arg)
{
	return -ENOSYS;		/* the lines are made at creation */
}

static const struct irq_domain_ops intx_domain_ops = {
	.alloc = intx_domain_alloc,
	.translate = intx_translate,
};

struct irq_domain *pcl_intx_domain(struct pcl_intx_ctl *c)
{
	return c->domain;
}

static const struct irq_chip intx_chip = {
	.name = "INTx",
	.irq_mask = intx_mask,
	.irq_unmask = intx_unmask,
};

struct pcl_intx_ctl *pcl_intx_create(const char *name, unsigned int lines)
{
	struct pcl_intx_ctl *c;

	if (!lines || lines > 256)
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->asserted = kcalloc(lines, sizeof(*c->asserted), GFP_KERNEL);
	c->masked = kcalloc(lines, sizeof(*c->masked), GFP_KERNEL);
	c->first_virq = irq_alloc_descs(1, lines, name);
	c->domain = irq_domain_create(name, &intx_domain_ops, c, NULL, lines);
	if (!c->asserted || !c->masked || c->first_virq < 0 || !c->domain) {
		if (c->first_virq > 0)
			irq_free_descs((unsigned int)c->first_virq, lines);
		if (c->domain)
			irq_domain_remove(c->domain);
		kfree(c->asserted);
		kfree(c->masked);
		kfree(c);
		return NULL;
	}
	c->name = name;
	c->lines = lines;
	spin_lock_init(&c->lock);
	c->lock.dep.name = "&intx->lock";
	for (unsigned int i = 0; i < lines; i++) {
		unsigned int virq = (unsigned int)c->first_virq + i;

		irq_set_hwirq(virq, i);
		irq_domain_set_mapping(c->domain, i, virq);
		irq_set_chip_data(virq, c);
		irq_set_chip_and_handler(virq, &intx_chip, handle_level_irq);
	}
	return c;
}

void pcl_intx_destroy(struct pcl_intx_ctl *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < c->lines; i++)
		irq_domain_clear_mapping(c->domain, i);
	irq_domain_remove(c->domain);
	irq_free_descs((unsigned int)c->first_virq, c->lines);
	kfree(c->asserted);
	kfree(c->masked);
	kfree(c);
}

unsigned int pcl_intx_line_irq(struct pcl_intx_ctl *c, unsigned int line)
{
	return line < c->lines ? (unsigned int)c->first_virq + line : 0;
}

void pcl_intx_set(struct pcl_intx_ctl *c, unsigned int line, bool asserted)
{
	unsigned long flags;
	bool fire;

	if (line >= c->lines)
		return;
	spin_lock_irqsave(&c->lock, flags);
	if (asserted)
		c->asserted[line]++;
	else if (c->asserted[line])
		c->asserted[line]--;
	fire = asserted && !c->masked[line];
	spin_unlock_irqrestore(&c->lock, flags);
	if (fire)
		pcl_irq_raise(pcl_intx_line_irq(c, line));
}
