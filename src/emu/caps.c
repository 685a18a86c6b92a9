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
	pcl_emu_set_wmask(fn, (unsigned int)off + PCI_PM_CTRL, 2,
			  PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE);
	pcl_emu_set_w1cmask(fn, (unsigned int)off + PCI_PM_CTRL, 2,
			    PCI_PM_CTRL_PME_STATUS);
	fn->pm_cap = (unsigned int)off;
	return off;
}

int pcl_emu_add_msi(struct pcl_emu_fn *fn, unsigned int log2_vecs, bool is64,
		    bool maskbit)
{
	unsigned int size = 10 + (is64 ? 4 : 0) + (maskbit ? 10 : 0);
	unsigned int data = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	unsigned int mask = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
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
	pcl_emu_set_wmask(fn, (unsigned int)off + PCI_MSI_FLAGS, 2,
			  PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pcl_emu_set_wmask(fn, (unsigned int)off + PCI_MSI_ADDRESS_LO, 4,
			  0xfffffffc);
	if (is64)
		pcl_emu_set_wmask(fn, (unsigned int)off + PCI_MSI_ADDRESS_HI,
				  4, 0xffffffff);
	pcl_emu_set_wmask(fn, (unsigned int)off + data, 2, 0xffff);
	if (maskbit)
		pcl_emu_set_wmask(fn, (unsigned int)off + mask, 4,
				  log2_vecs == 5 ? 0xffffffffu
						 : (1u << (1u << log2_vecs)) - 1);
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
	    pba_bar >= EMU_NBARS || !fn->bars[table_bar].mem ||
	    !fn->bars[pba_bar].mem ||
	    table_off + table_len > fn->bars[table_bar].size ||
	    pba_off + pba_len > fn->bars[pba_bar].size ||
	    table_off + table_len > (1u << 20) || pba_off + pba_len > (1u << 20))
		return -EINVAL;
	off = pcl_emu_add_cap(fn, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (off < 0)
		return off;
	pcl_emu_set(fn, (unsigned int)off + PCI_MSIX_FLAGS, 2, nvec - 1);
	pcl_emu_set_wmask(fn, (unsigned int)off + PCI_MSIX_FLAGS, 2,
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pcl_emu_set(fn, (unsigned int)off + PCI_MSIX_TABLE, 4,
		    table_off | (uint32_t)table_bar);
	pcl_emu_set(fn, (unsigned int)off + PCI_MSIX_PBA, 4,
		    pba_off | (uint32_t)pba_bar);
	fn->msix_cap = (unsigned int)off;
	for (unsigned int i = 0; i < nvec; i++)
		fn->bars[table_bar].mem[table_off + i * PCI_MSIX_ENTRY_SIZE +
					PCI_MSIX_ENTRY_VECTOR_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
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
	pcl_emu_set_wmask(fn, o + PCI_EXP_DEVCTL, 2,
			  0x7fff | (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0));
	pcl_emu_set_w1cmask(fn, o + PCI_EXP_DEVSTA, 2, 0x000f);
	pcl_emu_set(fn, o + PCI_EXP_LNKCAP, 4, 0x00000011);	/* 2.5GT/s x1 */
	pcl_emu_set_wmask(fn, o + PCI_EXP_LNKCTL, 2, 0x01c3);
	pcl_emu_set(fn, o + PCI_EXP_LNKSTA, 2, 0x0011);
	pcl_emu_set_wmask(fn, o + PCI_EXP_DEVCTL2, 2, 0x041f);
	pcl_emu_set(fn, o + PCI_EXP_LNKCAP2, 4, 0x00000002);
	pcl_emu_set(fn, o + PCI_EXP_LNKCTL2, 2, 0x0001);
	pcl_emu_set_wmask(fn, o + PCI_EXP_LNKCTL2, 2, 0x000f);
	fn->pcie_cap = o;
	return off;
}

int pcl_emu_add_aer(struct pcl_emu_fn *fn)
{
	int off = pcl_emu_add_ext_cap(fn, PCI_EXT_CAP_ID_ERR, 2, PCI_ERR_SIZEOF);
	unsigned int o;

	if (off < 0)
		return off;
	o = (unsigned int)off;
	pcl_emu_set_w1cmask(fn, o + PCI_ERR_UNCOR_STATUS, 4, 0x03fff030);
	pcl_emu_set_wmask(fn, o + PCI_ERR_UNCOR_MASK, 4, 0x03fff030);
	pcl_emu_set(fn, o + PCI_ERR_UNCOR_SEVER, 4, 0x00462030);
	pcl_emu_set_wmask(fn, o + PCI_ERR_UNCOR_SEVER, 4, 0x03fff030);
	pcl_emu_set_w1cmask(fn, o + PCI_ERR_COR_STATUS, 4, 0x0000f1c1);
	pcl_emu_set(fn, o + PCI_ERR_COR_MASK, 4, 0x00002000);
	pcl_emu_set_wmask(fn, o + PCI_ERR_COR_MASK, 4, 0x0000f1c1);
	pcl_emu_set_wmask(fn, o + PCI_ERR_CAP, 4, 0x00000140);
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
