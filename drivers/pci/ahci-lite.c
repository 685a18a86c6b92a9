// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ahci-lite: a sample driver for the emulated "ahci" model (SATA AHCI,
 * class 0x010601), with the interrupt shape of Linux's ahci driver.
 *
 *  - everything is managed: the enable, the ABAR (BAR5) region and its
 *    mapping, the vector, the handler, the INTx setting and turning the
 *    HBA's interrupts off at unbind; so there is no remove();
 *  - one vector: MSI if the function can, else INTx, which may be shared
 *    with other functions on the same line (IRQF_SHARED, and IRQ_NONE for
 *    an interrupt that was not ours);
 *  - with MSI, INTx is turned off for this binding with pcim_intx(pdev, 0)
 *    as ahci does; with INTx, it is turned on with pcim_intx(pdev, 1).
 *
 * Seed 000 (pci_intx devres, 2024) is what the unbind exercises: the
 * core restores the INTx state pcim_intx() found, then frees the vectors,
 * whose MSI disable turns INTx back on with the pure pci_intx() - no devres
 * is created while the binding's devres are being released, and the next
 * driver (vfio-lite, unmanaged) finds the device exactly as it was.
 *
 * The model's ABAR is plain memory: nothing in it changes by itself.  The
 * driver uses it the way ahci uses the HBA's registers: GHC.IE on at probe
 * and off at unbind, IS read and acknowledged (write 1 to clear) by the
 * handler.  Since the emulated HBA never sets IS, an INTx interrupt is
 * also recognised as ours by the PCI 2.3 Interrupt Status bit, as
 * pci_check_and_mask_intx() does (the emulated function shows it while
 * its INTx pulse is delivered).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

#define AHCI_PCI_BAR_STANDARD	5	/* the ABAR */

/* HBA registers in the ABAR (AHCI 1.3, 3.1). */
#define HOST_CTL		0x04	/* global host control (GHC) */
#define HOST_IRQ_STAT		0x08	/* interrupt status, a bit per port, RW1C */

#define HOST_IRQ_EN		(1u << 1)	/* GHC.IE: global interrupt enable */
#define HOST_AHCI_EN		(1u << 31)	/* GHC.AE: AHCI enabled */

struct ahci_lite {
	struct pci_dev *pdev;
	void __iomem *abar;
	int irq;
	bool msi;		/* the vector is MSI: it is ours alone */
	atomic_t irqs;		/* interrupts handled */
};

/*
 * Hard-IRQ context.  With MSI the vector is exclusively ours.  With INTx
 * the line may be shared: claim the interrupt only if the HBA reports
 * one (IS) or the function shows INTx asserted (PCI_STATUS.Interrupt);
 * otherwise it was another device's and we say so (IRQ_NONE), which keeps
 * the IRQ core's spurious-interrupt detection meaningful.
 */
static irqreturn_t ahci_lite_irq(int irq, void *data)
{
	struct ahci_lite *al = data;
	uint32_t is = readl(al->abar + HOST_IRQ_STAT);

	if (is) {
		writel(is, al->abar + HOST_IRQ_STAT);	/* acknowledge */
	} else if (!al->msi) {
		uint16_t status;

		pci_read_config_word(al->pdev, PCI_STATUS, &status);
		if (!(status & PCI_STATUS_INTERRUPT))
			return IRQ_NONE;
	}
	atomic_inc(&al->irqs);
	return IRQ_HANDLED;
}

/*
 * Undone at unbind: added last, so it runs first - the HBA stops
 * interrupting before the handler is freed and the vector goes.
 */
static void ahci_lite_irq_off(void *data)
{
	struct ahci_lite *al = data;

	writel(readl(al->abar + HOST_CTL) & ~HOST_IRQ_EN, al->abar + HOST_CTL);
	dev_info(&al->pdev->dev, "interrupts off after %d handled",
		 atomic_read(&al->irqs));
}

/*
 * Linux drivers look at pdev->msi_enabled; pcilab's struct pci_dev keeps
 * the vector type private.  An MSI vector is never the INTx line's IRQ.
 */
static bool ahci_lite_uses_msi(struct pci_dev *pdev)
{
	return pci_irq_vector(pdev, 0) != (int)pdev->irq;
}

static int ahci_lite_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct ahci_lite *al;
	int nvec, ret;

	al = devm_kzalloc(dev, sizeof(*al), GFP_KERNEL);
	if (!al)
		return -ENOMEM;
	al->pdev = pdev;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	al->abar = pcim_iomap_region(pdev, AHCI_PCI_BAR_STANDARD, "ahci-lite");
	if (IS_ERR(al->abar))
		return dev_err_probe(dev, (int)PTR_ERR(al->abar),
				     "cannot map the ABAR (BAR %d)",
				     AHCI_PCI_BAR_STANDARD);
	pci_set_master(pdev);	/* MSI messages are memory writes */

	/* One vector: MSI, or INTx if the function cannot do MSI. */
	nvec = pcim_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (nvec < 0)
		return dev_err_probe(dev, nvec, "no interrupt vector");
	al->msi = ahci_lite_uses_msi(pdev);
	al->irq = pci_irq_vector(pdev, 0);

	/*
	 * INTx for this binding: off with MSI, on without.  pcim_intx()
	 * records the state it finds and unbind restores exactly that.
	 * (With MSI, setting up the vector already turned INTx off, purely:
	 * the restore keeps it off while MSI is still enabled, then freeing
	 * the vector turns it back on.)
	 */
	ret = pcim_intx(pdev, al->msi ? 0 : 1);
	if (ret)
		return ret;

	/* Stale status from before us: acknowledge it before enabling. */
	writel(readl(al->abar + HOST_IRQ_STAT), al->abar + HOST_IRQ_STAT);
	ret = devm_request_irq(dev, (unsigned int)al->irq, ahci_lite_irq,
			       al->msi ? 0 : IRQF_SHARED, "ahci-lite", al);
	if (ret)
		return dev_err_probe(dev, ret, "cannot request IRQ %d", al->irq);

	writel(readl(al->abar + HOST_CTL) | HOST_AHCI_EN | HOST_IRQ_EN,
	       al->abar + HOST_CTL);
	ret = devm_add_action_or_reset(dev, ahci_lite_irq_off, al);
	if (ret)
		return ret;

	pci_set_drvdata(pdev, al);
	dev_info(dev, "AHCI, %s on IRQ %d", al->msi ? "MSI" : "INTx", al->irq);
	return 0;
}

static const struct pci_device_id ahci_lite_ids[] = {
	{ PCI_DEVICE_CLASS(0x010601, 0xffffff) },	/* SATA AHCI 1.0 */
	{ 0 }
};

static struct pci_driver ahci_lite = {
	.name = "ahci-lite",
	.id_table = ahci_lite_ids,
	.probe = ahci_lite_probe,
	/* no .remove: every resource is managed */
};
module_pci_driver(ahci_lite,
		  "sample AHCI driver: managed ABAR, 1 MSI (INTx fallback), devm_request_irq, pcim_intx");
