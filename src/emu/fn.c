// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One emulated PCI function: config space as data, one write path, BARs,
 * MMIO, function-level reset, surprise removal.
 *
 * The write path (pcl_emu_cfg_write), per byte:
 *
 *	new = (old & ~wmask) | (val & wmask);	   writable bits take val
 *	new &= ~(val & w1cmask);		   RW1C bits written 1 clear
 *
 * then, only for registers the write overlaps, their side effects: the
 * PCIe Initiate-FLR bit resets the function; a D3hot->D0 transition of a
 * function without No_Soft_Reset resets it too; then the model's hook.
 *
 * Hardware rules the MMIO path models (so that driver bugs show):
 *  - a removed function reads all ones and drops writes;
 *  - memory BARs do not decode while COMMAND.MEMORY is clear, I/O BARs
 *    while COMMAND.IO is clear: reads return all ones;
 *  - nothing decodes outside D0.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct emu_masks;
static void masks_put(struct emu_masks *m);

struct pcl_emu_fn *pcl_emu_fn_new(unsigned int cfg_size)
{
	struct pcl_emu_fn *fn;

	if (cfg_size != PCI_CFG_SPACE_SIZE && cfg_size != PCI_CFG_SPACE_EXP_SIZE)
		return NULL;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return NULL;
	/* One block for the four per-byte arrays. */
	fn->cfg = calloc(4, cfg_size);
	if (!fn->cfg) {
		free(fn);
		return NULL;
	}
	fn->wmask = fn->cfg + cfg_size;
	fn->w1cmask = fn->cfg + 2 * cfg_size;
	fn->reset_cfg = fn->cfg + 3 * cfg_size;
	fn->cfg_size = cfg_size;
	fn->next_cap = 0x40;
	fn->next_ext = PCI_CFG_SPACE_SIZE;
	atomic_init(&fn->refs, 1);
	pthread_mutex_init(&fn->lock, NULL);
	return fn;
}

struct pcl_emu_fn *pcl_emu_fn_get(struct pcl_emu_fn *fn)
{
	if (fn)
		atomic_fetch_add(&fn->refs, 1);
	return fn;
}

void pcl_emu_fn_free(struct pcl_emu_fn *fn)
{
	if (!fn || atomic_fetch_sub(&fn->refs, 1) != 1)
		return;
	if (fn->ops && fn->ops->release)
		fn->ops->release(fn);
	for (int i = 0; i < EMU_NBARS; i++)
		free(fn->bars[i].mem);
	pthread_mutex_destroy(&fn->lock);
	free(fn->cfg);
	if (fn->shared)
		masks_put(fn->shared);
	free(fn);
}

void pcl_emu_set_model(struct pcl_emu_fn *fn,
		       const struct pcl_emu_model_ops *ops, void *model)
{
	fn->ops = ops;
	fn->model = model;
}

void *pcl_emu_model(struct pcl_emu_fn *fn)
{
	return fn->model;
}

unsigned int pcl_emu_cfg_size(struct pcl_emu_fn *fn)
{
	return fn->cfg_size;
}

static bool cfg_range_ok(struct pcl_emu_fn *fn, unsigned int off,
			 unsigned int size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1)) &&
	       off + size <= fn->cfg_size;
}

/* ---- raw setters (building) ---- */

static void put_le(uint8_t *a, unsigned int off, unsigned int size,
		   uint32_t val)
{
	for (unsigned int i = 0; i < size; i++)
		a[off + i] = (uint8_t)(val >> (8 * i));
}

static uint32_t get_le(const uint8_t *a, unsigned int off, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)a[off + i] << (8 * i);
	return v;
}

void pcl_emu_set(struct pcl_emu_fn *fn, unsigned int off, unsigned int size,
		 uint32_t val)
{
	if (off + size <= fn->cfg_size)
		put_le(fn->cfg, off, size, val);
}

void pcl_emu_set_wmask(struct pcl_emu_fn *fn, unsigned int off,
		       unsigned int size, uint32_t mask)
{
	if (fn->shared)		/* sealed: the masks are shared, read-only */
		return;
	if (off + size <= fn->cfg_size)
		put_le(fn->wmask, off, size, mask);
}

void pcl_emu_set_w1cmask(struct pcl_emu_fn *fn, unsigned int off,
			 unsigned int size, uint32_t mask)
{
	if (fn->shared)
		return;
	if (off + size <= fn->cfg_size)
		put_le(fn->w1cmask, off, size, mask);
}

void pcl_emu_init_header(struct pcl_emu_fn *fn, uint16_t vendor,
			 uint16_t device, uint32_t class_rev, uint8_t hdr_type)
{
	bool bridge = (hdr_type & PCI_HEADER_TYPE_MASK) == PCI_HEADER_TYPE_BRIDGE;

	pcl_emu_set(fn, PCI_VENDOR_ID, 2, vendor);
	pcl_emu_set(fn, PCI_DEVICE_ID, 2, device);
	pcl_emu_set(fn, PCI_CLASS_REVISION, 4, class_rev);
	pcl_emu_set(fn, PCI_HEADER_TYPE, 1, hdr_type);
	pcl_emu_set_wmask(fn, PCI_COMMAND, 2,
			  PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			  PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
			  PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	pcl_emu_set_w1cmask(fn, PCI_STATUS, 2, PCI_STATUS_ERROR_BITS);
	pcl_emu_set_wmask(fn, PCI_CACHE_LINE_SIZE, 1, 0xff);
	pcl_emu_set_wmask(fn, PCI_LATENCY_TIMER, 1, 0xff);
	pcl_emu_set_wmask(fn, PCI_INTERRUPT_LINE, 1, 0xff);
	if (!bridge)
		return;
	pcl_emu_set_wmask(fn, PCI_PRIMARY_BUS, 4, 0xffffffff);
	pcl_emu_set_wmask(fn, PCI_IO_BASE, 2, 0xf0f0);
	pcl_emu_set_w1cmask(fn, PCI_SEC_STATUS, 2, PCI_STATUS_ERROR_BITS);
	pcl_emu_set_wmask(fn, PCI_MEMORY_BASE, 4, 0xfff0fff0);
	pcl_emu_set_wmask(fn, PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0);
	pcl_emu_set_wmask(fn, PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
	pcl_emu_set_wmask(fn, PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff);
	pcl_emu_set_wmask(fn, PCI_IO_BASE_UPPER16, 4, 0xffffffff);
	pcl_emu_set_wmask(fn, PCI_BRIDGE_CONTROL, 2, 0x0fff);
}

void pcl_emu_set_subsystem(struct pcl_emu_fn *fn, uint16_t vendor,
			   uint16_t device)
{
	pcl_emu_set(fn, PCI_SUBSYSTEM_VENDOR_ID, 2, vendor);
	pcl_emu_set(fn, PCI_SUBSYSTEM_ID, 2, device);
}

void pcl_emu_set_irq_pin(struct pcl_emu_fn *fn, uint8_t pin)
{
	pcl_emu_set(fn, PCI_INTERRUPT_PIN, 1, pin);
}

static unsigned int nbars(struct pcl_emu_fn *fn)
{
	return (fn->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) ==
	       PCI_HEADER_TYPE_BRIDGE ? 2 : EMU_NBARS;
}

int pcl_emu_add_bar(struct pcl_emu_fn *fn, int bar, uint64_t size,
		    unsigned int kind)
{
	bool io = kind & PCL_BAR_IO, is64 = kind & PCL_BAR_MEM64;
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * (unsigned int)bar;
	uint64_t mask = ~(size - 1);
	uint32_t flags;

	/* The index: free, and for 64-bit BARs the next one free too. */
	if (bar < 0 || (unsigned int)bar >= nbars(fn) ||
	    fn->bars[bar].size || fn->bars[bar].upper)
		return -EINVAL;
	if (is64 && ((unsigned int)bar + 1 >= nbars(fn) ||
		     fn->bars[bar + 1].size))
		return -EINVAL;
	/* The size: a power of two in the range the kind allows. */
	if (!size || (size & (size - 1)))
		return -EINVAL;
	if (io ? (size < 4 || size > 256 || (kind & ~PCL_BAR_IO))
	       : (size < 16 || !(kind & (PCL_BAR_MEM32 | PCL_BAR_MEM64)) ||
		  (!is64 && size > (1ull << 31))))
		return -EINVAL;
	/* Memory BARs get a backing store (capped) at their first use. */
	fn->bars[bar].size = size;
	fn->bars[bar].kind = kind;
	flags = io ? PCI_BASE_ADDRESS_SPACE_IO
		   : (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
		     ((kind & PCL_BAR_PREFETCH) ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
	pcl_emu_set(fn, reg, 4, flags);
	pcl_emu_set_wmask(fn, reg, 4, (uint32_t)mask &
			  (io ? PCI_BASE_ADDRESS_IO_MASK : PCI_BASE_ADDRESS_MEM_MASK));
	if (is64) {
		fn->bars[bar + 1].upper = true;
		pcl_emu_set_wmask(fn, reg + 4, 4, (uint32_t)(mask >> 32));
	}
	return 0;
}

unsigned int pcl__emu_rom_reg(const struct pcl_emu_fn *fn)
{
	switch (fn->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) {
	case PCI_HEADER_TYPE_NORMAL:
		return PCI_ROM_ADDRESS;
	case PCI_HEADER_TYPE_BRIDGE:
		return PCI_ROM_ADDRESS1;
	default:
		return 0;
	}
}

int pcl_emu_add_rom(struct pcl_emu_fn *fn, uint64_t size)
{
	unsigned int reg = pcl__emu_rom_reg(fn);

	if (!reg || (size & (size - 1)) || size < PCL_ROM_MIN ||
	    size > PCL_ROM_MAX || get_le(fn->wmask, reg, 4))
		return -EINVAL;
	pcl_emu_set(fn, reg, 4, 0);
	pcl_emu_set_wmask(fn, reg, 4, ((uint32_t)~(size - 1) &
				       PCI_ROM_ADDRESS_MASK) |
				      PCI_ROM_ADDRESS_ENABLE);
	return 0;
}

uint64_t pcl_emu_bar_size(struct pcl_emu_fn *fn, int bar)
{
	return bar >= 0 && bar < EMU_NBARS ? fn->bars[bar].size : 0;
}

unsigned int pcl_emu_bar_kind(struct pcl_emu_fn *fn, int bar)
{
	return bar >= 0 && bar < EMU_NBARS ? fn->bars[bar].kind : 0;
}

uint8_t *pcl_emu_bar_mem(struct pcl_emu_fn *fn, int bar)
{
	return pcl__emu_bar_store(fn, bar);
}

/* Mask every MSI-X entry that lies in @mem, the store of BAR @bar. */
static void msix_mask_entries(struct pcl_emu_fn *fn, int bar, uint8_t *mem)
{
	uint16_t flags;
	uint32_t table;
	unsigned int n;
	uint64_t off;

	if (!fn->msix_cap)
		return;
	flags = (uint16_t)get_le(fn->cfg, fn->msix_cap + PCI_MSIX_FLAGS, 2);
	table = get_le(fn->cfg, fn->msix_cap + PCI_MSIX_TABLE, 4);
	n = (flags & PCI_MSIX_FLAGS_QSIZE) + 1u;
	off = table & ~(uint32_t)PCI_MSIX_BIR_MASK;
	if ((int)(table & PCI_MSIX_BIR_MASK) != bar ||
	    off + (uint64_t)n * PCI_MSIX_ENTRY_SIZE > fn->bars[bar].size ||
	    off + (uint64_t)n * PCI_MSIX_ENTRY_SIZE > EMU_BAR_STORE)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = mem + off + (uint64_t)i * PCI_MSIX_ENTRY_SIZE;

		memset(e, 0, PCI_MSIX_ENTRY_SIZE);
		e[PCI_MSIX_ENTRY_VECTOR_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
}

/*
 * Most functions of a large machine never see MMIO: their BAR stores are
 * made when first needed.  Two threads racing here both allocate; one
 * installs its store, the other frees its own.  A new store is in the
 * power-on state (zero, MSI-X entries masked).
 */
uint8_t *pcl__emu_bar_store(struct pcl_emu_fn *fn, int bar)
{
	uint8_t *mem, *fresh;
	size_t len;

	if (bar < 0 || bar >= EMU_NBARS)
		return NULL;
	mem = __atomic_load_n(&fn->bars[bar].mem, __ATOMIC_ACQUIRE);
	if (mem || !fn->bars[bar].size || (fn->bars[bar].kind & PCL_BAR_IO))
		return mem;
	len = fn->bars[bar].size > EMU_BAR_STORE ? EMU_BAR_STORE
						 : (size_t)fn->bars[bar].size;
	fresh = calloc(1, len);
	if (!fresh)
		return NULL;
	msix_mask_entries(fn, bar, fresh);
	if (!__atomic_compare_exchange_n(&fn->bars[bar].mem, &mem, fresh, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(fresh);
		return mem;
	}
	return fresh;
}

/*
 * Write masks and power-on images, shared.  Every function built the same
 * way (a model's instances) has the same three arrays; after sealing they
 * are read-only, so one copy serves all of them and a function keeps only
 * its registers (4 KiB for PCI Express instead of 16).
 */
struct emu_masks {
	uint64_t hash;
	unsigned int size;		/* cfg_size */
	unsigned int refs;		/* under masks_lock */
	struct emu_masks *next;
	uint8_t arrays[];		/* wmask, w1cmask, reset image */
};

/* masks_lock protects the list and the refs; a leaf. */
static pthread_mutex_t masks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_masks *masks_list;

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static struct emu_masks *masks_get(const uint8_t *arrays, unsigned int size)
{
	size_t len = 3 * (size_t)size;
	uint64_t h = fnv1a(arrays, len);
	struct emu_masks *m;

	pthread_mutex_lock(&masks_lock);
	for (m = masks_list; m; m = m->next)
		if (m->hash == h && m->size == size &&
		    !memcmp(m->arrays, arrays, len))
			break;
	if (m) {
		m->refs++;
	} else if ((m = malloc(sizeof(*m) + len))) {
		m->hash = h;
		m->size = size;
		m->refs = 1;
		memcpy(m->arrays, arrays, len);
		m->next = masks_list;
		masks_list = m;
	}
	pthread_mutex_unlock(&masks_lock);
	return m;
}

static void masks_put(struct emu_masks *m)
{
	struct emu_masks **pp;

	pthread_mutex_lock(&masks_lock);
	if (--m->refs == 0) {
		for (pp = &masks_list; *pp != m; pp = &(*pp)->next)
			;
		*pp = m->next;
		free(m);
	}
	pthread_mutex_unlock(&masks_lock);
}

void pcl_emu_seal(struct pcl_emu_fn *fn)
{
	struct emu_masks *m;
	uint8_t *regs;

	if (fn->shared)
		return;		/* sealed already */
	pthread_mutex_lock(&fn->lock);
	memcpy(fn->reset_cfg, fn->cfg, fn->cfg_size);
	pthread_mutex_unlock(&fn->lock);
	/* The block is cfg | wmask | w1cmask | reset: share the last three. */
	m = masks_get(fn->wmask, fn->cfg_size);
	regs = m ? malloc(fn->cfg_size) : NULL;
	if (!regs) {
		if (m)
			masks_put(m);
		return;		/* keep the private arrays: still correct */
	}
	memcpy(regs, fn->cfg, fn->cfg_size);
	pthread_mutex_lock(&fn->lock);
	free(fn->cfg);
	fn->cfg = regs;
	fn->wmask = m->arrays;
	fn->w1cmask = m->arrays + fn->cfg_size;
	fn->reset_cfg = m->arrays + 2 * fn->cfg_size;
	fn->shared = m;
	pthread_mutex_unlock(&fn->lock);
}

/* ---- access ---- */

uint32_t pcl_emu_cfg_read(struct pcl_emu_fn *fn, unsigned int off,
			  unsigned int size)
{
	uint32_t ones = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	uint32_t v;

	if (!cfg_range_ok(fn, off, size) || atomic_load(&fn->removed))
		return ones;
	pthread_mutex_lock(&fn->lock);
	v = get_le(fn->cfg, off, size);
	pthread_mutex_unlock(&fn->lock);
	return v;
}

void pcl_emu_cfg_copy(struct pcl_emu_fn *fn, uint8_t *buf)
{
	if (atomic_load(&fn->removed)) {
		memset(buf, 0xff, fn->cfg_size);
		return;
	}
	pthread_mutex_lock(&fn->lock);
	memcpy(buf, fn->cfg, fn->cfg_size);
	pthread_mutex_unlock(&fn->lock);
}

static bool overlaps(unsigned int off, unsigned int size, unsigned int reg,
		     unsigned int reg_size)
{
	return off < reg + reg_size && reg < off + size;
}

/* MSI-X vectors come out of reset masked. */
void pcl__emu_msix_reset_table(struct pcl_emu_fn *fn)
{
	for (int i = 0; i < EMU_NBARS; i++) {
		uint8_t *mem = __atomic_load_n(&fn->bars[i].mem, __ATOMIC_ACQUIRE);

		if (mem)	/* one not made yet will start masked */
			msix_mask_entries(fn, i, mem);
	}
}

/* Under fn->lock: back to the power-on state. */
static void function_reset_locked(struct pcl_emu_fn *fn)
{
	memcpy(fn->cfg, fn->reset_cfg, fn->cfg_size);
	for (int i = 0; i < EMU_NBARS; i++) {
		uint8_t *mem = __atomic_load_n(&fn->bars[i].mem, __ATOMIC_ACQUIRE);

		if (mem && !(fn->ops && fn->ops->mmio_read && !fn->ops->mmio_claim))
			memset(mem, 0,
			       fn->bars[i].size > EMU_BAR_STORE ? EMU_BAR_STORE
							     : fn->bars[i].size);
	}
	pcl__emu_msix_reset_table(fn);
}

void pcl_emu_cfg_write(struct pcl_emu_fn *fn, unsigned int off,
		       unsigned int size, uint32_t val)
{
	bool reset = false;

	if (!cfg_range_ok(fn, off, size) || atomic_load(&fn->removed))
		return;
	pthread_mutex_lock(&fn->lock);
	for (unsigned int i = 0; i < size; i++) {
		unsigned int o = off + i;
		uint8_t v = (uint8_t)(val >> (8 * i));
		uint8_t old = fn->cfg[o];
		uint8_t nv = (uint8_t)((old & ~fn->wmask[o]) | (v & fn->wmask[o]));

		nv &= (uint8_t)~(v & fn->w1cmask[o]);
		/* D3hot -> D0 without No_Soft_Reset resets the function. */
		if (fn->pm_cap && o == fn->pm_cap + PCI_PM_CTRL &&
		    (old & PCI_PM_CTRL_STATE_MASK) == 3 &&
		    !(nv & PCI_PM_CTRL_STATE_MASK) &&
		    !(old & PCI_PM_CTRL_NO_SOFT_RESET))
			reset = true;
		fn->cfg[o] = nv;
	}
	if (fn->pcie_cap &&
	    overlaps(off, size, fn->pcie_cap + PCI_EXP_DEVCTL, 2) &&
	    (get_le(fn->cfg, fn->pcie_cap + PCI_EXP_DEVCTL, 2) &
	     PCI_EXP_DEVCTL_BCR_FLR))
		reset = true;
	if (reset) {
		function_reset_locked(fn);
		fn->flrs++;
	}
	pthread_mutex_unlock(&fn->lock);

	if (reset && fn->ops && fn->ops->reset)
		fn->ops->reset(fn);
	/* Unmasking a vector (or the function) fires what was pending. */
	if ((fn->msix_cap && overlaps(off, size, fn->msix_cap + PCI_MSIX_FLAGS, 2)) ||
	    (fn->msi_cap && overlaps(off, size, fn->msi_cap, 24)))
		pcl__emu_irq_unmasked(fn);
	if (fn->ops && fn->ops->cfg_written)
		fn->ops->cfg_written(fn, off, size, val);
}

unsigned long pcl_emu_flr_count(struct pcl_emu_fn *fn)
{
	unsigned long n;

	pthread_mutex_lock(&fn->lock);
	n = fn->flrs;
	pthread_mutex_unlock(&fn->lock);
	return n;
}

void pcl_emu_surprise_remove(struct pcl_emu_fn *fn)
{
	atomic_store(&fn->removed, true);
}

void pcl_emu_power(struct pcl_emu_fn *fn, bool on)
{
	if (!on) {
		atomic_store(&fn->removed, true);
		return;
	}
	/* Power-on: a cold reset, then the function answers again. */
	pthread_mutex_lock(&fn->lock);
	function_reset_locked(fn);
	pthread_mutex_unlock(&fn->lock);
	if (fn->ops && fn->ops->reset)
		fn->ops->reset(fn);
	atomic_store(&fn->removed, false);
}

bool pcl_emu_is_removed(struct pcl_emu_fn *fn)
{
	return atomic_load(&fn->removed);
}

/* Under fn->lock: does @bar decode right now? */
static bool bar_decodes(struct pcl_emu_fn *fn, int bar)
{
	uint16_t cmd = (uint16_t)get_le(fn->cfg, PCI_COMMAND, 2);

	if (fn->pm_cap &&
	    (fn->cfg[fn->pm_cap + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK))
		return false;
	if (fn->bars[bar].kind & PCL_BAR_IO)
		return cmd & PCI_COMMAND_IO;
	return cmd & PCI_COMMAND_MEMORY;
}

static bool mmio_ok(struct pcl_emu_fn *fn, int bar, uint64_t off,
		    unsigned int size)
{
	return bar >= 0 && bar < EMU_NBARS && fn->bars[bar].size &&
	       (size == 1 || size == 2 || size == 4 || size == 8) &&
	       off + size <= fn->bars[bar].size && off + size > off;
}

uint64_t pcl_emu_mmio_read(struct pcl_emu_fn *fn, int bar, uint64_t off,
			   unsigned int size)
{
	uint64_t ones = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1, v = 0;
	bool decodes, hooked;

	if (!mmio_ok(fn, bar, off, size) || atomic_load(&fn->removed))
		return ones;
	hooked = fn->ops && fn->ops->mmio_read &&
		 (!fn->ops->mmio_claim || fn->ops->mmio_claim(fn, bar, off));
	pthread_mutex_lock(&fn->lock);
	decodes = bar_decodes(fn, bar);
	if (decodes && !hooked) {
		uint8_t *mem = pcl__emu_bar_store(fn, bar);

		if (!mem || off + size > EMU_BAR_STORE) {
			v = 0;
		} else {
			for (unsigned int i = 0; i < size; i++)
				v |= (uint64_t)mem[off + i] << (8 * i);
		}
	}
	pthread_mutex_unlock(&fn->lock);
	if (!decodes)
		return ones;
	if (hooked)
		return fn->ops->mmio_read(fn, bar, off, size);
	return v;
}

/* Under fn->lock: does a write at @bar+@off touch the MSI-X table?  If
 * so, *@first is the first entry it touches. */
static bool hits_msix_table(struct pcl_emu_fn *fn, int bar, uint64_t off,
			    unsigned int size, unsigned int *first)
{
	uint32_t table, nvec;
	uint64_t start;

	if (!fn->msix_cap)
		return false;
	table = get_le(fn->cfg, fn->msix_cap + PCI_MSIX_TABLE, 4);
	nvec = (get_le(fn->cfg, fn->msix_cap + PCI_MSIX_FLAGS, 2) &
		PCI_MSIX_FLAGS_QSIZE) + 1u;
	start = table & ~(uint32_t)PCI_MSIX_BIR_MASK;
	if ((int)(table & PCI_MSIX_BIR_MASK) != bar ||
	    !overlaps((unsigned int)off, size, (unsigned int)start,
		      nvec * PCI_MSIX_ENTRY_SIZE))
		return false;
	*first = off > start ? (unsigned int)((off - start) / PCI_MSIX_ENTRY_SIZE) : 0;
	return true;
}

void pcl_emu_mmio_write(struct pcl_emu_fn *fn, int bar, uint64_t off,
			unsigned int size, uint64_t val)
{
	bool decodes, hooked, table;
	unsigned int first = 0;

	if (!mmio_ok(fn, bar, off, size) || atomic_load(&fn->removed))
		return;
	hooked = fn->ops && fn->ops->mmio_write &&
		 (!fn->ops->mmio_claim || fn->ops->mmio_claim(fn, bar, off));
	pthread_mutex_lock(&fn->lock);
	decodes = bar_decodes(fn, bar);
	table = decodes && hits_msix_table(fn, bar, off, size, &first);
	if (decodes && !hooked && off + size <= EMU_BAR_STORE) {
		uint8_t *mem = pcl__emu_bar_store(fn, bar);

		for (unsigned int i = 0; mem && i < size; i++)
			mem[off + i] = (uint8_t)(val >> (8 * i));
	}
	pthread_mutex_unlock(&fn->lock);
	if (decodes && hooked)
		fn->ops->mmio_write(fn, bar, off, size, val);
	if (table)		/* the entry (or two) may have been unmasked */
		pcl__emu_irq_unmasked_range(fn, first, 2);
}

unsigned int pcl_emu_find_cap(struct pcl_emu_fn *fn, uint8_t id)
{
	unsigned int pos, ttl = EMU_CAP_TTL;

	if (!(pcl_emu_cfg_read(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pcl_emu_cfg_read(fn, PCI_CAPABILITY_LIST, 1) & ~3u;
	while (pos >= 0x40 && pos < PCI_CFG_SPACE_SIZE && ttl--) {
		uint32_t hdr = pcl_emu_cfg_read(fn, pos, 2);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & ~3u;
	}
	return 0;
}
