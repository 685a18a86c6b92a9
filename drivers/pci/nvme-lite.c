// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nvme-lite: the interrupt shape of the NVMe driver (seed 004).  Probe
 * brings the admin queue up on one MSI-X vector, frees it, then allocates
 * one vector per I/O queue - "allocate 1, free, allocate N".  The MSI
 * controller's per-device state must survive the free: one msi_prepare,
 * one msi_teardown at unbind.  Completions are counted by interrupt.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

#define NVME_LITE_QUEUES	2048	/* one per vector the table has, up to */

struct nvme_lite {
	struct pci_dev *pdev;
	unsigned int nq;
	atomic_t admin;			/* the admin queue's completions */
	atomic_t *completions;		/* one per I/O queue */
};

static irqreturn_t nvme_lite_irq(int irq, void *data)
{
	atomic_t *count = data;

	atomic_inc(count);
	return IRQ_HANDLED;
}

/* The admin queue on vector 0, long enough to "identify" the controller. */
static int nvme_lite_admin(struct nvme_lite *n)
{
	struct pci_dev *pdev = n->pdev;
	int ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);

	if (ret < 0)
		return ret;
	ret = request_irq((unsigned int)pci_irq_vector(pdev, 0), nvme_lite_irq,
			  0, "nvme-lite admin", &n->admin);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}
	free_irq((unsigned int)pci_irq_vector(pdev, 0), &n->admin);
	return pci_free_irq_vectors(pdev);
}

static int nvme_lite_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nvme_lite *n;
	int ret, nvec;

	n = devm_kzalloc(&pdev->dev, sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = nvme_lite_admin(n);
	if (ret)
		return ret;
	nvec = pci_alloc_irq_vectors(pdev, 1, NVME_LITE_QUEUES,
				     PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (nvec < 0)
		return nvec;
	n->completions = devm_kcalloc(&pdev->dev, (size_t)nvec,
				      sizeof(*n->completions), GFP_KERNEL);
	if (!n->completions) {
		pci_free_irq_vectors(pdev);
		return -ENOMEM;
	}
	for (int q = 0; q < nvec; q++) {
		ret = request_irq((unsigned int)pci_irq_vector(pdev, (unsigned int)q),
				  nvme_lite_irq, 0, "nvme-lite queue",
				  &n->completions[q]);
		if (ret) {
			while (q--)
				free_irq((unsigned int)pci_irq_vector(pdev, (unsigned int)q),
					 &n->completions[q]);
			pci_free_irq_vectors(pdev);
			return ret;
		}
	}
	n->nq = (unsigned int)nvec;
	pci_set_drvdata(pdev, n);
	dev_info(&pdev->dev, "%d I/O queues", nvec);
	return 0;
}

static void nvme_lite_remove(struct pci_dev *pdev)
{
	struct nvme_lite *n = pci_get_drvdata(pdev);

	/* Handlers first, then the vectors. */
	for (unsigned int q = 0; q < n->nq; q++)
		free_irq((unsigned int)pci_irq_vector(pdev, q), &n->completions[q]);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id nvme_lite_ids[] = {
	{ PCI_DEVICE_CLASS(0x010802, 0xffffff) },	/* NVM Express */
	{ 0 }
};

static struct pci_driver nvme_lite_driver = {
	.name = "nvme-lite",
	.id_table = nvme_lite_ids,
	.probe = nvme_lite_probe,
	.remove = nvme_lite_remove,
};
module_pci_driver(nvme_lite_driver,
		  "NVMe-like: 1 MSI-X vector for the admin queue, freed, then one per queue (seed 004)");
