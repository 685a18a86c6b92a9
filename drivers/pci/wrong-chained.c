// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed 003 (VMD review, 2015), the teardown half: "remove does not tear
 * down the chained handlers".  A demultiplexing driver installs a chained
 * flow handler on its MSI-X vector 0, which hands every interrupt to a
 * child IRQ of its own (as VMD hands them to the devices behind it).
 *
 * wrong-chained-teardown: remove() frees the child, then its vectors -
 *   with the chained handler still installed on vector 0.  Freeing a
 *   vector that still demultiplexes is refused with an "irq-free" report
 *   (an interrupt arriving then would run a handler whose data is gone);
 *   the unbind cleanup reports the vectors left, uninstalls the chained
 *   handler and frees them.
 * fixed-chained-teardown: uninstalls the chained handler first (which
 *   waits for a running invocation), then frees the child and the vectors.
 *
 * Both bind through driver_override to the "vmd" model.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include <pcilab/pci.h>

struct demux {
	struct pci_dev *pdev;
	unsigned int parent;		/* vector 0's IRQ */
	int child;			/* our child IRQ */
	bool fixed;
	atomic_t events;
};

/* Hard-IRQ: one child behind the vector. */
static void demux_flow(struct irq_desc *desc)
{
	struct demux *d = irq_desc_get_handler_data(desc);

	generic_handle_irq((unsigned int)d->child);
}

static irqreturn_t child_handler(int irq, void *data)
{
	atomic_inc(&((struct demux *)data)->events);
	return IRQ_HANDLED;
}

static int demux_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct demux *d = devm_kzalloc(&pdev->dev, sizeof(*d), GFP_KERNEL);
	int ret;

	if (!d)
		return -ENOMEM;
	d->pdev = pdev;
	d->fixed = !strcmp(pdev->dev.driver->name, "fixed-chained-teardown");
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_disable;
	d->parent = (unsigned int)pci_irq_vector(pdev, 0);
	d->child = irq_alloc_descs(0, 1, "demux-child");
	if (d->child < 0) {
		ret = d->child;
		goto err_vectors;
	}
	ret = request_irq((unsigned int)d->child, child_handler, 0,
			  "demux child", d);
	if (ret)
		goto err_descs;
	irq_set_chained_handler_and_data(d->parent, demux_flow, d);
	pci_set_drvdata(pdev, d);
	return 0;

err_descs:
	irq_free_descs((unsigned int)d->child, 1);
err_vectors:
	pci_free_irq_vectors(pdev);
err_disable:
	pci_clear_master(pdev);
	pci_disable_device(pdev);
	return ret;
}

static void demux_remove(struct pci_dev *pdev)
{
	struct demux *d = pci_get_drvdata(pdev);

	if (d->fixed)	/* first: no demultiplexing from here on */
		irq_set_chained_handler_and_data(d->parent, NULL, NULL);
	free_irq((unsigned int)d->child, d);
	irq_free_descs((unsigned int)d->child, 1);
	pci_free_irq_vectors(pdev);	/* WRONG twin: vector 0 still chained */
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver wrong_chained = {
	.name = "wrong-chained-teardown",
	.probe = demux_probe,
	.remove = demux_remove,
};
module_pci_driver(wrong_chained,
		  "WRONG: frees its vectors with a chained handler still installed (seed 003)");

static struct pci_driver fixed_chained = {
	.name = "fixed-chained-teardown",
	.probe = demux_probe,
	.remove = demux_remove,
};
module_pci_driver(fixed_chained,
		  "fixed twin: uninstalls the chained handler before freeing its vectors");
