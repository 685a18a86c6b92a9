// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed 001 (switchtec unbind, 2017): freeing interrupt vectors while their
 * handlers are still installed.  Linux hit BUG_ON(irq_has_action); pcilab
 * refuses the free with -EBUSY and an "irq-free" report, and the unbind
 * cleanup then reports the vectors left behind and frees them.
 *
 * wrong-free-vectors-first: pci_free_irq_vectors() before free_irq().
 * fixed-free-vectors-first: free_irq() first.
 * msix-devm: the switchtec shape done right - pcim_alloc_irq_vectors()
 *   and devm_request_irq(): devres frees handlers, then vectors, in order.
 *
 * They match the "nic" model (8086:10d3).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

#define NVEC	4

static const struct pci_device_id nic_ids[] = {
	{ PCI_DEVICE(0x8086, 0x10d3) },
	{ 0 }
};

struct vecs {
	atomic_t events[NVEC];
	int nvec;
};

static irqreturn_t vec_irq(int irq, void *data)
{
	atomic_inc((atomic_t *)data);
	return IRQ_HANDLED;
}

/* Private data, the device enabled and mastering: what every probe needs. */
static struct vecs *vecs_setup(struct pci_dev *pdev)
{
	struct vecs *v = devm_kzalloc(&pdev->dev, sizeof(*v), GFP_KERNEL);

	if (!v)
		return ERR_PTR(-ENOMEM);
	if (pcim_enable_device(pdev))
		return ERR_PTR(-EIO);
	pci_set_master(pdev);
	pci_set_drvdata(pdev, v);
	return v;
}

static int unmanaged_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vecs *v = vecs_setup(pdev);

	if (IS_ERR(v))
		return (int)PTR_ERR(v);
	v->nvec = pci_alloc_irq_vectors(pdev, NVEC, NVEC, PCI_IRQ_MSIX);
	if (v->nvec < 0)
		return v->nvec;
	for (int i = 0; i < v->nvec; i++)
		request_irq((unsigned int)pci_irq_vector(pdev, (unsigned int)i),
			    vec_irq, 0, "wrong-irq", &v->events[i]);
	return 0;
}

static void free_handlers(struct pci_dev *pdev, struct vecs *v)
{
	for (int i = 0; i < v->nvec; i++)
		free_irq((unsigned int)pci_irq_vector(pdev, (unsigned int)i),
			 &v->events[i]);
}

static void wrong_remove(struct pci_dev *pdev)
{
	struct vecs *v = pci_get_drvdata(pdev);

	pci_free_irq_vectors(pdev);	/* BUG: handlers still installed */
	free_handlers(pdev, v);
}

static void fixed_remove(struct pci_dev *pdev)
{
	struct vecs *v = pci_get_drvdata(pdev);

	free_handlers(pdev, v);
	pci_free_irq_vectors(pdev);
}

static struct pci_driver wrong_free_vectors = {
	.name = "wrong-free-vectors-first",
	.id_table = nic_ids,
	.probe = unmanaged_probe,
	.remove = wrong_remove,
};
module_pci_driver(wrong_free_vectors,
		  "WRONG (seed 001): pci_free_irq_vectors() before free_irq()");

static struct pci_driver fixed_free_vectors = {
	.name = "fixed-free-vectors-first",
	.id_table = nic_ids,
	.probe = unmanaged_probe,
	.remove = fixed_remove,
};
module_pci_driver(fixed_free_vectors, "fixed twin: free_irq() first, then the vectors");

static int devm_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vecs *v = vecs_setup(pdev);
	int ret;

	if (IS_ERR(v))
		return (int)PTR_ERR(v);
	v->nvec = pcim_alloc_irq_vectors(pdev, 1, NVEC, PCI_IRQ_ALL_TYPES);
	if (v->nvec < 0)
		return v->nvec;
	for (int i = 0; i < v->nvec; i++) {
		ret = devm_request_irq(&pdev->dev,
				       (unsigned int)pci_irq_vector(pdev, (unsigned int)i),
				       vec_irq, 0, "msix-devm", &v->events[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static struct pci_driver msix_devm = {
	.name = "msix-devm",
	.id_table = nic_ids,
	.probe = devm_probe,
};
module_pci_driver(msix_devm,
		  "managed vectors and handlers: pcim_alloc_irq_vectors + devm_request_irq");
