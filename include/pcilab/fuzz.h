/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/fuzz.h - the lifecycle fuzzer: random, reproducible sequences of
 * lifecycle operations (bind, unbind, driver_override, hot-plug, reset,
 * power, interrupts, userspace system calls, module load/unload) over an
 * emulated machine, with every checker on; on the first failure it
 * shrinks the sequence and writes it as a scenario `pcilab run` replays.
 *
 * Every operation is a line of the scenario language, run through a
 * scenario session (scenario.h): what the fuzzer does is exactly what a
 * reproducer replays.  The generator keeps a model of the machine (which
 * slots hold hardware, which are powered, which devices the core has) so
 * that nearly every operation it makes is valid; indices are reduced
 * modulo the live objects.  The operations depend only on the seed and
 * the model, never on timing: same seed, same operations, byte for byte.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_FUZZ_H
#define PCILAB_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

struct pcl_fuzz_opts {
	uint64_t seed;
	unsigned long ops;	/* stop after this many operations (0: --time) */
	double seconds;		/* or after this long (0: --ops only) */
	const char *drivers;	/* comma-separated extra drivers to load and
				 * bind by driver_override (wrong twins, yours) */
	const char *machine;	/* a scenario file building the machine, or
				 * NULL for the built-in one */
	const char *out;	/* reproducer path; NULL: fuzz-SEED.scn */
	const char *log;	/* every operation, one line each, or NULL */
	bool stress;		/* interrupts on 2 CPU threads, config readers,
				 * interrupt sources and 2 more threads binding,
				 * unbinding, raising and reading config space
				 * on the same machine: not deterministic */
	bool shrink;		/* shrink a failure (default on) */
	unsigned int shrink_runs;	/* replays allowed while shrinking */
	bool progress;		/* a progress line on stderr */
};

struct pcl_fuzz_result {
	unsigned long ops;		/* operations run */
	unsigned long stress_ops;	/* --stress: the other threads' operations */
	unsigned long invalid;		/* operations the machine refused
					 * as input errors (model drift) */
	double seconds;
	unsigned int transitions_seen;	/* lifecycle transitions covered */
	unsigned int transitions_total;
	bool failed;
	char checker[24];		/* the first failure's checker */
	char title[256];		/* its title, numbers masked */
	unsigned long found_at;		/* operations until it appeared */
	unsigned int repro_lines;	/* lines of the written reproducer */
	unsigned int shrink_runs;	/* replays spent shrinking */
	char repro[256];		/* where the reproducer went */
};

/** pcl_fuzz_opts_init() - defaults: seed 1, 10 000 ops, shrinking on. */
void pcl_fuzz_opts_init(struct pcl_fuzz_opts *o);
/**
 * pcl_fuzz_run() - fuzz as @o says.  Context: process, no scenario
 * running.  Return: 0 nothing found, 1 a failure (reproducer written),
 * 2 bad options or machine (message on stderr).
 */
int pcl_fuzz_run(const struct pcl_fuzz_opts *o, struct pcl_fuzz_result *r);
/** pcl_fuzz_print() - the summary, as text or JSON. */
void pcl_fuzz_print(FILE *f, const struct pcl_fuzz_opts *o,
		    const struct pcl_fuzz_result *r, bool json);

/**
 * pcl_fuzz_one_input() - the libFuzzer entry: @data is a sequence of
 * 4-byte operations (kind, three argument bytes, each reduced modulo
 * what is alive), run on the built-in machine with every sample driver.
 * A checker report aborts (libFuzzer records the input).  Return: 0.
 */
int pcl_fuzz_one_input(const uint8_t *data, size_t size);

#endif /* PCILAB_FUZZ_H */
