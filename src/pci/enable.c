// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Enabling, bus mastering, INTx control, state save/restore, function
 * reset and power states.
 *
 * Seed 000's lesson, kept here: pci_intx() is pure - a command-register
 * update that allocates nothing and registers nothing, legal anywhere.
 * pcim_intx() is the only managed form; it records the INTx state it
 * finds in the hardware on first use and unbind restores exactly that.
 * pcim_enable_device() makes nothing else "managed".
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdatomic.h>
#include "internal.h"

static atomic_uint delay_divisor = 100;

void pcl_pci_set_delay_divisor(unsigned int div)
{
	atomic_store(&delay_divisor, div ? div : 1);
}

void pcl__pci_delay_ms(unsigned int ms)
{
	usleep_range((unsigned long)ms * 1000 / atomic_load(&delay_divisor), 0);
}

static void update_command(struct pci_dev *dev, uint16_t set, uint16_t clear)
{
	uint16_t cmd, ncmd;

	if (pci_dev_is_disconnected(dev))
		return;		/* nobody there to write to */
	pci_read_config_word(dev, PCI_COMMAND, &cmd);
	ncmd = (uint16_t)((cmd | set) & ~clear);
	if (ncmd != cmd) {
		pci_write_config_word(dev, PCI_COMMAND, ncmd);
		pcl_trace(PCL_TR_CORE, "pci %s: COMMAND %04x -> %04x",
			  pci_name(dev), cmd, ncmd);
	}
}

int pci_enable_device(struct pci_dev *dev)
{
	uint16_t decode = 0;

	might_sleep();
	if (atomic_inc_return(&dev->enable_cnt) > 1)
		return 0;
	if (dev->pm_cap && dev->current_state != PCI_D0) {
		int ret = pci_set_power_state(dev, PCI_D0);

		if (ret) {
			atomic_dec(&dev->enable_cnt);
			return ret;
		}
	}
	/* The BARs; a ROM is decoded only when enabled, and nobody here
	 * enables it (as Linux: no IORESOURCE_ROM_ENABLE). */
	for (int i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (dev->resource[i].flags & IORESOURCE_IO)
			decode |= PCI_COMMAND_IO;
		if (dev->resource[i].flags & IORESOURCE_MEM)
			decode |= PCI_COMMAND_MEMORY;
	}
	update_command(dev, decode, 0);
	pcl_trace(PCL_TR_CORE, "pci %s: enabled", pci_name(dev));
	return 0;
}

void pci_disable_device(struct pci_dev *dev)
{
	int cnt = atomic_dec_return(&dev->enable_cnt);

	if (cnt < 0) {
		atomic_set(&dev->enable_cnt, 0);
		pcl_report(PCL_CHK_API, &dev->dev.subject, __FILE__, __LINE__,
			   "disabling already-disabled device %s", pci_name(dev));
		return;
	}
	if (cnt)
		return;
	/* As Linux: the last disable stops bus mastering; decode stays. */
	update_command(dev, 0, PCI_COMMAND_MASTER);
	dev->is_busmaster = false;
	pcl_trace(PCL_TR_CORE, "pci %s: disabled", pci_name(dev));
}

static void pcim_disable(void *data)
{
	pci_disable_device(data);
}

int pcim_enable_device(struct pci_dev *dev)
{
	int ret = pci_enable_device(dev);

	if (ret)
		return ret;
	ret = devm_add_action_or_reset(&dev->dev, pcim_disable, dev);
	if (ret)
		return ret;
	dev->is_managed = true;
	return 0;
}

void pci_set_master(struct pci_dev *dev)
{
	update_command(dev, PCI_COMMAND_MASTER, 0);
	dev->is_busmaster = true;
}

void pci_clear_master(struct pci_dev *dev)
{
	update_command(dev, 0, PCI_COMMAND_MASTER);
	dev->is_busmaster = false;
}

void pci_intx(struct pci_dev *dev, int enable)
{
	if (enable)
		update_command(dev, 0, PCI_COMMAND_INTX_DISABLE);
	else
		update_command(dev, PCI_COMMAND_INTX_DISABLE, 0);
}

/* The managed INTx state: what the hardware had before this binding. */
struct pcim_intx_state {
	struct pci_dev *dev;
	int orig_enabled;
};

static void pcim_intx_restore(struct device *dev, void *res)
{
	struct pcim_intx_state *st = res;

	pci_intx(st->dev, st->orig_enabled);
}

int pcim_intx(struct pci_dev *dev, int enable)
{
	struct pcim_intx_state *st, *found;
	uint16_t cmd;

	might_sleep();
	found = devres_find(&dev->dev, pcim_intx_restore, NULL, NULL);
	if (!found) {
		st = devres_alloc(pcim_intx_restore, sizeof(*st), GFP_KERNEL);
		if (!st)
			return -ENOMEM;
		st->dev = dev;
		pci_read_config_word(dev, PCI_COMMAND, &cmd);
		st->orig_enabled = !(cmd & PCI_COMMAND_INTX_DISABLE);
		found = devres_get(&dev->dev, st, NULL, NULL);
		if (!found)
			return -ENODEV;	/* refused: see devres rules */
	}
	pci_intx(dev, enable);
	return 0;
}

/* ---- state ---- */

int pci_save_state(struct pci_dev *dev)
{
	for (int i = 0; i < 16; i++)
		pci_read_config_dword(dev, i * 4, &dev->saved_config[i]);
	if (dev->pcie_cap)
		pci_read_config_word(dev, dev->pcie_cap + PCI_EXP_DEVCTL,
				     &dev->saved_pcie_devctl);
	dev->state_saved = true;
	return 0;
}

void pci_restore_state(struct pci_dev *dev)
{
	if (!dev->state_saved)
		return;
	if (dev->pcie_cap)
		pci_write_config_word(dev, dev->pcie_cap + PCI_EXP_DEVCTL,
				      dev->saved_pcie_devctl &
				      (uint16_t)~PCI_EXP_DEVCTL_BCR_FLR);
	/* From the top down, the command register last, as Linux does. */
	for (int i = 15; i >= 0; i--) {
		uint32_t v;

		pci_read_config_dword(dev, i * 4, &v);
		if (v != dev->saved_config[i])
			pci_write_config_dword(dev, i * 4, dev->saved_config[i]);
	}
	dev->state_saved = false;
}

int pcie_flr(struct pci_dev *dev)
{
	uint32_t cap;
	uint16_t ctl;

	if (!dev->pcie_cap)
		return -ENOTTY;
	pci_read_config_dword(dev, dev->pcie_cap + PCI_EXP_DEVCAP, &cap);
	if (!(cap & PCI_EXP_DEVCAP_FLR))
		return -ENOTTY;
	pci_read_config_word(dev, dev->pcie_cap + PCI_EXP_DEVCTL, &ctl);
	pci_write_config_word(dev, dev->pcie_cap + PCI_EXP_DEVCTL,
			      ctl | PCI_EXP_DEVCTL_BCR_FLR);
	pcl_trace(PCL_TR_CORE, "pci %s: function-level reset", pci_name(dev));
	pcl__pci_delay_ms(100);		/* PCIe r6.0 sec 6.6.2 */
	return 0;
}

int pci_reset_function(struct pci_dev *dev)
{
	int ret;

	might_sleep();
	device_lock(&dev->dev);
	ret = pci_reset_function_locked(dev);
	device_unlock(&dev->dev);
	return ret;
}

int pci_try_reset_function(struct pci_dev *dev)
{
	int ret;

	might_sleep();
	if (!device_trylock(&dev->dev))
		return -EAGAIN;
	ret = pci_reset_function_locked(dev);
	device_unlock(&dev->dev);
	return ret;
}

int pci_reset_function_locked(struct pci_dev *dev)
{
	int ret;

	might_sleep();
	device_lock_assert(&dev->dev);
	pci_cfg_access_lock(dev);
	pci_save_state(dev);
	ret = pcie_flr(dev);
	pci_restore_state(dev);
	pci_cfg_access_unlock(dev);
	return ret;
}

int pci_set_power_state(struct pci_dev *dev, pci_power_t state)
{
	uint16_t pmcsr;

	might_sleep();
	if (state != PCI_D0 && state != PCI_D3hot)
		return -EINVAL;
	if (!dev->pm_cap)
		return -EIO;
	if (dev->current_state == state)
		return 0;
	pci_cfg_access_lock(dev);
	pci_read_config_word(dev, dev->pm_cap + PCI_PM_CTRL, &pmcsr);
	pmcsr = (uint16_t)((pmcsr & ~PCI_PM_CTRL_STATE_MASK) | (uint16_t)state);
	pci_write_config_word(dev, dev->pm_cap + PCI_PM_CTRL, pmcsr);
	pcl__pci_delay_ms(10);		/* D3hot transition time */
	dev->current_state = state;
	/* Who asked: the driver (its binding answers for the state it
	 * leaves), or the PM core / a user (the core restores D0). */
	dev->pm_by_driver = pcl_ctx()->subject == &dev->dev.subject;
	pci_cfg_access_unlock(dev);
	pcl_trace(PCL_TR_CORE, "pci %s: power state D%s", pci_name(dev),
		  state == PCI_D0 ? "0" : "3hot");
	return 0;
}
