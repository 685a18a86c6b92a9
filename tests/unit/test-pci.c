// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the PCI core (src/pci): enumeration (ids, class, config
 * size, BAR sizing into resources, bridge numbering, multi-function
 * rules), the bus, device and user config accessors, capability walks,
 * enable/disable and bus mastering, pci_intx() / pcim_intx(), regions,
 * MMIO mappings and their revocation, the residue checker, state
 * save/restore, function reset, power states and driver_override.
 *
 * Every test builds its own machine (a host bridge, emulated functions
 * plugged in, pcl_pci_scan()) and binds the test drivers below.  The
 * fixture unregisters the drivers, removes the machine, and checks that
 * the test made exactly the reports it expected and gave back every
 * tracked allocation (pci_iomap()'s records of dead mappings are core
 * bookkeeping in host memory, not tracked).
 *
 * The multi-threaded tests are in test-pci-threaded.c.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcilab/pci.h>

#include "pcltest.h"

#define HANG_GUARD_S	5

/* ---- test drivers ---- */

struct tpdrv {
	struct pci_driver drv;
	int (*probe_hook)(struct tpdrv *d, struct pci_dev *pdev);
	void (*remove_hook)(struct tpdrv *d, struct pci_dev *pdev);
	unsigned int probes, removes;
	const struct pci_device_id *last_id;
	struct pci_dev *last_dev;
	bool managed_in_probe, enabled_in_probe;
	unsigned int devres_in_probe;
	uint16_t cmd_in_probe;
	int arg;
	void __iomem *regs;
	void __iomem *regs2;
};

static struct tpdrv *to_tpdrv(struct pci_dev *pdev)
{
	return container_of(to_pci_driver(pdev->dev.driver), struct tpdrv, drv);
}

static int tpdrv_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct tpdrv *d = to_tpdrv(pdev);

	d->probes++;
	d->last_id = id;
	d->last_dev = pdev;
	if (d->probe_hook)
		return d->probe_hook(d, pdev);
	return 0;
}

static void tpdrv_remove(struct pci_dev *pdev)
{
	struct tpdrv *d = to_tpdrv(pdev);

	d->removes++;
	if (d->remove_hook)
		d->remove_hook(d, pdev);
}

#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010

static const struct pci_device_id ids_nvme_ahci[] = {
	{ PCI_DEVICE(NVME_VENDOR, NVME_DEVICE) },
	{ PCI_DEVICE(0x8086, 0x2922) },
	{ 0 }
};

#define TPDRV(var, drvname, ids)					\
	static struct tpdrv var = {					\
		.drv = {						\
			.name = (drvname),				\
			.id_table = (ids),				\
			.probe = tpdrv_probe,				\
			.remove = tpdrv_remove,				\
		},							\
	}

TPDRV(T, "tpci", ids_nvme_ahci);
TPDRV(U, "tpci2", ids_nvme_ahci);
TPDRV(N, "tnull", NULL);

static struct tpdrv *const all_drivers[] = { &T, &U, &N };

/* ---- fixture ---- */

static struct pcl_capture cap;

static struct {
	unsigned long live0;
	unsigned int expected_reports;
	unsigned int mark;	/* reports already accounted for */
} F;

static bool registered(struct tpdrv *d)
{
	return driver_find(d->drv.name, &pci_bus_type) == &d->drv.driver;
}

static void reg(struct tpdrv *d)
{
	assert_int_equal(pci_register_driver(&d->drv), 0);
}

static int setup(void **state)
{
	assert_int_equal(pcl_pci_init(), 0);
	pcl_pci_set_delay_divisor(1000);
	memset(&F, 0, sizeof(F));
	for (size_t i = 0; i < ARRAY_SIZE(all_drivers); i++) {
		struct tpdrv *d = all_drivers[i];
		struct pci_driver keep = d->drv;

		memset(d, 0, sizeof(*d));
		d->drv = keep;
	}
	quiet();
	F.live0 = fixture_begin(&cap);
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_drivers); i++)
		if (registered(all_drivers[i]))
			pci_unregister_driver(&all_drivers[i]->drv);
	pcl_pci_remove_all();
	alarm(0);
	return fixture_end(&cap, F.expected_reports, F.live0);
}

/*
 * Exactly @n reports since the last call, all from @chk; the last of them
 * (if any) has @needle in its title.  The fixture expects them at the end.
 */
static void new_reports(enum pcl_checker chk, unsigned int n, const char *needle)
{
	assert_new_reports(&cap, &F.mark, chk, n, needle);
	F.expected_reports = cap.n;
}

static void no_new_reports(void)
{
	new_reports(PCL_CHK_NR, 0, NULL);
}

/* ---- machines ---- */

static struct pci_host_bridge *host_kind(const char *name,
					 enum pcl_host_kind kind, int domain)
{
	struct pci_host_bridge *h = pcl_pci_host_new(name, kind, domain);

	assert_false(IS_ERR(h));
	return h;
}

static struct pci_host_bridge *host(void)
{
	return host_kind("t0", PCL_HOST_ECAM, 0);
}

static struct pcl_emu_fn *plug(struct pci_host_bridge *h,
			       struct pcl_emu_bus *on, unsigned int devfn,
			       const char *model)
{
	struct pcl_emu_fn *fn = pcl_emu_model_new(model);

	assert_non_null(fn);
	assert_int_equal(pcl_pci_plug(h, on, devfn, fn), 0);
	return fn;
}

/* The device named @name; the machine keeps it alive. */
static struct pci_dev *dev_at(const char *name)
{
	struct pci_dev *pdev = pcl_pci_find_dev(name);

	if (!pdev)
		return NULL;
	put_device(&pdev->dev);
	return pdev;
}

/* A machine with one @model at 00:02.0; Return: its device. */
static struct pci_dev *one(const char *model)
{
	struct pci_host_bridge *h = host();

	plug(h, NULL, PCI_DEVFN(2, 0), model);
	assert_int_equal(pcl_pci_scan(h), 1);
	return dev_at("00:02.0");
}

static uint16_t hw_cmd(struct pci_dev *pdev)
{
	return (uint16_t)pcl_emu_cfg_read(pdev->hw, PCI_COMMAND, 2);
}

static uint32_t hw_rd(struct pci_dev *pdev, unsigned int off, unsigned int size)
{
	return pcl_emu_cfg_read(pdev->hw, off, size);
}

/* ------------------------------------------------------------------ */
/* Enumeration                                                          */
/* ------------------------------------------------------------------ */

static void test_scan_reads_ids_class_and_config_size(void **state)
{
	struct pci_host_bridge *h = host(), *h1;
	struct pci_dev *nv, *ah, *c1;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	assert_int_equal(pcl_pci_scan(h), 2);
	assert_int_equal(pcl_pci_scan(h), 0);		/* nothing new */
	nv = dev_at("00:02.0");
	ah = dev_at("0000:00:03.0");
	assert_non_null(nv);
	assert_non_null(ah);
	assert_string_equal(pci_name(nv), "0000:00:02.0");
	assert_ptr_equal(nv->bus, h->bus);
	assert_int_equal(nv->devfn, PCI_DEVFN(2, 0));

	assert_int_equal(nv->vendor, NVME_VENDOR);
	assert_int_equal(nv->device, NVME_DEVICE);
	assert_int_equal(nv->class, 0x010802);
	assert_int_equal(nv->revision, 0x02);
	assert_int_equal(nv->subsystem_vendor, 0x1b36);
	assert_int_equal(nv->subsystem_device, 0x1100);
	assert_int_equal(nv->hdr_type, PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(nv->pin, 1);
	assert_int_equal(nv->cfg_size, PCI_CFG_SPACE_EXP_SIZE);
	assert_int_equal(nv->current_state, PCI_D0);
	assert_int_equal(nv->pm_cap, pcl_emu_find_cap(nv->hw, PCI_CAP_ID_PM));
	assert_int_equal(nv->msi_cap, pcl_emu_find_cap(nv->hw, PCI_CAP_ID_MSI));
	assert_int_equal(nv->msix_cap, pcl_emu_find_cap(nv->hw, PCI_CAP_ID_MSIX));
	assert_int_equal(nv->pcie_cap, pcl_emu_find_cap(nv->hw, PCI_CAP_ID_EXP));
	assert_int_not_equal(nv->pcie_cap, 0);

	assert_int_equal(ah->vendor, 0x8086);
	assert_int_equal(ah->device, 0x2922);
	assert_int_equal(ah->class, 0x010601);
	assert_int_equal(ah->cfg_size, PCI_CFG_SPACE_SIZE);
	assert_int_equal(ah->pcie_cap, 0);
	assert_int_equal(ah->msix_cap, 0);
	assert_int_not_equal(ah->msi_cap, 0);

	/* A second host bridge, CONF1, in domain 1. */
	h1 = host_kind("t1", PCL_HOST_CONF1, 1);
	assert_true(IS_ERR(pcl_pci_host_new("t2", PCL_HOST_ECAM, 1)));
	assert_true(IS_ERR(pcl_pci_host_new("t1", PCL_HOST_ECAM, 2)));
	plug(h1, NULL, PCI_DEVFN(2, 0), "nic");
	assert_int_equal(pcl_pci_scan(h1), 1);
	c1 = dev_at("0001:00:02.0");
	assert_non_null(c1);
	assert_int_equal(c1->device, 0x10d3);
	assert_int_equal(c1->cfg_size, PCI_CFG_SPACE_EXP_SIZE);
	/* Same slot, other domain: not the same device. */
	assert_ptr_equal(dev_at("00:02.0"), nv);
	assert_ptr_equal(pcl_pci_host_find("t1"), h1);
	assert_null(dev_at("00:04.0"));
}

struct res {
	uint64_t start, end;
	unsigned long flags;
};

static void collect(struct pci_dev *pdev, void *arg)
{
	struct res *r = arg;

	for (; r->flags; r++)
		;
	for (int i = 0; i < PCI_NUM_RESOURCES; i++) {
		if (!pci_resource_len(pdev, i))
			continue;
		r->start = pdev->resource[i].start;
		r->end = pdev->resource[i].end;
		r->flags = pdev->resource[i].flags;
		r++;
	}
}

static void test_scan_sizes_bars_into_resources(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *nv, *ah, *nic, *gpu;
	struct pcl_emu_fn *big;
	struct res all[32] = { { 0 } };
	static const uint64_t ahci_len[6] = { 8, 4, 8, 4, 32, 8192 };
	unsigned int n = 0;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	plug(h, NULL, PCI_DEVFN(4, 0), "nic");
	/* A function with an 8 GiB BAR: its size is in the upper dword. */
	big = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);
	assert_non_null(big);
	pcl_emu_init_header(big, 0x1234, 0x0008, 0x03000000, 0);
	assert_int_equal(pcl_emu_add_bar(big, 2, 1ull << 33,
					 PCL_BAR_MEM64 | PCL_BAR_PREFETCH), 0);
	pcl_emu_seal(big);
	assert_int_equal(pcl_pci_plug(h, NULL, PCI_DEVFN(5, 0), big), 0);
	assert_int_equal(pcl_pci_scan(h), 4);
	nv = dev_at("00:02.0");
	ah = dev_at("00:03.0");
	nic = dev_at("00:04.0");
	gpu = dev_at("00:05.0");

	/* nvme: one 64-bit BAR of 16 KiB, programmed where it was put. */
	assert_int_equal(pci_resource_len(nv, 0), 16384);
	assert_int_equal(pci_resource_flags(nv, 0), IORESOURCE_MEM | IORESOURCE_MEM_64);
	assert_int_not_equal(pci_resource_start(nv, 0), 0);
	assert_int_equal(pci_resource_start(nv, 0) & 16383, 0);
	assert_int_equal(hw_rd(nv, PCI_BASE_ADDRESS_0, 4),
			 (uint32_t)pci_resource_start(nv, 0) | PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(hw_rd(nv, PCI_BASE_ADDRESS_0 + 4, 4),
			 (uint32_t)(pci_resource_start(nv, 0) >> 32));
	for (int i = 1; i < PCI_NUM_RESOURCES; i++) {
		assert_int_equal(pci_resource_len(nv, i), 0);
		assert_int_equal(pci_resource_flags(nv, i), 0);
	}
	/* Sizing left decoding as it was: off. */
	assert_int_equal(hw_cmd(nv), 0);

	/* ahci: five I/O BARs and a 32-bit memory BAR. */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pci_resource_len(ah, i), ahci_len[i]);
		assert_int_equal(pci_resource_flags(ah, i),
				 i < 5 ? IORESOURCE_IO : IORESOURCE_MEM);
		assert_int_equal(pci_resource_start(ah, i) % ahci_len[i], 0);
		assert_int_equal(hw_rd(ah, PCI_BASE_ADDRESS_0 + 4 * i, 4),
				 (uint32_t)pci_resource_start(ah, i) |
				 (i < 5 ? PCI_BASE_ADDRESS_SPACE_IO : 0));
	}

	/* nic: BAR0 128 KiB and BAR3 16 KiB, nothing between. */
	assert_int_equal(pci_resource_len(nic, 0), 131072);
	assert_int_equal(pci_resource_len(nic, 3), 16384);
	assert_int_equal(pci_resource_len(nic, 1) + pci_resource_len(nic, 2) +
			 pci_resource_len(nic, 4) + pci_resource_len(nic, 5), 0);
	assert_int_equal(pci_resource_start(nic, 0) % 131072, 0);

	assert_int_equal(pci_resource_len(gpu, 2), 1ull << 33);
	assert_int_equal(pci_resource_flags(gpu, 2), IORESOURCE_MEM |
			 IORESOURCE_MEM_64 | IORESOURCE_PREFETCH);
	assert_int_equal(pci_resource_start(gpu, 2) & ((1ull << 33) - 1), 0);
	assert_int_equal(pci_resource_len(gpu, 3), 0);
	assert_int_equal(hw_rd(gpu, PCI_BASE_ADDRESS_0 + 12, 4),
			 (uint32_t)(pci_resource_start(gpu, 2) >> 32));

	/* No two ranges of the same space overlap. */
	pcl_pci_for_each_dev(collect, all);
	while (all[n].flags)
		n++;
	assert_int_equal(n, 1 + 6 + 2 + 1);
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = i + 1; j < n; j++) {
			if ((all[i].flags ^ all[j].flags) & IORESOURCE_IO)
				continue;
			assert_true(all[i].end < all[j].start ||
				    all[j].end < all[i].start);
		}
	}
}

static void test_bridges_are_numbered_and_devices_behind_reachable(void **state)
{
	struct pci_host_bridge *h = host();
	struct pcl_emu_bus *b1, *b2;
	struct pci_dev *br1, *br2, *nv, *ah;
	uint32_t id;

	plug(h, NULL, PCI_DEVFN(1, 0), "bridge");
	b1 = pcl_pci_child_bus(h, NULL, PCI_DEVFN(1, 0));
	assert_non_null(b1);
	assert_null(pcl_pci_child_bus(h, NULL, PCI_DEVFN(2, 0)));
	plug(h, b1, PCI_DEVFN(0, 0), "bridge");
	plug(h, b1, PCI_DEVFN(1, 0), "ahci");
	b2 = pcl_pci_child_bus(h, b1, PCI_DEVFN(0, 0));
	assert_non_null(b2);
	plug(h, b2, PCI_DEVFN(0, 0), "nvme");
	assert_int_equal(pcl_pci_scan(h), 4);

	br1 = dev_at("00:01.0");
	br2 = dev_at("01:00.0");
	ah = dev_at("01:01.0");
	nv = dev_at("02:00.0");
	assert_non_null(br1);
	assert_non_null(br2);
	assert_non_null(ah);
	assert_non_null(nv);
	assert_int_equal(br1->hdr_type, PCI_HEADER_TYPE_BRIDGE);
	assert_int_equal(hw_rd(br1, PCI_PRIMARY_BUS, 1), 0);
	assert_int_equal(hw_rd(br1, PCI_SECONDARY_BUS, 1), 1);
	assert_int_equal(hw_rd(br1, PCI_SUBORDINATE_BUS, 1), 2);
	assert_int_equal(hw_rd(br2, PCI_PRIMARY_BUS, 1), 1);
	assert_int_equal(hw_rd(br2, PCI_SECONDARY_BUS, 1), 2);
	assert_int_equal(hw_rd(br2, PCI_SUBORDINATE_BUS, 1), 2);

	/* The software topology follows. */
	assert_int_equal(nv->bus->number, 2);
	assert_ptr_equal(nv->bus->self, br2);
	assert_ptr_equal(nv->bus->parent->self, br1);
	assert_ptr_equal(nv->dev.parent, &br2->dev);
	assert_ptr_equal(ah->bus, br2->bus);
	assert_ptr_equal(br1->bus, h->bus);

	/* Config cycles route through both bridges. */
	assert_int_equal(pci_read_config_dword(nv, PCI_VENDOR_ID, &id), 0);
	assert_int_equal(id, NVME_DEVICE << 16 | NVME_VENDOR);
	assert_int_equal(pci_bus_read_config_dword(nv->bus, 0, PCI_VENDOR_ID, &id), 0);
	assert_int_equal(id, NVME_DEVICE << 16 | NVME_VENDOR);
	assert_int_equal(nv->cfg_size, PCI_CFG_SPACE_EXP_SIZE);
	assert_int_equal(pci_resource_len(nv, 0), 16384);
	assert_int_equal(pci_resource_len(ah, 5), 8192);
	/* An empty slot behind the bridge reads all ones. */
	assert_int_equal(pci_bus_read_config_dword(nv->bus, PCI_DEVFN(3, 0),
						   PCI_VENDOR_ID, &id), 0);
	assert_int_equal(id, 0xffffffff);
	/* Closing the bridge's window cuts the device off. */
	pcl_emu_cfg_write(br1->hw, PCI_SUBORDINATE_BUS, 1, 1);
	assert_int_equal(pci_read_config_dword(nv, PCI_VENDOR_ID, &id), 0);
	assert_int_equal(id, 0xffffffff);
	pcl_emu_cfg_write(br1->hw, PCI_SUBORDINATE_BUS, 1, 2);
	assert_int_equal(pci_read_config_dword(nv, PCI_VENDOR_ID, &id), 0);
	assert_int_equal(id, NVME_DEVICE << 16 | NVME_VENDOR);
}

static void test_single_function_device_hides_functions_1_to_7(void **state)
{
	struct pci_host_bridge *h = host();
	struct pcl_emu_fn *fn0;
	struct pci_dev *f1;

	plug(h, NULL, PCI_DEVFN(5, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(5, 1), "legacy");
	plug(h, NULL, PCI_DEVFN(5, 7), "legacy");
	plug(h, NULL, PCI_DEVFN(6, 1), "legacy");	/* no function 0 */
	assert_int_equal(pcl_pci_scan(h), 1);
	assert_non_null(dev_at("00:05.0"));
	assert_null(dev_at("00:05.1"));
	assert_null(dev_at("00:05.7"));
	assert_null(dev_at("00:06.1"));
	pcl_pci_remove_all();

	/* The same functions with the multi-function bit on function 0. */
	h = host();
	fn0 = pcl_emu_model_new("nvme");
	assert_non_null(fn0);
	pcl_emu_set(fn0, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_MFD);
	assert_int_equal(pcl_pci_plug(h, NULL, PCI_DEVFN(5, 0), fn0), 0);
	assert_int_equal(pcl_pci_plug(h, NULL, PCI_DEVFN(5, 0), fn0), -EBUSY);
	plug(h, NULL, PCI_DEVFN(5, 1), "legacy");
	plug(h, NULL, PCI_DEVFN(5, 7), "legacy");
	plug(h, NULL, PCI_DEVFN(6, 1), "legacy");
	assert_int_equal(pcl_pci_scan(h), 3);
	f1 = dev_at("00:05.1");
	assert_non_null(f1);
	assert_int_equal(f1->devfn, PCI_DEVFN(5, 1));
	assert_int_equal(dev_at("00:05.0")->hdr_type, PCI_HEADER_TYPE_NORMAL);
	assert_non_null(dev_at("00:05.7"));
	assert_null(dev_at("00:06.1"));
}

/* ------------------------------------------------------------------ */
/* Config accessors                                                     */
/* ------------------------------------------------------------------ */

static void test_bus_device_and_user_accessors_read_and_write(void **state)
{
	struct pci_dev *nv = one("nvme");
	uint32_t d;
	uint16_t w;
	uint8_t b;

	assert_int_equal(pci_bus_read_config_word(nv->bus, nv->devfn,
						  PCI_VENDOR_ID, &w), 0);
	assert_int_equal(w, NVME_VENDOR);
	assert_int_equal(pci_bus_read_config_byte(nv->bus, nv->devfn,
						  PCI_CLASS_DEVICE + 1, &b), 0);
	assert_int_equal(b, 0x01);
	assert_int_equal(pci_bus_write_config_byte(nv->bus, nv->devfn,
						   PCI_LATENCY_TIMER, 0x20), 0);
	assert_int_equal(pci_read_config_byte(nv, PCI_LATENCY_TIMER, &b), 0);
	assert_int_equal(b, 0x20);
	assert_int_equal(hw_rd(nv, PCI_LATENCY_TIMER, 1), 0x20);

	assert_int_equal(pci_write_config_word(nv, PCI_COMMAND, PCI_COMMAND_MEMORY), 0);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY);
	assert_int_equal(pci_write_config_dword(nv, PCI_CACHE_LINE_SIZE, 0x00004010), 0);
	assert_int_equal(pci_read_config_dword(nv, PCI_CACHE_LINE_SIZE, &d), 0);
	assert_int_equal(d, 0x00004010);	/* header type, BIST read-only */

	/* User accessors: the same registers, errno returns. */
	assert_int_equal(pci_user_read_config_word(nv, PCI_DEVICE_ID, &w), 0);
	assert_int_equal(w, NVME_DEVICE);
	assert_int_equal(pci_user_write_config_byte(nv, PCI_INTERRUPT_LINE, 0x0b), 0);
	assert_int_equal(pci_user_read_config_byte(nv, PCI_INTERRUPT_LINE, &b), 0);
	assert_int_equal(b, 0x0b);
	assert_int_equal(pci_user_write_config_dword(nv, PCI_BASE_ADDRESS_0, 0), 0);
	assert_int_equal(pci_user_read_config_dword(nv, PCI_BASE_ADDRESS_0, &d), 0);
	assert_int_equal(d, PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(pci_user_write_config_word(nv, PCI_COMMAND, 0), 0);
	assert_int_equal(hw_cmd(nv), 0);

	/* An empty slot reads all ones and swallows writes. */
	assert_int_equal(pci_bus_read_config_dword(nv->bus, PCI_DEVFN(9, 0),
						   PCI_VENDOR_ID, &d), 0);
	assert_int_equal(d, 0xffffffff);
	assert_int_equal(pci_bus_read_config_word(nv->bus, PCI_DEVFN(9, 0),
						  PCI_VENDOR_ID, &w), 0);
	assert_int_equal(w, 0xffff);
	assert_int_equal(pci_bus_write_config_dword(nv->bus, PCI_DEVFN(9, 0),
						    PCI_COMMAND, 7), 0);
}

static void test_misaligned_bus_access_is_bad_register_number(void **state)
{
	struct pci_dev *nv = one("nvme");
	uint32_t d = 0;
	uint16_t w = 0;
	uint8_t b = 0;

	assert_int_equal(pci_read_config_word(nv, 1, &w), PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(w, 0xffff);
	assert_int_equal(pci_read_config_dword(nv, 2, &d), PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(d, 0xffffffff);
	assert_int_equal(pci_read_config_dword(nv, 4096, &d), PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(pci_read_config_byte(nv, -1, &b), PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(b, 0xff);
	assert_int_equal(pci_bus_read_config_dword(nv->bus, nv->devfn, 6, &d),
			 PCIBIOS_BAD_REGISTER_NUMBER);
	/* The last dword of extended space is fine. */
	assert_int_equal(pci_read_config_dword(nv, 4092, &d), PCIBIOS_SUCCESSFUL);
	assert_int_equal(d, 0);

	/* A misaligned write changes nothing. */
	assert_int_equal(pci_write_config_word(nv, PCI_LATENCY_TIMER, 0xffff),
			 PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(pci_bus_write_config_dword(nv->bus, nv->devfn,
						    PCI_COMMAND + 2, 0xffffffff),
			 PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(pci_write_config_byte(nv, 4096, 1), PCIBIOS_BAD_REGISTER_NUMBER);
	assert_int_equal(hw_rd(nv, PCI_CACHE_LINE_SIZE, 4), 0);
	assert_int_equal(hw_rd(nv, PCI_COMMAND, 4), hw_rd(nv, PCI_COMMAND, 4) & 0xffff0000u);

	assert_int_equal(pcibios_err_to_errno(PCIBIOS_SUCCESSFUL), 0);
	assert_int_equal(pcibios_err_to_errno(PCIBIOS_BAD_REGISTER_NUMBER), -EFAULT);
	assert_int_equal(pcibios_err_to_errno(PCIBIOS_DEVICE_NOT_FOUND), -ENODEV);
	assert_int_equal(pcibios_err_to_errno(PCIBIOS_FUNC_NOT_SUPPORTED), -ENOENT);
	assert_int_equal(pcibios_err_to_errno(0x99), -ERANGE);
	assert_int_equal(pcibios_err_to_errno(-EIO), -EIO);
}

static void test_user_accessors_refuse_misaligned_or_outside_with_einval(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *nv, *ah;
	uint32_t d = 0x5a5a5a5a;
	uint16_t w = 0x5a5a;
	uint8_t b = 0x5a;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	assert_int_equal(pcl_pci_scan(h), 2);
	nv = dev_at("00:02.0");
	ah = dev_at("00:03.0");

	assert_int_equal(pci_user_read_config_word(nv, 1, &w), -EINVAL);
	assert_int_equal(pci_user_read_config_dword(nv, 2, &d), -EINVAL);
	assert_int_equal(pci_user_read_config_dword(nv, 4094, &d), -EINVAL);
	assert_int_equal(pci_user_read_config_dword(nv, 4096, &d), -EINVAL);
	assert_int_equal(pci_user_read_config_byte(nv, -1, &b), -EINVAL);
	/* Extended space only where the device has it. */
	assert_int_equal(pci_user_read_config_dword(ah, 256, &d), -EINVAL);
	assert_int_equal(pci_user_read_config_byte(ah, 255, &b), 0);
	assert_int_equal(pci_user_read_config_dword(nv, 256, &d), 0);
	assert_int_equal(PCI_EXT_CAP_ID(d), PCI_EXT_CAP_ID_ERR);
	/* Refused writes change nothing. */
	assert_int_equal(pci_user_write_config_word(nv, PCI_LATENCY_TIMER, 0xffff), -EINVAL);
	assert_int_equal(pci_user_write_config_dword(nv, PCI_COMMAND + 2, ~0u), -EINVAL);
	assert_int_equal(pci_user_write_config_byte(ah, 256, 0xff), -EINVAL);
	assert_int_equal(pci_user_write_config_dword(ah, -4, 0), -EINVAL);
	assert_int_equal(hw_rd(nv, PCI_CACHE_LINE_SIZE, 4), 0);
	assert_int_equal(hw_cmd(nv), 0);
}

/* ------------------------------------------------------------------ */
/* Capabilities                                                         */
/* ------------------------------------------------------------------ */

static void test_find_capability_follows_the_hardware_chain(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *nv, *ah, *lg;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	plug(h, NULL, PCI_DEVFN(4, 0), "legacy");
	assert_int_equal(pcl_pci_scan(h), 3);
	nv = dev_at("00:02.0");
	ah = dev_at("00:03.0");
	lg = dev_at("00:04.0");

	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_PM), 0x40);
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_MSI),
			 pcl_emu_find_cap(nv->hw, PCI_CAP_ID_MSI));
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_MSIX),
			 pcl_emu_find_cap(nv->hw, PCI_CAP_ID_MSIX));
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_EXP),
			 pcl_emu_find_cap(nv->hw, PCI_CAP_ID_EXP));
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_VNDR), 0);
	assert_int_equal(pci_find_capability(ah, PCI_CAP_ID_EXP), 0);
	assert_int_equal(pci_find_capability(ah, PCI_CAP_ID_MSI),
			 pcl_emu_find_cap(ah->hw, PCI_CAP_ID_MSI));
	assert_int_equal(pci_find_capability(lg, PCI_CAP_ID_PM), 0);
	assert_int_equal(lg->pm_cap, 0);
}

static void test_find_next_capability_continues_after_pos(void **state)
{
	struct pci_host_bridge *h = host();
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);
	struct pci_dev *pdev;
	int v1, pm, v2;

	assert_non_null(fn);
	pcl_emu_init_header(fn, 0x1234, 0x0001, 0x00ff0000, 0);
	v1 = pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 8);
	pm = pcl_emu_add_pm(fn);
	v2 = pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 8);
	assert_true(v1 > 0 && pm > v1 && v2 > pm);
	pcl_emu_seal(fn);
	assert_int_equal(pcl_pci_plug(h, NULL, PCI_DEVFN(2, 0), fn), 0);
	assert_int_equal(pcl_pci_scan(h), 1);
	pdev = dev_at("00:02.0");

	/* As Linux: @pos is a capability; the search starts after it. */
	assert_int_equal(pci_find_capability(pdev, PCI_CAP_ID_VNDR), v1);
	assert_int_equal(pci_find_next_capability(pdev, (uint8_t)v1,
						  PCI_CAP_ID_VNDR), v2);
	assert_int_equal(pci_find_next_capability(pdev, (uint8_t)v1,
						  PCI_CAP_ID_PM), pm);
	assert_int_equal(pci_find_next_capability(pdev, (uint8_t)v2,
						  PCI_CAP_ID_VNDR), 0);
	assert_int_equal(pdev->pm_cap, pm);
}

static void test_find_ext_capability_finds_aer_and_dsn(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *nv, *ah, *br;
	uint16_t dsn;
	uint32_t lo, hi;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	plug(h, NULL, PCI_DEVFN(4, 0), "bridge");
	assert_int_equal(pcl_pci_scan(h), 3);
	nv = dev_at("00:02.0");
	ah = dev_at("00:03.0");
	br = dev_at("00:04.0");

	assert_int_equal(pci_find_ext_capability(nv, PCI_EXT_CAP_ID_ERR), 0x100);
	dsn = pci_find_ext_capability(nv, PCI_EXT_CAP_ID_DSN);
	assert_true(dsn > 0x100);
	assert_int_equal(pci_read_config_dword(nv, dsn + PCI_DSN_LOW, &lo), 0);
	assert_int_equal(pci_read_config_dword(nv, dsn + PCI_DSN_HIGH, &hi), 0);
	assert_int_equal(lo, 0x89abcdef);
	assert_int_equal(hi, 0x01234567);
	assert_int_equal(pci_find_ext_capability(nv, 0x000b), 0);
	/* No extended space, no extended capabilities. */
	assert_int_equal(pci_find_ext_capability(ah, PCI_EXT_CAP_ID_ERR), 0);
	/* The root port has AER but no serial number. */
	assert_int_equal(pci_find_ext_capability(br, PCI_EXT_CAP_ID_ERR), 0x100);
	assert_int_equal(pci_find_ext_capability(br, PCI_EXT_CAP_ID_DSN), 0);
}

static void test_looping_capability_lists_terminate(void **state)
{
	struct pci_host_bridge *h = host();
	struct pcl_emu_fn *fn = pcl_emu_model_new("nvme");
	unsigned int exp, dsn = 0, pos = 0x100;
	struct pci_dev *nv;
	uint32_t hdr;

	assert_non_null(fn);
	exp = pcl_emu_find_cap(fn, PCI_CAP_ID_EXP);
	assert_int_not_equal(exp, 0);
	/* Both lists loop: the last entry points back at the first. */
	pcl_emu_set(fn, exp + PCI_CAP_LIST_NEXT, 1, 0x40);
	while ((hdr = pcl_emu_cfg_read(fn, pos, 4)) && PCI_EXT_CAP_NEXT(hdr))
		pos = PCI_EXT_CAP_NEXT(hdr);
	dsn = pos;
	assert_int_equal(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_DSN);
	pcl_emu_set(fn, dsn, 4, (hdr & 0x000fffff) | (0x100u << 20));
	assert_int_equal(pcl_pci_plug(h, NULL, PCI_DEVFN(2, 0), fn), 0);

	alarm(HANG_GUARD_S);
	assert_int_equal(pcl_pci_scan(h), 1);		/* walks on setup */
	nv = dev_at("00:02.0");
	assert_int_equal(nv->pcie_cap, exp);
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_VNDR), 0);
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_EXP), exp);
	assert_int_equal(pci_find_ext_capability(nv, 0x000b), 0);
	assert_int_equal(pci_find_ext_capability(nv, PCI_EXT_CAP_ID_DSN), dsn);
	/* A capability pointing at itself. */
	pcl_emu_set(fn, 0x40 + PCI_CAP_LIST_NEXT, 1, 0x40);
	assert_int_equal(pci_find_capability(nv, PCI_CAP_ID_EXP), 0);
	pcl_emu_set(fn, 0x100, 4, (pcl_emu_cfg_read(fn, 0x100, 4) & 0x000fffff) |
		    (0x100u << 20));
	assert_int_equal(pci_find_ext_capability(nv, PCI_EXT_CAP_ID_DSN), 0);
	alarm(0);
}

/* ------------------------------------------------------------------ */
/* Enabling and bus mastering                                           */
/* ------------------------------------------------------------------ */

static void test_enable_device_sets_decode_for_the_bars_present(void **state)
{
	static const struct {
		const char *slot, *model;
		uint16_t decode;
	} cases[] = {
		{ "00:02.0", "nvme", PCI_COMMAND_MEMORY },
		{ "00:03.0", "ahci", PCI_COMMAND_MEMORY | PCI_COMMAND_IO },
		{ "00:04.0", "legacy", PCI_COMMAND_IO },
		{ "00:05.0", "bridge", 0 },
	};
	struct pci_host_bridge *h = host();
	struct pci_dev *nv;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		plug(h, NULL, PCI_DEVFN(2 + i, 0), cases[i].model);
	assert_int_equal(pcl_pci_scan(h), 4);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pci_dev *pdev = dev_at(cases[i].slot);

		assert_false(pci_is_enabled(pdev));
		assert_int_equal(pci_enable_device(pdev), 0);
		assert_true(pci_is_enabled(pdev));
		assert_int_equal(atomic_read(&pdev->enable_cnt), 1);
		assert_int_equal(hw_cmd(pdev), cases[i].decode);
	}

	/* Enables count; only the last disable acts, and only on mastering. */
	nv = dev_at("00:02.0");
	assert_int_equal(pci_enable_device(nv), 0);
	assert_int_equal(atomic_read(&nv->enable_cnt), 2);
	pci_set_master(nv);
	assert_true(nv->is_busmaster);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_disable_device(nv);
	assert_true(pci_is_enabled(nv));
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_disable_device(nv);
	assert_false(pci_is_enabled(nv));
	assert_false(nv->is_busmaster);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY);
	pci_set_master(nv);
	pci_clear_master(nv);
	assert_false(nv->is_busmaster);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY);
	for (size_t i = 1; i < ARRAY_SIZE(cases); i++)
		pci_disable_device(dev_at(cases[i].slot));
	no_new_reports();
}

static void test_disable_twice_reports_api_and_keeps_the_count_at_zero(void **state)
{
	struct pci_dev *nv = one("nvme");

	assert_int_equal(pci_enable_device(nv), 0);
	pci_disable_device(nv);
	no_new_reports();
	pci_disable_device(nv);
	new_reports(PCL_CHK_API, 1, "disabling already-disabled device 0000:00:02.0");
	assert_string_equal(cap.r[0].device, "0000:00:02.0");
	assert_int_equal(atomic_read(&nv->enable_cnt), 0);
	/* The next enable is a first enable again: decode comes back. */
	pci_write_config_word(nv, PCI_COMMAND, 0);
	assert_int_equal(pci_enable_device(nv), 0);
	assert_int_equal(atomic_read(&nv->enable_cnt), 1);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY);
	pci_disable_device(nv);
	no_new_reports();
}

static int probe_pcim_enable_master(struct tpdrv *d, struct pci_dev *pdev)
{
	int ret = pcim_enable_device(pdev);

	if (ret)
		return ret;
	d->managed_in_probe = pdev->is_managed;
	d->enabled_in_probe = pci_is_enabled(pdev);
	pci_set_master(pdev);
	return 0;
}

static int probe_record(struct tpdrv *d, struct pci_dev *pdev)
{
	d->managed_in_probe = pdev->is_managed;
	d->enabled_in_probe = pci_is_enabled(pdev);
	pci_read_config_word(pdev, PCI_COMMAND, &d->cmd_in_probe);
	d->devres_in_probe = pcl_devres_count(&pdev->dev);
	return 0;
}

static void test_pcim_enable_is_undone_and_managed_reset_at_unbind(void **state)
{
	struct pci_dev *nv = one("nvme");

	T.probe_hook = probe_pcim_enable_master;
	reg(&T);
	assert_int_equal(T.probes, 1);
	assert_true(T.managed_in_probe);
	assert_true(T.enabled_in_probe);
	assert_true(nv->is_managed);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	device_release_driver(&nv->dev);
	assert_int_equal(T.removes, 1);
	assert_false(nv->is_managed);
	assert_false(pci_is_enabled(nv));
	assert_false(nv->is_busmaster);
	assert_int_equal(hw_cmd(nv) & PCI_COMMAND_MASTER, 0);
	assert_int_equal(pcl_devres_count(&nv->dev), 0);
	no_new_reports();

	/* The next driver finds an unmanaged, disabled device. */
	pci_unregister_driver(&T.drv);
	U.probe_hook = probe_record;
	reg(&U);
	assert_int_equal(U.probes, 1);
	assert_false(U.managed_in_probe);
	assert_false(U.enabled_in_probe);
	device_release_driver(&nv->dev);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* INTx                                                                 */
/* ------------------------------------------------------------------ */

static void test_pci_intx_is_pure_in_hardirq_under_spinlock(void **state)
{
	static const enum pcl_host_kind kinds[] = { PCL_HOST_ECAM, PCL_HOST_CONF1 };

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct pci_host_bridge *h = host_kind("t0", kinds[k], 0);
		unsigned long live;
		unsigned int ndr;
		struct pci_dev *nv;
		spinlock_t lock;
		uint16_t cmd_on, cmd_off;
		void *probe_alloc;

		plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
		assert_int_equal(pcl_pci_scan(h), 1);
		nv = dev_at("00:02.0");
		reg(&T);		/* bound: devres would be accepted */
		assert_ptr_equal(nv->dev.driver, &T.drv.driver);
		spin_lock_init(&lock);
		live = pcl_kmem_live();
		ndr = pcl_devres_count(&nv->dev);

		/* Arm fault injection: the next allocation fails. */
		pcl_kmem_fail_nth(1);
		pcl_hardirq_enter();
		spin_lock(&lock);
		pci_intx(nv, 0);
		pci_read_config_word(nv, PCI_COMMAND, &cmd_off);
		pci_intx(nv, 1);
		pci_read_config_word(nv, PCI_COMMAND, &cmd_on);
		pci_intx(nv, 0);
		spin_unlock(&lock);
		pcl_hardirq_exit();
		/* Still armed: pci_intx() allocated nothing, not even briefly. */
		probe_alloc = kmalloc(8, GFP_KERNEL);
		pcl_kmem_fail_nth(0);
		kfree(probe_alloc);
		assert_null(probe_alloc);

		assert_true(cmd_off & PCI_COMMAND_INTX_DISABLE);
		assert_false(cmd_on & PCI_COMMAND_INTX_DISABLE);
		assert_true(hw_cmd(nv) & PCI_COMMAND_INTX_DISABLE);
		assert_int_equal(pcl_kmem_live(), live);
		assert_int_equal(pcl_devres_count(&nv->dev), ndr);
		no_new_reports();

		pci_intx(nv, 1);	/* as found, or unbind reports it */
		pci_unregister_driver(&T.drv);
		no_new_reports();
		pcl_pci_remove_all();
	}
}

static int probe_pcim_intx_flips(struct tpdrv *d, struct pci_dev *pdev)
{
	int found_enabled = !d->arg;

	/* Off, on, off again (relative to what is found): one devres. */
	if (pcim_intx(pdev, !found_enabled))
		return -EIO;
	d->devres_in_probe = pcl_devres_count(&pdev->dev);
	if (pcim_intx(pdev, found_enabled) || pcim_intx(pdev, !found_enabled))
		return -EIO;
	if (pcl_devres_count(&pdev->dev) != d->devres_in_probe)
		return -EIO;
	pci_read_config_word(pdev, PCI_COMMAND, &d->cmd_in_probe);
	return 0;
}

static void test_pcim_intx_restores_the_state_found_at_first_call(void **state)
{
	static const uint16_t initial[] = { 0, PCI_COMMAND_INTX_DISABLE };

	for (size_t i = 0; i < ARRAY_SIZE(initial); i++) {
		struct pci_dev *nv = one("nvme");

		/* "userspace" sets the state before any driver binds */
		assert_int_equal(pci_user_write_config_word(nv, PCI_COMMAND,
							    initial[i]), 0);
		T.probe_hook = probe_pcim_intx_flips;
		T.arg = initial[i];
		T.probes = 0;
		reg(&T);
		assert_int_equal(T.probes, 1);
		assert_ptr_equal(nv->dev.driver, &T.drv.driver);
		assert_int_equal(T.devres_in_probe, 1);
		/* While bound: the opposite of what was found. */
		assert_int_equal(T.cmd_in_probe & PCI_COMMAND_INTX_DISABLE,
				 initial[i] ^ PCI_COMMAND_INTX_DISABLE);
		assert_int_equal(hw_cmd(nv) & PCI_COMMAND_INTX_DISABLE,
				 initial[i] ^ PCI_COMMAND_INTX_DISABLE);

		device_release_driver(&nv->dev);
		assert_int_equal(hw_cmd(nv) & PCI_COMMAND_INTX_DISABLE, initial[i]);
		assert_int_equal(pcl_devres_count(&nv->dev), 0);
		no_new_reports();
		pci_unregister_driver(&T.drv);
		pcl_pci_remove_all();
	}
}

static void test_pcim_intx_without_a_binding_is_refused(void **state)
{
	struct pci_dev *nv = one("nvme");

	assert_int_equal(pcim_intx(nv, 0), -ENODEV);
	new_reports(PCL_CHK_DEVRES, 1, NULL);
	assert_int_equal(hw_cmd(nv) & PCI_COMMAND_INTX_DISABLE, 0);
	assert_int_equal(pcl_devres_count(&nv->dev), 0);
}

/* ------------------------------------------------------------------ */
/* Regions                                                              */
/* ------------------------------------------------------------------ */

static void test_request_region_is_exclusive_until_released(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *nv, *ah;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	assert_int_equal(pcl_pci_scan(h), 2);
	nv = dev_at("00:02.0");
	ah = dev_at("00:03.0");

	assert_int_equal(pci_request_region(ah, 5, "a"), 0);
	assert_string_equal(ah->resource[5].name, "a");
	assert_int_equal(pci_request_region(ah, 5, "b"), -EBUSY);
	assert_string_equal(ah->resource[5].name, "a");
	pci_release_region(ah, 5);
	assert_null(ah->resource[5].name);
	assert_int_equal(pci_request_region(ah, 5, "b"), 0);
	assert_string_equal(ah->resource[5].name, "b");
	pci_release_region(ah, 5);

	/* Bad index; an empty BAR succeeds and holds nothing. */
	assert_int_equal(pci_request_region(ah, PCI_NUM_RESOURCES, "a"), -EINVAL);
	assert_int_equal(pci_request_region(ah, -1, "a"), -EINVAL);
	assert_int_equal(pci_request_region(nv, 1, "a"), 0);
	assert_null(nv->resource[1].name);
	no_new_reports();

	/* Releasing what is not held is reported. */
	pci_release_region(ah, 5);
	new_reports(PCL_CHK_API, 1,
		    "releasing BAR 5 of 0000:00:03.0, which is not requested");

	/* All or nothing: a busy BAR3 leaves BARs 0-2 free again. */
	assert_int_equal(pci_request_region(ah, 3, "x"), 0);
	assert_int_equal(pci_request_regions(ah, "y"), -EBUSY);
	for (int i = 0; i < 6; i++) {
		if (i == 3)
			assert_string_equal(ah->resource[i].name, "x");
		else
			assert_null(ah->resource[i].name);
	}
	pci_release_region(ah, 3);
	assert_int_equal(pci_request_regions(ah, "y"), 0);
	for (int i = 0; i < 6; i++)
		assert_string_equal(ah->resource[i].name, "y");
	pci_release_regions(ah);
	for (int i = 0; i < 6; i++)
		assert_null(ah->resource[i].name);
	no_new_reports();
}

static int probe_pcim_region(struct tpdrv *d, struct pci_dev *pdev)
{
	int ret = pcim_request_region(pdev, 5, "tpci");

	d->devres_in_probe = pcl_devres_count(&pdev->dev);
	return ret;
}

static void test_pcim_request_region_is_released_at_unbind(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *ah;

	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	assert_int_equal(pcl_pci_scan(h), 1);
	ah = dev_at("00:03.0");
	T.probe_hook = probe_pcim_region;
	reg(&T);
	assert_int_equal(T.probes, 1);
	assert_int_equal(T.devres_in_probe, 1);
	assert_string_equal(ah->resource[5].name, "tpci");
	assert_int_equal(pci_request_region(ah, 5, "other"), -EBUSY);

	device_release_driver(&ah->dev);
	assert_null(ah->resource[5].name);
	no_new_reports();
	assert_int_equal(pci_request_region(ah, 5, "other"), 0);
	pci_release_region(ah, 5);
}

/* ------------------------------------------------------------------ */
/* MMIO mappings                                                        */
/* ------------------------------------------------------------------ */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_iomap_reaches_bar_memory_until_iounmap(void **state)
{
	struct pci_dev *nv = one("nvme");
	uint8_t *mem = pcl_emu_bar_mem(nv->hw, 0);
	uint8_t *regs, *small;
	uint32_t not_mmio = 0;

	assert_int_equal(pci_enable_device(nv), 0);
	regs = pci_iomap(nv, 0, 0);
	assert_non_null(regs);
	writel(0xdeadbeef, regs + 0x10);
	assert_int_equal(le32(mem + 0x10), 0xdeadbeef);
	assert_int_equal(readl(regs + 0x10), 0xdeadbeef);
	assert_int_equal(readb(regs + 0x10), 0xef);
	assert_int_equal(readw(regs + 0x12), 0xdead);
	writeq(0x0102030405060708ull, regs + 0x18);
	assert_int_equal(readq(regs + 0x18), 0x0102030405060708ull);
	writeb(0x5a, regs + 0x20);
	writew(0xa55a, regs + 0x22);
	assert_int_equal(readl(regs + 0x20), 0xa55a005a);
	mem[0x30] = 0x77;
	assert_int_equal(readb(regs + 0x30), 0x77);
	/* The last dword of the BAR. */
	writel(0x600df00d, regs + 16384 - 4);
	assert_int_equal(readl(regs + 16384 - 4), 0x600df00d);
	no_new_reports();

	/* Nothing to map. */
	assert_null(pci_iomap(nv, 1, 0));
	assert_null(pci_iomap(nv, 6, 0));
	assert_null(pci_iomap(nv, -1, 0));

	/* A mapping shorter than the BAR ends where it ends. */
	small = pci_iomap(nv, 0, 0x100);
	assert_non_null(small);
	assert_ptr_not_equal(small, regs);
	assert_int_equal(readl(small + 0xfc), 0);
	assert_int_equal(readl(small + 0x10), 0xdeadbeef);
	no_new_reports();
	assert_int_equal(readl(small + 0xfe), 0xffffffff);
	new_reports(PCL_CHK_API, 1, "runs past the mapping");
	assert_int_equal(readl(small + 0x100), 0xffffffff);	/* the guard */
	new_reports(PCL_CHK_API, 1, "runs past the mapping");
	assert_int_equal(readl(small + 0x100000), 0xffffffff);	/* nothing there */
	new_reports(PCL_CHK_REVOKE, 1, "not an iomap address");
	pci_iounmap(nv, small);

	/* Unmapped: reported, all ones, nothing reaches the BAR. */
	pci_iounmap(nv, regs);
	no_new_reports();
	assert_int_equal(readl(regs + 0x10), 0xffffffff);
	new_reports(PCL_CHK_REVOKE, 1, "revoked by pci_iounmap");
	assert_contains(cap.r[cap.n - 1].title, "BAR0+0x10");
	assert_string_equal(cap.r[cap.n - 1].device, "0000:00:02.0");
	writel(0, regs + 0x10);
	new_reports(PCL_CHK_REVOKE, 1, "MMIO write of BAR0+0x10");
	assert_int_equal(le32(mem + 0x10), 0xdeadbeef);
	assert_int_equal(readq(regs), ~0ull);
	new_reports(PCL_CHK_REVOKE, 1, "revoked by pci_iounmap");
	pci_iounmap(nv, regs);
	new_reports(PCL_CHK_REVOKE, 1, "not a live mapping of 0000:00:02.0");
	assert_int_equal(readl(&not_mmio), 0xffffffff);
	new_reports(PCL_CHK_REVOKE, 1, "not an iomap address");
	pci_disable_device(nv);
	no_new_reports();
}

static int probe_pcim_iomap(struct tpdrv *d, struct pci_dev *pdev)
{
	void __iomem *again;
	int ret = pcim_enable_device(pdev);

	if (ret)
		return ret;
	d->regs = pcim_iomap_region(pdev, 0, "tpci");
	if (IS_ERR(d->regs))
		return (int)PTR_ERR(d->regs);
	writel(0x12345678, (uint8_t *)d->regs + 8);
	again = pcim_iomap_region(pdev, 0, "tpci");
	if (!IS_ERR(again) || PTR_ERR(again) != -EBUSY)
		return -EIO;
	again = pcim_iomap_region(pdev, 1, "tpci");
	if (!IS_ERR(again) || PTR_ERR(again) != -EINVAL)
		return -EIO;
	return 0;
}

static void test_pcim_iomap_region_is_unmapped_and_released_at_unbind(void **state)
{
	struct pci_dev *nv = one("nvme");
	uint8_t *regs;

	T.probe_hook = probe_pcim_iomap;
	reg(&T);
	assert_ptr_equal(nv->dev.driver, &T.drv.driver);
	regs = T.regs;
	assert_int_equal(readl(regs + 8), 0x12345678);
	assert_string_equal(nv->resource[0].name, "tpci");
	no_new_reports();

	device_release_driver(&nv->dev);
	assert_null(nv->resource[0].name);
	no_new_reports();			/* no residue */
	assert_int_equal(readl(regs + 8), 0xffffffff);
	new_reports(PCL_CHK_REVOKE, 1, "revoked by pci_iounmap");

	/* pcim_iounmap_region() of what pcim_iomap_region() did not map. */
	pcim_iounmap_region(nv, 0);
	new_reports(PCL_CHK_API, 1, "not mapped with pcim_iomap_region()");
}

static int probe_pcim_iomap_unmap_early(struct tpdrv *d, struct pci_dev *pdev)
{
	int ret = probe_pcim_iomap(d, pdev);

	if (ret)
		return ret;
	pcim_iounmap_region(pdev, 0);
	d->devres_in_probe = pcl_devres_count(&pdev->dev);
	return pdev->resource[0].name ? -EBUSY : 0;
}

static void test_pcim_iounmap_region_undoes_the_mapping_at_once(void **state)
{
	struct pci_dev *nv = one("nvme");

	T.probe_hook = probe_pcim_iomap_unmap_early;
	reg(&T);
	assert_ptr_equal(nv->dev.driver, &T.drv.driver);
	assert_int_equal(T.devres_in_probe, 1);	/* pcim_enable_device's */
	assert_null(nv->resource[0].name);
	no_new_reports();
	assert_int_equal(readl((uint8_t *)T.regs + 8), 0xffffffff);
	new_reports(PCL_CHK_REVOKE, 1, "revoked by pci_iounmap");
	device_release_driver(&nv->dev);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* Residue                                                              */
/* ------------------------------------------------------------------ */

static int probe_master_only(struct tpdrv *d, struct pci_dev *pdev)
{
	pci_set_master(pdev);
	return 0;
}

static int probe_enable_only(struct tpdrv *d, struct pci_dev *pdev)
{
	return pci_enable_device(pdev);
}

static int probe_enable_master(struct tpdrv *d, struct pci_dev *pdev)
{
	int ret = pci_enable_device(pdev);

	if (!ret)
		pci_set_master(pdev);
	return ret;
}

static int probe_leak_iomap(struct tpdrv *d, struct pci_dev *pdev)
{
	int ret = pcim_enable_device(pdev);

	if (ret)
		return ret;
	d->regs = pci_iomap(pdev, 0, 0);
	return d->regs ? 0 : -ENOMEM;
}

static int probe_msi_enable(struct tpdrv *d, struct pci_dev *pdev)
{
	uint16_t flags;

	pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
	pci_write_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS,
			      flags | PCI_MSI_FLAGS_ENABLE);
	return 0;
}

static int probe_region_only(struct tpdrv *d, struct pci_dev *pdev)
{
	return pci_request_region(pdev, 0, "tpci");
}

static int probe_enable_then_fail(struct tpdrv *d, struct pci_dev *pdev)
{
	int ret = pci_enable_device(pdev);

	return ret ? ret : -EIO;
}

/* Bind T with @hook to a fresh nvme, unbind; Return: the device. */
static struct pci_dev *bind_unbind(int (*hook)(struct tpdrv *, struct pci_dev *))
{
	struct pci_dev *nv = one("nvme");

	T.probe_hook = hook;
	reg(&T);
	assert_int_equal(T.probes, 1);
	device_release_driver(&nv->dev);
	assert_null(nv->dev.driver);
	return nv;
}

/* Exactly the residue reports @texts, in order, about 00:02.0 / tpci. */
static void expect_residue(const char *const *texts, unsigned int n)
{
	unsigned int got = cap.n - F.mark;

	if (got != n)
		print_captured(&cap);
	assert_int_equal(got, n);
	for (unsigned int i = 0; i < n; i++) {
		const struct pcl_report *r = &cap.r[F.mark + i];
		char want[160];

		assert_int_equal(r->checker, PCL_CHK_RESIDUE);
		snprintf(want, sizeof(want), "residue after unbind: %s", texts[i]);
		assert_string_equal(r->title, want);
		assert_string_equal(r->device, "0000:00:02.0");
	}
	F.mark = cap.n;
	F.expected_reports = cap.n;
}

/* The next binding starts from clean per-binding flags. */
static void assert_binding_flags_reset(struct pci_dev *pdev)
{
	assert_false(pdev->is_busmaster);
	assert_false(pdev->is_managed);
	assert_int_equal(atomic_read(&pdev->enable_cnt), 0);
	for (int i = 0; i < PCI_NUM_RESOURCES; i++)
		assert_null(pdev->resource[i].name);
}

static void test_residue_bus_master_left_set(void **state)
{
	static const char *const want[] = { "COMMAND: Bus Master left set" };
	struct pci_dev *nv = bind_unbind(probe_master_only);

	expect_residue(want, 1);
	assert_binding_flags_reset(nv);
}

static void test_residue_device_left_enabled(void **state)
{
	static const char *const want[] = { "device left enabled (enable count 1)" };
	struct pci_dev *nv = bind_unbind(probe_enable_only);

	expect_residue(want, 1);
	assert_binding_flags_reset(nv);
}

static void test_residue_bus_master_and_enable_are_two_reports(void **state)
{
	static const char *const want[] = {
		"COMMAND: Bus Master left set",
		"device left enabled (enable count 1)",
	};
	struct pci_dev *nv = bind_unbind(probe_enable_master);

	expect_residue(want, 2);
	assert_string_equal(cap.r[0].driver, "tpci");
	assert_binding_flags_reset(nv);
}

static void test_residue_mapping_left_is_reported_and_revoked(void **state)
{
	static const char *const want[] = { "BAR0 still mapped" };
	struct pci_dev *nv = bind_unbind(probe_leak_iomap);

	expect_residue(want, 1);
	assert_binding_flags_reset(nv);
	assert_int_equal(readl(T.regs), 0xffffffff);
	new_reports(PCL_CHK_REVOKE, 1, "revoked by unbind");
}

/* The capabilities' sizes, as Linux's pci_msi(x)_vec_count() give them. */
static void test_vec_counts(void **state)
{
	struct pci_dev *nvme = one("nvme");

	assert_int_equal(pci_msix_vec_count(nvme), 32);
	assert_int_equal(pci_msi_vec_count(nvme), 1);
	pcl_pci_remove_all();
	assert_int_equal(pci_msix_vec_count(one("legacy")), -EINVAL);
	assert_int_equal(pci_msi_vec_count(dev_at("00:02.0")), -EINVAL);
}

static void test_residue_msi_enable_left_set(void **state)
{
	static const char *const want[] = { "MSI: Enable left set" };
	struct pci_dev *nv = bind_unbind(probe_msi_enable);

	expect_residue(want, 1);
	assert_true(hw_rd(nv, nv->msi_cap + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
}

static void test_residue_region_left_requested(void **state)
{
	static const char *const want[] = { "BAR0 region still requested (by tpci)" };
	struct pci_dev *nv = bind_unbind(probe_region_only);

	expect_residue(want, 1);
	assert_binding_flags_reset(nv);		/* released for the next one */
}

static void test_residue_after_failed_probe(void **state)
{
	static const char *const want[] = { "device left enabled (enable count 1)" };
	struct pci_dev *nv = one("nvme");

	T.probe_hook = probe_enable_then_fail;
	reg(&T);
	assert_int_equal(T.probes, 1);
	assert_null(nv->dev.driver);
	expect_residue(want, 1);
	assert_binding_flags_reset(nv);
}

static int probe_clean(struct tpdrv *d, struct pci_dev *pdev)
{
	uint16_t flags;
	int ret = pci_enable_device(pdev);

	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = pci_request_region(pdev, 0, "tpci");
	if (ret)
		return ret;
	d->regs = pci_iomap(pdev, 0, 0);
	if (!d->regs)
		return -ENOMEM;
	pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
	pci_write_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS,
			      flags | PCI_MSI_FLAGS_ENABLE);
	pci_intx(pdev, 0);
	return 0;
}

static void remove_clean(struct tpdrv *d, struct pci_dev *pdev)
{
	uint16_t flags;

	pci_intx(pdev, 1);
	pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS, &flags);
	pci_write_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS,
			      flags & ~PCI_MSI_FLAGS_ENABLE);
	pci_iounmap(pdev, d->regs);
	pci_release_region(pdev, 0);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

static void test_residue_none_for_a_driver_that_undoes_everything(void **state)
{
	struct pci_dev *nv;

	T.remove_hook = remove_clean;
	nv = bind_unbind(probe_clean);
	assert_int_equal(T.removes, 1);
	no_new_reports();
	assert_binding_flags_reset(nv);
	assert_int_equal(hw_cmd(nv) & (PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE), 0);
}

/* ------------------------------------------------------------------ */
/* State, reset, power                                                  */
/* ------------------------------------------------------------------ */

static void test_save_and_restore_state_round_trip(void **state)
{
	struct pci_dev *nv = one("nvme");
	unsigned int devctl = nv->pcie_cap + PCI_EXP_DEVCTL;
	uint8_t before[64], after[64];
	uint16_t dc0;

	assert_int_equal(pci_enable_device(nv), 0);
	pci_set_master(nv);
	pci_write_config_byte(nv, PCI_LATENCY_TIMER, 0x40);
	pci_write_config_byte(nv, PCI_INTERRUPT_LINE, 0x0b);
	pci_read_config_word(nv, devctl, &dc0);
	pci_write_config_word(nv, devctl, dc0 | PCI_EXP_DEVCTL_CERE);
	for (unsigned int i = 0; i < 64; i++)
		before[i] = (uint8_t)hw_rd(nv, i, 1);

	assert_int_equal(pci_save_state(nv), 0);
	assert_true(nv->state_saved);
	pci_write_config_word(nv, PCI_COMMAND, 0);
	pci_write_config_byte(nv, PCI_LATENCY_TIMER, 0);
	pci_write_config_byte(nv, PCI_INTERRUPT_LINE, 0);
	pci_write_config_dword(nv, PCI_BASE_ADDRESS_0, 0);
	pci_write_config_dword(nv, PCI_BASE_ADDRESS_0 + 4, 0x7);
	pci_write_config_word(nv, devctl, dc0);

	pci_restore_state(nv);
	assert_false(nv->state_saved);
	for (unsigned int i = 0; i < 64; i++)
		after[i] = (uint8_t)hw_rd(nv, i, 1);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(hw_rd(nv, devctl, 2), dc0 | PCI_EXP_DEVCTL_CERE);

	/* Nothing saved: restore does nothing. */
	pci_write_config_byte(nv, PCI_LATENCY_TIMER, 0x10);
	pci_restore_state(nv);
	assert_int_equal(hw_rd(nv, PCI_LATENCY_TIMER, 1), 0x10);
	pci_clear_master(nv);
	pci_disable_device(nv);
}

static void test_reset_function_is_enotty_without_flr(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *ah, *br;

	plug(h, NULL, PCI_DEVFN(3, 0), "ahci");
	plug(h, NULL, PCI_DEVFN(4, 0), "bridge");
	assert_int_equal(pcl_pci_scan(h), 2);
	ah = dev_at("00:03.0");
	br = dev_at("00:04.0");
	assert_int_equal(pci_enable_device(ah), 0);
	pci_set_master(ah);

	assert_int_equal(pci_reset_function(ah), -ENOTTY);
	assert_int_equal(pcie_flr(ah), -ENOTTY);
	assert_int_equal(pci_reset_function(br), -ENOTTY);
	assert_int_equal(pcl_emu_flr_count(ah->hw), 0);
	assert_int_equal(pcl_emu_flr_count(br->hw), 0);
	assert_int_equal(hw_cmd(ah), PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			 PCI_COMMAND_MASTER);
	/* Config access is not left blocked. */
	assert_true(pci_cfg_access_trylock(ah));
	pci_cfg_access_unlock(ah);
	pci_clear_master(ah);
	pci_disable_device(ah);
	no_new_reports();
}

static void test_reset_function_flr_restores_config(void **state)
{
	struct pci_dev *nv = one("nvme");
	unsigned int devctl = nv->pcie_cap + PCI_EXP_DEVCTL;
	uint8_t *mem = pcl_emu_bar_mem(nv->hw, 0);
	uint8_t before[64], after[64];
	uint16_t dc;
	uint32_t table;

	assert_int_equal(pci_enable_device(nv), 0);
	pci_set_master(nv);
	pci_write_config_byte(nv, PCI_LATENCY_TIMER, 0x40);
	pci_read_config_word(nv, devctl, &dc);
	pci_write_config_word(nv, devctl, dc | PCI_EXP_DEVCTL_URRE);
	pci_read_config_dword(nv, nv->msix_cap + PCI_MSIX_TABLE, &table);
	pcl_emu_mmio_write(nv->hw, 0, table + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	assert_int_equal(le32(mem + table + PCI_MSIX_ENTRY_VECTOR_CTRL), 0);
	for (unsigned int i = 0; i < 64; i++)
		before[i] = (uint8_t)hw_rd(nv, i, 1);

	assert_int_equal(pci_reset_function(nv), 0);
	assert_int_equal(pcl_emu_flr_count(nv->hw), 1);
	for (unsigned int i = 0; i < 64; i++)
		after[i] = (uint8_t)hw_rd(nv, i, 1);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_not_equal(hw_rd(nv, PCI_BASE_ADDRESS_0, 4) & ~0xfu, 0);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(hw_rd(nv, devctl, 2), dc | PCI_EXP_DEVCTL_URRE);
	/* The device itself was reset: its vector is masked again. */
	assert_int_equal(le32(mem + table + PCI_MSIX_ENTRY_VECTOR_CTRL),
			 PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_true(pci_cfg_access_trylock(nv));
	pci_cfg_access_unlock(nv);
	pci_clear_master(nv);
	pci_disable_device(nv);
	no_new_reports();
}

static void test_power_state_d3hot_makes_mmio_all_ones_and_d0_restores(void **state)
{
	struct pci_host_bridge *h = host();
	struct pci_dev *nv, *lg;
	uint8_t *regs;
	uint16_t pmcsr;

	plug(h, NULL, PCI_DEVFN(2, 0), "nvme");
	plug(h, NULL, PCI_DEVFN(4, 0), "legacy");
	assert_int_equal(pcl_pci_scan(h), 2);
	nv = dev_at("00:02.0");
	lg = dev_at("00:04.0");
	assert_int_equal(pci_enable_device(nv), 0);
	regs = pci_iomap(nv, 0, 0);
	assert_non_null(regs);
	writel(0x600dcafe, regs + 0x40);

	assert_int_equal(pci_set_power_state(nv, PCI_D3hot), 0);
	assert_int_equal(nv->current_state, PCI_D3hot);
	pci_read_config_word(nv, nv->pm_cap + PCI_PM_CTRL, &pmcsr);
	assert_int_equal(pmcsr & PCI_PM_CTRL_STATE_MASK, 3);
	assert_int_equal(readl(regs + 0x40), 0xffffffff);
	writel(0, regs + 0x40);				/* dropped */
	assert_int_equal(pci_set_power_state(nv, PCI_D3hot), 0);
	no_new_reports();				/* not a driver bug */

	assert_int_equal(pci_set_power_state(nv, PCI_D0), 0);
	assert_int_equal(nv->current_state, PCI_D0);
	assert_int_equal(readl(regs + 0x40), 0x600dcafe);
	assert_int_equal(hw_cmd(nv), PCI_COMMAND_MEMORY);

	assert_int_equal(pci_set_power_state(nv, PCI_D1), -EINVAL);
	assert_int_equal(pci_set_power_state(nv, PCI_D3cold), -EINVAL);
	assert_int_equal(pci_set_power_state(lg, PCI_D3hot), -EIO);

	/* A first enable brings a suspended device back to D0. */
	assert_int_equal(pci_set_power_state(nv, PCI_D3hot), 0);
	pci_disable_device(nv);
	assert_int_equal(pci_enable_device(nv), 0);
	assert_int_equal(nv->current_state, PCI_D0);
	assert_int_equal(readl(regs + 0x40), 0x600dcafe);
	pci_iounmap(nv, regs);
	pci_disable_device(nv);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* driver_override                                                      */
/* ------------------------------------------------------------------ */

static void test_driver_override_binds_a_driver_without_id_table(void **state)
{
	struct pci_dev *nv = one("nvme");

	reg(&N);
	assert_int_equal(N.probes, 0);			/* matches nothing */
	assert_null(nv->dev.driver);
	assert_int_equal(device_set_driver_override(&nv->dev, "tnull"), 0);
	/* A driver whose ids match is not allowed now. */
	reg(&T);
	assert_int_equal(T.probes, 0);
	assert_int_equal(device_attach(&nv->dev), 1);
	assert_int_equal(N.probes, 1);
	assert_ptr_equal(nv->dev.driver, &N.drv.driver);
	assert_non_null(N.last_id);
	assert_int_equal(N.last_id->vendor, PCI_ANY_ID);
	assert_int_equal(N.last_id->device, PCI_ANY_ID);

	device_release_driver(&nv->dev);
	assert_int_equal(N.removes, 1);
	assert_int_equal(device_set_driver_override(&nv->dev, NULL), 0);
	assert_int_equal(device_attach(&nv->dev), 1);
	assert_ptr_equal(nv->dev.driver, &T.drv.driver);
	assert_ptr_equal(T.last_id, &ids_nvme_ahci[0]);
	no_new_reports();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_scan_reads_ids_class_and_config_size),
		T_(test_scan_sizes_bars_into_resources),
		T_(test_bridges_are_numbered_and_devices_behind_reachable),
		T_(test_single_function_device_hides_functions_1_to_7),
		T_(test_bus_device_and_user_accessors_read_and_write),
		T_(test_misaligned_bus_access_is_bad_register_number),
		T_(test_user_accessors_refuse_misaligned_or_outside_with_einval),
		T_(test_find_capability_follows_the_hardware_chain),
		T_(test_find_next_capability_continues_after_pos),
		T_(test_find_ext_capability_finds_aer_and_dsn),
		T_(test_looping_capability_lists_terminate),
		T_(test_enable_device_sets_decode_for_the_bars_present),
		T_(test_disable_twice_reports_api_and_keeps_the_count_at_zero),
		T_(test_pcim_enable_is_undone_and_managed_reset_at_unbind),
		T_(test_pci_intx_is_pure_in_hardirq_under_spinlock),
		T_(test_pcim_intx_restores_the_state_found_at_first_call),
		T_(test_pcim_intx_without_a_binding_is_refused),
		T_(test_request_region_is_exclusive_until_released),
		T_(test_pcim_request_region_is_released_at_unbind),
		T_(test_iomap_reaches_bar_memory_until_iounmap),
		T_(test_pcim_iomap_region_is_unmapped_and_released_at_unbind),
		T_(test_pcim_iounmap_region_undoes_the_mapping_at_once),
		T_(test_residue_bus_master_left_set),
		T_(test_residue_device_left_enabled),
		T_(test_residue_bus_master_and_enable_are_two_reports),
		T_(test_residue_mapping_left_is_reported_and_revoked),
		T_(test_vec_counts),
		T_(test_residue_msi_enable_left_set),
		T_(test_residue_region_left_requested),
		T_(test_residue_after_failed_probe),
		T_(test_residue_none_for_a_driver_that_undoes_everything),
		T_(test_save_and_restore_state_round_trip),
		T_(test_reset_function_is_enotty_without_flr),
		T_(test_reset_function_flr_restores_config),
		T_(test_power_state_d3hot_makes_mmio_all_ones_and_d0_restores),
		T_(test_driver_override_binds_a_driver_without_id_table),
#undef T_
	};

	assert_int_equal(pcl_pci_init(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
