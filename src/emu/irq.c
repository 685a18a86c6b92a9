// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The interrupts a function raises, as the hardware rules say:
 *
 *  - MSI-X: entry N's address/data from the table in its BAR; if the
 *    entry or the whole function is masked, the PBA bit is set instead and
 *    the message goes out when it is unmasked;
 *  - MSI: the capability's address, data | vector; per-vector mask and
 *    pending bits likewise;
 *  - messages are memory writes: no bus mastering, no message;
 *  - INTx: a pulse on the function's pin, unless COMMAND.INTx-disable; the
 *    Interrupt Status bit shows it meanwhile.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

static uint32_t rd(const struct pcl_emu_fn *fn, unsigned int off,
		   unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size && off + i < fn->cfg_size; i++)
		v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	return v;
}

static void wr(struct pcl_emu_fn *fn, unsigned int off, unsigned int size,
	       uint32_t val)
{
	for (unsigned int i = 0; i < size && off + i < fn->cfg_size; i++)
		fn->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

void pcl_emu_set_irq_sink(struct pcl_emu_fn *fn,
			  const struct pcl_emu_irq_sink *sink)
{
	pthread_mutex_lock(&fn->lock);
	fn->sink = *sink;
	pthread_mutex_unlock(&fn->lock);
}

unsigned long pcl_emu_messages(struct pcl_emu_fn *fn)
{
	return atomic_load(&fn->messages);
}

/* A message to send, collected under the lock, sent outside it. */
struct out_msg {
	bool msi, intx;
	uint64_t addr;
	uint32_t data;
	unsigned int pin;
};

/* Under fn->lock: where MSI-X entry @v lives; NULL if unusable. */
static uint8_t *msix_entry(struct pcl_emu_fn *fn, unsigned int v,
			   uint8_t **pba_byte, uint8_t *pba_bit)
{
	uint32_t table = rd(fn, fn->msix_cap + PCI_MSIX_TABLE, 4);
	uint32_t pba = rd(fn, fn->msix_cap + PCI_MSIX_PBA, 4);
	unsigned int tbir = table & PCI_MSIX_BIR_MASK, pbir = pba & PCI_MSIX_BIR_MASK;
	uint64_t toff = table & ~(uint32_t)PCI_MSIX_BIR_MASK;
	uint64_t poff = pba & ~(uint32_t)PCI_MSIX_BIR_MASK;
	uint64_t e = toff + (uint64_t)v * PCI_MSIX_ENTRY_SIZE;

	uint8_t *tmem, *pmem;

	if (tbir >= EMU_NBARS || pbir >= EMU_NBARS ||
	    e + PCI_MSIX_ENTRY_SIZE > EMU_BAR_STORE ||
	    e + PCI_MSIX_ENTRY_SIZE > fn->bars[tbir].size ||
	    poff + v / 8 >= EMU_BAR_STORE || poff + v / 8 >= fn->bars[pbir].size ||
	    !(tmem = pcl__emu_bar_store(fn, (int)tbir)) ||
	    !(pmem = pcl__emu_bar_store(fn, (int)pbir)))
		return NULL;
	*pba_byte = pmem + poff + v / 8;
	*pba_bit = (uint8_t)(1u << (v % 8));
	return tmem + e;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Under fn->lock.  Return: 0 message ready, 1 pending, -ENODEV. */
static int msix_signal(struct pcl_emu_fn *fn, unsigned int v,
		       struct out_msg *m, uint16_t cmd)
{
	uint16_t flags = (uint16_t)rd(fn, fn->msix_cap + PCI_MSIX_FLAGS, 2);
	uint8_t *e, *pba, bit;

	if (v > (flags & PCI_MSIX_FLAGS_QSIZE))
		return -ENODEV;
	e = msix_entry(fn, v, &pba, &bit);
	if (!e)
		return -ENODEV;
	if ((flags & PCI_MSIX_FLAGS_MASKALL) ||
	    (e[PCI_MSIX_ENTRY_VECTOR_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT)) {
		*pba |= bit;
		return 1;
	}
	if (!(cmd & PCI_COMMAND_MASTER))
		return -ENODEV;
	*pba &= (uint8_t)~bit;
	m->msi = true;
	m->addr = le32(e + PCI_MSIX_ENTRY_LOWER_ADDR) |
		  (uint64_t)le32(e + PCI_MSIX_ENTRY_UPPER_ADDR) << 32;
	m->data = le32(e + PCI_MSIX_ENTRY_DATA);
	return 0;
}

/* Under fn->lock. */
static int msi_signal(struct pcl_emu_fn *fn, unsigned int v,
		      struct out_msg *m, uint16_t cmd)
{
	unsigned int o = fn->msi_cap;
	uint16_t flags = (uint16_t)rd(fn, o + PCI_MSI_FLAGS, 2);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;
	unsigned int nvec = 1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
	unsigned int maskreg = o + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
	unsigned int pendreg = o + (is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);

	if (v >= nvec)
		return -ENODEV;
	if ((flags & PCI_MSI_FLAGS_MASKBIT) && (rd(fn, maskreg, 4) & (1u << v))) {
		wr(fn, pendreg, 4, rd(fn, pendreg, 4) | (1u << v));
		return 1;
	}
	if (!(cmd & PCI_COMMAND_MASTER))
		return -ENODEV;
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		wr(fn, pendreg, 4, rd(fn, pendreg, 4) & ~(1u << v));
	m->msi = true;
	m->addr = rd(fn, o + PCI_MSI_ADDRESS_LO, 4) |
		  (is64 ? (uint64_t)rd(fn, o + PCI_MSI_ADDRESS_HI, 4) << 32 : 0);
	m->data = (rd(fn, o + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2) &
		   ~(nvec - 1)) | v;
	return 0;
}

static void send(struct pcl_emu_fn *fn, const struct pcl_emu_irq_sink *s,
		 const struct out_msg *m)
{
	if (m->msi && s->msi) {
		atomic_fetch_add(&fn->messages, 1);
		s->msi(s->ctx, m->addr, m->data, s->rid);
	}
}

int pcl_emu_raise(struct pcl_emu_fn *fn, unsigned int vector)
{
	struct pcl_emu_irq_sink sink;
	struct out_msg m = { 0 };
	uint16_t cmd;
	int ret;

	if (atomic_load(&fn->removed))
		return -ENODEV;
	pthread_mutex_lock(&fn->lock);
	sink = fn->sink;
	cmd = (uint16_t)rd(fn, PCI_COMMAND, 2);
	if (fn->msix_cap &&
	    (rd(fn, fn->msix_cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE)) {
		ret = msix_signal(fn, vector, &m, cmd);
	} else if (fn->msi_cap &&
		   (rd(fn, fn->msi_cap + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE)) {
		ret = msi_signal(fn, vector, &m, cmd);
	} else if (fn->cfg[PCI_INTERRUPT_PIN] >= 1 && fn->cfg[PCI_INTERRUPT_PIN] <= 4) {
		m.pin = fn->cfg[PCI_INTERRUPT_PIN];
		wr(fn, PCI_STATUS, 2, rd(fn, PCI_STATUS, 2) | PCI_STATUS_INTERRUPT);
		ret = (cmd & PCI_COMMAND_INTX_DISABLE) ? -ENODEV : 0;
		m.intx = ret == 0;
	} else {
		ret = -ENODEV;
	}
	pthread_mutex_unlock(&fn->lock);

	if (m.intx && sink.intx) {
		atomic_fetch_add(&fn->messages, 1);
		sink.intx(sink.ctx, m.pin, true, sink.rid);
		sink.intx(sink.ctx, m.pin, false, sink.rid);
	}
	if (m.pin) {
		pthread_mutex_lock(&fn->lock);
		wr(fn, PCI_STATUS, 2, rd(fn, PCI_STATUS, 2) & ~PCI_STATUS_INTERRUPT);
		pthread_mutex_unlock(&fn->lock);
	}
	send(fn, &sink, &m);
	return ret;
}

void pcl__emu_irq_unmasked(struct pcl_emu_fn *fn)
{
	pcl__emu_irq_unmasked_range(fn, 0, ~0u);
}

void pcl__emu_irq_unmasked_range(struct pcl_emu_fn *fn, unsigned int first,
				 unsigned int count)
{
	struct pcl_emu_irq_sink sink;
	struct out_msg out[64];
	unsigned int n = 0;
	uint16_t cmd;

	if (atomic_load(&fn->removed))
		return;
	pthread_mutex_lock(&fn->lock);
	sink = fn->sink;
	cmd = (uint16_t)rd(fn, PCI_COMMAND, 2);
	if (fn->msix_cap) {
		uint16_t flags = (uint16_t)rd(fn, fn->msix_cap + PCI_MSIX_FLAGS, 2);
		unsigned int nvec = (flags & PCI_MSIX_FLAGS_QSIZE) + 1u;
		unsigned int end = count > nvec ? nvec : first + count;

		if (end > nvec)
			end = nvec;
		for (unsigned int v = first; v < end && n < ARRAY_SIZE(out) &&
		     (flags & PCI_MSIX_FLAGS_ENABLE); v++) {
			uint8_t *pba, bit;

			if (!msix_entry(fn, v, &pba, &bit) || !(*pba & bit))
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			if (msix_signal(fn, v, &out[n], cmd) == 0)
				n++;
		}
	}
	if (fn->msi_cap) {
		uint16_t flags = (uint16_t)rd(fn, fn->msi_cap + PCI_MSI_FLAGS, 2);
		bool is64 = flags & PCI_MSI_FLAGS_64BIT;
		unsigned int pendreg = fn->msi_cap +
			(is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
		uint32_t pend = (flags & PCI_MSI_FLAGS_MASKBIT) &&
				(flags & PCI_MSI_FLAGS_ENABLE) ? rd(fn, pendreg, 4) : 0;

		for (unsigned int v = 0; v < 32 && n < ARRAY_SIZE(out); v++) {
			if (!(pend & (1u << v)))
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			if (msi_signal(fn, v, &out[n], cmd) == 0)
				n++;
		}
	}
	pthread_mutex_unlock(&fn->lock);
	for (unsigned int i = 0; i < n; i++)
		send(fn, &sink, &out[i]);
}
