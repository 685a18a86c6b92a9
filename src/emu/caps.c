// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Capability builders: power management, MSI, MSI-X, PCI Express, AER and
 * the device serial number, each with the write masks the specifications
 * give its registers.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

int pcl_emu_add_cap(struct pcl_emu_fn *fn, uint8_t id, unsigned int size)
{
	unsigned int off = (fn->next_cap + 3) & ~3u;

	if (size < 2 || off + size > PCI_CFG_SPACE_SIZE)
		return -ENOSPC;
	pcl_emu_set(fn, off + PCI_CAP_LIST_ID, 1, id);
	pcl_emu_set(fn, off + PCI_CAP_LIST_NEXT, 1, 0);
	if (fn->last_cap)
		pcl_emu_set(fn, fn->last_cap + PCI_CAP_LIST_NEXT, 1, off);
	else
		pcl_emu_set(fn, PCI_CAPABILITY_LIST, 1, off);
	pcl_emu_set(fn, PCI_STATUS, 2,
		    pcl_emu_cfg_read(fn, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	fn->last_cap = off;
	fn->next_cap = off + size;
	return (int)off;
}

int pcl_emu_add_ext_cap(struct pcl_emu_fn *fn, uint16_t id, uint8_t ver,
			unsigned int size)
{
	unsigned int off = (fn->next_ext + 3) & ~3u;

	if (fn->cfg_size != PCI_CFG_SPACE_EXP_SIZE || size < 4 ||
	    off + size > PCI_CFG_SPACE_EXP_SIZE)
		return -ENOSPC;
	pcl_emu_set(fn, off, 4, id | ((uint32_t)ver << 16));
	if (fn->last_ext) {
		uint32_t prev = pcl_emu_cfg_read(fn, fn->last_ext, 4);

		pcl_emu_set(fn, fn->last_ext, 4,
			    (prev & 0x000fffff) | ((uint32_t)off << 20));
	}
	fn->last_ext = off;
	fn->next_ext = off + size;
	return (int)off;
}

int pcl_emu_add_pm(struct pcl_emu_fn *fn)
{
	int off = pcl_emu_add_cap(fn, PCI_CAP_ID_PM, PCI_PM_SIZEOF);

	if (off < 0)
		return off;
	pcl_emu_set(fn, (unsigned int)off + PCI_PM_PMC, 2, 0x0003); /* PM 1.2 */
	/* No_Soft_Reset: D3hot -> D0 keeps the configuration. */
	pcl_emu_set(fn, (unsigned int)off + PCI_PM_CTRL, 2,
		    PCI_PM_CTRL_NO_SOFT_RESET);
	pcl__emu_pm_masks(fn, (unsigned int)off);
	return off;
}

int pcl_emu_add_msi(struct pcl_emu_fn *fn, unsigned int log2_vecs, bool is64,
		    bool maskbit)
{
	unsigned int size = 10 + (is64 ? 4 : 0) + (maskbit ? 10 : 0);
	uint16_t flags;
	int off;

	if (log2_vecs > 5)
		return -EINVAL;
	off = pcl_emu_add_cap(fn, PCI_CAP_ID_MSI, size);
	if (off < 0)
		return off;
	flags = (uint16_t)(log2_vecs << 1) | (is64 ? PCI_MSI_FLAGS_64BIT : 0) |
		(maskbit ? PCI_MSI_FLAGS_MASKBIT : 0);
	pcl_emu_set(fn, (unsigned int)off + PCI_MSI_FLAGS, 2, flags);
	pcl__emu_msi_masks(fn, (unsigned int)off);
	return off;
}

int pcl_emu_add_msix(struct pcl_emu_fn *fn, unsigned int nvec, int table_bar,
		     uint32_t table_off, int pba_bar, uint32_t pba_off)
{
	uint64_t table_len = (uint64_t)nvec * PCI_MSIX_ENTRY_SIZE;
	uint64_t pba_len = (nvec + 63) / 64 * 8;
	int off;

	if (!nvec || nvec > 2048 || (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	if (table_bar < 0 || table_bar >= EMU_NBARS || pba_bar < 0 ||
	    pba_bar >= EMU_NBARS || !fn->bars[table_bar].size ||
	    !fn->bars[pba_bar].size ||
	    (fn->bars[table_bar].kind & PCL_BAR_IO) ||
	    (fn->bars[pba_bar].kind & PCL_BAR_IO) ||
	    table_off + table_len > fn->bars[table_bar].size ||
	    pba_off + pba_len > fn->bars[pba_bar].size ||
	    table_off + table_len > (1u << 20) || pba_off + pba_len > (1u << 20))
		return -EINVAL;
	off = pcl_emu_add_cap(fn, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (off < 0)
		return off;
	pcl_emu_set(fn, (unsigned int)off + PCI_MSIX_FLAGS, 2, nvec - 1);
	pcl_emu_set(fn, (unsigned int)off + PCI_MSIX_TABLE, 4,
		    table_off | (uint32_t)table_bar);
	pcl_emu_set(fn, (unsigned int)off + PCI_MSIX_PBA, 4,
		    pba_off | (uint32_t)pba_bar);
	pcl__emu_msix_masks(fn, (unsigned int)off);
	pcl__emu_msix_reset_table(fn);
	return off;
}

int pcl_emu_add_pcie(struct pcl_emu_fn *fn, unsigned int type, bool flr)
{
	int off = pcl_emu_add_cap(fn, PCI_CAP_ID_EXP,
				  PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	unsigned int o;

	if (off < 0)
		return off;
	o = (unsigned int)off;
	pcl_emu_set(fn, o + PCI_EXP_FLAGS, 2, 0x0002 | ((type & 0xf) << 4));
	pcl_emu_set(fn, o + PCI_EXP_DEVCAP, 4, flr ? PCI_EXP_DEVCAP_FLR : 0);
	pcl_emu_set(fn, o + PCI_EXP_DEVCTL, 2, 0x2810); /* relax, 512B rd */
	pcl_emu_set(fn, o + PCI_EXP_LNKCAP, 4, 0x00000011);	/* 2.5GT/s x1 */
	pcl_emu_set(fn, o + PCI_EXP_LNKSTA, 2, 0x0011);
	pcl_emu_set(fn, o + PCI_EXP_LNKCAP2, 4, 0x00000002);
	pcl_emu_set(fn, o + PCI_EXP_LNKCTL2, 2, 0x0001);
	pcl__emu_pcie_masks(fn, o);
	return off;
}

int pcl_emu_add_aer(struct pcl_emu_fn *fn)
{
	int off = pcl_emu_add_ext_cap(fn, PCI_EXT_CAP_ID_ERR, 2, PCI_ERR_SIZEOF);
	unsigned int o;

	if (off < 0)
		return off;
	o = (unsigned int)off;
	pcl_emu_set(fn, o + PCI_ERR_UNCOR_SEVER, 4, 0x00462030);
	pcl_emu_set(fn, o + PCI_ERR_COR_MASK, 4, 0x00002000);
	pcl_emu_set(fn, o + PCI_ERR_CAP, 4, 0x000000a0);	/* ECRC capable */
	pcl__emu_aer_masks(fn, o, fn->pcie_cap &&
			   ((fn->cfg[fn->pcie_cap + PCI_EXP_FLAGS] >> 4) & 0xf) ==
			   PCI_EXP_TYPE_ROOT_PORT);
	return off;
}

int pcl_emu_add_dsn(struct pcl_emu_fn *fn, uint64_t serial)
{
	int off = pcl_emu_add_ext_cap(fn, PCI_EXT_CAP_ID_DSN, 1,
				      PCI_EXT_CAP_DSN_SIZEOF);

	if (off < 0)
		return off;
	pcl_emu_set(fn, (unsigned int)off + PCI_DSN_LOW, 4, (uint32_t)serial);
	pcl_emu_set(fn, (unsigned int)off + PCI_DSN_HIGH, 4,
		    (uint32_t)(serial >> 32));
	return off;
}
