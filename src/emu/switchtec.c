// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A Switchtec-like management endpoint: a command mailbox ("MRPC") in
 * BAR0 that firmware serves, and an MSI-X vector that says a command is
 * done.  The firmware is the scenario: a command stays in progress until
 * "firmware DEV complete" (or "fail"), so a scenario decides exactly when
 * the completion interrupt comes - or that it never does.
 *
 * BAR0 (64 KiB):
 *   0x0000  input payload, 1 KiB (memory)
 *   0x0400  output payload, 1 KiB (memory; firmware writes it)
 *   0x0800  CMD     write: submit command (any value); status -> in progress
 *   0x0804  STATUS  SWT_STATUS_* (read only)
 *   0x0808  RET     the command's return value (read only)
 *   0x2000  MSI-X table (4 vectors), 0x3000 PBA; vector 0: MRPC done
 *
 * A completed command's output is its input with the command number
 * prefixed ("cmd 7: " + input), enough for a scenario to check that the
 * right bytes came back.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct swt_model {
	/* lock protects the mailbox registers; a leaf (MMIO from any
	 * context).  The payload memory is the BAR's own store. */
	pthread_mutex_t lock;
	uint32_t cmd, status, ret;
	unsigned long commands;
};

static bool swt_claim(struct pcl_emu_fn *fn, int bar, uint64_t off)
{
	return bar == 0 && off >= PCL_SWT_CMD && off < PCL_SWT_RET + 4;
}

static uint64_t swt_read(struct pcl_emu_fn *fn, int bar, uint64_t off,
			 unsigned int size)
{
	struct swt_model *m = pcl_emu_model(fn);
	uint32_t v = 0;

	pthread_mutex_lock(&m->lock);
	if (off == PCL_SWT_CMD)
		v = m->cmd;
	else if (off == PCL_SWT_STATUS)
		v = m->status;
	else if (off == PCL_SWT_RET)
		v = m->ret;
	pthread_mutex_unlock(&m->lock);
	return v;
}

static void swt_write(struct pcl_emu_fn *fn, int bar, uint64_t off,
		      unsigned int size, uint64_t val)
{
	struct swt_model *m = pcl_emu_model(fn);

	if (off != PCL_SWT_CMD)
		return;			/* STATUS and RET are read-only */
	pthread_mutex_lock(&m->lock);
	if (val == PCL_SWT_CMD_ABORT) {
		if (m->status == PCL_SWT_STATUS_INPROGRESS)
			m->status = PCL_SWT_STATUS_INTERRUPTED;
	} else {
		m->cmd = (uint32_t)val;
		m->status = PCL_SWT_STATUS_INPROGRESS;
		m->ret = 0;
		m->commands++;
	}
	pthread_mutex_unlock(&m->lock);
}

static int swt_firmware(struct pcl_emu_fn *fn, const char *event)
{
	struct swt_model *m = pcl_emu_model(fn);
	uint8_t *mem = pcl_emu_bar_mem(fn, 0);
	bool fail = !strcmp(event, "fail");
	char out[PCL_SWT_PAYLOAD];
	int n;

	if (!fail && strcmp(event, "complete"))
		return -ENOENT;
	pthread_mutex_lock(&m->lock);
	if (m->status != PCL_SWT_STATUS_INPROGRESS) {
		pthread_mutex_unlock(&m->lock);
		return -EBUSY;		/* no command to complete */
	}
	if (fail) {
		m->status = PCL_SWT_STATUS_ERROR;
		m->ret = (uint32_t)-EIO;
	} else {
		n = snprintf(out, sizeof(out), "cmd %u: %.*s", m->cmd,
			     PCL_SWT_PAYLOAD - 16, (const char *)mem + PCL_SWT_INPUT);
		memset(mem + PCL_SWT_OUTPUT, 0, PCL_SWT_PAYLOAD);
		memcpy(mem + PCL_SWT_OUTPUT, out, (size_t)n);
		m->status = PCL_SWT_STATUS_DONE;
		m->ret = 0;
	}
	pthread_mutex_unlock(&m->lock);
	pcl_emu_raise(fn, 0);
	return 0;
}

static void swt_reset(struct pcl_emu_fn *fn)
{
	struct swt_model *m = pcl_emu_model(fn);

	pthread_mutex_lock(&m->lock);
	m->cmd = m->ret = 0;
	m->status = PCL_SWT_STATUS_IDLE;
	pthread_mutex_unlock(&m->lock);
}

static void swt_release(struct pcl_emu_fn *fn)
{
	struct swt_model *m = pcl_emu_model(fn);

	pthread_mutex_destroy(&m->lock);
	free(m);
}

static const struct pcl_emu_model_ops swt_ops = {
	.name = "switchtec",
	.mmio_claim = swt_claim,
	.mmio_read = swt_read,
	.mmio_write = swt_write,
	.firmware = swt_firmware,
	.reset = swt_reset,
	.release = swt_release,
};

struct pcl_emu_fn *pcl__emu_switchtec_new(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_EXP_SIZE);
	struct swt_model *m = calloc(1, sizeof(*m));

	if (!fn || !m)
		goto fail;
	pthread_mutex_init(&m->lock, NULL);
	/* Microsemi PM8531 management endpoint: class "memory controller,
	 * other", as real Switchtec functions report. */
	pcl_emu_init_header(fn, 0x11f8, 0x8531, 0x05800000, 0);
	pcl_emu_set_subsystem(fn, 0x11f8, 0x0001);
	if (pcl_emu_add_bar(fn, 0, 65536, PCL_BAR_MEM64) < 0 ||
	    pcl_emu_add_pm(fn) < 0 ||
	    pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, true) < 0 ||
	    pcl_emu_add_msix(fn, 4, 0, 0x2000, 0, 0x3000) < 0 ||
	    pcl_emu_add_aer(fn) < 0)
		goto fail;
	pcl_emu_set_model(fn, &swt_ops, m);
	return fn;
fail:
	free(m);
	pcl_emu_fn_free(fn);
	return NULL;
}

int pcl_emu_firmware(struct pcl_emu_fn *fn, const char *event)
{
	if (!fn->ops || !fn->ops->firmware)
		return -EOPNOTSUPP;
	if (atomic_load(&fn->removed))
		return -ENODEV;
	return fn->ops->firmware(fn, event);
}
