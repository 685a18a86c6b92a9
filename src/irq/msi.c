// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The MSI layer: per-device MSI domains under an MSI controller.
 *
 * Seed 004 (ITS msi_teardown, 2025): the controller's per-device state is
 * created by msi_prepare exactly once, when the device's MSI domain is
 * created, and destroyed by msi_teardown when that domain is removed -
 * not when the device's last vector is freed.  So "allocate 1, free,
 * allocate N" (nvme's pattern) works with one prepare and one teardown.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

struct msi_dev {
	struct device *dev;
	struct pcl_msi_parent *parent;
	const struct pcl_msi_dev_ops *ops;
	void *state;			/* the controller's, from msi_prepare */
	struct irq_domain *domain;	/* this device's MSI domain */
	unsigned int max_vecs;
	unsigned int nvec;		/* allocated now */
	unsigned int first_virq;
	unsigned long *hwirq;		/* per index: the controller's event */
};

static struct msi_dev *to_md(struct irq_data *d)
{
	return d->chip_data;
}

static void msi_mask(struct irq_data *d)
{
	struct msi_dev *md = to_md(d);

	if (md->ops && md->ops->mask)
		md->ops->mask(md->dev, (unsigned int)d->hwirq, true);
}

static void msi_unmask(struct irq_data *d)
{
	struct msi_dev *md = to_md(d);

	if (md->ops && md->ops->mask)
		md->ops->mask(md->dev, (unsigned int)d->hwirq, false);
}

static const struct irq_chip msi_chip = {
	.name = "MSI",
	.irq_mask = msi_mask,
	.irq_unmask = msi_unmask,
};

static int msi_domain_alloc(struct irq_domain *d, unsigned int virq,
			    unsigned int nr, void *arg)
{
	struct msi_dev *md = arg;
	const struct msi_parent_ops *pops = md->parent->ops;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		unsigned long hw;
		struct msi_msg msg;

		ret = pops->alloc(md->parent->ctl, md->state, virq + i, &hw);
		if (ret)
			break;
		md->hwirq[i] = hw;
		irq_domain_set_mapping(md->parent->domain, hw, virq + i);
		irq_domain_set_mapping(d, i, virq + i);
		irq_set_hwirq(virq + i, i);
		irq_set_chip_data(virq + i, md);
		irq_set_chip_and_handler(virq + i, &msi_chip, handle_edge_irq);
		pops->compose(md->parent->ctl, md->state, hw, &msg);
		if (md->ops && md->ops->write_msg)
			md->ops->write_msg(md->dev, i, &msg);
	}
	if (ret) {
		while (i--) {
			irq_domain_clear_mapping(d, i);
			irq_domain_clear_mapping(md->parent->domain, md->hwirq[i]);
			pops->free(md->parent->ctl, md->state, md->hwirq[i]);
		}
	}
	return ret;
}

static void msi_domain_free(struct irq_domain *d, unsigned int virq,
			    unsigned int nr)
{
	struct msi_dev *md = irq_domain_host_data(d);

	for (unsigned int i = 0; i < nr; i++) {
		irq_domain_clear_mapping(md->parent->domain, md->hwirq[i]);
		irq_domain_clear_mapping(d, i);
		md->parent->ops->free(md->parent->ctl, md->state, md->hwirq[i]);
	}
}

static const struct irq_domain_ops msi_domain_ops = {
	.alloc = msi_domain_alloc,
	.free = msi_domain_free,
};

int msi_create_device_domain(struct device *dev, struct pcl_msi_parent *parent,
			     uint32_t dev_id, unsigned int max_vecs,
			     const struct pcl_msi_dev_ops *ops)
{
	struct msi_dev *md;
	char name[80];
	int ret;

	might_sleep();
	if (dev->msi_data)
		return -EEXIST;
	if (!max_vecs || max_vecs > 2048)
		return -EINVAL;
	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return -ENOMEM;
	md->hwirq = kcalloc(max_vecs, sizeof(*md->hwirq), GFP_KERNEL);
	if (!md->hwirq) {
		kfree(md);
		return -ENOMEM;
	}
	md->dev = dev;
	md->parent = parent;
	md->ops = ops;
	md->max_vecs = max_vecs;
	ret = parent->ops->msi_prepare(parent->ctl, dev, dev_id, max_vecs,
				       &md->state);
	if (ret)
		goto fail;
	snprintf(name, sizeof(name), "MSI-%s", dev_name(dev));
	md->domain = irq_domain_create(name, &msi_domain_ops, md,
				       parent->domain, max_vecs);
	if (!md->domain) {
		parent->ops->msi_teardown(parent->ctl, dev, md->state);
		ret = -ENOMEM;
		goto fail;
	}
	dev->msi_data = md;
	pcl_trace(PCL_TR_CORE, "%s: MSI domain created under %s (msi_prepare)",
		  dev_name(dev), parent->name);
	return 0;
fail:
	kfree(md->hwirq);
	kfree(md);
	return ret;
}

bool msi_has_device_domain(struct device *dev)
{
	return dev->msi_data != NULL;
}

int msi_domain_alloc_irqs(struct device *dev, unsigned int nvec)
{
	struct msi_dev *md = dev->msi_data;
	int virq;

	might_sleep();
	if (!md)
		return -ENODEV;
	if (md->nvec)
		return -EBUSY;
	if (!nvec || nvec > md->max_vecs)
		return -ENOSPC;
	virq = irq_domain_alloc_irqs(md->domain, nvec, md);
	if (virq < 0)
		return virq;
	md->nvec = nvec;
	md->first_virq = (unsigned int)virq;
	return virq;
}

unsigned int msi_get_virq(struct device *dev, unsigned int index)
{
	struct msi_dev *md = dev->msi_data;

	return md && index < md->nvec ? md->first_virq + index : 0;
}

unsigned int msi_nr_vectors(struct device *dev)
{
	struct msi_dev *md = dev->msi_data;

	return md ? md->nvec : 0;
}

int msi_domain_free_irqs(struct device *dev)
{
	struct msi_dev *md = dev->msi_data;
	int ret;

	might_sleep();
	if (!md || !md->nvec)
		return 0;
	ret = irq_domain_free_irqs(md->first_virq, md->nvec);
	if (ret)
		return ret;
	md->nvec = 0;
	md->first_virq = 0;
	return 0;
}

void msi_remove_device_domain(struct device *dev)
{
	struct msi_dev *md = dev->msi_data;

	might_sleep();
	if (!md)
		return;
	if (msi_domain_free_irqs(dev))
		return;		/* reported: handlers still installed */
	irq_domain_remove(md->domain);
	md->parent->ops->msi_teardown(md->parent->ctl, dev, md->state);
	pcl_trace(PCL_TR_CORE, "%s: MSI domain removed (msi_teardown)",
		  dev_name(dev));
	dev->msi_data = NULL;
	kfree(md->hwirq);
	kfree(md);
}
