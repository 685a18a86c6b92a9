// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pcilab - run, check and inspect lifecycle scenarios.
 *
 * Exit status: 0 every expectation held and no checker fired unexpectedly;
 * 1 it did not; 2 a usage or input error.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcilab/base.h>
#include <pcilab/pci.h>
#include <pcilab/cdev.h>
#include <pcilab/fuzz.h>
#include "../bench/bench.h"
#include <pcilab/scenario.h>

#define PCILAB_VERSION	"0.1.0"

static const struct {
	const char *name;
	const char *what;
} checker_help[] = {
	{ "devres", "devres added during release, from remove(), or with no driver bound" },
	{ "atomic-sleep", "a sleeping call or GFP_KERNEL allocation in atomic context" },
	{ "residue", "device state after remove differs from before probe (PCI layer)" },
	{ "irq-free", "freeing vectors whose IRQs still have handlers (IRQ layer)" },
	{ "use-after-revoke", "MMIO or char-device use after unmap / unregister" },
	{ "leak", "memory a binding allocated and did not free; anything live at teardown" },
	{ "lockdep", "recursive locking, bad unlocks, sleeping locks in hard-IRQ, RCU misuse" },
	{ "spurious-irq", "unhandled interrupt storms (IRQ layer)" },
	{ "api", "a core API used against its contract (WARN_ON)" },
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: pcilab COMMAND [ARGS]\n"
"\n"
"Run Linux-shaped driver lifecycles over emulated hardware, with checkers.\n"
"\n"
"commands:\n"
"  run [--trace] [--quiet] [--fatal] [--test-remove] [--driver FILE.so]... FILE...\n"
"                 run scenarios; print each one's verdict\n"
"                 --trace   every lifecycle event, devres operation and report\n"
"                 --quiet   only the verdict line\n"
"                 --fatal   abort on the first checker report (panic_on_warn)\n"
"                 --test-remove  every successful probe is followed by remove()\n"
"                           and a second probe, all unbind checks in between\n"
"                           (DEBUG_TEST_DRIVER_REMOVE)\n"
"                 --driver  load a driver built outside the tree (docs/drivers.md)\n"
"  check FILE...  parse scenarios without running them\n"
"  bench [--json] [--quick] [--plot DIR] [irq|cfg|lifecycle|scale|fuzz...]\n"
"                 benchmarks: medians, spreads, ratios to in-run baselines\n"
"  fuzz [--seed N] [--ops N | --time SECONDS] [--drivers LIST] [--machine FILE]\n"
"       [--out FILE] [--log FILE] [--json] [--stress] [--no-shrink]\n"
"       [--driver FILE.so]...\n"
"                 random lifecycles over the sample drivers (and LIST), every\n"
"                 checker on; the first failure is shrunk and written as a\n"
"                 scenario (default fuzz-SEED.scn).  Exit 1 if one was found\n"
"  lspci MACHINE.scn [LSPCI-OPTIONS...] [--devres]\n"
"                 build the machine a scenario describes, then decode it with the\n"
"                 system's lspci (reading a sysfs tree pcilab writes of it: config,\n"
"                 BAR sizes, IRQ, bound driver) and, with --devres, each device's devres\n"
"  host snapshot [-s SLOT]... [--sysfs DIR] [-o FILE]\n"
"                 read this machine's PCI functions through sysfs (read only) and\n"
"                 write a scenario that clones them: config space, capabilities,\n"
"                 BAR sizes, topology.  Exit 1: written, but some function was\n"
"                 read in part or left out (each said on stderr)\n"
"  interrupts MACHINE.scn\n"
"                 run the scenario, then print a /proc/interrupts-style table\n"
"  irqdomains MACHINE.scn [--dot]\n"
"                 run the scenario, then print the IRQ domain hierarchy\n"
"  verbs          the scenario language's verbs\n"
"  drivers        the driver modules scenarios can modprobe\n"
"  checkers       the checkers and what each catches\n"
"  --help, --version\n"
"\n"
"exit status: 0 all expectations held, no unexpected report; 1 otherwise;\n"
"             2 usage or input error (file:line:column: what is wrong)\n");
}

static void print_verdict(const char *path, int ret,
			  const struct pcl_scn_result *r, bool oneline)
{
	const char *verdict = ret == 0 ? "PASS" : ret == 1 ? "FAIL" : "ERROR";
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (ret == 2) {
		printf("%-5s %s: not run (input error)\n", verdict, path);
		return;
	}
	if (oneline) {
		char caught[32] = "";

		/* A wrong-driver twin passes when its bug was caught. */
		if (r->expected_reports)
			snprintf(caught, sizeof(caught), "  [%u report%s caught]",
				 r->expected_reports, r->expected_reports == 1 ? "" : "s");
		printf("%-5s %-32.*s %s%s\n", verdict,
		       (int)(strlen(base) > 4 && !strcmp(base + strlen(base) - 4, ".scn")
			     ? strlen(base) - 4 : strlen(base)),
		       base, r->title, caught);
		return;
	}
	printf("%-5s %s: %u steps, %u expectations held, %u expected reports",
	       verdict, path, r->steps, r->expectations, r->expected_reports);
	if (r->failures)
		printf(", %u failed", r->failures);
	if (r->unexpected_reports)
		printf(", %u unexpected reports", r->unexpected_reports);
	printf("\n");
	if (r->title[0])
		printf("      %s\n", r->title);
}

/*
 * A driver built outside the tree, as a shared object: its module_*_driver()
 * constructor adds it to the catalogue when it is loaded, so scenarios
 * modprobe it and the fuzzer takes it with --drivers.  It links nothing:
 * the library's symbols come from this program (--export-dynamic).
 */
static int load_driver_plugin(const char *path)
{
	char full[4096];
	void *h;

	/* dlopen() searches the library path for a bare name: make it a path */
	snprintf(full, sizeof(full), "%s%s", strchr(path, '/') ? "" : "./", path);
	h = dlopen(full, RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		fprintf(stderr, "pcilab: cannot load driver %s: %s\n", path, dlerror());
		return 2;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trace", no_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "fatal", no_argument, NULL, 'f' },
		{ "test-remove", no_argument, NULL, 'r' },
		{ "driver", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_scn_opts o = { .out = stdout, .err = stderr };
	int c, worst = 0, npass = 0, nfail = 0;
	bool test_remove = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "tqfrD:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.trace = true; break;
		case 'q': o.quiet = true; break;
		case 'f': pcl_report_set_fatal(true); break;
		case 'r': test_remove = true; break;
		case 'D':
			if (load_driver_plugin(optarg))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "pcilab run: no scenario file given\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct pcl_scn_result r;
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = NULL;
		int ret;

		/* --quiet: keep the scenario's output, show it only if it fails */
		if (o.quiet && !o.trace) {
			mem = open_memstream(&buf, &len);
			o.out = mem ? mem : stdout;
		}
		/* per file: a scenario's teardown turns it off */
		pcl_driver_test_remove(test_remove);
		ret = pcl_scn_run_file(argv[i], &o, &r);
		if (mem) {
			fclose(mem);
			o.out = stdout;
			if (ret == 1 && buf)
				fputs(buf, stdout);
			free(buf);
		}
		print_verdict(argv[i], ret, &r, o.quiet);
		if (ret) {
			nfail++;
			if (worst < ret)
				worst = ret;
		} else {
			npass++;
		}
	}
	if (argc - optind > 1)
		printf("scenarios: %d passed, %d failed\n", npass, nfail);
	return worst;
}

struct lspci_req {
	int argc;
	char **argv;
	bool devres;
	int ret;
	int what;		/* 0 lspci, 1 interrupts, 2 irqdomains */
	bool dot;
};

static void lspci_at_end(void *arg)
{
	struct lspci_req *r = arg;

	if (r->what == 1)
		pcl_irq_show(stdout);
	else if (r->what == 2)
		pcl_irq_domains_show(stdout, r->dot);
	else
		r->ret = pcl_pci_lspci(stdout, r->argc, r->argv, r->devres);
}

/*
 * pcilab lspci MACHINE.scn [lspci options] [--devres]: build the machine
 * the scenario describes (running all of it), then decode it with the
 * system's lspci.
 */
static int cmd_lspci(int argc, char **argv, int what)
{
	struct lspci_req r = { 0, NULL, false, 0, what, false };
	struct pcl_scn_opts o = { .out = NULL, .err = stderr, .quiet = true,
				  .before_teardown = lspci_at_end, .arg = &r };
	struct pcl_scn_result res;
	char *args[64];
	int ret;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: pcilab %s MACHINE.scn%s\n", argv[0],
			what == 0 ? " [lspci options] [--devres]" :
			what == 2 ? " [--dot]" : "");
		return 2;
	}
	for (int i = 2; i < argc && r.argc < (int)ARRAY_SIZE(args); i++) {
		if (what == 0 && !strcmp(argv[i], "--devres")) {
			r.devres = true;
		} else if (what == 2 && !strcmp(argv[i], "--dot")) {
			r.dot = true;
		} else if (what == 0) {
			args[r.argc++] = argv[i];
		} else {
			fprintf(stderr, "pcilab %s: unknown option '%s'\n",
				argv[0], argv[i]);
			return 2;
		}
	}
	r.argv = args;
	o.out = fopen("/dev/null", "w");
	if (!o.out)
		return 2;
	ret = pcl_scn_run_file(argv[1], &o, &res);
	fclose(o.out);
	if (ret == 2)
		return 2;
	if (r.ret == -ENOENT) {
		fprintf(stderr, "pcilab lspci: lspci is not installed (Debian package pciutils)\n");
		return 2;
	}
	return r.ret || ret ? 1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	int worst = 0;

	if (argc < 2) {
		fprintf(stderr, "pcilab check: no scenario file given\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int ret = pcl_scn_check_file(argv[i], stderr);

		if (ret)
			worst = ret;
		else
			printf("ok  %s\n", argv[i]);
	}
	return worst;
}

static int cmd_drivers(void)
{
	for (struct pcl_module *m = pcl_module_first(); m; m = m->next)
		printf("  %-26s %s\n", m->name, m->summary);
	return 0;
}

static int cmd_fuzz(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "drivers", required_argument, NULL, 'd' },
		{ "machine", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "log", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "stress", no_argument, NULL, 'S' },
		{ "no-shrink", no_argument, NULL, 'N' },
		{ "driver", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_fuzz_opts o;
	struct pcl_fuzz_result r;
	bool json = false, time_set = false, ops_set = false;
	char *end;
	int c, ret;

	pcl_fuzz_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:n:t:d:m:o:l:jSND:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			errno = 0;
			o.seed = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg)
				goto bad;
			break;
		case 'n':
			errno = 0;
			o.ops = strtoul(optarg, &end, 0);
			if (errno || *end || !*optarg)
				goto bad;
			ops_set = true;
			break;
		case 't':
			o.seconds = strtod(optarg, &end);
			if (*end || o.seconds <= 0)
				goto bad;
			time_set = true;
			break;
		case 'd': o.drivers = optarg; break;
		case 'm': o.machine = optarg; break;
		case 'o': o.out = optarg; break;
		case 'l': o.log = optarg; break;
		case 'j': json = true; break;
		case 'S': o.stress = true; break;
		case 'N': o.shrink = false; break;
		case 'D':
			if (load_driver_plugin(optarg))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pcilab fuzz: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (time_set && !ops_set)
		o.ops = 0;
	o.progress = !json && isatty(STDERR_FILENO);
	ret = pcl_fuzz_run(&o, &r);
	if (ret != 2)
		pcl_fuzz_print(stdout, &o, &r, json);
	return ret;
bad:
	fprintf(stderr, "pcilab fuzz: bad value '%s' for --%s\n", optarg,
		c == 's' ? "seed" : c == 'n' ? "ops" : "time");
	return 2;
}

#define HOST_MAX_SLOTS	64

/* pcilab host snapshot [-s SLOT]... [--sysfs DIR] [-o FILE] */
static int cmd_host(int argc, char **argv)
{
	const char *slots[HOST_MAX_SLOTS + 1], *sysfs = NULL, *path = NULL;
	char tmp[4096];
	int nslots = 0, ret;
	FILE *out = stdout;

	if (argc < 2 || strcmp(argv[1], "snapshot")) {
		fprintf(stderr, "usage: pcilab host snapshot [-s SLOT]... [--sysfs DIR] [-o FILE]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc || (strcmp(a, "-s") && strcmp(a, "--sysfs") &&
				      strcmp(a, "-o"))) {
			fprintf(stderr, "pcilab host snapshot: %s '%s' (-s SLOT, --sysfs DIR, -o FILE)\n",
				i + 1 >= argc && a[0] == '-' ? "no value after" : "unknown argument", a);
			return 2;
		}
		if (!strcmp(a, "-s")) {
			if (nslots == HOST_MAX_SLOTS) {
				fprintf(stderr, "pcilab host snapshot: more than %d -s filters\n",
					HOST_MAX_SLOTS);
				return 2;
			}
			slots[nslots++] = argv[++i];
		} else if (!strcmp(a, "--sysfs")) {
			sysfs = argv[++i];
		} else {
			path = argv[++i];
		}
	}
	slots[nslots] = NULL;
	if (path) {
		/* A whole file or none: written aside, renamed when complete. */
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
			fprintf(stderr, "pcilab host snapshot: %s: name too long\n", path);
			return 2;
		}
		out = fopen(tmp, "w");
		if (!out) {
			fprintf(stderr, "pcilab host snapshot: %s: %s\n", tmp, strerror(errno));
			return 2;
		}
	}
	ret = pcl_host_snapshot(sysfs, nslots ? slots : NULL, out, stderr);
	if (path) {
		if (fclose(out) || (ret >= 0 && rename(tmp, path))) {
			fprintf(stderr, "pcilab host snapshot: %s: %s\n", path, strerror(errno));
			ret = -EIO;
		}
		if (ret < 0)
			unlink(tmp);
	} else if (fflush(stdout)) {
		ret = -EIO;
	}
	return ret < 0 ? 2 : ret;
}

static int cmd_checkers(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(checker_help); i++)
		printf("  %-18s %s\n", checker_help[i].name, checker_help[i].what);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	pcl_base_scenario_init();
	pcl_irq_scenario_init();
	pcl_pci_scenario_init();
	pcl_char_scenario_init();	/* last: its teardown runs first */
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("pcilab %s\n", PCILAB_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return pcl_bench_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "fuzz"))
		return cmd_fuzz(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "lspci"))
		return cmd_lspci(argc - 1, argv + 1, 0);
	if (!strcmp(cmd, "interrupts"))
		return cmd_lspci(argc - 1, argv + 1, 1);
	if (!strcmp(cmd, "irqdomains"))
		return cmd_lspci(argc - 1, argv + 1, 2);
	if (!strcmp(cmd, "host"))
		return cmd_host(argc - 1, argv + 1);
	if (!strcmp(cmd, "verbs")) {
		pcl_scn_verbs_dump(stdout);
		return 0;
	}
	if (!strcmp(cmd, "drivers"))
		return cmd_drivers();
	if (!strcmp(cmd, "checkers"))
		return cmd_checkers();
	fprintf(stderr, "pcilab: unknown command '%s' (pcilab --help)\n", cmd);
	return 2;
}
