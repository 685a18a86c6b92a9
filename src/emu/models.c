// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Built-in device models: functions whose config space real drivers'
 * probe paths expect, built with the capability builders.  Their BARs
 * are plain memory (registers read back what was written), enough for the
 * lifecycle paths; device behaviour comes with the IRQ and char layers.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

#define VENDOR_REDHAT	0x1b36	/* QEMU's test vendor id */

static bool ok(int r)
{
	return r >= 0;
}

static struct pcl_emu_fn *nvme(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_EXP_SIZE);

	if (!fn)
		return NULL;
	pcl_emu_init_header(fn, VENDOR_REDHAT, 0x0010, 0x01080202, 0);
	pcl_emu_set_subsystem(fn, VENDOR_REDHAT, 0x1100);
	pcl_emu_set_irq_pin(fn, 1);
	if (ok(pcl_emu_add_bar(fn, 0, 16384, PCL_BAR_MEM64)) &&
	    ok(pcl_emu_add_pm(fn)) && ok(pcl_emu_add_msi(fn, 0, true, true)) &&
	    ok(pcl_emu_add_msix(fn, 32, 0, 0x2000, 0, 0x3000)) &&
	    ok(pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, true)) &&
	    ok(pcl_emu_add_aer(fn)) && ok(pcl_emu_add_dsn(fn, 0x0123456789abcdefull)))
		return fn;
	pcl_emu_fn_free(fn);
	return NULL;
}

static struct pcl_emu_fn *ahci(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);

	if (!fn)
		return NULL;
	pcl_emu_init_header(fn, 0x8086, 0x2922, 0x01060102, 0);
	pcl_emu_set_subsystem(fn, VENDOR_REDHAT, 0x1100);
	pcl_emu_set_irq_pin(fn, 1);
	if (ok(pcl_emu_add_bar(fn, 0, 8, PCL_BAR_IO)) &&
	    ok(pcl_emu_add_bar(fn, 1, 4, PCL_BAR_IO)) &&
	    ok(pcl_emu_add_bar(fn, 2, 8, PCL_BAR_IO)) &&
	    ok(pcl_emu_add_bar(fn, 3, 4, PCL_BAR_IO)) &&
	    ok(pcl_emu_add_bar(fn, 4, 32, PCL_BAR_IO)) &&
	    ok(pcl_emu_add_bar(fn, 5, 8192, PCL_BAR_MEM32)) &&
	    ok(pcl_emu_add_pm(fn)) && ok(pcl_emu_add_msi(fn, 0, true, true)))
		return fn;
	pcl_emu_fn_free(fn);
	return NULL;
}

static struct pcl_emu_fn *nic(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_EXP_SIZE);

	if (!fn)
		return NULL;
	pcl_emu_init_header(fn, 0x8086, 0x10d3, 0x02000000, 0);
	pcl_emu_set_subsystem(fn, VENDOR_REDHAT, 0x1100);
	pcl_emu_set_irq_pin(fn, 1);
	if (ok(pcl_emu_add_bar(fn, 0, 131072, PCL_BAR_MEM32)) &&
	    ok(pcl_emu_add_bar(fn, 3, 16384, PCL_BAR_MEM32)) &&
	    ok(pcl_emu_add_pm(fn)) && ok(pcl_emu_add_msi(fn, 2, true, false)) &&
	    ok(pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, true)) &&
	    ok(pcl_emu_add_msix(fn, 8, 3, 0x0000, 3, 0x2000)) &&
	    ok(pcl_emu_add_aer(fn)))
		return fn;
	pcl_emu_fn_free(fn);
	return NULL;
}

static struct pcl_emu_fn *legacy(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);

	if (!fn)
		return NULL;
	pcl_emu_init_header(fn, VENDOR_REDHAT, 0x0005, 0x00ff0000, 0);
	pcl_emu_set_subsystem(fn, VENDOR_REDHAT, 0x1100);
	pcl_emu_set_irq_pin(fn, 1);
	if (ok(pcl_emu_add_bar(fn, 0, 256, PCL_BAR_IO)))
		return fn;
	pcl_emu_fn_free(fn);
	return NULL;
}

static struct pcl_emu_fn *bridge(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_EXP_SIZE);

	if (!fn)
		return NULL;
	pcl_emu_init_header(fn, VENDOR_REDHAT, 0x000c, 0x06040000,
			    PCI_HEADER_TYPE_BRIDGE);
	pcl_emu_set_irq_pin(fn, 1);
	if (ok(pcl_emu_add_pm(fn)) && ok(pcl_emu_add_msi(fn, 0, true, false)) &&
	    ok(pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ROOT_PORT, false)) &&
	    ok(pcl_emu_add_aer(fn)))
		return fn;
	pcl_emu_fn_free(fn);
	return NULL;
}

static const struct {
	const char *name;
	struct pcl_emu_fn *(*build)(void);
} models[] = {
	{ "nvme", nvme },
	{ "ahci", ahci },
	{ "nic", nic },
	{ "legacy", legacy },
	{ "bridge", bridge },
	{ "vmd", pcl__emu_vmd_new },
	{ "switchtec", pcl__emu_switchtec_new },
};

struct pcl_emu_fn *pcl_emu_model_new(const char *model)
{
	for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
		if (strcmp(models[i].name, model))
			continue;
		struct pcl_emu_fn *fn = models[i].build();

		if (fn)
			pcl_emu_seal(fn);
		return fn;
	}
	return NULL;
}

const char *pcl_emu_model_names(void)
{
	return "nvme ahci nic legacy bridge vmd switchtec";
}
