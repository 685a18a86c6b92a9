// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lifecycle costs: bind + unbind of each sample driver; of nvme-lite with
 * 1 to 2048 vectors; unbind of a driver holding K revocable resources;
 * removal of vmd-lite with N child IRQs.  Each with the RCU grace periods
 * it waited per operation: Linux's VMD pays one synchronize_srcu() per
 * child IRQ and Rust's Devres one synchronize_rcu() per resource; the
 * goal here is a constant, at most 2.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include <string.h>
#include <pcilab/base.h>
#include <pcilab/emu.h>
#include <pcilab/irq.h>
#include <pcilab/pci.h>
#include "bench.h"

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "pcilab bench: %s\n", what);
	exit(1);
}

/* ---- bind + unbind ---- */

struct cycle_ctx {
	struct pci_dev *pdev;
	unsigned long gps, all;
};

static void cycle(void *ctx, unsigned long n)
{
	struct cycle_ctx *c = ctx;
	unsigned long g0 = pcl_rcu_grace_periods_waited();
	unsigned long a0 = pcl_rcu_grace_periods();

	for (unsigned long i = 0; i < n; i++) {
		device_release_driver(&c->pdev->dev);
		if (device_attach(&c->pdev->dev) != 1)
			die("a sample driver did not bind again");
	}
	c->gps += pcl_rcu_grace_periods_waited() - g0;
	c->all += pcl_rcu_grace_periods() - a0;
}

static void measure_cycle(struct pci_dev *pdev, const char *name,
			  const char *series, long param)
{
	struct cycle_ctx c = { .pdev = pdev };
	unsigned long iters = 0;
	struct bench_fig f;
	double t0;

	bench_fig_init(&f, "lifecycle", name);
	/* Calibrate to about the target time, at least 3 cycles. */
	t0 = bench_now_ns();
	cycle(&c, 2);
	iters = (unsigned long)(bench_opts.target_ms * 1e6 / ((bench_now_ns() - t0) / 2));
	if (iters < 3)
		iters = 3;
	c.gps = c.all = 0;
	bench_measure_n(cycle, &c, iters, &f);
	f.median /= 1000;
	f.min /= 1000;
	f.max /= 1000;
	strcpy(f.unit, "us/op");
	f.gp_per_op = (double)c.gps / (double)(iters * bench_opts.reps + (iters < 16 ? iters : 16));
	f.gp_all_per_op = (double)c.all / (double)(iters * bench_opts.reps + (iters < 16 ? iters : 16));
	f.param = param;
	if (series)
		snprintf(f.series, sizeof(f.series), "%s", series);
	bench_add(&f);
}

static void driver_case(const char *module, struct pcl_emu_fn *fn,
			const char *override)
{
	struct pcl_module *m = pcl_module_find(module);
	struct pci_host_bridge *h = bench_host(0);
	struct pci_dev *pdev = bench_plug(h, 2, fn);
	char name[80];

	if (!m || pcl_module_load(m))
		die("cannot load a sample driver");
	if (override) {
		device_set_driver_override(&pdev->dev, override);
		device_attach(&pdev->dev);
	}
	if (!device_is_bound(&pdev->dev))
		die("a sample driver did not bind");
	snprintf(name, sizeof(name), "bind+unbind %s", module);
	measure_cycle(pdev, name, NULL, -1);
	pcl_module_unload(m);
	put_device(&pdev->dev);
	pcl_pci_host_remove(h);
}

static void nvme_vectors(void)
{
	static const unsigned int sizes[] = { 1, 32, 256, 2048 };
	struct pcl_module *m = pcl_module_find("nvme-lite");

	if (!m || pcl_module_load(m))
		die("cannot load nvme-lite");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct pci_host_bridge *h = bench_host(0);
		struct pci_dev *pdev = bench_plug(h, 2, bench_nvme_fn(sizes[i]));
		char name[80];

		snprintf(name, sizeof(name), "bind+unbind nvme-lite, %u vectors", sizes[i]);
		measure_cycle(pdev, name, "nvme-vectors", sizes[i]);
		put_device(&pdev->dev);
		pcl_pci_host_remove(h);
	}
	pcl_module_unload(m);
}

/*
 * Time one unbind of @pdev, in microseconds, adding the grace periods it
 * waited for to *@gps and all grace periods meanwhile to *@all.  Earlier
 * set-up's callbacks are served first, so they are not counted.
 */
static double timed_unbind(struct pci_dev *pdev, unsigned long *gps,
			   unsigned long *all)
{
	unsigned long g0, a0;
	double t0, us;

	rcu_barrier();
	g0 = pcl_rcu_grace_periods_waited();
	a0 = pcl_rcu_grace_periods();
	t0 = bench_now_ns();
	device_release_driver(&pdev->dev);
	us = (bench_now_ns() - t0) / 1000;
	*gps += pcl_rcu_grace_periods_waited() - g0;
	*all += pcl_rcu_grace_periods() - a0;
	return us;
}

/* ---- K revocable resources ---- */

static unsigned int revocables_k;
static int dummy_resource[1000];

static int rev_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	for (unsigned int i = 0; i < revocables_k; i++)
		if (!devm_revocable_provider_alloc(&pdev->dev, &dummy_resource[i]))
			return -ENOMEM;
	return 0;
}

static const struct pci_device_id rev_ids[] = {
	{ PCI_DEVICE(0x1b36, 0x0005) },		/* the "legacy" model */
	{ 0 }
};

static struct pci_driver rev_driver = {
	.name = "bench-revocable",
	.id_table = rev_ids,
	.probe = rev_probe,
};

/* Time the unbind only; the bind is set-up. */
static void revocable_case(unsigned int k, struct pci_dev *pdev)
{
	unsigned int reps = bench_opts.reps, iters = bench_opts.quick ? 10 : 30;
	double s[31];
	unsigned long gps = 0, all = 0;
	struct bench_fig f;
	char name[80];

	revocables_k = k;
	snprintf(name, sizeof(name), "unbind, K=%u revocables", k);
	bench_fig_init(&f, "lifecycle", name);
	for (unsigned int r = 0; r < reps && r < 31; r++) {
		double total = 0;

		for (unsigned int i = 0; i < iters; i++) {
			if (device_attach(&pdev->dev) != 1)
				die("bench-revocable did not bind");
			total += timed_unbind(pdev, &gps, &all);
		}
		s[r] = total / iters;
	}
	bench_stats(s, reps < 31 ? reps : 31, &f);
	strcpy(f.unit, "us/op");
	f.gp_per_op = (double)gps / (double)(reps * iters);
	f.gp_all_per_op = (double)all / (double)(reps * iters);
	f.param = k;
	snprintf(f.series, sizeof(f.series), "revocables");
	bench_add(&f);
}

static void revocables(void)
{
	static const unsigned int ks[] = { 1, 10, 100, 1000 };
	struct pci_host_bridge *h = bench_host(0);
	struct pci_dev *pdev;

	pci_register_driver(&rev_driver);
	revocables_k = 1;
	pdev = bench_plug(h, 2, pcl_emu_model_new("legacy"));
	device_release_driver(&pdev->dev);
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++)
		revocable_case(ks[i], pdev);
	pci_unregister_driver(&rev_driver);
	put_device(&pdev->dev);
	pcl_pci_host_remove(h);
}

/* ---- vmd-lite removal with N child IRQs ---- */

static unsigned int child_n;

static irqreturn_t child_irq(int irq, void *data)
{
	return IRQ_HANDLED;
}

static int child_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pcim_enable_device(pdev), nvec;

	if (ret)
		return ret;
	pci_set_master(pdev);
	nvec = pcim_alloc_irq_vectors(pdev, child_n, child_n, PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	for (int i = 0; i < nvec; i++) {
		ret = devm_request_irq(&pdev->dev, (unsigned int)pci_irq_vector(pdev, (unsigned int)i),
				       child_irq, 0, "bench-child", pdev);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct pci_device_id child_ids[] = {
	{ PCI_DEVICE(0x1b36, 0x0010) },
	{ 0 }
};

static struct pci_driver child_driver = {
	.name = "bench-child",
	.id_table = child_ids,
	.probe = child_probe,
};

static void vmd_case(unsigned int n, struct pci_dev *vmd)
{
	unsigned int reps = bench_opts.quick ? 3 : 5;
	double s[8];
	unsigned long gps = 0, all = 0;
	struct bench_fig f;
	char name[80];

	child_n = n;
	snprintf(name, sizeof(name), "vmd-lite removal, N=%u child IRQs", n);
	bench_fig_init(&f, "lifecycle", name);
	for (unsigned int r = 0; r < reps; r++) {
		struct pci_host_bridge *child;

		if (device_attach(&vmd->dev) != 1 || !(child = pcl_pci_host_find("vmd0")))
			die("vmd-lite did not bind");
		if (pcl_pci_plug(child, NULL, PCI_DEVFN(0, 0), bench_nvme_fn(n)))
			die("cannot plug a VMD child");
		pcl_pci_scan(child);
		s[r] = timed_unbind(vmd, &gps, &all);
	}
	bench_stats(s, reps, &f);
	strcpy(f.unit, "us/op");
	f.gp_per_op = (double)gps / reps;
	f.gp_all_per_op = (double)all / reps;
	f.param = n;
	snprintf(f.series, sizeof(f.series), "vmd-removal");
	bench_add(&f);
}

static void vmd_removal(void)
{
	static const unsigned int ns[] = { 1, 16, 256, 2048 };
	struct pcl_module *vmd = pcl_module_find("vmd-lite");
	struct pci_host_bridge *h = bench_host(0);
	struct pci_dev *pdev = bench_plug(h, 5, pcl_emu_model_new("vmd"));

	pci_register_driver(&child_driver);
	if (!vmd || pcl_module_load(vmd))
		die("cannot load vmd-lite");
	device_release_driver(&pdev->dev);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		vmd_case(ns[i], pdev);
	pcl_module_unload(vmd);
	pci_unregister_driver(&child_driver);
	put_device(&pdev->dev);
	pcl_pci_host_remove(h);
}

void bench_lifecycle(void)
{
	driver_case("pci-good", pcl_emu_model_new("nic"), NULL);
	driver_case("nvme-lite", pcl_emu_model_new("nvme"), NULL);
	driver_case("switchtec-lite", pcl_emu_model_new("switchtec"), NULL);
	driver_case("ahci-lite", pcl_emu_model_new("ahci"), NULL);
	driver_case("vfio-lite", pcl_emu_model_new("nic"), "vfio-lite");
	driver_case("vmd-lite", pcl_emu_model_new("vmd"), NULL);
	nvme_vectors();
	revocables();
	vmd_removal();
}
