// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The benchmark harness: calibration, repetitions, medians and spreads,
 * ratios to in-run baselines, the goals, and the output (a table, JSON,
 * gnuplot PNGs).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <pcilab/base.h>
#include <pcilab/emu.h>
#include <pcilab/pci.h>
#include "bench.h"

#define MAX_FIGS	256
#define MAX_REPS	31

struct bench_opts bench_opts = { .reps = 7, .target_ms = 40 };

static struct bench_fig figs[MAX_FIGS];
static unsigned int nfigs;

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bench_stats(double *s, unsigned int n, struct bench_fig *f)
{
	qsort(s, n, sizeof(*s), cmp_double);
	f->min = s[0];
	f->max = s[n - 1];
	f->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void bench_measure_n(bench_fn fn, void *ctx, unsigned long iters,
		     struct bench_fig *f)
{
	double s[MAX_REPS];
	unsigned int reps = bench_opts.reps > MAX_REPS ? MAX_REPS : bench_opts.reps;

	fn(ctx, iters < 16 ? iters : 16);	/* warm up */
	for (unsigned int r = 0; r < reps; r++) {
		double t0 = bench_now_ns();

		fn(ctx, iters);
		s[r] = (bench_now_ns() - t0) / (double)iters;
	}
	bench_stats(s, reps, f);
	snprintf(f->unit, sizeof(f->unit), "ns/op");
}

void bench_measure(bench_fn fn, void *ctx, struct bench_fig *f)
{
	unsigned long iters = 1;
	double target = bench_opts.target_ms * 1e6, t;

	/* Calibrate: double until one run takes a tenth of the target. */
	for (;;) {
		double t0 = bench_now_ns();

		fn(ctx, iters);
		t = bench_now_ns() - t0;
		if (t >= target / 10 || iters >= (1ul << 30))
			break;
		iters *= 2;
	}
	iters = (unsigned long)((double)iters * target / (t > 0 ? t : 1));
	if (!iters)
		iters = 1;
	bench_measure_n(fn, ctx, iters, f);
}

void bench_fig_init(struct bench_fig *f, const char *group, const char *name)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->group, sizeof(f->group), "%s", group);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->unit, sizeof(f->unit), "ns/op");
	f->gp_per_op = -1;
	f->gp_all_per_op = -1;
	f->kib_per_fn = -1;
	f->param = -1;
}

const struct bench_fig *bench_find(const char *name)
{
	for (unsigned int i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].name, name))
			return &figs[i];
	return NULL;
}

void bench_add(struct bench_fig *f)
{
	const struct bench_fig *b = f->baseline[0] ? bench_find(f->baseline) : NULL;

	if (b && b->median > 0)
		f->ratio = f->median / b->median;
	if (nfigs < MAX_FIGS)
		figs[nfigs++] = *f;
	fprintf(stderr, "  %-10s %-48s %10.1f %s\n", f->group, f->name,
		f->median, f->unit);
}

long bench_rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- machines ---- */

struct pci_host_bridge *bench_host(int conf1)
{
	static int n;
	char name[32];
	struct pci_host_bridge *h;

	snprintf(name, sizeof(name), "bench%d", n);
	h = pcl_pci_host_new(name, conf1 ? PCL_HOST_CONF1 : PCL_HOST_ECAM, 0x200 + n);
	n++;
	if (IS_ERR(h)) {
		fprintf(stderr, "pcilab bench: cannot make host %s\n", name);
		exit(1);
	}
	return h;
}

struct pci_dev *bench_plug(struct pci_host_bridge *h, unsigned int slot,
			   struct pcl_emu_fn *fn)
{
	char name[32];
	struct pci_dev *pdev;

	if (!fn || pcl_pci_plug(h, NULL, PCI_DEVFN(slot, 0), fn)) {
		fprintf(stderr, "pcilab bench: cannot plug slot %u\n", slot);
		exit(1);
	}
	pcl_pci_scan(h);
	snprintf(name, sizeof(name), "%04x:00:%02x.0", h->domain, slot);
	pdev = pcl_pci_find_dev(name);
	if (!pdev) {
		fprintf(stderr, "pcilab bench: %s not enumerated\n", name);
		exit(1);
	}
	return pdev;
}

struct pcl_emu_fn *bench_nvme_fn(unsigned int nvec)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_EXP_SIZE);
	uint64_t table = 0x2000, pba = table + (uint64_t)nvec * 16;
	uint64_t bar = 0x4000;

	pba = (pba + 0xfff) & ~0xfffull;
	while (bar < pba + 0x1000)
		bar *= 2;
	if (!fn)
		return NULL;
	pcl_emu_init_header(fn, 0x1b36, 0x0010, 0x01080202, 0);
	pcl_emu_set_irq_pin(fn, 1);
	if (pcl_emu_add_bar(fn, 0, bar, PCL_BAR_MEM64) < 0 || pcl_emu_add_pm(fn) < 0 ||
	    pcl_emu_add_msix(fn, nvec, 0, table, 0, pba) < 0 ||
	    pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, true) < 0) {
		pcl_emu_fn_free(fn);
		return NULL;
	}
	pcl_emu_seal(fn);
	return fn;
}

/* ---- goals ---- */

struct goal {
	const char *what;
	const char *fig, *against;	/* against: a figure, or NULL: fig's own ratio */
	double limit;			/* ratio (or value) at most */
	const char *kind;		/* "ratio", "gp", "kib", "rate" */
};

static const struct goal goals[] = {
	{ "flat MSI-X within 4x the baseline (inline)", "MSI-X via ITS, inline", NULL, 4, "ratio" },
	{ "VMD demultiplexed within 2x flat MSI-X (inline)", "VMD child via demux, inline", "MSI-X via ITS, inline", 2, "ratio" },
	{ "lockless config reads within 2x the baseline", "ECAM read, 1 thread", NULL, 2, "ratio" },
	{ "user accessor within 2x the locked path", "user read (ECAM)", "CONF1 read, 1 thread", 2, "ratio" },
	{ "grace periods per unbind <= 2, any K revocables", "unbind, K=1000 revocables", NULL, 2, "gp" },
	{ "grace periods per VMD removal <= 2, any N child IRQs", "vmd-lite removal, N=2048 child IRQs", NULL, 2, "gp" },
	{ "under 16 KiB per express function", "enumerate+bind, 100000 functions", NULL, 16, "kib" },
	{ "fuzzer >= 100 000 operations/s per core", "fuzzer, deterministic", NULL, 100000, "rate" },
};

static void print_goals(FILE *out)
{
	fprintf(out, "\ngoals:\n");
	for (size_t i = 0; i < sizeof(goals) / sizeof(goals[0]); i++) {
		const struct goal *g = &goals[i];
		const struct bench_fig *f = bench_find(g->fig);
		const struct bench_fig *a = g->against ? bench_find(g->against) : NULL;
		double v;
		bool met;

		if (!f) {
			fprintf(out, "  %-54s not measured\n", g->what);
			continue;
		}
		if (!strcmp(g->kind, "ratio")) {
			v = a ? f->median / a->median : f->ratio;
			met = v <= g->limit;
			fprintf(out, "  %-54s %6.2fx  %s\n", g->what, v, met ? "met" : "MISSED");
		} else if (!strcmp(g->kind, "gp")) {
			v = f->gp_per_op;
			met = v <= g->limit;
			fprintf(out, "  %-54s %6.2f   %s\n", g->what, v, met ? "met" : "MISSED");
		} else if (!strcmp(g->kind, "kib")) {
			v = f->kib_per_fn;
			met = v >= 0 && v < g->limit;
			fprintf(out, "  %-54s %6.2f KiB  %s\n", g->what, v, met ? "met" : "MISSED");
		} else {
			v = f->median;
			met = v >= g->limit;
			fprintf(out, "  %-54s %8.0f/s  %s\n", g->what, v, met ? "met" : "MISSED");
		}
	}
}

/* ---- output ---- */

static void print_table(FILE *out)
{
	char last[16] = "";

	fprintf(out, "%-10s %-46s %12s %7s %8s %7s %9s\n", "group", "figure",
		"median", "spread", "ratio", "GP/op", "KiB/fn");
	fprintf(out, "(GP/op: RCU grace periods the operation waited for; all, with the\n"
		" callback thread's, in --json)\n");
	for (unsigned int i = 0; i < nfigs; i++) {
		const struct bench_fig *f = &figs[i];
		char med[32], spread[16] = "", ratio[16] = "", gp[16] = "", kib[16] = "";

		if (strcmp(last, f->group))
			fprintf(out, "\n");
		snprintf(last, sizeof(last), "%.15s", f->group);
		snprintf(med, sizeof(med), "%.1f %s", f->median, f->unit);
		if (f->median > 0 && f->max > f->min)
			snprintf(spread, sizeof(spread), "%.0f%%",
				 100 * (f->max - f->min) / f->median);
		if (f->ratio > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", f->ratio);
		if (f->gp_per_op >= 0)
			snprintf(gp, sizeof(gp), "%.2f", f->gp_per_op);
		if (f->kib_per_fn >= 0)
			snprintf(kib, sizeof(kib), "%.2f", f->kib_per_fn);
		fprintf(out, "%-10s %-46s %12s %7s %8s %7s %9s\n", f->group, f->name,
			med, spread, ratio, gp, kib);
	}
	fprintf(out, "\nratio: median over the baseline's median, both measured in this run:\n");
	for (unsigned int i = 0; i < nfigs; i++)
		if (figs[i].ratio > 0)
			fprintf(out, "  %-46s vs %s\n", figs[i].name, figs[i].baseline);
}

static void print_json(FILE *out)
{
	fprintf(out, "[\n");
	for (unsigned int i = 0; i < nfigs; i++) {
		const struct bench_fig *f = &figs[i];

		fprintf(out, "  {\"group\": \"%s\", \"name\": \"%s\", \"unit\": \"%s\", "
			"\"median\": %.3f, \"min\": %.3f, \"max\": %.3f",
			f->group, f->name, f->unit, f->median, f->min, f->max);
		if (f->baseline[0])
			fprintf(out, ", \"baseline\": \"%s\", \"ratio\": %.4f",
				f->baseline, f->ratio);
		if (f->gp_per_op >= 0)
			fprintf(out, ", \"grace_periods_waited_per_op\": %.3f, "
				"\"grace_periods_all_per_op\": %.3f",
				f->gp_per_op, f->gp_all_per_op);
		if (f->kib_per_fn >= 0)
			fprintf(out, ", \"kib_per_function\": %.3f", f->kib_per_fn);
		if (f->param >= 0)
			fprintf(out, ", \"param\": %ld, \"series\": \"%s\"", f->param, f->series);
		fprintf(out, "}%s\n", i + 1 < nfigs ? "," : "");
	}
	fprintf(out, "]\n");
}

/* One PNG per series: the cost against its size parameter, log-log. */
static int plot(const char *dir)
{
	char series[MAX_FIGS][32];
	unsigned int ns = 0;

	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		fprintf(stderr, "pcilab bench: gnuplot is not installed: no plots\n");
		return -1;
	}
	mkdir(dir, 0755);
	for (unsigned int i = 0; i < nfigs; i++) {
		bool seen = false;

		if (!figs[i].series[0])
			continue;
		for (unsigned int j = 0; j < ns; j++)
			seen |= !strcmp(series[j], figs[i].series);
		if (!seen)
			snprintf(series[ns++], sizeof(series[0]), "%s", figs[i].series);
	}
	for (unsigned int j = 0; j < ns; j++) {
		char dat[512], cmd[2048];
		FILE *f;
		const char *unit = "";

		if (strlen(dir) > 200)
			return -1;
		snprintf(dat, sizeof(dat), "%.200s/%.31s.dat", dir, series[j]);
		f = fopen(dat, "w");
		if (!f)
			return -1;
		for (unsigned int i = 0; i < nfigs; i++)
			if (!strcmp(figs[i].series, series[j])) {
				fprintf(f, "%ld %g %g %g\n", figs[i].param, figs[i].median,
					figs[i].min, figs[i].max);
				unit = figs[i].unit;
			}
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "gnuplot -e \"set terminal png size 800,500; set output '%.200s/%.31s.png'; "
			 "set logscale xy; set title '%.31s'; set xlabel 'size'; set ylabel '%.15s'; "
			 "plot '%.250s' using 1:2:3:4 with yerrorlines title 'median (min..max)'\"",
			 dir, series[j], series[j], unit, dat);
		if (system(cmd) != 0)
			fprintf(stderr, "pcilab bench: gnuplot failed for %s\n", series[j]);
	}
	return 0;
}

static void print_machine(FILE *out)
{
	struct utsname u;
	char model[256] = "?", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			char *c = strchr(line, ':');

			if (c)
				snprintf(model, sizeof(model), "%s", c + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	fprintf(out, "machine: %s, %ld CPUs, %s %s; %s\n", model,
		sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release,
#ifdef __clang__
		"clang " __clang_version__
#else
		"gcc " __VERSION__
#endif
		);
	fprintf(out, "each figure: median of %u repetitions of about %.0f ms (spread: (max - min) / median)\n",
		bench_opts.reps, bench_opts.target_ms);
}

static const struct {
	const char *name;
	void (*run)(void);
} groups[] = {
	{ "irq", bench_irq },
	{ "cfg", bench_cfg },
	{ "lifecycle", bench_lifecycle },
	{ "scale", bench_scale },
	{ "fuzz", bench_fuzz },
};

int pcl_bench_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "plot", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *plot_dir = NULL;
	bool json = false, want[sizeof(groups) / sizeof(groups[0])] = { false };
	bool any = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jqp:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'q':
			bench_opts.quick = true;
			bench_opts.reps = 5;
			bench_opts.target_ms = 15;
			break;
		case 'p': plot_dir = optarg; break;
		case 'h':
			printf("usage: pcilab bench [--json] [--quick] [--plot DIR] [irq|cfg|lifecycle|scale|fuzz...]\n");
			return 0;
		default:
			return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		size_t g;

		for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			if (!strcmp(argv[i], groups[g].name))
				break;
		if (g == sizeof(groups) / sizeof(groups[0])) {
			fprintf(stderr, "pcilab bench: no group '%s' (irq, cfg, lifecycle, scale, fuzz)\n",
				argv[i]);
			return 2;
		}
		want[g] = any = true;
	}
	pcl_pci_init();
	pcl_pci_set_delay_divisor(1000000);	/* reset/D-state waits: not measured */
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		if (any && !want[g])
			continue;
		groups[g].run();
		/* A group leaves nothing behind: the next one (the fuzzer's
		 * teardown leak check above all) starts from a clean slate. */
		rcu_barrier();
		if (pcl_kmem_check_all())
			fprintf(stderr, "pcilab bench: group %s left allocations behind\n",
				groups[g].name);
	}
	if (json) {
		print_json(stdout);
	} else {
		print_machine(stdout);
		print_table(stdout);
		print_goals(stdout);
	}
	if (plot_dir)
		plot(plot_dir);
	return 0;
}
