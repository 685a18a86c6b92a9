// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The IRQ layer's scenario verbs.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/scenario.h>
#include "internal.h"

/* cpus N: deliver interrupts on N emulated CPU threads (0: inline) */
static int verb_cpus(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	unsigned long n;

	if (pcl_scn_arg_uint(s, &argv[0], PCL_MAX_CPUS, &n))
		return -EINVAL;
	pcl_cpus_stop();
	return n ? pcl_cpus_start((unsigned int)n) : 0;
}

static void irq_teardown(struct pcl_scn *s)
{
	pcl_cpus_stop();
}

static const struct pcl_scn_verb irq_verbs[] = {
	{ "cpus", "N", "deliver interrupts on N emulated CPU threads (0: inline, deterministic)", 1, 1, verb_cpus },
};

void pcl_irq_scenario_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	pcl_scn_register(irq_verbs, ARRAY_SIZE(irq_verbs));
	pcl_scn_add_teardown(irq_teardown);
}
