/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to src/emu.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_EMU_INTERNAL_H
#define PCILAB_EMU_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <pcilab/emu.h>

#define EMU_NBARS	6
#define PCL_ROM_MIN	2048u		/* expansion ROM sizes */
#define PCL_ROM_MAX	(16u << 20)
#define EMU_CAP_TTL	48	/* standard capabilities a walk visits at most */

struct emu_bar {
	uint64_t size;		/* 0: not implemented */
	unsigned int kind;	/* PCL_BAR_* */
	uint8_t *mem;		/* backing store of memory BARs: allocated at
				 * first use (pcl__emu_bar_store()) */
	bool upper;		/* the upper half of the 64-bit BAR below */
};

struct pcl_emu_fn {
	/*
	 * lock makes one config or MMIO access atomic, as the function
	 * answers one transaction at a time.  A raw leaf lock: taken in any
	 * context, never held across a model hook.
	 */
	pthread_mutex_t lock;
	unsigned int cfg_size;
	uint8_t *cfg;		/* the registers */
	uint8_t *wmask;		/* bits software may write */
	uint8_t *w1cmask;	/* bits a 1 clears */
	uint8_t *reset_cfg;	/* power-on image, restored by FLR */
	struct emu_masks *shared;	/* after pcl_emu_seal(): wmask, w1cmask
					 * and reset_cfg live here, shared by
					 * every function built the same way,
					 * read-only; cfg is then its own block */
	struct emu_bar bars[EMU_NBARS];
	_Atomic bool removed;
	_Atomic int refs;		/* the slot's, each pci_dev's */
	const struct pcl_emu_model_ops *ops;
	void *model;
	unsigned long flrs;		/* under lock */
	unsigned int last_cap;		/* builder state */
	unsigned int next_cap;
	unsigned int last_ext;
	unsigned int next_ext;
	struct pcl_emu_irq_sink sink;	/* where interrupts go */
	_Atomic unsigned long messages;
	unsigned int msi_cap;
	unsigned int msix_cap;		/* offsets of what side effects need */
	unsigned int pcie_cap;
	unsigned int pm_cap;
};

/* masks.c: a capability's write/RW1C masks; its fields must be set. */
void pcl__emu_pm_masks(struct pcl_emu_fn *fn, unsigned int off);
void pcl__emu_msi_masks(struct pcl_emu_fn *fn, unsigned int off);
void pcl__emu_msix_masks(struct pcl_emu_fn *fn, unsigned int off);
void pcl__emu_pcie_masks(struct pcl_emu_fn *fn, unsigned int off);
void pcl__emu_aer_masks(struct pcl_emu_fn *fn, unsigned int off, bool root);

/* fn.c: the expansion ROM register of @fn's header, or 0 if it has none. */
unsigned int pcl__emu_rom_reg(const struct pcl_emu_fn *fn);
/* fn.c: every MSI-X vector masked, as out of reset.  Under fn->lock or
 * before the function is in use. */
void pcl__emu_msix_reset_table(struct pcl_emu_fn *fn);

/* irq.c: a write touched MSI/MSI-X masking; fire what became unmasked. */
void pcl__emu_irq_unmasked(struct pcl_emu_fn *fn);
/* Only MSI-X entries [@first, @first + @count) (and MSI) are looked at:
 * a table write touches one or two entries, not all 2048. */
void pcl__emu_irq_unmasked_range(struct pcl_emu_fn *fn, unsigned int first,
				 unsigned int count);

/* vmd.c */
struct pcl_emu_fn *pcl__emu_vmd_new(void);
struct pcl_emu_fn *pcl__emu_switchtec_new(void);
/* The store of memory BAR @bar, allocated (MSI-X entries masked) at the
 * first use; NULL for no such BAR or out of memory.  Context: any. */
uint8_t *pcl__emu_bar_store(struct pcl_emu_fn *fn, int bar);

/* BAR backing store is capped: models with bigger BARs implement MMIO. */
#define EMU_BAR_STORE	(1u << 20)

#endif
