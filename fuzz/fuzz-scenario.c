// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the scenario parser.  Any input must be either
 * accepted or rejected with a message naming the line and column - never
 * a crash, hang or leak.  Nothing runs: parsing only.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdint.h>
#include <stdio.h>
#include <pcilab/base.h>
#include <pcilab/cdev.h>
#include <pcilab/irq.h>
#include <pcilab/pci.h>
#include <pcilab/scenario.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* every layer's verbs, as the pcilab command has them */
	pcl_base_scenario_init();
	pcl_irq_scenario_init();
	pcl_pci_scenario_init();
	pcl_char_scenario_init();
	null = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pcl_scn_check_buffer("fuzz.scn", (const char *)data, size, null);
	return 0;
}
