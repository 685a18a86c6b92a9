// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host bridges and config-space access.
 *
 * Two kinds of host bridge, two access disciplines:
 *  - ECAM: each access is one memory transaction to its own address, so
 *    concurrent accesses need no lock (Linux's CONFIG_PCI_LOCKLESS_CONFIG);
 *  - CONF1: an access is two steps, address to 0xcf8 then data at 0xcfc,
 *    through one latch per host bridge: without the bridge's cfg_lock two
 *    accesses interleave and one lands on the wrong register.  The
 *    emulation really has the latch, so a missing lock shows.
 *
 * User accesses (sysfs "config", vfio) additionally wait while the
 * device's config access is blocked (reset, power transition): the device's
 * cfg_access rw_semaphore, taken for read by user accessors and for write
 * by the blocker, who may itself keep accessing.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include "internal.h"

LIST_HEAD(pcl__hosts);
DEFINE_MUTEX(pcl__pci_lock);

int pcibios_err_to_errno(int err)
{
	if (err <= PCIBIOS_SUCCESSFUL)
		return err;
	switch (err) {
	case PCIBIOS_FUNC_NOT_SUPPORTED:	return -ENOENT;
	case PCIBIOS_BAD_REGISTER_NUMBER:	return -EFAULT;
	case PCIBIOS_DEVICE_NOT_FOUND:		return -ENODEV;
	}
	return -ERANGE;
}

/*
 * Find the function a config cycle for (@busnr, @devfn) reaches: down
 * from the root bus through the bridges whose secondary..subordinate
 * range holds @busnr, as the hardware routes type 1 cycles.
 */
struct pcl_emu_fn *pcl__route(struct pci_host_bridge *host, uint8_t busnr,
			      unsigned int devfn)
{
	struct pcl_emu_bus *b = host->hw;
	unsigned int nr = host->bus ? host->bus->number : 0;

	for (int depth = 0; b && depth < PCI_MAX_BRIDGE_DEPTH; depth++) {
		struct pcl_emu_bus *next = NULL;

		if (busnr == nr)
			return __atomic_load_n(&b->slot[devfn & 0xff], __ATOMIC_ACQUIRE);
		for (int d = 0; d < 256 && !next; d++) {
			/* Slots change under hot-plug (pcl__pci_lock); the
			 * functions they held stay allocated until their host
			 * goes, so a racing cycle sees the old or the new. */
			struct pcl_emu_fn *br = __atomic_load_n(&b->slot[d], __ATOMIC_ACQUIRE);
			struct pcl_emu_bus *cb = __atomic_load_n(&b->child[d], __ATOMIC_ACQUIRE);
			uint32_t nums;
			unsigned int sec, sub;

			if (!br || !cb)
				continue;
			nums = pcl_emu_cfg_read(br, PCI_PRIMARY_BUS, 4);
			sec = (nums >> 8) & 0xff;
			sub = (nums >> 16) & 0xff;
			if (sec > nr && sec <= busnr && busnr <= sub) {
				next = cb;
				nr = sec;
			}
		}
		b = next;
	}
	return NULL;
}

static int ecam_read(struct pci_bus *bus, unsigned int devfn, int where,
		     int size, uint32_t *val)
{
	struct pcl_emu_fn *fn = pcl__route(bus->host, bus->number, devfn);

	*val = fn ? pcl_emu_cfg_read(fn, (unsigned int)where, (unsigned int)size)
		  : (size == 4 ? ~0u : (1u << (8 * size)) - 1);
	return PCIBIOS_SUCCESSFUL;
}

static int ecam_write(struct pci_bus *bus, unsigned int devfn, int where,
		      int size, uint32_t val)
{
	struct pcl_emu_fn *fn = pcl__route(bus->host, bus->number, devfn);

	if (fn)
		pcl_emu_cfg_write(fn, (unsigned int)where, (unsigned int)size, val);
	return PCIBIOS_SUCCESSFUL;
}

static const struct pci_ops ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/*
 * Between the two port accesses another CPU may run: the emulation
 * yields there, so that an unserialised CONF1 access is caught by the
 * tests, not by luck.  Benchmarks turn it off to time the path itself.
 */
static atomic_bool conf1_window = true;

void pcl_pci_set_conf1_window(bool on)
{
	atomic_store(&conf1_window, on);
}

/* CONF1: latch the address, then access the data port. */
static void conf1_latch(struct pci_bus *bus, unsigned int devfn, int where)
{
	struct pci_host_bridge *h = bus->host;

	h->cf8_bus = bus->number;
	h->cf8_devfn = (uint8_t)devfn;
	h->cf8_where = (uint16_t)where;
	if (atomic_load_explicit(&conf1_window, memory_order_relaxed))
		sched_yield();	/* the two port accesses are separate steps */
}

static int conf1_read(struct pci_bus *bus, unsigned int devfn, int where,
		      int size, uint32_t *val)
{
	struct pci_host_bridge *h = bus->host;
	struct pcl_emu_fn *fn;

	conf1_latch(bus, devfn, where);
	fn = pcl__route(h, h->cf8_bus, h->cf8_devfn);
	*val = fn ? pcl_emu_cfg_read(fn, h->cf8_where, (unsigned int)size)
		  : (size == 4 ? ~0u : (1u << (8 * size)) - 1);
	return PCIBIOS_SUCCESSFUL;
}

static int conf1_write(struct pci_bus *bus, unsigned int devfn, int where,
		       int size, uint32_t val)
{
	struct pci_host_bridge *h = bus->host;
	struct pcl_emu_fn *fn;

	conf1_latch(bus, devfn, where);
	fn = pcl__route(h, h->cf8_bus, h->cf8_devfn);
	if (fn)
		pcl_emu_cfg_write(fn, h->cf8_where, (unsigned int)size, val);
	return PCIBIOS_SUCCESSFUL;
}

static const struct pci_ops conf1_ops = {
	.read = conf1_read,
	.write = conf1_write,
};

struct pci_host_bridge *pcl_pci_host_find(const char *name)
{
	struct pci_host_bridge *h, *found = NULL;

	mutex_lock(&pcl__pci_lock);
	list_for_each_entry(h, &pcl__hosts, node)
		if (!strcmp(h->name, name))
			found = h;
	mutex_unlock(&pcl__pci_lock);
	return found;
}

static struct pci_host_bridge *host_create(const char *name,
					   enum pcl_host_kind kind, int domain,
					   bool with_its);

struct pci_host_bridge *pcl_pci_host_new_child(const char *name, int domain,
	struct pcl_msi_parent *parent,
	void (*msi_write)(void *ctx, uint64_t addr, uint32_t data, uint16_t rid),
	void *ctx)
{
	/* No ITS: its messages go to @parent. */
	struct pci_host_bridge *h = host_create(name, PCL_HOST_ECAM, domain, false);

	if (IS_ERR(h))
		return h;
	h->msi_parent = parent;
	h->msi_write = msi_write;
	h->msi_ctx = ctx;
	h->owned = true;
	return h;
}

struct pci_host_bridge *pcl_pci_host_new(const char *name,
					 enum pcl_host_kind kind, int domain)
{
	return host_create(name, kind, domain, true);
}

static struct pci_host_bridge *host_create(const char *name,
					   enum pcl_host_kind kind, int domain,
					   bool with_its)
{
	struct pci_host_bridge *h, *other;

	if (strlen(name) >= sizeof(h->name) || domain < 0 || domain > 0xffff)
		return ERR_PTR(-EINVAL);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->hw = kzalloc(sizeof(*h->hw), GFP_KERNEL);
	h->bus = kzalloc(sizeof(*h->bus), GFP_KERNEL);
	if (!h->hw || !h->bus) {
		kfree(h->hw);
		kfree(h->bus);
		kfree(h);
		return ERR_PTR(-ENOMEM);
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->kind = kind;
	h->domain = domain;
	h->ops = kind == PCL_HOST_ECAM ? &ecam_ops : &conf1_ops;
	spin_lock_init(&h->cfg_lock);
	h->cfg_lock.dep.name = "pci_lock";
	h->mem_next = 0xe0000000ull + ((uint64_t)domain << 32);
	h->mem32_next = PCL_MEM32_START;
	h->io_next = 0x1000;
	h->next_busnr = 1;
	INIT_LIST_HEAD(&h->routes);
	snprintf(h->its_name, sizeof(h->its_name), "ITS-%s", name);
	snprintf(h->intx_name, sizeof(h->intx_name), "INTx-%s", name);
	h->bus->host = h;
	h->bus->number = 0;
	h->bus->hw = h->hw;
	h->hw->sw = h->bus;
	INIT_LIST_HEAD(&h->bus->devices);
	INIT_LIST_HEAD(&h->bus->children);
	INIT_LIST_HEAD(&h->bus->node);

	mutex_lock(&pcl__pci_lock);
	list_for_each_entry(other, &pcl__hosts, node) {
		if (!strcmp(other->name, name) || other->domain == domain) {
			mutex_unlock(&pcl__pci_lock);
			kfree(h->hw);
			kfree(h->bus);
			kfree(h);
			return ERR_PTR(-EEXIST);
		}
	}
	h->its = with_its ? pcl_its_create(h->its_name, 0xfee00000ull) : NULL;
	h->intx = pcl_intx_create(h->intx_name, 4);
	if ((with_its && !h->its) || !h->intx) {
		mutex_unlock(&pcl__pci_lock);
		pcl_its_destroy(h->its);
		pcl_intx_destroy(h->intx);
		kfree(h->hw);
		kfree(h->bus);
		kfree(h);
		return ERR_PTR(-ENOMEM);
	}
	list_add_tail(&h->node, &pcl__hosts);
	mutex_unlock(&pcl__pci_lock);
	pcl_trace(PCL_TR_CORE, "pci host %s: %s, domain %04x", name,
		  kind == PCL_HOST_ECAM ? "ECAM (lockless)" : "CONF1 (serialised)",
		  domain);
	return h;
}

/* ---- bus accessors ---- */

/*
 * One config cycle.  The caller holds rcu_read_lock(): hot-plug unhooks a
 * function from its slot, waits a grace period, then drops it (the
 * device accessors take one section for the "disconnected" test and the
 * cycle together; the bus accessors one for the cycle).
 */
static int bus_read(struct pci_bus *bus, unsigned int devfn, int where,
		    int size, uint32_t *val)
{
	struct pci_host_bridge *h = bus->host;
	unsigned long flags;
	int ret;

	if (where < 0 || (where & (size - 1)) || where + size > PCI_CFG_SPACE_EXP_SIZE) {
		*val = size == 4 ? ~0u : (1u << (8 * size)) - 1;
		return PCIBIOS_BAD_REGISTER_NUMBER;
	}
	if (h->kind == PCL_HOST_ECAM)
		return h->ops->read(bus, devfn, where, size, val);
	spin_lock_irqsave(&h->cfg_lock, flags);
	ret = h->ops->read(bus, devfn, where, size, val);
	spin_unlock_irqrestore(&h->cfg_lock, flags);
	return ret;
}

static void trace_write(struct pci_bus *bus, unsigned int devfn, int where,
			int size, uint32_t val)
{
	if (!pcl_trace_on(PCL_TR_CFG))
		return;
	pcl_trace(PCL_TR_CFG, "%04x:%02x:%02x.%d write %03x/%d = %0*x",
		  bus->host->domain, bus->number, PCI_SLOT(devfn),
		  PCI_FUNC(devfn), where, size, size * 2, val);
}

static int bus_write(struct pci_bus *bus, unsigned int devfn, int where,
		     int size, uint32_t val)
{
	struct pci_host_bridge *h = bus->host;
	unsigned long flags;
	int ret;

	if (where < 0 || (where & (size - 1)) || where + size > PCI_CFG_SPACE_EXP_SIZE)
		return PCIBIOS_BAD_REGISTER_NUMBER;
	trace_write(bus, devfn, where, size, val);
	if (h->kind == PCL_HOST_ECAM)
		return h->ops->write(bus, devfn, where, size, val);
	spin_lock_irqsave(&h->cfg_lock, flags);
	ret = h->ops->write(bus, devfn, where, size, val);
	spin_unlock_irqrestore(&h->cfg_lock, flags);
	return ret;
}

/*
 * Seed 002's rule: a function-level reset happens with user config
 * access blocked (pci_cfg_access_lock(), as pci_reset_function() does),
 * or a concurrent reader sees the function half reset.
 */
static void check_flr_blocked(const struct pci_dev *dev, int where, int size,
			      uint32_t val)
{
	int ctl = dev->pcie_cap + PCI_EXP_DEVCTL;
	uint32_t bits;

	if (!dev->pcie_cap || where > ctl + 1 || where + size <= ctl + 1)
		return;
	if (where > ctl)
		bits = val << (8 * (unsigned int)(where - ctl));
	else
		bits = val >> (8 * (unsigned int)(ctl - where));
	if (!(bits & PCI_EXP_DEVCTL_BCR_FLR) ||
	    rwsem_is_write_owner(&((struct pci_dev *)dev)->cfg_access))
		return;
	pcl_report(PCL_CHK_API, &dev->dev.subject, __FILE__, __LINE__,
		   "%s: FLR with user config access not blocked: readers see it half reset (use pci_reset_function() or pci_cfg_access_lock())",
		   pci_name(dev));
}

/*
 * One access to @dev's config space.  A device whose hardware vanished,
 * or whose host bridge is being removed, is "disconnected": all ones,
 * no bus cycle.  The test and the cycle sit in one RCU read-side section,
 * and host removal waits a grace period after marking its devices before
 * it frees buses and hardware, so a caller holding only a pci_dev
 * reference never reaches freed memory.
 */
static int dev_rw(const struct pci_dev *dev, int where, int size,
		  uint32_t *val, bool write)
{
	int ret;

	if (write)
		check_flr_blocked(dev, where, size, *val);
	rcu_read_lock();
	if (pci_dev_is_disconnected(dev)) {
		if (!write)
			*val = ~0u;
		ret = PCIBIOS_DEVICE_NOT_FOUND;
	} else if (write) {
		ret = bus_write(dev->bus, dev->devfn, where, size, *val);
	} else {
		ret = bus_read(dev->bus, dev->devfn, where, size, val);
	}
	rcu_read_unlock();
	return ret;
}

#define BUS_ACCESSORS(sfx, type, size)					\
int pci_bus_read_config_##sfx(struct pci_bus *bus, unsigned int devfn,	\
			      int where, type *val)			\
{									\
	uint32_t v;							\
	int ret;							\
	rcu_read_lock();	/* see bus_read() */			\
	ret = bus_read(bus, devfn, where, size, &v);			\
	rcu_read_unlock();						\
	*val = (type)v;							\
	return ret;							\
}									\
int pci_bus_write_config_##sfx(struct pci_bus *bus, unsigned int devfn,	\
			       int where, type val)			\
{									\
	int ret;							\
	rcu_read_lock();						\
	ret = bus_write(bus, devfn, where, size, val);			\
	rcu_read_unlock();						\
	return ret;							\
}									\
int pci_read_config_##sfx(const struct pci_dev *dev, int where, type *val) \
{									\
	uint32_t v;							\
	int ret = dev_rw(dev, where, size, &v, false);			\
	*val = (type)v;							\
	return ret;							\
}									\
int pci_write_config_##sfx(const struct pci_dev *dev, int where, type val) \
{									\
	uint32_t v = val;						\
	return dev_rw(dev, where, size, &v, true);			\
}

BUS_ACCESSORS(byte, uint8_t, 1)
BUS_ACCESSORS(word, uint16_t, 2)
BUS_ACCESSORS(dword, uint32_t, 4)

/* ---- user accessors and blocking ---- */

/* Return: true if this thread took cfg_access for read. */
static bool user_access_begin(struct pci_dev *dev)
{
	if (rwsem_is_write_owner(&dev->cfg_access))
		return false;	/* the blocker itself: go ahead */
	down_read(&dev->cfg_access);
	return true;
}

static int user_check(struct pci_dev *dev, int where, int size)
{
	if (where < 0 || where + size > dev->cfg_size)
		return -EINVAL;
	if (where & (size - 1))
		return -EINVAL;
	return 0;
}

/* One user access: checked, waiting while blocked (not for the blocker). */
static int user_rw(struct pci_dev *dev, int where, int size, uint32_t *val,
		   bool write)
{
	int ret = user_check(dev, where, size);
	bool locked;

	if (ret)
		return ret;
	locked = user_access_begin(dev);
	ret = dev_rw(dev, where, size, val, write);
	if (locked)
		up_read(&dev->cfg_access);
	return pcibios_err_to_errno(ret);
}

#define USER_ACCESSORS(sfx, type, size)					\
int pci_user_read_config_##sfx(struct pci_dev *dev, int where, type *val) \
{									\
	uint32_t v;							\
	int ret = user_rw(dev, where, size, &v, false);			\
									\
	*val = ret ? (type)~0u : (type)v;				\
	return ret;							\
}									\
int pci_user_write_config_##sfx(struct pci_dev *dev, int where, type val) \
{									\
	uint32_t v = val;						\
									\
	return user_rw(dev, where, size, &v, true);			\
}

USER_ACCESSORS(byte, uint8_t, 1)
USER_ACCESSORS(word, uint16_t, 2)
USER_ACCESSORS(dword, uint32_t, 4)

void pci_cfg_access_lock(struct pci_dev *dev)
{
	down_write(&dev->cfg_access);
}

bool pci_cfg_access_trylock(struct pci_dev *dev)
{
	return down_write_trylock(&dev->cfg_access);
}

void pci_cfg_access_unlock(struct pci_dev *dev)
{
	up_write(&dev->cfg_access);
}

/* ---- capabilities ---- */

#define PCI_FIND_CAP_TTL	48

/* Walk the list from the pointer byte at @where (0x34, or a "next"). */
static uint8_t find_cap_from(struct pci_dev *dev, int where, int cap)
{
	int ttl = PCI_FIND_CAP_TTL;
	uint8_t p;

	pci_read_config_byte(dev, where, &p);
	while (ttl--) {
		uint16_t ent;

		p &= ~3;
		if (p < 0x40)
			break;
		pci_read_config_word(dev, p, &ent);
		if ((ent & 0xff) == 0xff)
			break;
		if ((ent & 0xff) == cap)
			return p;
		p = (uint8_t)(ent >> 8);
	}
	return 0;
}

/* As Linux: @pos is a capability; the search starts with the next one. */
uint8_t pci_find_next_capability(struct pci_dev *dev, uint8_t pos, int cap)
{
	return find_cap_from(dev, pos + PCI_CAP_LIST_NEXT, cap);
}

uint8_t pci_find_capability(struct pci_dev *dev, int cap)
{
	uint16_t status;

	pci_read_config_word(dev, PCI_STATUS, &status);
	if (!(status & PCI_STATUS_CAP_LIST) || status == 0xffff)
		return 0;
	return find_cap_from(dev, (dev->hdr_type & 0x7f) == 2 ?
			     0x14 : PCI_CAPABILITY_LIST, cap);
}

uint16_t pci_find_ext_capability(struct pci_dev *dev, int cap)
{
	int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8;
	int pos = PCI_CFG_SPACE_SIZE;
	uint32_t hdr;

	if (dev->cfg_size <= PCI_CFG_SPACE_SIZE)
		return 0;
	if (pci_read_config_dword(dev, pos, &hdr) || hdr == 0 || hdr == ~0u)
		return 0;
	while (ttl-- > 0) {
		if ((int)PCI_EXT_CAP_ID(hdr) == cap && pos != 0)
			return (uint16_t)pos;
		pos = (int)PCI_EXT_CAP_NEXT(hdr);
		if (pos < PCI_CFG_SPACE_SIZE)
			break;
		if (pci_read_config_dword(dev, pos, &hdr))
			break;
	}
	return 0;
}
