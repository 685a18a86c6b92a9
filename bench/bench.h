/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/bench.h - the benchmark harness behind `pcilab bench` and
 * `make bench`.  Every figure is a median over repeated runs, with its
 * spread, and - where the figure has one - its ratio to a baseline
 * measured in the same run on the same machine.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_BENCH_H
#define PCILAB_BENCH_H

#include <stdbool.h>
#include <stdio.h>

struct bench_fig {
	char group[16];		/* irq, cfg, lifecycle, scale, fuzz */
	char name[80];
	char unit[16];		/* "ns/op", "us/op", "ops/s", ... */
	double median, min, max;	/* in @unit */
	char baseline[80];	/* the figure it is compared with, or "" */
	double ratio;		/* median / baseline's median (0: none) */
	double gp_per_op;	/* RCU grace periods the operation waited for
				 * (<0: n/a) */
	double gp_all_per_op;	/* all grace periods during it, the callback
				 * thread's included */
	double kib_per_fn;	/* resident memory per function (<0: n/a) */
	long param;		/* the size parameter (<0: none), for plots */
	char series[32];	/* the plot this point belongs to, or "" */
};

/* One repetition: do the operation @iters times. */
typedef void (*bench_fn)(void *ctx, unsigned long iters);

struct bench_opts {
	bool quick;		/* fewer repetitions and smaller sizes */
	unsigned int reps;	/* repetitions per figure */
	double target_ms;	/* one repetition's length */
};
extern struct bench_opts bench_opts;

/** bench_now_ns() - a monotonic clock, in nanoseconds. */
double bench_now_ns(void);
/**
 * bench_measure() - calibrate @fn's iterations so that one repetition
 * takes about bench_opts.target_ms, then run bench_opts.reps repetitions;
 * fill @f's median/min/max in ns per iteration (unit "ns/op").
 */
void bench_measure(bench_fn fn, void *ctx, struct bench_fig *f);
/** bench_measure_n() - as bench_measure() with a fixed @iters. */
void bench_measure_n(bench_fn fn, void *ctx, unsigned long iters,
		     struct bench_fig *f);
/** bench_stats() - median/min/max of @n samples into @f. */
void bench_stats(double *samples, unsigned int n, struct bench_fig *f);
/** bench_add() - record a figure (its ratio computed from @baseline). */
void bench_add(struct bench_fig *f);
/** bench_find() - a recorded figure by name, or NULL. */
const struct bench_fig *bench_find(const char *name);
/** bench_rss_kib() - this process's resident memory now. */
long bench_rss_kib(void);
/** bench_fig_init() - a blank figure of @group named @name. */
void bench_fig_init(struct bench_fig *f, const char *group,
		    const char *name);

/* Machines for benchmarks: a new host bridge (domain 0x200 + n), and a
 * function plugged into @slot of its root bus and enumerated (no driver
 * binds unless one is loaded).  Return: the device (a reference: put it). */
struct pci_host_bridge;
struct pci_dev;
struct pcl_emu_fn;
struct pci_host_bridge *bench_host(int conf1);
struct pci_dev *bench_plug(struct pci_host_bridge *h, unsigned int slot,
			   struct pcl_emu_fn *fn);
/* An NVMe-like function with @nvec MSI-X vectors (1..2048). */
struct pcl_emu_fn *bench_nvme_fn(unsigned int nvec);

/* The groups (bench/bench-*.c). */
void bench_irq(void);
void bench_cfg(void);
void bench_lifecycle(void);
void bench_scale(void);
void bench_fuzz(void);

/** pcl_bench_main() - `pcilab bench [--json] [--quick] [--plot DIR] [GROUP...]`. */
int pcl_bench_main(int argc, char **argv);

#endif
