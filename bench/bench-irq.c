// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interrupt delivery: device raise -> handler return, for MSI-X through
 * the ITS-like translator, MSI, a shared level INTx line with 1 and 4
 * handlers, and a VMD-like child through the demultiplexer; inline
 * (deterministic) and on emulated CPU threads.  Baseline: a table lookup
 * and an indirect call, the floor any dispatcher pays.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <pcilab/base.h>
#include <pcilab/emu.h>
#include <pcilab/irq.h>
#include <pcilab/pci.h>
#include "bench.h"

/* ---- the baseline ---- */

typedef int (*dispatch_fn)(void *arg);

static int count_handler(void *arg)
{
	(*(volatile unsigned long *)arg)++;
	return 1;
}

static dispatch_fn table[64];
static volatile unsigned int slot_idx;

static void baseline(void *ctx, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		table[(slot_idx + i) & 63](ctx);
}

/* ---- the machine side ---- */

struct irq_ctx {
	struct pci_dev *pdev;
	unsigned int vector;
	_Atomic unsigned long count;
	unsigned int handlers;
	unsigned int irq;
	void *ids[4];
};

static irqreturn_t bench_handler(int irq, void *data)
{
	_Atomic unsigned long *count = data;

	atomic_fetch_add_explicit(count, 1, memory_order_relaxed);
	return IRQ_HANDLED;
}

static irqreturn_t shared_handler(int irq, void *data)
{
	struct irq_ctx *c = *(struct irq_ctx **)data;

	if (data == &c->ids[0])		/* count the interrupt once */
		atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
	return IRQ_HANDLED;
}

static void raise_inline(void *ctx, unsigned long n)
{
	struct irq_ctx *c = ctx;

	for (unsigned long i = 0; i < n; i++)
		pcl_pci_raise(c->pdev, c->vector);
}

/*
 * CPU-thread mode: the cost per interrupt of a stream of them, in bursts
 * of 256 (a VMD-like bridge's event FIFO holds 1024: a longer burst
 * would overflow it and lose events, as the hardware would).  A burst
 * that stops making progress for a second is given up, and said.
 */
#define BURST	256

static void raise_threads(void *ctx, unsigned long n)
{
	struct irq_ctx *c = ctx;

	for (unsigned long done = 0; done < n;) {
		unsigned long burst = n - done < BURST ? n - done : BURST;
		unsigned long want = atomic_load(&c->count) + burst, last = 0;
		double stuck = bench_now_ns();

		for (unsigned long i = 0; i < burst; i++)
			pcl_pci_raise(c->pdev, c->vector);
		while (atomic_load(&c->count) < want) {
			unsigned long now = atomic_load(&c->count);

			if (now != last) {
				last = now;
				stuck = bench_now_ns();
			} else if (bench_now_ns() - stuck > 1e9) {
				fprintf(stderr, "pcilab bench: %lu interrupts lost\n", want - now);
				break;
			}
			sched_yield();
		}
		done += burst;
	}
}

static void setup_vectors(struct irq_ctx *c, unsigned int type,
			  unsigned int handlers)
{
	int ret;

	pci_enable_device(c->pdev);
	pci_set_master(c->pdev);
	ret = pci_alloc_irq_vectors(c->pdev, 1, 1, type);
	if (ret < 1) {
		fprintf(stderr, "pcilab bench: no vector (%d)\n", ret);
		exit(1);
	}
	c->irq = (unsigned int)pci_irq_vector(c->pdev, 0);
	c->handlers = handlers;
	if (handlers == 0) {
		request_irq(c->irq, bench_handler, 0, "bench", &c->count);
		return;
	}
	for (unsigned int i = 0; i < handlers; i++) {
		c->ids[i] = c;
		request_irq(c->irq, shared_handler, IRQF_SHARED, "bench", &c->ids[i]);
	}
}

static void teardown_vectors(struct irq_ctx *c)
{
	if (c->handlers == 0)
		free_irq(c->irq, &c->count);
	for (unsigned int i = 0; i < c->handlers; i++)
		free_irq(c->irq, &c->ids[i]);
	pci_free_irq_vectors(c->pdev);
	pci_clear_master(c->pdev);
	pci_disable_device(c->pdev);
	put_device(&c->pdev->dev);
}

static void measure(struct irq_ctx *c, const char *name, bool threads)
{
	struct bench_fig f;
	unsigned long before = atomic_load(&c->count);

	bench_fig_init(&f, "irq", name);
	snprintf(f.baseline, sizeof(f.baseline), "baseline: table lookup + indirect call");
	if (threads)
		pcl_cpus_start(2);
	bench_measure(threads ? raise_threads : raise_inline, c, &f);
	if (threads)
		pcl_cpus_stop();
	if (atomic_load(&c->count) == before)
		fprintf(stderr, "pcilab bench: %s: no interrupt was handled\n", name);
	bench_add(&f);
}

static void device_case(const char *model, unsigned int type,
			unsigned int handlers, const char *name,
			const char *name_threads)
{
	struct pci_host_bridge *h = bench_host(0);
	struct irq_ctx c = { 0 };

	c.pdev = bench_plug(h, 2, type == PCI_IRQ_MSIX ? bench_nvme_fn(32)
						      : pcl_emu_model_new(model));
	setup_vectors(&c, type, handlers);
	measure(&c, name, false);
	if (name_threads)
		measure(&c, name_threads, true);
	teardown_vectors(&c);
	pcl_pci_host_remove(h);
}

static void vmd_case(void)
{
	struct pcl_module *vmd = pcl_module_find("vmd-lite");
	struct pci_host_bridge *h = bench_host(0), *child;
	struct pci_dev *bridge;
	struct irq_ctx c = { 0 };

	bridge = bench_plug(h, 5, pcl_emu_model_new("vmd"));
	if (!vmd || pcl_module_load(vmd) || !(child = pcl_pci_host_find("vmd0"))) {
		fprintf(stderr, "pcilab bench: vmd-lite did not bind\n");
		exit(1);
	}
	c.pdev = bench_plug(child, 0, bench_nvme_fn(32));
	setup_vectors(&c, PCI_IRQ_MSIX, 0);
	measure(&c, "VMD child via demux, inline", false);
	measure(&c, "VMD child via demux, 2 CPU threads", true);
	teardown_vectors(&c);
	pcl_module_unload(vmd);
	put_device(&bridge->dev);
	pcl_pci_host_remove(h);
}

void bench_irq(void)
{
	struct bench_fig f;
	unsigned long count = 0;

	for (int i = 0; i < 64; i++)
		table[i] = count_handler;
	bench_fig_init(&f, "irq", "baseline: table lookup + indirect call");
	bench_measure(baseline, &count, &f);
	bench_add(&f);

	device_case("nvme", PCI_IRQ_MSIX, 0, "MSI-X via ITS, inline",
		    "MSI-X via ITS, 2 CPU threads");
	device_case("ahci", PCI_IRQ_MSI, 0, "MSI via ITS, inline", NULL);
	device_case("legacy", PCI_IRQ_INTX, 1, "INTx shared level, 1 handler, inline", NULL);
	device_case("legacy", PCI_IRQ_INTX, 4, "INTx shared level, 4 handlers, inline", NULL);
	vmd_case();
}
