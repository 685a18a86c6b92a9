// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IRQ domains: hwirq -> virq translation, hierarchies, allocation and
 * activation through the parent chain.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

struct irq_domain {
	char name[48];
	const struct irq_domain_ops *ops;
	void *host_data;
	struct irq_domain *parent;
	/* lock protects revmap; a leaf, taken in any context */
	spinlock_t lock;
	unsigned int hwirq_max;
	unsigned int *revmap;		/* hwirq -> virq, 0: none */
	unsigned int mapped;
	struct list_head node;		/* under domains_lock */
};

static DEFINE_MUTEX(domains_lock);
static LIST_HEAD(domains);

struct irq_domain *irq_domain_create(const char *name,
				     const struct irq_domain_ops *ops,
				     void *host_data, struct irq_domain *parent,
				     unsigned int hwirq_max)
{
	struct irq_domain *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d || !ops)
		goto fail;
	d->revmap = kcalloc(hwirq_max ? hwirq_max : 1, sizeof(*d->revmap),
			    GFP_KERNEL);
	if (!d->revmap)
		goto fail;
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "?");
	d->ops = ops;
	d->host_data = host_data;
	d->parent = parent;
	d->hwirq_max = hwirq_max;
	spin_lock_init(&d->lock);
	d->lock.dep.name = "&domain->lock";
	mutex_lock(&domains_lock);
	list_add_tail(&d->node, &domains);
	mutex_unlock(&domains_lock);
	return d;
fail:
	if (d)
		kfree(d->revmap);
	kfree(d);
	return NULL;
}

void irq_domain_remove(struct irq_domain *d)
{
	if (!d)
		return;
	if (d->mapped)
		pcl_report(PCL_CHK_IRQ_FREE, NULL, __FILE__, __LINE__,
			   "irq domain %s removed with %u mappings left",
			   d->name, d->mapped);
	mutex_lock(&domains_lock);
	list_del_init(&d->node);
	mutex_unlock(&domains_lock);
	kfree(d->revmap);
	kfree(d);
}

void *irq_domain_host_data(struct irq_domain *d)
{
	return d->host_data;
}

struct irq_domain *irq_domain_parent(struct irq_domain *d)
{
	return d->parent;
}

const char *irq_domain_name(struct irq_domain *d)
{
	return d->name;
}

int irq_domain_set_mapping(struct irq_domain *d, unsigned long hwirq,
			   unsigned int virq)
{
	unsigned long flags;

	if (hwirq >= d->hwirq_max)
		return -EINVAL;
	spin_lock_irqsave(&d->lock, flags);
	if (!d->revmap[hwirq])
		d->mapped++;
	d->revmap[hwirq] = virq;
	spin_unlock_irqrestore(&d->lock, flags);
	return 0;
}

void irq_domain_clear_mapping(struct irq_domain *d, unsigned long hwirq)
{
	unsigned long flags;

	if (hwirq >= d->hwirq_max)
		return;
	spin_lock_irqsave(&d->lock, flags);
	if (d->revmap[hwirq])
		d->mapped--;
	d->revmap[hwirq] = 0;
	spin_unlock_irqrestore(&d->lock, flags);
}

unsigned int irq_find_mapping(struct irq_domain *d, unsigned long hwirq)
{
	unsigned long flags;
	unsigned int virq;

	if (!d || hwirq >= d->hwirq_max)
		return 0;
	spin_lock_irqsave(&d->lock, flags);
	virq = d->revmap[hwirq];
	spin_unlock_irqrestore(&d->lock, flags);
	return virq;
}

int irq_domain_alloc_irqs_parent(struct irq_domain *d, unsigned int virq,
				 unsigned int nr, void *arg)
{
	if (!d->parent)
		return -ENOSYS;
	return d->parent->ops->alloc(d->parent, virq, nr, arg);
}

void irq_domain_free_irqs_parent(struct irq_domain *d, unsigned int virq,
				 unsigned int nr)
{
	if (d->parent && d->parent->ops->free)
		d->parent->ops->free(d->parent, virq, nr);
}

int irq_domain_alloc_irqs(struct irq_domain *d, unsigned int nr, void *arg)
{
	int virq, ret;

	might_sleep();
	virq = irq_alloc_descs(1, nr, d->name);
	if (virq < 0)
		return virq;
	for (unsigned int i = 0; i < nr; i++) {
		struct irq_data *irqd = irq_get_irq_data((unsigned int)virq + i);

		irqd->domain = d;
	}
	ret = d->ops->alloc(d, (unsigned int)virq, nr, arg);
	if (ret) {
		irq_free_descs((unsigned int)virq, nr);
		return ret;
	}
	for (unsigned int i = 0; d->ops->activate && i < nr; i++) {
		ret = d->ops->activate(d, irq_get_irq_data((unsigned int)virq + i));
		if (ret) {
			while (i--)
				if (d->ops->deactivate)
					d->ops->deactivate(d, irq_get_irq_data((unsigned int)virq + i));
			if (d->ops->free)
				d->ops->free(d, (unsigned int)virq, nr);
			irq_free_descs((unsigned int)virq, nr);
			return ret;
		}
	}
	return virq;
}

int irq_domain_free_irqs(unsigned int virq, unsigned int nr)
{
	struct irq_domain *d;
	struct irq_data *irqd = irq_get_irq_data(virq);

	might_sleep();
	if (!irqd || !(d = irqd->domain))
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++) {
		const char *user = pcl_irq_in_use(virq + i);

		if (user) {
			pcl_report(PCL_CHK_IRQ_FREE, NULL, __FILE__, __LINE__,
				   "freeing IRQ %u which still has %s: refused",
				   virq + i, user);
			return -EBUSY;
		}
	}
	for (unsigned int i = 0; d->ops->deactivate && i < nr; i++)
		d->ops->deactivate(d, irq_get_irq_data(virq + i));
	if (d->ops->free)
		d->ops->free(d, virq, nr);
	return irq_free_descs(virq, nr);
}

int irq_domain_translate(struct irq_domain *d, const uint32_t *spec,
			 unsigned int n)
{
	unsigned long hwirq;
	unsigned int virq;

	if (!d || !d->ops->translate || d->ops->translate(d, spec, n, &hwirq))
		return -EINVAL;
	virq = irq_find_mapping(d, hwirq);
	return virq ? (int)virq : -ENOENT;
}

void pcl_irq_domains_show(FILE *f, bool dot)
{
	struct irq_domain *d;

	mutex_lock(&domains_lock);
	if (dot)
		fprintf(f, "digraph irqdomains {\n\trankdir=BT;\n");
	list_for_each_entry(d, &domains, node) {
		if (dot) {
			fprintf(f, "\t\"%s\" [label=\"%s\\n%u mapped\"];\n",
				d->name, d->name, d->mapped);
			if (d->parent)
				fprintf(f, "\t\"%s\" -> \"%s\";\n", d->name,
					d->parent->name);
		} else {
			int depth = 0;

			for (struct irq_domain *p = d->parent; p; p = p->parent)
				depth++;
			fprintf(f, "%*s%s (%u mapped)%s%s\n", depth * 2, "",
				d->name, d->mapped, d->parent ? " -> " : "",
				d->parent ? d->parent->name : "");
		}
	}
	if (dot)
		fprintf(f, "}\n");
	mutex_unlock(&domains_lock);
}
