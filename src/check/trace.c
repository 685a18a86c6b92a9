// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The event trace: one line per lifecycle event, numbered, so that a
 * deterministic scenario prints the same bytes on every run.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pthread.h>
#include <stdatomic.h>
#include <pcilab/check.h>

static const char *const cat_names[PCL_TR_NR] = {
	[PCL_TR_CORE]	= "core",
	[PCL_TR_DEVRES]	= "devres",
	[PCL_TR_SYNC]	= "sync",
	[PCL_TR_SCN]	= "scn",
	[PCL_TR_DRV]	= "drv",
	[PCL_TR_CFG]	= "cfg",
	[PCL_TR_MMIO]	= "mmio",
};

/*
 * trace_lock keeps lines whole when several threads trace.  Raw pthread
 * mutex (tracing is not itself checked); nothing nests inside.
 */
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint trace_mask;
static FILE *trace_stream;		/* under trace_lock */
static unsigned long trace_seq;		/* under trace_lock */

void pcl_trace_enable(unsigned int mask, FILE *f)
{
	pthread_mutex_lock(&trace_lock);
	trace_stream = f;
	trace_seq = 0;
	atomic_store(&trace_mask, f ? mask : 0);
	pthread_mutex_unlock(&trace_lock);
}

bool pcl_trace_on(enum pcl_trace_cat cat)
{
	return atomic_load_explicit(&trace_mask, memory_order_relaxed) &
	       (1u << cat);
}

void pcl_trace(enum pcl_trace_cat cat, const char *fmt, ...)
{
	va_list ap;

	if (!pcl_trace_on(cat))
		return;
	pthread_mutex_lock(&trace_lock);
	if (trace_stream) {
		fprintf(trace_stream, "[%5lu] %-6s ", ++trace_seq,
			cat_names[cat]);
		va_start(ap, fmt);
		vfprintf(trace_stream, fmt, ap);
		va_end(ap);
		fputc('\n', trace_stream);
		fflush(trace_stream);
	}
	pthread_mutex_unlock(&trace_lock);
}
