// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzzer throughput: lifecycle operations per second, deterministic mode,
 * on the built-in machine with the sample drivers.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include <pcilab/fuzz.h>
#include "bench.h"

void bench_fuzz(void)
{
	unsigned int reps = bench_opts.reps > 5 ? 5 : bench_opts.reps;
	double rates[5];
	struct bench_fig f;

	bench_fig_init(&f, "fuzz", "fuzzer, deterministic");
	for (unsigned int r = 0; r < reps; r++) {
		struct pcl_fuzz_opts o;
		struct pcl_fuzz_result res;

		pcl_fuzz_opts_init(&o);
		o.seed = 100 + r;
		o.ops = bench_opts.quick ? 20000 : 100000;
		o.out = "bench-fuzz.scn";
		o.shrink_runs = 300;
		if (pcl_fuzz_run(&o, &res) == 1)
			fprintf(stderr, "pcilab bench: the fuzzer found [%s] %s (%s)\n",
				res.checker, res.title, res.repro);
		rates[r] = res.seconds > 0 ? (double)res.ops / res.seconds : 0;
	}
	bench_stats(rates, reps, &f);
	strcpy(f.unit, "ops/s");
	bench_add(&f);
}
