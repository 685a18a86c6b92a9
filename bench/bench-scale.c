// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Scale: enumerate and bind 1 000, 10 000 and 100 000 emulated PCI
 * Express functions (NIC models: 4 KiB config space each); time and
 * resident memory per function, everything included (config arrays,
 * struct pci_dev, the binding's devres).  Host bridges of 31 root ports
 * with 32 functions behind each: 992 functions per host.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include <string.h>
#include <pcilab/base.h>
#include <pcilab/emu.h>
#include <pcilab/pci.h>
#include "bench.h"

#define PORTS		31
#define PER_PORT	32

static int scale_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pcim_enable_device(pdev);

	if (!ret)
		pci_set_master(pdev);
	return ret;
}

static const struct pci_device_id scale_ids[] = {
	{ PCI_DEVICE(0x8086, 0x10d3) },		/* the "nic" model */
	{ 0 }
};

static struct pci_driver scale_driver = {
	.name = "bench-scale",
	.id_table = scale_ids,
	.probe = scale_probe,
};

/* Build one host with up to @n functions; Return: how many. */
static unsigned int build_host(struct pci_host_bridge *h, unsigned int n)
{
	unsigned int made = 0;

	for (unsigned int p = 0; p < PORTS && made < n; p++) {
		struct pcl_emu_bus *bus;

		if (pcl_pci_plug(h, NULL, PCI_DEVFN(p + 1, 0), pcl_emu_model_new("bridge")))
			break;
		bus = pcl_pci_child_bus(h, NULL, PCI_DEVFN(p + 1, 0));
		for (unsigned int d = 0; d < PER_PORT && made < n; d++, made++)
			if (pcl_pci_plug(h, bus, PCI_DEVFN(d, 0), pcl_emu_model_new("nic")))
				return made;
	}
	return made;
}

static void scale_case(unsigned int n)
{
	unsigned int nhosts = (n + PORTS * PER_PORT - 1) / (PORTS * PER_PORT);
	struct pci_host_bridge **hosts = calloc(nhosts, sizeof(*hosts));
	unsigned int made = 0;
	long rss0, rss1;
	double t0, t1;
	struct bench_fig f;
	char name[80];

	if (!hosts)
		return;
	rss0 = bench_rss_kib();
	t0 = bench_now_ns();
	for (unsigned int i = 0; i < nhosts; i++) {
		hosts[i] = bench_host(0);
		made += build_host(hosts[i], n - made);
		pcl_pci_scan(hosts[i]);		/* enumerate; bench-scale binds */
	}
	t1 = bench_now_ns();
	rss1 = bench_rss_kib();
	snprintf(name, sizeof(name), "enumerate+bind, %u functions", n);
	bench_fig_init(&f, "scale", name);
	f.median = f.min = f.max = (t1 - t0) / made / 1000;
	strcpy(f.unit, "us/fn");
	f.kib_per_fn = (double)(rss1 - rss0) / made;
	f.param = n;
	snprintf(f.series, sizeof(f.series), "scale-time");
	bench_add(&f);
	for (unsigned int i = 0; i < nhosts; i++)
		pcl_pci_host_remove(hosts[i]);
	free(hosts);
}

void bench_scale(void)
{
	pci_register_driver(&scale_driver);
	scale_case(1000);
	scale_case(10000);
	if (!bench_opts.quick)
		scale_case(100000);
	pci_unregister_driver(&scale_driver);
}
