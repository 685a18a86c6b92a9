// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI interrupt vectors: MSI-X, MSI and INTx, programmed as the hardware
 * expects, through the device's MSI domain under its host bridge's ITS.
 *
 *  - MSI-X is enabled with the function mask set while entries are
 *    written; an entry is masked before its message is rewritten; entries
 *    are unmasked by request_irq() (the IRQ core unmasks on startup).
 *  - MSI uses a power-of-two block; the message of vector 0 carries the
 *    block, vector N is data | N.
 *  - Freeing vectors that still have handlers is refused, with a report,
 *    and disabling MSI re-enables INTx with the pure pci_intx().
 *  - At unbind the core frees what the driver left (after reporting it)
 *    and removes the device's MSI domain: msi_teardown, once.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

static uint16_t rid_of(struct pci_dev *dev)
{
	return (uint16_t)(dev->bus->number << 8 | dev->devfn);
}

/* Where MSI-X entry @i is, through the core's own access to the BAR. */
static bool msix_entry(struct pci_dev *dev, unsigned int i, int *bar,
		       uint64_t *off)
{
	uint32_t table;

	pci_read_config_dword(dev, dev->msix_cap + PCI_MSIX_TABLE, &table);
	*bar = (int)(table & PCI_MSIX_BIR_MASK);
	*off = (table & ~(uint32_t)PCI_MSIX_BIR_MASK) +
	       (uint64_t)i * PCI_MSIX_ENTRY_SIZE;
	return dev->hw != NULL;
}

static void msix_mask(struct pci_dev *dev, unsigned int i, bool masked)
{
	uint64_t off;
	uint32_t ctrl;
	int bar;

	if (!msix_entry(dev, i, &bar, &off))
		return;
	ctrl = (uint32_t)pcl_emu_mmio_read(dev->hw, bar,
					   off + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
	ctrl = masked ? ctrl | PCI_MSIX_ENTRY_CTRL_MASKBIT
		      : ctrl & ~PCI_MSIX_ENTRY_CTRL_MASKBIT;
	pcl_emu_mmio_write(dev->hw, bar, off + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, ctrl);
}

static void msix_write_msg(struct pci_dev *dev, unsigned int i,
			   const struct msi_msg *m)
{
	uint64_t off;
	int bar;

	if (!msix_entry(dev, i, &bar, &off))
		return;
	msix_mask(dev, i, true);	/* never rewrite a live entry */
	pcl_emu_mmio_write(dev->hw, bar, off + PCI_MSIX_ENTRY_LOWER_ADDR, 4,
			   m->address_lo);
	pcl_emu_mmio_write(dev->hw, bar, off + PCI_MSIX_ENTRY_UPPER_ADDR, 4,
			   m->address_hi);
	pcl_emu_mmio_write(dev->hw, bar, off + PCI_MSIX_ENTRY_DATA, 4, m->data);
}

static bool msi_is64(struct pci_dev *dev, uint16_t *flags)
{
	pci_read_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, flags);
	return *flags & PCI_MSI_FLAGS_64BIT;
}

static void msi_mask(struct pci_dev *dev, unsigned int i, bool masked)
{
	uint16_t flags;
	bool is64 = msi_is64(dev, &flags);
	int reg = dev->msi_cap + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
	uint32_t mask;

	if (!(flags & PCI_MSI_FLAGS_MASKBIT) || i >= 32)
		return;
	pci_read_config_dword(dev, reg, &mask);
	mask = masked ? mask | (1u << i) : mask & ~(1u << i);
	pci_write_config_dword(dev, reg, mask);
}

static void msi_write_msg(struct pci_dev *dev, unsigned int i,
			  const struct msi_msg *m)
{
	uint16_t flags;
	bool is64 = msi_is64(dev, &flags);

	if (i)			/* one message for the whole block */
		return;
	pci_write_config_dword(dev, dev->msi_cap + PCI_MSI_ADDRESS_LO,
			       m->address_lo);
	if (is64)
		pci_write_config_dword(dev, dev->msi_cap + PCI_MSI_ADDRESS_HI,
				       m->address_hi);
	pci_write_config_word(dev, dev->msi_cap +
			      (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32),
			      (uint16_t)m->data);
}

/* The MSI domain calls these for the type being set up. */
static void dev_mask(struct device *d, unsigned int i, bool masked)
{
	struct pci_dev *dev = to_pci_dev(d);

	if (dev->irq_type == PCI_IRQ_MSIX)
		msix_mask(dev, i, masked);
	else if (dev->irq_type == PCI_IRQ_MSI)
		msi_mask(dev, i, masked);
}

static void dev_write_msg(struct device *d, unsigned int i,
			  const struct msi_msg *m)
{
	struct pci_dev *dev = to_pci_dev(d);

	if (dev->irq_type == PCI_IRQ_MSIX)
		msix_write_msg(dev, i, m);
	else if (dev->irq_type == PCI_IRQ_MSI)
		msi_write_msg(dev, i, m);
}

static const struct pcl_msi_dev_ops pci_msi_dev_ops = {
	.mask = dev_mask,
	.write_msg = dev_write_msg,
};

int pci_msix_vec_count(struct pci_dev *dev)
{
	uint16_t flags;

	if (!dev->msix_cap)
		return -EINVAL;
	pci_read_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS, &flags);
	return (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
}

int pci_msi_vec_count(struct pci_dev *dev)
{
	uint16_t flags;

	if (!dev->msi_cap)
		return -EINVAL;
	pci_read_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, &flags);
	return 1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
}

/* The capabilities' sizes, 0 without them. */
static unsigned int msix_table_size(struct pci_dev *dev)
{
	int n = pci_msix_vec_count(dev);

	return n > 0 ? (unsigned int)n : 0;
}

static unsigned int msi_max(struct pci_dev *dev)
{
	int n = pci_msi_vec_count(dev);

	return n > 0 ? (unsigned int)n : 0;
}

/* The device's MSI domain, created once per binding: msi_prepare. */
static int ensure_domain(struct pci_dev *dev)
{
	unsigned int max = msix_table_size(dev);
	struct pci_host_bridge *h = dev->bus->host;

	if (msi_has_device_domain(&dev->dev))
		return 0;
	if (msi_max(dev) > max)
		max = msi_max(dev);
	return msi_create_device_domain(&dev->dev,
					h->msi_parent ? h->msi_parent
						      : pcl_its_msi_parent(h->its),
					rid_of(dev), max, &pci_msi_dev_ops);
}

static int setup_msix(struct pci_dev *dev, unsigned int nvec)
{
	uint16_t flags;
	int virq;

	pci_read_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS, &flags);
	/* Enabled with the function masked while the entries are written. */
	pci_write_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS,
			      flags | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	dev->irq_type = PCI_IRQ_MSIX;
	virq = msi_domain_alloc_irqs(&dev->dev, nvec);
	if (virq < 0) {
		pci_write_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS,
				      flags & ~(PCI_MSIX_FLAGS_ENABLE |
						PCI_MSIX_FLAGS_MASKALL));
		dev->irq_type = 0;
		return virq;
	}
	pci_write_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS,
			      (flags | PCI_MSIX_FLAGS_ENABLE) &
			      ~PCI_MSIX_FLAGS_MASKALL);
	return 0;
}

static int setup_msi(struct pci_dev *dev, unsigned int nvec)
{
	unsigned int log2 = 0;
	uint16_t flags;
	int virq;

	while ((1u << log2) < nvec)
		log2++;
	dev->irq_type = PCI_IRQ_MSI;
	virq = msi_domain_alloc_irqs(&dev->dev, nvec);
	if (virq < 0) {
		dev->irq_type = 0;
		return virq;
	}
	/* Every vector masked until requested. */
	for (unsigned int i = 0; i < nvec; i++)
		msi_mask(dev, i, true);
	pci_read_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, &flags);
	flags = (uint16_t)((flags & ~PCI_MSI_FLAGS_QSIZE) | (log2 << 4) |
			   PCI_MSI_FLAGS_ENABLE);
	pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, flags);
	return 0;
}

static atomic_bool msi_disabled;	/* pci=nomsi */

void pci_no_msi(void)
{
	atomic_store(&msi_disabled, true);
}

void pcl_pci_msi_allow(void)
{
	atomic_store(&msi_disabled, false);
}

int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned int min,
			  unsigned int max, unsigned int flags)
{
	unsigned int nvec;
	int ret;

	might_sleep();
	if (!min || min > max || !(flags & PCI_IRQ_ALL_TYPES))
		return -EINVAL;
	if (dev->irq_type)
		return -EBUSY;
	if (dev->no_msi || atomic_load(&msi_disabled)) {
		if ((flags & (PCI_IRQ_MSI | PCI_IRQ_MSIX)))
			pcl_trace(PCL_TR_CORE, "pci %s: MSI disabled (%s): no MSI/MSI-X",
				  pci_name(dev), dev->no_msi ? "quirk" : "pci=nomsi");
		flags &= ~(PCI_IRQ_MSI | PCI_IRQ_MSIX);
		if (!flags)
			return -ENOSPC;
	}
	if ((flags & PCI_IRQ_MSIX) && (nvec = msix_table_size(dev)) >= min) {
		if (nvec > max)
			nvec = max;
		ret = ensure_domain(dev);
		if (!ret)
			ret = setup_msix(dev, nvec);
		if (!ret)
			goto done;
	}
	if ((flags & PCI_IRQ_MSI) && (nvec = msi_max(dev)) >= min) {
		if (nvec > max)
			nvec = max;
		ret = ensure_domain(dev);
		if (!ret)
			ret = setup_msi(dev, nvec);
		if (!ret)
			goto done;
	}
	if ((flags & PCI_IRQ_INTX) && min == 1 && dev->irq) {
		dev->irq_type = PCI_IRQ_INTX;
		nvec = 1;
		pci_intx(dev, 1);
		goto out;
	}
	return -ENOSPC;
done:
	pci_intx(dev, 0);	/* messages now; INTx off, purely */
out:
	dev->nvec = nvec;
	pcl_trace(PCL_TR_CORE, "pci %s: %u %s vector%s", pci_name(dev), nvec,
		  dev->irq_type == PCI_IRQ_MSIX ? "MSI-X" :
		  dev->irq_type == PCI_IRQ_MSI ? "MSI" : "INTx",
		  nvec == 1 ? "" : "s");
	return (int)nvec;
}

int pci_irq_vector(struct pci_dev *dev, unsigned int nr)
{
	/* As Linux: with neither MSI nor MSI-X on, vector 0 is the INTx
	 * line, allocated or not (drivers using pdev->irq directly). */
	if (nr == 0 && (!dev->irq_type || dev->irq_type == PCI_IRQ_INTX))
		return dev->irq ? (int)dev->irq : -EINVAL;
	if (nr >= dev->nvec)
		return -EINVAL;
	if (dev->irq_type == PCI_IRQ_INTX)
		return (int)dev->irq;
	return (int)msi_get_virq(&dev->dev, nr);
}

int pci_free_irq_vectors(struct pci_dev *dev)
{
	uint16_t flags;
	int ret;

	might_sleep();
	if (!dev->irq_type)
		return 0;
	for (unsigned int i = 0; i < dev->nvec; i++) {
		int virq = pci_irq_vector(dev, i);
		const char *user;

		if (virq <= 0 || dev->irq_type == PCI_IRQ_INTX)
			continue;
		user = pcl_irq_in_use((unsigned int)virq);
		if (user) {
			pcl_report(PCL_CHK_IRQ_FREE, &dev->dev.subject, __FILE__,
				   __LINE__,
				   "pci_free_irq_vectors(%s): vector %u (IRQ %d) still has %s: refused",
				   pci_name(dev), i, virq, user);
			return -EBUSY;
		}
	}
	if (dev->irq_type == PCI_IRQ_MSIX) {
		pci_read_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS, &flags);
		pci_write_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS,
				      flags & ~(PCI_MSIX_FLAGS_ENABLE |
						PCI_MSIX_FLAGS_MASKALL));
	} else if (dev->irq_type == PCI_IRQ_MSI) {
		pci_read_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, &flags);
		pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS,
				      flags & ~(PCI_MSI_FLAGS_ENABLE |
						PCI_MSI_FLAGS_QSIZE));
	}
	if (dev->irq_type != PCI_IRQ_INTX) {
		ret = msi_domain_free_irqs(&dev->dev);
		if (ret)
			return ret;
		pci_intx(dev, 1);	/* back to INTx, purely: no devres */
	}
	pcl_trace(PCL_TR_CORE, "pci %s: vectors freed", pci_name(dev));
	dev->irq_type = 0;
	dev->nvec = 0;
	return 0;
}

static void pcim_vectors_release(struct device *dev, void *res)
{
	pci_free_irq_vectors(*(struct pci_dev **)res);
}

int pcim_alloc_irq_vectors(struct pci_dev *dev, unsigned int min,
			   unsigned int max, unsigned int flags)
{
	struct pci_dev **res = devres_alloc(pcim_vectors_release, sizeof(*res),
					    GFP_KERNEL);
	int n;

	if (!res)
		return -ENOMEM;
	n = pci_alloc_irq_vectors(dev, min, max, flags);
	if (n < 0) {
		devres_free(res);
		return n;
	}
	*res = dev;
	devres_add(&dev->dev, res);
	return n;
}

int pcl_pci_raise(struct pci_dev *dev, unsigned int nr)
{
	int ret = -ENODEV;

	/* As the config accessors: a disconnected device's hardware and
	 * routes may be going away (host removal waits for us). */
	rcu_read_lock();
	if (dev->hw && !pci_dev_is_disconnected(dev))
		ret = pcl_emu_raise(dev->hw, nr);
	rcu_read_unlock();
	return ret;
}

/*
 * Removal of a device that is not bound (its vectors, if any, were set
 * up through the core API by no driver): free what is left and remove
 * its MSI domain, so the controller's per-device state goes with it.
 */
void pcl__pci_msi_removed(struct pci_dev *dev)
{
	if (dev->irq_type) {
		for (unsigned int i = 0; dev->irq_type != PCI_IRQ_INTX &&
		     i < dev->nvec; i++)
			pcl_irq_free_all_actions((unsigned int)pci_irq_vector(dev, i));
		pci_free_irq_vectors(dev);
	}
	if (dev->dev.msi_data)
		msi_remove_device_domain(&dev->dev);
}

/*
 * Unbind: vectors the driver left are reported and freed (handlers left
 * on them first), then the MSI domain goes: msi_teardown, once.
 */
void pcl__pci_msi_unbind(struct pci_dev *dev)
{
	if (dev->irq_type) {
		char what[96];

		snprintf(what, sizeof(what), "%u %s vector%s left allocated",
			 dev->nvec, dev->irq_type == PCI_IRQ_MSIX ? "MSI-X" :
			 dev->irq_type == PCI_IRQ_MSI ? "MSI" : "INTx",
			 dev->nvec == 1 ? "" : "s");
		pcl_report(PCL_CHK_RESIDUE, &dev->dev.subject, __FILE__,
			   __LINE__, "residue after unbind: %s", what);
		for (unsigned int i = 0; dev->irq_type != PCI_IRQ_INTX &&
		     i < dev->nvec; i++)
			pcl_irq_free_all_actions((unsigned int)pci_irq_vector(dev, i));
		pci_free_irq_vectors(dev);
	}
	msi_remove_device_domain(&dev->dev);
}
