// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * BAR regions and MMIO mappings.
 *
 * pci_iomap() hands out an address in a reserved, inaccessible range of
 * the process (a PROT_NONE reservation): readl() and friends look the
 * address up and dispatch to the emulated function; dereferencing it
 * directly faults, as touching MMIO without the accessors should.
 * Address ranges are never reused, so an access through a mapping after
 * pci_iounmap() - or after the unbind that revoked it - is recognised and
 * reported (checker "use-after-revoke") instead of reaching anything.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

#define IOMAP_GUARD	4096ul

struct iomap {
	uintptr_t base;
	uint64_t len;
	struct pci_dev *dev;	/* holds a reference while live */
	struct pcl_emu_fn *hw;
	int bar;
	bool live;
	char devname[64];
	char drvname[64];
	const char *why;	/* how it died: "pci_iounmap", "unbind" */
};

/*
 * iomap_lock protects the table and every entry's live/dev fields.  A
 * raw reader/writer lock: readl() may run in any context; nothing nests
 * inside it.
 */
static pthread_rwlock_t iomap_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct iomap **maps;	/* sorted by base: allocated in order */
static size_t nmaps, capmaps;
static uintptr_t space_base, space_next, space_end;

/* Regions: who holds each BAR.  regions_lock is a leaf mutex. */
static DEFINE_MUTEX(regions_lock);

static bool reserve_space(void)
{
	static const size_t sizes[] = { 1ul << 36, 1ul << 32, 1ul << 28 };

	if (space_base)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = mmap(NULL, sizes[i], PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p != MAP_FAILED) {
			space_base = space_next = (uintptr_t)p;
			space_end = space_base + sizes[i];
			return true;
		}
	}
	return false;
}

/* ---- regions ---- */

int pci_request_region(struct pci_dev *dev, int bar, const char *name)
{
	int ret = 0;

	if (bar < 0 || bar >= PCI_NUM_RESOURCES)
		return -EINVAL;
	if (!pci_resource_len(dev, bar))
		return 0;
	mutex_lock(&regions_lock);
	if (dev->resource[bar].name)
		ret = -EBUSY;
	else
		dev->resource[bar].name = name ? name : "?";
	mutex_unlock(&regions_lock);
	if (ret)
		dev_warn(&dev->dev, "BAR %d: can't reserve: busy (held by %s)",
			 bar, dev->resource[bar].name);
	else
		pcl_trace(PCL_TR_CORE, "pci %s: BAR %d requested by %s",
			  pci_name(dev), bar, name ? name : "?");
	return ret;
}

void pci_release_region(struct pci_dev *dev, int bar)
{
	if (bar < 0 || bar >= PCI_NUM_RESOURCES || !pci_resource_len(dev, bar))
		return;
	mutex_lock(&regions_lock);
	if (!dev->resource[bar].name)
		pcl_report(PCL_CHK_API, &dev->dev.subject, __FILE__, __LINE__,
			   "releasing BAR %d of %s, which is not requested",
			   bar, pci_name(dev));
	dev->resource[bar].name = NULL;
	mutex_unlock(&regions_lock);
}

int pci_request_regions(struct pci_dev *dev, const char *name)
{
	for (int i = 0; i < PCI_NUM_RESOURCES; i++) {
		int ret = pci_request_region(dev, i, name);

		if (ret) {
			while (--i >= 0)
				pci_release_region(dev, i);
			return ret;
		}
	}
	return 0;
}

void pci_release_regions(struct pci_dev *dev)
{
	for (int i = 0; i < PCI_NUM_RESOURCES; i++)
		pci_release_region(dev, i);
}

struct region_dr {
	struct pci_dev *dev;
	int bar;
};

static void pcim_region_release(struct device *dev, void *res)
{
	struct region_dr *r = res;

	pci_release_region(r->dev, r->bar);
}

int pcim_request_region(struct pci_dev *dev, int bar, const char *name)
{
	struct region_dr *r = devres_alloc(pcim_region_release, sizeof(*r),
					   GFP_KERNEL);
	int ret;

	if (!r)
		return -ENOMEM;
	ret = pci_request_region(dev, bar, name);
	if (ret) {
		devres_free(r);
		return ret;
	}
	r->dev = dev;
	r->bar = bar;
	devres_add(&dev->dev, r);
	return 0;
}

/* ---- mappings ---- */

/* The mapping whose range, extended by @slack bytes, holds @a. */
static struct iomap *find_slack_locked(uintptr_t a, uintptr_t slack)
{
	size_t lo = 0, hi = nmaps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct iomap *m = maps[mid];

		if (a < m->base)
			hi = mid;
		else if (a >= m->base + m->len + slack)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

static struct iomap *find_locked(uintptr_t a)
{
	return find_slack_locked(a, 0);
}

void __iomem *pci_iomap(struct pci_dev *dev, int bar, unsigned long maxlen)
{
	uint64_t len;
	struct iomap *m;
	uintptr_t base;

	/* The BARs: pcilab emulates no ROM contents to map. */
	if (bar < 0 || bar >= PCI_STD_NUM_BARS ||
	    !(len = pci_resource_len(dev, bar)) || !dev->hw)
		return NULL;
	if (maxlen && maxlen < len)
		len = maxlen;
	/*
	 * Core bookkeeping kept for the life of the process, to recognise
	 * stale use: host memory, not charged to the binding.
	 */
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_rwlock_wrlock(&iomap_lock);
	if (!reserve_space() || len > space_end - space_next - IOMAP_GUARD) {
		pthread_rwlock_unlock(&iomap_lock);
		free(m);
		return NULL;
	}
	if (nmaps == capmaps) {
		size_t ncap = capmaps ? capmaps * 2 : 64;
		struct iomap **n = realloc(maps, ncap * sizeof(*n));

		if (!n) {
			pthread_rwlock_unlock(&iomap_lock);
			free(m);
			return NULL;
		}
		maps = n;
		capmaps = ncap;
	}
	base = space_next;
	space_next += (len + IOMAP_GUARD + 4095) & ~4095ul;
	m->base = base;
	m->len = len;
	m->dev = to_pci_dev(get_device(&dev->dev));
	m->hw = dev->hw;
	m->bar = bar;
	m->live = true;
	dev->live_iomaps++;
	snprintf(m->devname, sizeof(m->devname), "%s", pci_name(dev));
	snprintf(m->drvname, sizeof(m->drvname), "%s",
		 dev->dev.driver ? dev->dev.driver->name : "-");
	maps[nmaps++] = m;
	pthread_rwlock_unlock(&iomap_lock);
	pcl_trace(PCL_TR_CORE, "pci %s: BAR %d mapped (%llu bytes)",
		  pci_name(dev), bar, (unsigned long long)len);
	return (void __iomem *)base;
}

/* Kill @m (under the write lock); Return: its device, to put unlocked. */
static struct pci_dev *kill_locked(struct iomap *m, const char *why)
{
	struct pci_dev *dev = m->dev;

	m->live = false;
	if (dev)
		dev->live_iomaps--;
	m->dev = NULL;
	m->why = why;
	return dev;
}

void pci_iounmap(struct pci_dev *dev, void __iomem *addr)
{
	struct pci_dev *put = NULL;
	struct iomap *m;
	bool bad;

	if (!addr)
		return;
	pthread_rwlock_wrlock(&iomap_lock);
	m = find_locked((uintptr_t)addr);
	bad = !m || !m->live || m->base != (uintptr_t)addr || m->dev != dev;
	if (!bad)
		put = kill_locked(m, "pci_iounmap");
	pthread_rwlock_unlock(&iomap_lock);
	if (bad) {
		pcl_report(PCL_CHK_REVOKE, &dev->dev.subject, __FILE__, __LINE__,
			   "pci_iounmap(%p): not a live mapping of %s", addr,
			   pci_name(dev));
		return;
	}
	pcl_trace(PCL_TR_CORE, "pci %s: BAR %d unmapped", pci_name(dev), m->bar);
	put_device(&put->dev);
}

struct iomap_dr {
	struct pci_dev *dev;
	int bar;
	void __iomem *addr;
};

static void pcim_iomap_release(struct device *dev, void *res)
{
	struct iomap_dr *r = res;

	pci_iounmap(r->dev, r->addr);
	pci_release_region(r->dev, r->bar);
}

static int iomap_dr_match(struct device *dev, void *res, void *bar)
{
	return ((struct iomap_dr *)res)->bar == *(int *)bar;
}

void __iomem *pcim_iomap_region(struct pci_dev *dev, int bar, const char *name)
{
	struct iomap_dr *r;
	int ret;

	if (bar < 0 || bar >= PCI_STD_NUM_BARS || !pci_resource_len(dev, bar))
		return ERR_PTR(-EINVAL);
	r = devres_alloc(pcim_iomap_release, sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	ret = pci_request_region(dev, bar, name);
	if (ret) {
		devres_free(r);
		return ERR_PTR(ret);
	}
	r->addr = pci_iomap(dev, bar, 0);
	if (!r->addr) {
		pci_release_region(dev, bar);
		devres_free(r);
		return ERR_PTR(-ENOMEM);
	}
	r->dev = dev;
	r->bar = bar;
	devres_add(&dev->dev, r);
	return r->addr;
}

void pcim_iounmap_region(struct pci_dev *dev, int bar)
{
	if (devres_release(&dev->dev, pcim_iomap_release, iomap_dr_match, &bar))
		pcl_report(PCL_CHK_API, &dev->dev.subject, __FILE__, __LINE__,
			   "pcim_iounmap_region(%s, BAR %d): not mapped with pcim_iomap_region()",
			   pci_name(dev), bar);
}

void pcl__iomap_leftovers(struct pci_dev *dev,
			  void (*fn)(struct pci_dev *dev, const char *what))
{
	char what[96];

	pthread_rwlock_rdlock(&iomap_lock);
	/* The table keeps dead mappings (to name a stale access): look at
	 * it only if this device has live ones. */
	for (size_t i = 0; dev->live_iomaps && i < nmaps; i++) {
		if (!maps[i]->live || maps[i]->dev != dev)
			continue;
		snprintf(what, sizeof(what), "BAR%d still mapped", maps[i]->bar);
		fn(dev, what);
	}
	pthread_rwlock_unlock(&iomap_lock);
	mutex_lock(&regions_lock);
	for (int b = 0; b < PCI_NUM_RESOURCES; b++) {
		if (!dev->resource[b].name)
			continue;
		snprintf(what, sizeof(what), "BAR%d region still requested (by %s)",
			 b, dev->resource[b].name);
		fn(dev, what);
	}
	mutex_unlock(&regions_lock);
}

void pcl__iomap_revoke_all(struct pci_dev *dev)
{
	for (;;) {
		struct pci_dev *put = NULL;

		pthread_rwlock_wrlock(&iomap_lock);
		for (size_t i = 0; dev->live_iomaps && i < nmaps && !put; i++)
			if (maps[i]->live && maps[i]->dev == dev)
				put = kill_locked(maps[i], "unbind (leaked by its driver)");
		pthread_rwlock_unlock(&iomap_lock);
		if (!put)
			break;
		put_device(&put->dev);
	}
	mutex_lock(&regions_lock);
	for (int b = 0; b < PCI_NUM_RESOURCES; b++)
		dev->resource[b].name = NULL;
	mutex_unlock(&regions_lock);
}

/* ---- accessors ---- */

static uint64_t mmio(const volatile void *addr, unsigned int size, bool write,
		     uint64_t val)
{
	uint64_t ones = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	struct pcl_emu_fn *hw = NULL;
	char devname[64] = "", drvname[64] = "";
	const char *why = NULL;
	uint64_t off = 0, len = 0;
	int bar = -1;
	struct iomap *m;
	bool known;

	pthread_rwlock_rdlock(&iomap_lock);
	/* The guard gap after a mapping still belongs to it, for reports. */
	m = find_slack_locked((uintptr_t)addr, IOMAP_GUARD);
	known = m != NULL;
	if (m) {
		off = (uintptr_t)addr - m->base;
		len = m->len;
		bar = m->bar;
		if (m->live) {
			hw = m->hw;
		} else {
			why = m->why;
			memcpy(devname, m->devname, sizeof(devname));
			memcpy(drvname, m->drvname, sizeof(drvname));
		}
	}
	pthread_rwlock_unlock(&iomap_lock);

	if (hw && off + size <= len) {
		if (write) {
			if (pcl_trace_on(PCL_TR_MMIO))
				pcl_trace(PCL_TR_MMIO, "BAR%d+0x%llx write/%u = 0x%llx",
					  bar, (unsigned long long)off, size,
					  (unsigned long long)val);
			pcl_emu_mmio_write(hw, bar, off, size, val);
			return 0;
		}
		return pcl_emu_mmio_read(hw, bar, off, size);
	}
	if (!known) {
		pcl_report(PCL_CHK_REVOKE, NULL, __FILE__, __LINE__,
			   "MMIO %s of %u bytes at %p: not an iomap address",
			   write ? "write" : "read", size, (const void *)addr);
	} else if (why) {
		struct pcl_subject subj = { devname, "pci", drvname };

		pcl_report(PCL_CHK_REVOKE, &subj, __FILE__, __LINE__,
			   "MMIO %s of BAR%d+0x%llx through a mapping revoked by %s",
			   write ? "write" : "read", bar,
			   (unsigned long long)off, why);
	} else {
		pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
			   "MMIO %s of %u bytes at BAR%d+0x%llx runs past the mapping",
			   write ? "write" : "read", size, bar,
			   (unsigned long long)off);
	}
	return write ? 0 : ones;
}

uint8_t readb(const volatile void __iomem *a) { return (uint8_t)mmio(a, 1, false, 0); }
uint16_t readw(const volatile void __iomem *a) { return (uint16_t)mmio(a, 2, false, 0); }
uint32_t readl(const volatile void __iomem *a) { return (uint32_t)mmio(a, 4, false, 0); }
uint64_t readq(const volatile void __iomem *a) { return mmio(a, 8, false, 0); }
void writeb(uint8_t v, volatile void __iomem *a) { mmio(a, 1, true, v); }
void writew(uint16_t v, volatile void __iomem *a) { mmio(a, 2, true, v); }
void writel(uint32_t v, volatile void __iomem *a) { mmio(a, 4, true, v); }
void writeq(uint64_t v, volatile void __iomem *a) { mmio(a, 8, true, v); }
