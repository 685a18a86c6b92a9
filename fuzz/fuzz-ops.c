// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the lifecycle operation decoder.  The input is a
 * sequence of 4-byte operations (kind, three argument bytes, reduced
 * modulo what is alive) run on the built-in machine with every sample
 * driver (pcl_fuzz_one_input()).  A checker report aborts, so libFuzzer
 * keeps the input; it replays with `pcilab fuzz` semantics.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdint.h>
#include <pcilab/fuzz.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return pcl_fuzz_one_input(data, size);
}
