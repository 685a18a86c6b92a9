/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/pci.h - the PCI core: host bridges with their config accessors
 * (lockless or serialised), buses and enumeration, struct pci_dev and
 * struct pci_driver, config-access blocking, enable/disable, bus
 * mastering, INTx control, regions and MMIO mappings (managed and not),
 * capabilities, state save/restore, function reset and power states, and
 * the residue checker.
 *
 * Field tags as in base.h: [owner], [driver], [ro], [private].
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_PCI_H
#define PCILAB_PCI_H

#include <pcilab/base.h>
#include <pcilab/emu.h>
#include <pcilab/irq.h>
#include <pcilab/pci_regs.h>

struct pci_bus;
struct pci_dev;
struct pcl_emu_bus;

/* Return values of the bus config accessors, as in Linux. */
#define PCIBIOS_SUCCESSFUL		0x00
#define PCIBIOS_FUNC_NOT_SUPPORTED	0x81
#define PCIBIOS_BAD_REGISTER_NUMBER	0x87
#define PCIBIOS_DEVICE_NOT_FOUND	0x86
/** pcibios_err_to_errno() - a PCIBIOS_* value as a negative errno. */
int pcibios_err_to_errno(int err);

#define PCI_DEVFN(slot, func)	((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 0x07)

/* ------------------------------------------------------------------ */
/* Host bridges                                                         */
/* ------------------------------------------------------------------ */

/* Raw config access of one host bridge (ECAM, port I/O, ...). */
struct pci_ops {
	int (*read)(struct pci_bus *bus, unsigned int devfn, int where,
		    int size, uint32_t *val);
	int (*write)(struct pci_bus *bus, unsigned int devfn, int where,
		     int size, uint32_t val);
};

enum pcl_host_kind {
	PCL_HOST_ECAM,	/* memory-mapped: one access is one transaction,
			 * no lock needed (CONFIG_PCI_LOCKLESS_CONFIG) */
	PCL_HOST_CONF1,	/* port I/O 0xcf8/0xcfc: address then data, two
			 * steps that must not interleave: serialised */
};

struct pci_host_bridge {
	char name[32];						/* [ro] */
	enum pcl_host_kind kind;				/* [ro] */
	int domain;						/* [ro] */
	const struct pci_ops *ops;				/* [ro] */
	struct pci_bus *bus;		/* root bus */		/* [ro] */
	/* [private] */
	spinlock_t cfg_lock;		/* serialises ops for CONF1 (the
					 * kernel's pci_lock); a leaf, legal
					 * in hard-IRQ context */
	struct pcl_emu_bus *hw;		/* the emulated buses behind */
	uint8_t cf8_bus, cf8_devfn;	/* CONF1 address latch, under
					 * cfg_lock */
	uint16_t cf8_where;
	uint64_t mem_next, io_next;	/* BAR address allocator */
	uint64_t mem32_next;		/* 32-bit BARs mem_next cannot place */
	struct pcl_its *its;		/* the MSI controller */
	char its_name[48], intx_name[48];
	/* A host bridge made by a driver (a VMD-like bridge): its MSI
	 * parent and where its devices' messages go; NULL: the ITS. */
	struct pcl_msi_parent *msi_parent;
	void (*msi_write)(void *ctx, uint64_t addr, uint32_t data, uint16_t rid);
	void *msi_ctx;
	bool owned;			/* removed by its owner, not by teardown */
	struct pcl_intx_ctl *intx;	/* the INTx controller: 4 lines */
	struct list_head routes;	/* per function: where INTx goes */
	uint8_t next_busnr;		/* bump allocator; 0: none left */
	struct list_head node;
};

/* ------------------------------------------------------------------ */
/* Buses and devices                                                    */
/* ------------------------------------------------------------------ */

struct pci_bus {
	struct pci_host_bridge *host;				/* [ro] */
	struct pci_bus *parent;					/* [ro] */
	struct pci_dev *self;	/* the bridge leading here */	/* [ro] */
	uint8_t number;						/* [ro] */
	/* [private] */
	struct list_head devices;	/* under pci_bus_sem */
	struct list_head children;
	struct list_head node;
	struct pcl_emu_bus *hw;
	uint8_t busn_end;		/* the last bus number behind */
	uint8_t bridge_devfn;		/* where the bridge to it sits */
	uint8_t fw_end;			/* the firmware's last bus number
					 * behind, if it kept them; 0: none */
};

#define PCI_STD_NUM_BARS	6	/* resource[0..5]: the BARs */
#define PCI_ROM_RESOURCE	6	/* resource[6]: the expansion ROM */
#define PCI_NUM_RESOURCES	7

struct resource {
	uint64_t start, end;					/* [ro] */
	unsigned long flags;					/* [ro] */
	const char *name;	/* who requested it, or NULL */	/* [ro] */
};
#define IORESOURCE_IO		0x00000100
#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_PREFETCH	0x00002000
#define IORESOURCE_READONLY	0x00004000
#define IORESOURCE_MEM_64	0x00100000

typedef int pci_power_t;
#define PCI_D0		0
#define PCI_D1		1
#define PCI_D2		2
#define PCI_D3hot	3
#define PCI_D3cold	4
#define PCI_UNKNOWN	5

struct pcl_residue;

struct pci_dev {
	struct device dev;					/* [ro] */
	struct pci_bus *bus;					/* [ro] */
	unsigned int devfn;					/* [ro] */
	uint16_t vendor, device;				/* [ro] */
	uint16_t subsystem_vendor, subsystem_device;		/* [ro] */
	uint32_t class;		/* base << 16 | sub << 8 | prog-if */
	uint8_t revision, hdr_type, pin;			/* [ro] */
	int cfg_size;						/* [ro] */
	uint8_t msi_cap, msix_cap, pm_cap, pcie_cap;		/* [ro] */
	struct resource resource[PCI_NUM_RESOURCES];		/* [ro] */
	pci_power_t current_state;				/* [ro] */

	/* [private] core state; per-binding fields are reset at unbind */
	atomic_t enable_cnt;
	bool is_busmaster;		/* per-binding */
	bool is_managed;		/* per-binding: pcim_enable_device() */
	bool state_saved;
	struct rw_semaphore cfg_access;	/* held for write while config
					 * access is blocked (reset, D-state
					 * change); user accessors take it
					 * for read.  Outside device_lock. */
	uint32_t saved_config[16];
	uint16_t saved_pcie_devctl;
	struct pcl_residue *residue;	/* the pre-probe snapshot */
	unsigned int irq;		/* INTx: the line's virq, or 0 */
	unsigned int irq_type;		/* PCI_IRQ_* of the vectors, or 0 */
	unsigned int nvec;		/* vectors allocated */
	struct list_head bus_list;	/* on bus->devices */
	struct pcl_emu_fn *hw;		/* the emulated function (a reference):
					 * valid as long as this struct */
	bool no_msi;			/* quirk: never use MSI/MSI-X */
	unsigned int live_iomaps;	/* under the iomap lock */
	bool pm_by_driver;		/* the last D-state change was made
					 * from the bound driver's code */
	_Atomic bool disconnected;	/* the hardware is gone: config
					 * accessors return all ones without
					 * a bus cycle (error_state perm failure) */
};

#define to_pci_dev(d)		container_of((d), struct pci_dev, dev)
#define pci_name(pdev)		dev_name(&(pdev)->dev)
#define pci_resource_start(p, b) ((p)->resource[(b)].start)
#define pci_resource_len(p, b)	 ((p)->resource[(b)].end ? \
	(p)->resource[(b)].end - (p)->resource[(b)].start + 1 : 0)
#define pci_resource_flags(p, b) ((p)->resource[(b)].flags)
static inline void *pci_get_drvdata(struct pci_dev *pdev)
{
	return dev_get_drvdata(&pdev->dev);
}
static inline void pci_set_drvdata(struct pci_dev *pdev, void *data)
{
	dev_set_drvdata(&pdev->dev, data);
}
static inline bool pci_is_enabled(struct pci_dev *pdev)
{
	return atomic_read(&pdev->enable_cnt) > 0;
}

extern struct bus_type pci_bus_type;

/* ------------------------------------------------------------------ */
/* Drivers                                                              */
/* ------------------------------------------------------------------ */

#define PCI_ANY_ID	(~0u)

struct pci_device_id {
	uint32_t vendor, device;
	uint32_t subvendor, subdevice;
	uint32_t class, class_mask;
	unsigned long driver_data;
};
#define PCI_DEVICE(v, d) \
	.vendor = (v), .device = (d), .subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID
#define PCI_DEVICE_CLASS(c, m) \
	.vendor = PCI_ANY_ID, .device = PCI_ANY_ID, .subvendor = PCI_ANY_ID, \
	.subdevice = PCI_ANY_ID, .class = (c), .class_mask = (m)

struct pci_driver {
	const char *name;					/* [owner] */
	const struct pci_device_id *id_table;	/* ends with {0} */
	int (*probe)(struct pci_dev *pdev, const struct pci_device_id *id);
	void (*remove)(struct pci_dev *pdev);
	struct device_driver driver;				/* [private] */
};
#define to_pci_driver(d)	container_of((d), struct pci_driver, driver)

int pci_register_driver(struct pci_driver *drv);
void pci_unregister_driver(struct pci_driver *drv);
const struct pci_device_id *pci_match_id(const struct pci_device_id *ids,
					 struct pci_dev *pdev);

#define module_pci_driver(drv, text)					\
	static int drv##_init(void) { return pci_register_driver(&drv); } \
	static void drv##_exit(void) { pci_unregister_driver(&drv); }	\
	PCL_MODULE(drv##_module, (drv).name, text, drv##_init, drv##_exit)

/* ------------------------------------------------------------------ */
/* Config space                                                         */
/* ------------------------------------------------------------------ */

/*
 * Bus accessors: through the host bridge's ops, under its cfg_lock when
 * the bridge needs serialising.  Context: any (they never sleep).
 * Return: PCIBIOS_*; a failed read yields all ones.
 */
int pci_bus_read_config_byte(struct pci_bus *bus, unsigned int devfn, int where, uint8_t *val);
int pci_bus_read_config_word(struct pci_bus *bus, unsigned int devfn, int where, uint16_t *val);
int pci_bus_read_config_dword(struct pci_bus *bus, unsigned int devfn, int where, uint32_t *val);
int pci_bus_write_config_byte(struct pci_bus *bus, unsigned int devfn, int where, uint8_t val);
int pci_bus_write_config_word(struct pci_bus *bus, unsigned int devfn, int where, uint16_t val);
int pci_bus_write_config_dword(struct pci_bus *bus, unsigned int devfn, int where, uint32_t val);

/* Device accessors (kernel drivers).  Context: any. */
int pci_read_config_byte(const struct pci_dev *dev, int where, uint8_t *val);
int pci_read_config_word(const struct pci_dev *dev, int where, uint16_t *val);
int pci_read_config_dword(const struct pci_dev *dev, int where, uint32_t *val);
int pci_write_config_byte(const struct pci_dev *dev, int where, uint8_t val);
int pci_write_config_word(const struct pci_dev *dev, int where, uint16_t val);
int pci_write_config_dword(const struct pci_dev *dev, int where, uint32_t val);

/*
 * User accessors (the sysfs "config" file, vfio): they wait - not fail -
 * while the device's config access is blocked, except in the thread that
 * blocked it.  Context: process.  Return: 0 or -errno.
 */
int pci_user_read_config_byte(struct pci_dev *dev, int where, uint8_t *val);
int pci_user_read_config_word(struct pci_dev *dev, int where, uint16_t *val);
int pci_user_read_config_dword(struct pci_dev *dev, int where, uint32_t *val);
int pci_user_write_config_byte(struct pci_dev *dev, int where, uint8_t val);
int pci_user_write_config_word(struct pci_dev *dev, int where, uint16_t val);
int pci_user_write_config_dword(struct pci_dev *dev, int where, uint32_t val);

/*
 * Blocking user config access (an rw_semaphore held for write).  Context:
 * process.  The blocking thread itself may still use the user accessors.
 */
void pci_cfg_access_lock(struct pci_dev *dev);
bool pci_cfg_access_trylock(struct pci_dev *dev);
void pci_cfg_access_unlock(struct pci_dev *dev);

/*
 * Capabilities: bounded walks (48 entries, as Linux); a looping list ends
 * the walk.  Context: any.  Return: the capability's offset, or 0.
 */
uint8_t pci_find_capability(struct pci_dev *dev, int cap);
/** pci_find_next_capability() - the next @cap after the one at @pos. */
uint8_t pci_find_next_capability(struct pci_dev *dev, uint8_t pos, int cap);
uint16_t pci_find_ext_capability(struct pci_dev *dev, int cap);

/* ------------------------------------------------------------------ */
/* Enabling, bus mastering, INTx                                        */
/* ------------------------------------------------------------------ */

/** pci_enable_device() - count an enable; the first turns on decoding of
 * the BARs the device has and puts it in D0.  Context: process. */
int pci_enable_device(struct pci_dev *dev);
/** pci_disable_device() - drop an enable; the last clears bus mastering. */
void pci_disable_device(struct pci_dev *dev);
/**
 * pcim_enable_device() - pci_enable_device(), undone at unbind.  Marks the
 * device managed for this binding only (reset at unbind).  It does not
 * make any other call "managed": there are no hybrid functions in pcilab.
 */
int pcim_enable_device(struct pci_dev *dev);
void pci_set_master(struct pci_dev *dev);
void pci_clear_master(struct pci_dev *dev);
/**
 * pci_intx() - enable (@enable 1) or disable INTx in the command register.
 * Pure: a config read-modify-write, no allocation, no devres, legal in any
 * context including hard-IRQ with spinlocks held.
 */
void pci_intx(struct pci_dev *dev, int enable);
/**
 * pcim_intx() - pci_intx() that is undone at unbind: the first call of a
 * binding records the INTx state it finds in the hardware, and unbind
 * restores exactly that.  Context: process (it allocates).  Return: 0 or
 * -ENOMEM / -ENODEV (no binding).
 */
int pcim_intx(struct pci_dev *dev, int enable);

/* ------------------------------------------------------------------ */
/* Regions and MMIO                                                     */
/* ------------------------------------------------------------------ */

#define __iomem

/** pci_request_region() - claim BAR @bar for @name.  Return: 0 (also for
 * an unimplemented BAR, as Linux), -EBUSY if claimed, -EINVAL bad BAR. */
int pci_request_region(struct pci_dev *dev, int bar, const char *name);
void pci_release_region(struct pci_dev *dev, int bar);
int pci_request_regions(struct pci_dev *dev, const char *name);
void pci_release_regions(struct pci_dev *dev);
/** pcim_request_region() - released at unbind. */
int pcim_request_region(struct pci_dev *dev, int bar, const char *name);

/**
 * pci_iomap() - map @maxlen bytes (0: all) of BAR @bar.  The address is
 * for readl() and friends only; dereferencing it faults.  Return: NULL if
 * the BAR is empty.  Context: process.
 */
void __iomem *pci_iomap(struct pci_dev *dev, int bar, unsigned long maxlen);
/** pci_iounmap() - after this, an access through the address is reported
 * ("use-after-revoke") and reads all ones. */
void pci_iounmap(struct pci_dev *dev, void __iomem *addr);
/** pcim_iomap_region() - request and map BAR @bar, both undone at unbind.
 * Return: the mapping or ERR_PTR(-EBUSY / -EINVAL / -ENOMEM). */
void __iomem *pcim_iomap_region(struct pci_dev *dev, int bar, const char *name);
/** pcim_iounmap_region() - undo pcim_iomap_region() now. */
void pcim_iounmap_region(struct pci_dev *dev, int bar);

uint8_t readb(const volatile void __iomem *addr);
uint16_t readw(const volatile void __iomem *addr);
uint32_t readl(const volatile void __iomem *addr);
uint64_t readq(const volatile void __iomem *addr);
void writeb(uint8_t val, volatile void __iomem *addr);
void writew(uint16_t val, volatile void __iomem *addr);
void writel(uint32_t val, volatile void __iomem *addr);
void writeq(uint64_t val, volatile void __iomem *addr);

/* ------------------------------------------------------------------ */
/* Interrupt vectors                                                    */
/* ------------------------------------------------------------------ */

#define PCI_IRQ_INTX		0x1
#define PCI_IRQ_MSI		0x2
#define PCI_IRQ_MSIX		0x4
#define PCI_IRQ_ALL_TYPES	(PCI_IRQ_INTX | PCI_IRQ_MSI | PCI_IRQ_MSIX)

/**
 * pci_alloc_irq_vectors() - between @min and @max vectors, trying MSI-X,
 * then MSI (a power-of-two block), then INTx (one), as @flags allow.  The
 * device must be enabled (its MSI-X table is behind a BAR).  The first
 * use creates the device's MSI domain (msi_prepare, once).  Nothing
 * becomes managed by a side effect: pcim_alloc_irq_vectors() is the
 * managed form.  Context: process.  Return: the number allocated, or
 * -ENOSPC (fewer than @min possible), -EINVAL, -EBUSY (already allocated).
 */
int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned int min,
			  unsigned int max, unsigned int flags);
int pcim_alloc_irq_vectors(struct pci_dev *dev, unsigned int min,
			   unsigned int max, unsigned int flags);
/**
 * pci_no_msi() - the "pci=nomsi" boot option: no device uses MSI or
 * MSI-X from now on (until pcl_pci_msi_allow()).  Per device, the
 * no_msi quirk does the same.
 */
void pci_no_msi(void);
void pcl_pci_msi_allow(void);
/**
 * pci_msix_vec_count() - the size of the device's MSI-X table;
 * pci_msi_vec_count() - the vectors its MSI capability can ask for.
 * Context: any that may read config space.  Return: the count, or
 * -EINVAL if the device has no such capability.
 */
int pci_msix_vec_count(struct pci_dev *dev);
int pci_msi_vec_count(struct pci_dev *dev);
/** pci_irq_vector() - the Linux IRQ number of vector @nr, or -EINVAL. */
int pci_irq_vector(struct pci_dev *dev, unsigned int nr);
/**
 * pci_free_irq_vectors() - free them, disable MSI/MSI-X and re-enable INTx
 * with the pure pci_intx().  Refused, with a report ("irq-free"), while any
 * vector still has a handler (seed 001).  The MSI domain stays until the
 * device's binding ends.  Return: 0 or -EBUSY.
 */
int pci_free_irq_vectors(struct pci_dev *dev);
/** pcl_pci_raise() - the device signals vector @nr (see pcl_emu_raise()). */
int pcl_pci_raise(struct pci_dev *dev, unsigned int nr);

/* ------------------------------------------------------------------ */
/* State, reset, power                                                  */
/* ------------------------------------------------------------------ */

int pci_save_state(struct pci_dev *dev);
void pci_restore_state(struct pci_dev *dev);
/** pcie_flr() - function-level reset, then the 100 ms wait (modelled).
 * The caller blocks config access.  Return: 0, -ENOTTY (not capable). */
int pcie_flr(struct pci_dev *dev);
/**
 * pci_reset_function() - with the device lock (as Linux's pci_dev_lock()):
 * save state, block config access, reset, restore, unblock.  Other
 * threads' user accesses wait meanwhile; this thread's do not.  Holding
 * the device lock keeps a bind or unbind from running in the middle (the
 * restore would write back a binding's state after it ended).
 * Context: process, not holding the device lock (a driver resetting its
 * own device from a file operation uses pci_try_reset_function(): its
 * unbind may hold the lock while it waits for that file operation).
 * Return: 0 or -ENOTTY.
 */
int pci_reset_function(struct pci_dev *dev);
/** pci_reset_function_locked() - the caller holds the device lock. */
int pci_reset_function_locked(struct pci_dev *dev);
/** pci_try_reset_function() - -EAGAIN if the device lock is busy. */
int pci_try_reset_function(struct pci_dev *dev);
/** pci_set_power_state() - D0 or D3hot, with the transition delays
 * modelled and config access blocked meanwhile.  Return: 0, -EIO (no PM),
 * -EINVAL. */
int pci_set_power_state(struct pci_dev *dev, pci_power_t state);

/**
 * pcl_pci_delay_scale() - the modelled delays (FLR 100 ms, D3hot 10 ms)
 * are slept for real, divided by @div (default 100: 1 ms and 100 us), so
 * threaded tests see real blocking without slow runs.
 */
void pcl_pci_set_delay_divisor(unsigned int div);

/* ------------------------------------------------------------------ */
/* The emulated machine                                                 */
/* ------------------------------------------------------------------ */

/**
 * pcl_pci_host_new() - a host bridge over an empty emulated root bus.
 * Return: the bridge or ERR_PTR(-ENOMEM / -EEXIST).
 */
struct pci_host_bridge *pcl_pci_host_new(const char *name,
					 enum pcl_host_kind kind, int domain);
struct pci_host_bridge *pcl_pci_host_find(const char *name);
/**
 * pcl_pci_set_conf1_window() - whether a CONF1 access yields the CPU
 * between its address and data steps (default on: it makes an
 * unserialised access race visibly; benchmarks turn it off).
 */
void pcl_pci_set_conf1_window(bool on);
/**
 * pcl_pci_plug() - put emulated function @fn in slot @devfn of the
 * emulated bus @on (NULL: the root bus of @host).  If @fn is a type 1
 * bridge, it gets an emulated secondary bus: pcl_pci_child_bus().
 * The machine owns @fn from now on.  Return: 0, -EBUSY (slot taken),
 * -EINVAL.
 */
int pcl_pci_plug(struct pci_host_bridge *host, struct pcl_emu_bus *on,
		 unsigned int devfn, struct pcl_emu_fn *fn);
struct pcl_emu_bus *pcl_pci_child_bus(struct pci_host_bridge *host,
				      struct pcl_emu_bus *on, unsigned int devfn);
/**
 * pcl_pci_scan() - enumerate what is plugged behind @host and not yet
 * known: number the bridges, size and place the BARs, and add the new
 * devices (drivers bind).  Return: the number of devices added.
 */
int pcl_pci_scan(struct pci_host_bridge *host);

/* ------------------------------------------------------------------ */
/* Hot-plug                                                             */
/* ------------------------------------------------------------------ */

/** pci_dev_is_disconnected() - did the hardware vanish under @dev? */
static inline bool pci_dev_is_disconnected(const struct pci_dev *dev)
{
	return atomic_load(&((struct pci_dev *)dev)->disconnected);
}
/**
 * pci_stop_and_remove_bus_device() - orderly removal: everything behind
 * @dev (if a bridge) first, deepest first; then @dev's driver is removed
 * and the device deleted.  The hardware stays in its slot: a rescan adds
 * it again.  Safe against concurrent user config access (readers holding
 * a reference keep a valid struct), interrupts in flight (freed with the
 * binding) and open char devices (their driver's fence).
 * Context: process.  Return: 0, or -ENODEV if already removed.
 */
int pci_stop_and_remove_bus_device(struct pci_dev *dev);
/**
 * pcl_pci_surprise_remove() - the card is pulled: the hardware of @dev
 * and of everything behind it vanishes first (reads all ones, writes and
 * MSI messages dropped, the slot is empty), the devices are marked
 * disconnected, then the core removes them as above: each driver's
 * remove() runs on a dead device.  Context: process.  Return: 0/-ENODEV.
 */
int pcl_pci_surprise_remove(struct pci_dev *dev);
/**
 * pcl_pci_slot_power() - slot @devfn of bus @busnr on @host: off removes
 * its devices (orderly, as pciehp does after the attention button) and
 * cuts power; on powers the function up from a cold reset and scans, so
 * drivers bind.  Return: 0, -ENOENT (empty slot), -EALREADY.
 */
int pcl_pci_slot_power(struct pci_host_bridge *host, uint8_t busnr,
		       unsigned int devfn, bool on);
/**
 * pcl_pci_host_new_child() - a host bridge a driver creates for the bus
 * behind its device (a VMD-like bridge): its devices' MSI domains go under
 * @parent and their messages to @msi_write(@ctx, ...).  The creator
 * removes it (pcl_pci_host_remove) in its remove().  Context: process.
 */
struct pci_host_bridge *pcl_pci_host_new_child(const char *name, int domain,
	struct pcl_msi_parent *parent,
	void (*msi_write)(void *ctx, uint64_t addr, uint32_t data, uint16_t rid),
	void *ctx);
/** pcl_pci_host_remove() - unbind and delete its devices, free it. */
void pcl_pci_host_remove(struct pci_host_bridge *h);
/** pcl_pci_remove_all() - unbind and delete every device, free the machine. */
void pcl_pci_remove_all(void);
/** pcl_pci_find_dev() - by name ("0000:00:02.0" or "00:02.0"), referenced. */
struct pci_dev *pcl_pci_find_dev(const char *name);
/** pcl_pci_for_each_dev() - in bus order. */
void pcl_pci_for_each_dev(void (*fn)(struct pci_dev *pdev, void *arg), void *arg);

/**
 * pcl_pci_lspci() - run the system's lspci on the emulated machine: the
 * machine is written as a sysfs tree in a temporary directory (config,
 * resource, irq, ids, driver link) and decoded by `lspci -A linux-sysfs`
 * with @argv, so BAR sizes, IRQs and the bound driver print as for real
 * hardware; if @devres, each device's devres are added to its block.  The
 * tree is removed on every path.  Context: process.
 * Return: lspci's exit status, or -ENOENT if lspci is not installed.
 */
int pcl_pci_lspci(FILE *out, int argc, char **argv, bool devres);

/**
 * pcl_host_snapshot() - read this machine's PCI functions through sysfs
 * (read only) and write to @out a scenario that re-creates them as
 * emulated functions: config space (as much as sysfs gives: 4096 or 256
 * bytes as root, 64 otherwise), BAR sizes from `resource`, topology from
 * the device links, one host bridge per root bus, then `enumerate`.
 * @sysfs: the sysfs PCI directory, NULL for /sys/bus/pci (tests give a
 *	   tree of the same shape).
 * @slots: NULL for every function, or a NULL-terminated list of
 *	   "DDDD:BB:DD.F", "BB:DD.F" or "DD.F"; the bridges above a chosen
 *	   function and function 0 of its device come too.
 * @err: one line per problem ("DIR/devices/NAME: what: what was done").
 * Return: 0 every function was read in full; 1 written, but some were
 * read in part or left out (said on @err); -ENODEV nothing to write;
 * -errno the directory could not be read.  Context: process.
 */
int pcl_host_snapshot(const char *sysfs, const char *const *slots, FILE *out,
		      FILE *err);

/** pcl_pci_init() - register the PCI bus type; idempotent. */
int pcl_pci_init(void);
void pcl_pci_scenario_init(void);

#endif /* PCILAB_PCI_H */
