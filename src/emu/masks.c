// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The write and RW1C masks of the capabilities pcilab knows, in one place:
 * the capability builders (caps.c) and the dump loader (dump.c) both apply
 * them, after the capability's read-only fields are in place (the masks of
 * MSI and PCIe depend on their flags).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

static uint32_t cfg_get(const struct pcl_emu_fn *fn, unsigned int off,
			unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size && off + i < fn->cfg_size; i++)
		v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	return v;
}

void pcl__emu_pm_masks(struct pcl_emu_fn *fn, unsigned int o)
{
	pcl_emu_set_wmask(fn, o + PCI_PM_CTRL, 2,
			  PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE);
	pcl_emu_set_w1cmask(fn, o + PCI_PM_CTRL, 2, PCI_PM_CTRL_PME_STATUS);
	if (!fn->pm_cap)
		fn->pm_cap = o;
}

void pcl__emu_msi_masks(struct pcl_emu_fn *fn, unsigned int o)
{
	uint16_t flags = (uint16_t)cfg_get(fn, o + PCI_MSI_FLAGS, 2);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;
	unsigned int log2 = (flags & PCI_MSI_FLAGS_QMASK) >> 1;

	pcl_emu_set_wmask(fn, o + PCI_MSI_FLAGS, 2,
			  PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pcl_emu_set_wmask(fn, o + PCI_MSI_ADDRESS_LO, 4, 0xfffffffc);
	if (is64)
		pcl_emu_set_wmask(fn, o + PCI_MSI_ADDRESS_HI, 4, 0xffffffff);
	pcl_emu_set_wmask(fn, o + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32),
			  2, 0xffff);
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		pcl_emu_set_wmask(fn, o + (is64 ? PCI_MSI_MASK_64
						: PCI_MSI_MASK_32), 4,
				  log2 >= 5 ? 0xffffffffu
					    : (1u << (1u << log2)) - 1);
	if (!fn->msi_cap)
		fn->msi_cap = o;
}

void pcl__emu_msix_masks(struct pcl_emu_fn *fn, unsigned int o)
{
	pcl_emu_set_wmask(fn, o + PCI_MSIX_FLAGS, 2,
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	if (!fn->msix_cap)
		fn->msix_cap = o;
}

void pcl__emu_pcie_masks(struct pcl_emu_fn *fn, unsigned int o)
{
	bool flr = cfg_get(fn, o + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR;

	pcl_emu_set_wmask(fn, o + PCI_EXP_DEVCTL, 2,
			  0x7fff | (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0));
	pcl_emu_set_w1cmask(fn, o + PCI_EXP_DEVSTA, 2,
			    PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
			    PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	pcl_emu_set_wmask(fn, o + PCI_EXP_LNKCTL, 2, 0x01c3);
	if ((cfg_get(fn, o + PCI_EXP_FLAGS, 2) & PCI_EXP_FLAGS_VERS) >= 2) {
		pcl_emu_set_wmask(fn, o + PCI_EXP_DEVCTL2, 2, 0x041f);
		pcl_emu_set_wmask(fn, o + PCI_EXP_LNKCTL2, 2, 0x000f);
	}
	if (!fn->pcie_cap)
		fn->pcie_cap = o;
}

void pcl__emu_aer_masks(struct pcl_emu_fn *fn, unsigned int o, bool root)
{
	uint32_t cap = cfg_get(fn, o + PCI_ERR_CAP, 4);

	pcl_emu_set_w1cmask(fn, o + PCI_ERR_UNCOR_STATUS, 4, 0x03fff030);
	pcl_emu_set_wmask(fn, o + PCI_ERR_UNCOR_MASK, 4, 0x03fff030);
	pcl_emu_set_wmask(fn, o + PCI_ERR_UNCOR_SEVER, 4, 0x03fff030);
	pcl_emu_set_w1cmask(fn, o + PCI_ERR_COR_STATUS, 4, 0x0000f1c1);
	pcl_emu_set_wmask(fn, o + PCI_ERR_COR_MASK, 4, 0x0000f1c1);
	/* ECRC generation/check enable, where capable (the bit below). */
	pcl_emu_set_wmask(fn, o + PCI_ERR_CAP, 4, (cap & 0xa0) << 1);
	if (!root)
		return;
	pcl_emu_set_wmask(fn, o + PCI_ERR_ROOT_COMMAND, 4, 0x7);
	pcl_emu_set_w1cmask(fn, o + PCI_ERR_ROOT_STATUS, 4, 0x7f);
}
