// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A VMD-like bridge: the MSI target of the bus behind it.  Its devices'
 * messages land in its MSI window; address bits 14:12 name one of its own
 * MSI-X vectors, the data (the child's event) is queued in that vector's
 * event FIFO, and the vector is raised.  The driver's handler for the
 * vector pops the FIFO (a register per vector) and demultiplexes.
 *
 * (Real VMD hardware does not tell which child fired: its driver calls
 * every child handler on the vector.  The FIFO lets pcilab count each
 * child's interrupts exactly.)
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pthread.h>
#include <stdlib.h>
#include "internal.h"

#define VMD_VECTORS	8
#define VMD_FIFO_LEN	1024

struct vmd_model {
	/* lock protects the FIFOs; a leaf (doorbells arrive in any context) */
	pthread_mutex_t lock;
	uint32_t fifo[VMD_VECTORS][VMD_FIFO_LEN];
	unsigned int head[VMD_VECTORS], tail[VMD_VECTORS];
	unsigned long dropped;
};

static bool vmd_claim(struct pcl_emu_fn *fn, int bar, uint64_t off)
{
	return bar == 0 && off >= PCL_VMD_FIFO && off < PCL_VMD_FIFO + 4 * VMD_VECTORS;
}

static uint64_t vmd_read(struct pcl_emu_fn *fn, int bar, uint64_t off,
			 unsigned int size)
{
	struct vmd_model *m = pcl_emu_model(fn);
	unsigned int v = (unsigned int)(off - PCL_VMD_FIFO) / 4;
	uint32_t ev = 0xffffffffu;

	pthread_mutex_lock(&m->lock);
	if (m->head[v] != m->tail[v])
		ev = m->fifo[v][m->head[v]++ % VMD_FIFO_LEN];
	pthread_mutex_unlock(&m->lock);
	return ev;
}

static void vmd_write(struct pcl_emu_fn *fn, int bar, uint64_t off,
		      unsigned int size, uint64_t val)
{
	/* the FIFO registers are read-only */
}

static void vmd_release(struct pcl_emu_fn *fn)
{
	struct vmd_model *m = pcl_emu_model(fn);

	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void vmd_reset(struct pcl_emu_fn *fn)
{
	struct vmd_model *m = pcl_emu_model(fn);

	pthread_mutex_lock(&m->lock);
	for (unsigned int v = 0; v < VMD_VECTORS; v++)
		m->head[v] = m->tail[v] = 0;
	pthread_mutex_unlock(&m->lock);
}

static const struct pcl_emu_model_ops vmd_ops = {
	.name = "vmd",
	.mmio_claim = vmd_claim,
	.mmio_read = vmd_read,
	.mmio_write = vmd_write,
	.reset = vmd_reset,
	.release = vmd_release,
};

int pcl_emu_vmd_doorbell(struct pcl_emu_fn *fn, uint64_t addr, uint32_t data)
{
	struct vmd_model *m;
	unsigned int v;

	if (!fn->ops || fn->ops != &vmd_ops)
		return -EINVAL;
	m = pcl_emu_model(fn);
	if ((addr & ~0x7000ull) != PCL_VMD_MSI_BASE)
		return -ENODEV;		/* outside the MSI window */
	v = (unsigned int)(addr >> 12) & (VMD_VECTORS - 1);
	pthread_mutex_lock(&m->lock);
	if (m->tail[v] - m->head[v] == VMD_FIFO_LEN) {
		m->dropped++;
		pthread_mutex_unlock(&m->lock);
		return -ENOSPC;
	}
	m->fifo[v][m->tail[v]++ % VMD_FIFO_LEN] = data;
	pthread_mutex_unlock(&m->lock);
	return pcl_emu_raise(fn, v);
}

struct pcl_emu_fn *pcl__emu_vmd_new(void)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_EXP_SIZE);
	struct vmd_model *m = calloc(1, sizeof(*m));

	if (!fn || !m)
		goto fail;
	pthread_mutex_init(&m->lock, NULL);
	pcl_emu_init_header(fn, 0x8086, 0x201d, 0x01040000, 0);
	pcl_emu_set_subsystem(fn, 0x1b36, 0x1100);
	if (pcl_emu_add_bar(fn, 0, 32768, PCL_BAR_MEM64) < 0 ||
	    pcl_emu_add_pm(fn) < 0 ||
	    pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, false) < 0 ||
	    pcl_emu_add_msix(fn, VMD_VECTORS, 0, 0x2000, 0, 0x3000) < 0)
		goto fail;
	pcl_emu_set_model(fn, &vmd_ops, m);
	return fn;
fail:
	free(m);
	pcl_emu_fn_free(fn);
	return NULL;
}
