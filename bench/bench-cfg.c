// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Config-space access: dword reads and writes through the public
 * accessors, on a lockless (ECAM) and a serialised (CONF1) host bridge,
 * from 1 and 2 threads, and through the user accessors.  Baselines: a
 * plain load through an ops table, and an uncontended mutex around one.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pthread.h>
#include <string.h>
#include <pcilab/base.h>
#include <pcilab/emu.h>
#include <pcilab/pci.h>
#include "bench.h"

/* ---- baselines ---- */

struct fake_ops {
	uint32_t (*read)(const uint8_t *cfg, int where);
};

static uint32_t fake_read(const uint8_t *cfg, int where)
{
	uint32_t v;

	memcpy(&v, cfg + where, 4);
	return v;
}

static const struct fake_ops fake = { fake_read };
static const struct fake_ops *volatile fake_ops = &fake;
static uint8_t fake_cfg[256];
static volatile uint32_t sink;
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

static void base_ops(void *ctx, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink = fake_ops->read(fake_cfg, (int)(i & 0x3c));
}

static void base_mutex(void *ctx, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		pthread_mutex_lock(&fake_lock);
		sink = fake_ops->read(fake_cfg, (int)(i & 0x3c));
		pthread_mutex_unlock(&fake_lock);
	}
}

/* ---- the accessors ---- */

struct cfg_ctx {
	struct pci_dev *dev[2];
	int mode;		/* 0 read, 1 write, 2 user read */
	unsigned long n;
	int which;
};

static void *one_thread(void *arg)
{
	struct cfg_ctx *c = arg;
	struct pci_dev *d = c->dev[c->which];
	uint32_t v;

	for (unsigned long i = 0; i < c->n; i++) {
		switch (c->mode) {
		case 0:
			pci_read_config_dword(d, PCI_VENDOR_ID, &v);
			sink = v;
			break;
		case 1:	/* interrupt line: a plain read-write register */
			pci_write_config_dword(d, PCI_INTERRUPT_LINE, 0x0100000b);
			break;
		default:
			pci_user_read_config_dword(d, PCI_VENDOR_ID, &v);
			sink = v;
		}
	}
	return NULL;
}

static void run1(void *ctx, unsigned long n)
{
	struct cfg_ctx *c = ctx;

	c->n = n;
	c->which = 0;
	one_thread(c);
}

/* Two threads, each on its own device: the time per access overall. */
static void run2(void *ctx, unsigned long n)
{
	struct cfg_ctx *c = ctx, c2 = *c;
	pthread_t t;

	c->n = c2.n = n / 2 ? n / 2 : 1;
	c->which = 0;
	c2.which = 1;
	pthread_create(&t, NULL, one_thread, &c2);
	one_thread(c);
	pthread_join(t, NULL);
}

static void host_case(int conf1)
{
	struct pci_host_bridge *h = bench_host(conf1);
	const char *kind = conf1 ? "CONF1" : "ECAM";
	struct cfg_ctx c = { 0 };
	struct bench_fig f;
	char name[80];
	const char *base = conf1 ? "baseline: uncontended mutex + ops-table load"
				 : "baseline: ops-table load";

	c.dev[0] = bench_plug(h, 2, pcl_emu_model_new("nic"));
	c.dev[1] = bench_plug(h, 3, pcl_emu_model_new("nic"));
	for (int mode = 0; mode < 2; mode++) {
		for (int threads = 1; threads <= 2; threads++) {
			snprintf(name, sizeof(name), "%s %s, %d thread%s", kind,
				 mode ? "write" : "read", threads, threads > 1 ? "s" : "");
			bench_fig_init(&f, "cfg", name);
			snprintf(f.baseline, sizeof(f.baseline), "%s", base);
			c.mode = mode;
			bench_measure(threads == 1 ? run1 : run2, &c, &f);
			bench_add(&f);
		}
	}
	snprintf(name, sizeof(name), "user read (%s)", kind);
	bench_fig_init(&f, "cfg", name);
	snprintf(f.baseline, sizeof(f.baseline), "%s", base);
	c.mode = 2;
	bench_measure(run1, &c, &f);
	bench_add(&f);
	put_device(&c.dev[0]->dev);
	put_device(&c.dev[1]->dev);
	pcl_pci_host_remove(h);
}

void bench_cfg(void)
{
	struct bench_fig f;

	/* Time the serialised path itself, not the emulation's deliberate
	 * yield between CONF1's two steps (a test aid, pci.h). */
	pcl_pci_set_conf1_window(false);
	bench_fig_init(&f, "cfg", "baseline: ops-table load");
	bench_measure(base_ops, NULL, &f);
	bench_add(&f);
	bench_fig_init(&f, "cfg", "baseline: uncontended mutex + ops-table load");
	bench_measure(base_mutex, NULL, &f);
	bench_add(&f);
	host_case(0);
	host_case(1);
	pcl_pci_set_conf1_window(true);
}
