/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/emu.h - emulated PCI hardware: one function's configuration space
 * as data (value, write mask and write-1-to-clear mask per byte, applied in
 * one write path), its BARs with the sizing protocol and MMIO dispatched
 * to a device model, capability builders, surprise removal, and devices
 * built from real config-space dumps.
 *
 * This layer is "hardware": it knows nothing of drivers or of the PCI
 * core's locking.  Each function has an internal lock that keeps a single
 * access atomic, as a real function answers one transaction at a time.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_EMU_H
#define PCILAB_EMU_H

#include <stdint.h>
#include <stdio.h>
#include <pcilab/compiler.h>
#include <pcilab/pci_regs.h>

struct pcl_emu_fn;

/* BAR kinds for pcl_emu_add_bar(). */
#define PCL_BAR_IO		0x1
#define PCL_BAR_MEM32		0x2
#define PCL_BAR_MEM64		0x4
#define PCL_BAR_PREFETCH	0x8

/*
 * A device model: what the function does beyond the default config-space
 * behaviour.  Every hook is optional.  Hooks run with the function's lock
 * NOT held and may call the pcl_emu_* accessors.
 */
struct pcl_emu_model_ops {
	const char *name;
	/* A config write overlapping [off, off + len) was applied. */
	void (*cfg_written)(struct pcl_emu_fn *fn, unsigned int off,
			    unsigned int len, uint32_t val);
	/* BAR MMIO; without these the BAR is plain memory.  With @mmio_claim,
	 * only the offsets it claims go to the hooks, the rest is memory. */
	bool (*mmio_claim)(struct pcl_emu_fn *fn, int bar, uint64_t off);
	uint64_t (*mmio_read)(struct pcl_emu_fn *fn, int bar, uint64_t off,
			      unsigned int size);
	void (*mmio_write)(struct pcl_emu_fn *fn, int bar, uint64_t off,
			   unsigned int size, uint64_t val);
	/* The device's firmware does something the scenario names
	 * ("complete"): 0, -ENOENT (no such event), -EBUSY (not now). */
	int (*firmware)(struct pcl_emu_fn *fn, const char *event);
	/* After a function-level reset restored the power-on config. */
	void (*reset)(struct pcl_emu_fn *fn);
	/* Free the model's state (pcl_emu_fn_free). */
	void (*release)(struct pcl_emu_fn *fn);
};

/* ---- building a function (single-threaded, before it is used) ---- */

/**
 * pcl_emu_fn_new() - a blank function: all registers zero and read-only.
 * @cfg_size: 256 (conventional) or 4096 (PCI Express).
 * Return: the function, or NULL (bad size, no memory).
 */
struct pcl_emu_fn *pcl_emu_fn_new(unsigned int cfg_size);
/**
 * pcl_emu_fn_get()/pcl_emu_fn_free() - take / drop a reference.  A new
 * function has one (its creator's, then its slot's); the PCI core's
 * device takes another.  The last drop frees it.  Context: any but
 * hard-IRQ.
 */
struct pcl_emu_fn *pcl_emu_fn_get(struct pcl_emu_fn *fn);
void pcl_emu_fn_free(struct pcl_emu_fn *fn);
void pcl_emu_set_model(struct pcl_emu_fn *fn,
		       const struct pcl_emu_model_ops *ops, void *model);
void *pcl_emu_model(struct pcl_emu_fn *fn);

/**
 * pcl_emu_init_header() - ids, class and header type, with the standard
 * writable bits of a type 0 or type 1 header (command, status RW1C bits,
 * cache line, latency, interrupt line; bus numbers and windows for
 * bridges).
 */
void pcl_emu_init_header(struct pcl_emu_fn *fn, uint16_t vendor,
			 uint16_t device, uint32_t class_rev, uint8_t hdr_type);
void pcl_emu_set_subsystem(struct pcl_emu_fn *fn, uint16_t vendor,
			   uint16_t device);
void pcl_emu_set_irq_pin(struct pcl_emu_fn *fn, uint8_t pin);

/**
 * pcl_emu_add_bar() - a BAR of @size bytes (a power of two; 64-bit BARs
 * use @bar and @bar + 1).  The base register answers the sizing protocol:
 * writing all ones reads back the size mask.  Memory BARs get @size bytes
 * of backing store the model may use (pcl_emu_bar_mem()).
 * Return: 0, -EINVAL (bad index, size or kind), -ENOMEM.
 */
int pcl_emu_add_bar(struct pcl_emu_fn *fn, int bar, uint64_t size,
		    unsigned int kind);
uint64_t pcl_emu_bar_size(struct pcl_emu_fn *fn, int bar);
/**
 * pcl_emu_add_rom() - an expansion ROM BAR of @size bytes (a power of two,
 * 2 KiB to 16 MiB) at PCI_ROM_ADDRESS (type 0 header) or PCI_ROM_ADDRESS1
 * (type 1): its address bits and enable bit are writable, so it answers
 * the sizing protocol.  The ROM's contents are not emulated.
 * Return: 0, or -EINVAL (bad size, a ROM already, no ROM register).
 */
int pcl_emu_add_rom(struct pcl_emu_fn *fn, uint64_t size);
unsigned int pcl_emu_bar_kind(struct pcl_emu_fn *fn, int bar);
uint8_t *pcl_emu_bar_mem(struct pcl_emu_fn *fn, int bar);

/* Raw register and mask setters, for models and the dump loader. */
void pcl_emu_set(struct pcl_emu_fn *fn, unsigned int off, unsigned int size,
		 uint32_t val);
void pcl_emu_set_wmask(struct pcl_emu_fn *fn, unsigned int off,
		       unsigned int size, uint32_t mask);
void pcl_emu_set_w1cmask(struct pcl_emu_fn *fn, unsigned int off,
			 unsigned int size, uint32_t mask);

/**
 * pcl_emu_add_cap() - link a standard capability of @size bytes into the
 * list (after the last one).  Return: its offset, or -ENOSPC.
 */
int pcl_emu_add_cap(struct pcl_emu_fn *fn, uint8_t id, unsigned int size);
/** pcl_emu_add_ext_cap() - an extended capability (4 KiB space only). */
int pcl_emu_add_ext_cap(struct pcl_emu_fn *fn, uint16_t id, uint8_t ver,
			unsigned int size);

/* Capability builders.  Return: the capability's offset, or -errno. */
int pcl_emu_add_pm(struct pcl_emu_fn *fn);
/* @log2_vecs: 0..5; @is64: 64-bit address; @maskbit: per-vector masking */
int pcl_emu_add_msi(struct pcl_emu_fn *fn, unsigned int log2_vecs, bool is64,
		    bool maskbit);
/* Table and PBA must fit in memory BARs already added. */
int pcl_emu_add_msix(struct pcl_emu_fn *fn, unsigned int nvec, int table_bar,
		     uint32_t table_off, int pba_bar, uint32_t pba_off);
/* @type: PCI_EXP_TYPE_*; @flr: function-level reset capable */
int pcl_emu_add_pcie(struct pcl_emu_fn *fn, unsigned int type, bool flr);
int pcl_emu_add_aer(struct pcl_emu_fn *fn);
int pcl_emu_add_dsn(struct pcl_emu_fn *fn, uint64_t serial);

/**
 * pcl_emu_seal() - building is done: the current registers become the
 * power-on state a function-level reset restores.  The write masks and
 * the power-on image are then shared with every function built the same
 * way and read-only (pcl_emu_set_wmask()/_w1cmask() do nothing); a
 * function keeps its own registers.  Memory BARs get their backing store
 * at first use.  Sealing twice does nothing.
 */
void pcl_emu_seal(struct pcl_emu_fn *fn);

/* ---- using a function (any thread, any context: never sleeps) ---- */

unsigned int pcl_emu_cfg_size(struct pcl_emu_fn *fn);
/**
 * pcl_emu_cfg_read() - read 1, 2 or 4 bytes at @off (naturally aligned,
 * inside config space; otherwise all ones).  A removed function reads all
 * ones.
 */
uint32_t pcl_emu_cfg_read(struct pcl_emu_fn *fn, unsigned int off,
			  unsigned int size);
/**
 * pcl_emu_cfg_write() - the one write path: per byte, bits outside the
 * write mask keep their value, write-1-to-clear bits written as 1 clear;
 * then the side effects of the registers the write overlaps (FLR, MSI-X
 * enable, ...) and the model's cfg_written hook.  Dropped if removed.
 */
void pcl_emu_cfg_write(struct pcl_emu_fn *fn, unsigned int off,
		       unsigned int size, uint32_t val);
/** pcl_emu_cfg_copy() - a consistent copy of the whole config space. */
void pcl_emu_cfg_copy(struct pcl_emu_fn *fn, uint8_t *buf);

/* MMIO through a BAR; all ones / dropped when removed or out of range. */
uint64_t pcl_emu_mmio_read(struct pcl_emu_fn *fn, int bar, uint64_t off,
			   unsigned int size);
void pcl_emu_mmio_write(struct pcl_emu_fn *fn, int bar, uint64_t off,
			unsigned int size, uint64_t val);

/** pcl_emu_surprise_remove() - the hardware is gone, from now on. */
void pcl_emu_surprise_remove(struct pcl_emu_fn *fn);
bool pcl_emu_is_removed(struct pcl_emu_fn *fn);
/**
 * pcl_emu_power() - slot power: off, the function is absent (as after a
 * surprise removal); on, it comes back from a cold reset (config space
 * at its power-on values, BARs unassigned, MSI-X entries masked).
 * Context: any but hard-IRQ.
 */
void pcl_emu_power(struct pcl_emu_fn *fn, bool on);
/** pcl_emu_flr_count() - function-level resets performed so far. */
unsigned long pcl_emu_flr_count(struct pcl_emu_fn *fn);
/** pcl_emu_find_cap() - offset of standard capability @id, or 0.  Bounded
 * walk: a looping or out-of-range list ends the search. */
unsigned int pcl_emu_find_cap(struct pcl_emu_fn *fn, uint8_t id);

/* ---- interrupts the function raises ---- */

/*
 * Where the function's interrupts go: MSI/MSI-X messages are memory
 * writes (@msi: address, data, requester ID) and INTx is a wire (@intx:
 * pin 1-4 asserted or not).  Set by whoever plugs the function in.
 */
struct pcl_emu_irq_sink {
	void (*msi)(void *ctx, uint64_t addr, uint32_t data, uint16_t rid);
	void (*intx)(void *ctx, unsigned int pin, bool asserted, uint16_t rid);
	void *ctx;
	uint16_t rid;		/* requester ID: bus << 8 | devfn */
};
void pcl_emu_set_irq_sink(struct pcl_emu_fn *fn,
			  const struct pcl_emu_irq_sink *sink);

/**
 * pcl_emu_raise() - the function signals interrupt @vector, as hardware
 * does: through MSI-X entry @vector if MSI-X is enabled (a masked entry or
 * function mask sets its pending bit instead, and it fires on unmask);
 * else MSI message @vector (data | vector; per-vector mask and pending
 * bits likewise); else an INTx pulse on its pin unless COMMAND's
 * INTx-disable is set (PCI_STATUS.INTERRUPT records it).
 * Context: any.  Return: 0 sent, 1 held pending (masked), -ENODEV nothing
 * to send (removed, no such vector, bus mastering off for MSI, INTx
 * disabled).
 */
int pcl_emu_raise(struct pcl_emu_fn *fn, unsigned int vector);
/**
 * pcl_emu_vmd_doorbell() - a message written to a VMD-like bridge's MSI
 * window (it is the MSI target of the bus behind it): address bits 14:12
 * pick the bridge's own MSI-X vector, the data (the child's event) is
 * queued in that vector's event FIFO (BAR0 + 0x1000 + 4 * vector; a read
 * pops one, all ones when empty), and the vector is raised.
 * Return: as pcl_emu_raise(), or -ENOSPC if the FIFO is full (dropped).
 */
int pcl_emu_vmd_doorbell(struct pcl_emu_fn *fn, uint64_t addr, uint32_t data);
#define PCL_VMD_MSI_BASE	0xfee10000ull	/* + (vector << 12) */
#define PCL_VMD_FIFO		0x1000		/* BAR0: 4 bytes per vector */

/* The Switchtec-like mailbox (BAR0 offsets). */
#define PCL_SWT_PAYLOAD		1024
#define PCL_SWT_INPUT		0x0000
#define PCL_SWT_OUTPUT		0x0400
#define PCL_SWT_CMD		0x0800
#define PCL_SWT_STATUS		0x0804
#define PCL_SWT_RET		0x0808
#define  PCL_SWT_STATUS_IDLE		0x0
#define  PCL_SWT_STATUS_INPROGRESS	0x1
#define  PCL_SWT_STATUS_DONE		0x2
#define  PCL_SWT_STATUS_ERROR		0xff
#define  PCL_SWT_STATUS_INTERRUPTED	0x100
#define PCL_SWT_CMD_ABORT	0xffffffffu	/* written to CMD: abort */

/**
 * pcl_emu_firmware() - the function's firmware acts: for "switchtec",
 * "complete" finishes the command in progress (output written, status
 * done, MSI-X vector 0 raised) and "fail" fails it.
 * Return: 0, -EOPNOTSUPP (the model has no firmware), -ENOENT (no such
 * event), -EBUSY (nothing in progress), -ENODEV (removed).
 */
int pcl_emu_firmware(struct pcl_emu_fn *fn, const char *event);

/** pcl_emu_messages() - messages and INTx pulses sent so far. */
unsigned long pcl_emu_messages(struct pcl_emu_fn *fn);

/* ---- built-in device models ---- */

/**
 * pcl_emu_model_new() - a new function of a built-in model:
 *   "nvme"    NVMe controller: PCIe endpoint with FLR, PM, MSI (1 vector),
 *             MSI-X (32 vectors, table and PBA in BAR0), AER, DSN;
 *             64-bit BAR0 16 KiB;
 *   "ahci"    SATA AHCI controller: conventional PCI, PM, MSI (1 vector,
 *             64-bit, maskable), INTx pin A, BAR5 (ABAR) 8 KiB + legacy
 *             I/O BARs 0-4;
 *   "nic"     Ethernet controller: PCIe with FLR, PM, MSI (4 vectors),
 *             MSI-X (8 vectors in BAR3), AER; BAR0 128 KiB, BAR3 16 KiB;
 *   "legacy"  a conventional PCI function with only INTx and an I/O BAR;
 *   "bridge"  a PCIe root port (type 1 header) with PM and MSI;
 *   "vmd"     a VMD-like bridge: PCIe, MSI-X (8 vectors) in BAR0, and per
 *             vector an event FIFO the bus behind it fills
 *             (pcl_emu_vmd_doorbell());
 *   "switchtec" a Switchtec-like management endpoint: PCIe, MSI-X (4
 *             vectors) and a command mailbox in BAR0 served by
 *             "firmware" (pcl_emu_firmware()).
 * Return: the function (sealed), or NULL for an unknown model.
 */
struct pcl_emu_fn *pcl_emu_model_new(const char *model);
/** pcl_emu_model_names() - the list above, space separated. */
const char *pcl_emu_model_names(void);

/* ---- config-space dumps ---- */

/* One function found in a dump. */
struct pcl_dump_fn {
	char slot[16];		/* "00:03.0" or "0000:00:03.0" as written */
	char desc[256];		/* the rest of the slot line ("" if binary) */
	unsigned int domain, bus, dev, func;
	unsigned int size;	/* bytes present: 64, 256 or 4096 */
	unsigned int line;	/* line of the "00:" hex line; 0 if binary */
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	/*
	 * BAR sizes in bytes, set by the caller before
	 * pcl_emu_fn_from_dump() when it knows them (sysfs `resource`,
	 * `plug ... barN=`); 0: inferred from the address's alignment.
	 * rom_size likewise; 0: the ROM register stays as dumped, read-only.
	 */
	uint64_t bar_size[6];
	uint64_t rom_size;
};

/**
 * pcl_dump_load() - parse @path: `lspci -x`, `-xxx` or `-xxxx` text (one or
 * more functions), or a binary config-space file as sysfs gives it (64,
 * 256 or 4096 bytes; one function, slot "00:00.0").
 * @fns: *@fns is set to a malloc'd array of *@n functions (free() it).
 * @err: where an error goes, as "FILE:LINE: offset 0xOFF: what".
 * Return: 0, -EINVAL (malformed; nothing returned), -ENOENT/-EIO (file).
 */
int pcl_dump_load(const char *path, struct pcl_dump_fn **fns, unsigned int *n,
		  FILE *err);

/**
 * pcl_dump_parse() - parse @len bytes of `lspci -x/-xxx/-xxxx` text held
 * in memory (a here-document in a scenario), as pcl_dump_load() parses a
 * file.  @where and @first_line name the text in messages: its first line
 * is line @first_line of @where.
 * Return: 0, -EINVAL (malformed; nothing returned), -ENOMEM.
 */
int pcl_dump_parse(const char *where, unsigned int first_line,
		   const char *buf, size_t len, struct pcl_dump_fn **fns,
		   unsigned int *n, FILE *err);

/**
 * pcl_emu_fn_from_dump() - an emulated function with @d's registers, its
 * capability chain checked (a loop or a pointer outside config space is an
 * error), and write masks inferred for the standard header and the
 * capabilities pcilab knows (PM, MSI, MSI-X, PCIe, AER, DSN).  A BAR's
 * size is @d->bar_size[] if given (a power of two the address is aligned
 * to; a BAR whose register is zero is then a 32-bit memory BAR not yet
 * placed); otherwise the largest the base address allows (its
 * alignment), at most 1 GiB, at least 4 KiB for memory and 256 bytes for
 * I/O.  A 64-byte dump (what sysfs gives a reader without CAP_SYS_ADMIN)
 * says nothing of the capabilities: the function gets none (its Status
 * "Capabilities List" bit and pointer are cleared).
 * @where: the dump's file name, for messages.  Return: 0 or -EINVAL after
 * a message on @err naming @where, the function and the offset.
 */
int pcl_emu_fn_from_dump(const struct pcl_dump_fn *d, const char *where,
			 FILE *err, struct pcl_emu_fn **out);

/**
 * pcl_dump_write() - write @fn as `lspci -xxxx` does: the header line
 * "@slot @desc", then 16 bytes per line ("%02x: " below 0x100, "%03x: "
 * above), @bytes of them (64, 256 or 4096), then a blank line.
 */
void pcl_dump_write(FILE *f, const char *slot, const char *desc,
		    const uint8_t *cfg, unsigned int bytes);

#endif /* PCILAB_EMU_H */
