// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the emulated PCI function (src/emu/fn.c, caps.c,
 * models.c): the one config write path (write mask, RW1C mask), the BAR
 * sizing protocol for every BAR kind, accesses outside the rules (all
 * ones, dropped), surprise removal, the MMIO decode rules, function-level
 * reset, the capability builders and the bounded capability walk, and
 * every built-in model as decoded by the system's lspci.
 *
 * These tests use no PCI core: they talk to the "hardware" directly.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcilab/emu.h>

#include "pcltest.h"

#define LSPCI		"/usr/bin/lspci"

/* A walk that does not end is a hang: SIGALRM ends the binary instead. */
#define HANG_GUARD_S	5

/* ---- helpers ---- */

static uint32_t rd(struct pcl_emu_fn *fn, unsigned int off, unsigned int size)
{
	return pcl_emu_cfg_read(fn, off, size);
}

static void wr(struct pcl_emu_fn *fn, unsigned int off, unsigned int size,
	       uint32_t val)
{
	pcl_emu_cfg_write(fn, off, size, val);
}

static struct pcl_emu_fn *model(const char *name)
{
	struct pcl_emu_fn *fn = pcl_emu_model_new(name);

	assert_non_null(fn);
	return fn;
}

/* A blank type 0 function with its header set up. */
static struct pcl_emu_fn *blank(unsigned int cfg_size)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(cfg_size);

	assert_non_null(fn);
	pcl_emu_init_header(fn, 0x1234, 0x5678, 0x0c033001, 0);
	return fn;
}

/* Offsets of the standard capability chain, in list order. */
static unsigned int cap_chain(struct pcl_emu_fn *fn, unsigned int *offs,
			      unsigned int max)
{
	unsigned int n = 0, pos = rd(fn, PCI_CAPABILITY_LIST, 1) & ~3u;

	while (pos >= 0x40 && pos < PCI_CFG_SPACE_SIZE && n < max) {
		offs[n++] = pos;
		pos = rd(fn, pos + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	return n;
}

/* Number of extended capabilities (0 for a conventional function). */
static unsigned int ext_cap_count(struct pcl_emu_fn *fn)
{
	unsigned int n = 0, pos = PCI_CFG_SPACE_SIZE;

	if (pcl_emu_cfg_size(fn) < PCI_CFG_SPACE_EXP_SIZE)
		return 0;
	while (pos >= PCI_CFG_SPACE_SIZE && n < 512) {
		uint32_t hdr = rd(fn, pos, 4);

		if (!hdr || hdr == ~0u)
			break;
		n++;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return n;
}

/* Model hooks that count: a dropped access never reaches them. */
struct counting {
	unsigned int cfg_writes, mmio_reads, mmio_writes, resets;
};

static void cnt_cfg_written(struct pcl_emu_fn *fn, unsigned int off,
			    unsigned int len, uint32_t val)
{
	((struct counting *)pcl_emu_model(fn))->cfg_writes++;
}

static uint64_t cnt_mmio_read(struct pcl_emu_fn *fn, int bar, uint64_t off,
			      unsigned int size)
{
	((struct counting *)pcl_emu_model(fn))->mmio_reads++;
	return 0x5a;
}

static void cnt_mmio_write(struct pcl_emu_fn *fn, int bar, uint64_t off,
			   unsigned int size, uint64_t val)
{
	((struct counting *)pcl_emu_model(fn))->mmio_writes++;
}

static void cnt_reset(struct pcl_emu_fn *fn)
{
	((struct counting *)pcl_emu_model(fn))->resets++;
}

static const struct pcl_emu_model_ops counting_ops = {
	.name = "counting",
	.cfg_written = cnt_cfg_written,
	.mmio_read = cnt_mmio_read,
	.mmio_write = cnt_mmio_write,
	.reset = cnt_reset,
};

/* ------------------------------------------------------------------ */
/* The write path                                                       */
/* ------------------------------------------------------------------ */

static void test_write_keeps_bits_outside_wmask_and_rw1c_clears_only_ones(void **state)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);

	assert_non_null(fn);
	/* 0x40: bits 0-3 writable, bits 4-5 RW1C, bits 6-7 read-only. */
	pcl_emu_set(fn, 0x40, 1, 0xf0);
	pcl_emu_set_wmask(fn, 0x40, 1, 0x0f);
	pcl_emu_set_w1cmask(fn, 0x40, 1, 0x30);

	wr(fn, 0x40, 1, 0x15);		/* RW 0101, RW1C: 1 on bit 4 only */
	assert_int_equal(rd(fn, 0x40, 1), 0xe5);
	wr(fn, 0x40, 1, 0x00);		/* zeros clear nothing RW1C */
	assert_int_equal(rd(fn, 0x40, 1), 0xe0);
	wr(fn, 0x40, 1, 0xff);		/* RO bits stay, bit 5 clears */
	assert_int_equal(rd(fn, 0x40, 1), 0xcf);

	/* A fully read-only register ignores any value. */
	pcl_emu_set(fn, 0x44, 4, 0x12345678);
	wr(fn, 0x44, 4, 0xffffffff);
	wr(fn, 0x44, 4, 0);
	assert_int_equal(rd(fn, 0x44, 4), 0x12345678);
	pcl_emu_fn_free(fn);
}

static void test_write_is_per_byte_across_registers(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);

	/* STATUS: error bits RW1C, CAP_LIST and DEVSEL read-only. */
	pcl_emu_set(fn, PCI_STATUS, 2, PCI_STATUS_ERROR_BITS |
		    PCI_STATUS_CAP_LIST | 0x0200);
	/* One dword over COMMAND and STATUS: command bits set, only
	 * Received Master Abort cleared, the rest of STATUS kept. */
	wr(fn, PCI_COMMAND, 4, ((uint32_t)PCI_STATUS_REC_MASTER_ABORT << 16) |
	   PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SPECIAL);
	assert_int_equal(rd(fn, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(rd(fn, PCI_STATUS, 2),
			 (PCI_STATUS_ERROR_BITS & ~PCI_STATUS_REC_MASTER_ABORT) |
			 PCI_STATUS_CAP_LIST | 0x0200);
	/* Writing STATUS as zero clears nothing. */
	wr(fn, PCI_STATUS, 2, 0);
	assert_int_equal(rd(fn, PCI_STATUS, 2),
			 (PCI_STATUS_ERROR_BITS & ~PCI_STATUS_REC_MASTER_ABORT) |
			 PCI_STATUS_CAP_LIST | 0x0200);
	/* Ids and class are read-only. */
	wr(fn, PCI_VENDOR_ID, 4, 0);
	wr(fn, PCI_CLASS_REVISION, 4, 0);
	assert_int_equal(rd(fn, PCI_VENDOR_ID, 4), 0x56781234);
	assert_int_equal(rd(fn, PCI_CLASS_REVISION, 4), 0x0c033001);
	pcl_emu_fn_free(fn);
}

/* ------------------------------------------------------------------ */
/* BAR sizing                                                           */
/* ------------------------------------------------------------------ */

/* Write all ones, read the answer, put the original back. */
static uint32_t size_probe(struct pcl_emu_fn *fn, unsigned int reg)
{
	uint32_t orig = rd(fn, reg, 4), sz;

	wr(fn, reg, 4, ~0u);
	sz = rd(fn, reg, 4);
	wr(fn, reg, 4, orig);
	assert_int_equal(rd(fn, reg, 4), orig);
	return sz;
}

static void test_bar_sizing_mem32_answers_size_mask_with_flags(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);

	assert_int_equal(pcl_emu_add_bar(fn, 0, 4096, PCL_BAR_MEM32), 0);
	assert_int_equal(pcl_emu_add_bar(fn, 2, 1 << 20,
					 PCL_BAR_MEM32 | PCL_BAR_PREFETCH), 0);
	assert_int_equal(rd(fn, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(size_probe(fn, PCI_BASE_ADDRESS_0), 0xfffff000);
	assert_int_equal(size_probe(fn, PCI_BASE_ADDRESS_0 + 8),
			 0xfff00000 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	/* Unimplemented BARs answer zero. */
	assert_int_equal(size_probe(fn, PCI_BASE_ADDRESS_0 + 4), 0);
	assert_int_equal(size_probe(fn, PCI_BASE_ADDRESS_0 + 20), 0);
	/* An address keeps only the bits above the size; flags stay. */
	wr(fn, PCI_BASE_ADDRESS_0 + 8, 4, 0xfe0fffff);
	assert_int_equal(rd(fn, PCI_BASE_ADDRESS_0 + 8, 4),
			 0xfe000000 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(pcl_emu_bar_size(fn, 2), 1 << 20);
	assert_int_equal(pcl_emu_bar_kind(fn, 2),
			 PCL_BAR_MEM32 | PCL_BAR_PREFETCH);
	assert_non_null(pcl_emu_bar_mem(fn, 0));
	pcl_emu_fn_free(fn);
}

static void test_bar_sizing_mem64_sizes_both_dwords(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);
	const unsigned int lo2 = PCI_BASE_ADDRESS_0 + 8, hi2 = lo2 + 4;
	const unsigned int lo4 = PCI_BASE_ADDRESS_0 + 16, hi4 = lo4 + 4;

	/* 16 KiB: the size is in the low dword, the high is all writable. */
	assert_int_equal(pcl_emu_add_bar(fn, 2, 16384, PCL_BAR_MEM64), 0);
	/* 8 GiB: the size is in the high dword. */
	assert_int_equal(pcl_emu_add_bar(fn, 4, 1ull << 33,
					 PCL_BAR_MEM64 | PCL_BAR_PREFETCH), 0);

	assert_int_equal(size_probe(fn, lo2), 0xffffc000 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(size_probe(fn, hi2), 0xffffffff);
	assert_int_equal(size_probe(fn, lo4), PCI_BASE_ADDRESS_MEM_TYPE_64 |
			 PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(size_probe(fn, hi4), 0xfffffffe);

	/* A 64-bit address lands in both halves. */
	wr(fn, lo2, 4, 0xdeadc000);
	wr(fn, hi2, 4, 0x00000012);
	assert_int_equal(rd(fn, lo2, 4), 0xdeadc000 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(rd(fn, hi2, 4), 0x12);
	/* The upper half is not a BAR of its own. */
	assert_int_equal(pcl_emu_bar_size(fn, 3), 0);
	pcl_emu_fn_free(fn);
}

static void test_bar_sizing_io_answers_size_mask_with_io_flag(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);

	assert_int_equal(pcl_emu_add_bar(fn, 1, 256, PCL_BAR_IO), 0);
	assert_int_equal(pcl_emu_add_bar(fn, 3, 4, PCL_BAR_IO), 0);
	assert_int_equal(rd(fn, PCI_BASE_ADDRESS_0 + 4, 4), PCI_BASE_ADDRESS_SPACE_IO);
	assert_int_equal(size_probe(fn, PCI_BASE_ADDRESS_0 + 4),
			 0xffffff00 | PCI_BASE_ADDRESS_SPACE_IO);
	assert_int_equal(size_probe(fn, PCI_BASE_ADDRESS_0 + 12),
			 0xfffffffc | PCI_BASE_ADDRESS_SPACE_IO);
	/* I/O BARs have no backing store. */
	assert_null(pcl_emu_bar_mem(fn, 1));
	pcl_emu_fn_free(fn);
}

static void test_add_bar_refuses_bad_index_size_and_kind(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);
	struct pcl_emu_fn *br = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);

	assert_int_equal(pcl_emu_add_bar(fn, -1, 4096, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 6, 4096, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 5, 4096, PCL_BAR_MEM64), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 3000, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 0, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 8, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 512, PCL_BAR_IO), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 1ull << 32, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 64, PCL_BAR_PREFETCH), -EINVAL);
	/* Taken: the BAR itself, or the upper half of a 64-bit BAR. */
	assert_int_equal(pcl_emu_add_bar(fn, 0, 4096, PCL_BAR_MEM64), 0);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 4096, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 1, 4096, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 3, 4096, PCL_BAR_MEM32), 0);
	assert_int_equal(pcl_emu_add_bar(fn, 2, 4096, PCL_BAR_MEM64), -EINVAL);
	/* A type 1 header has two BARs. */
	assert_non_null(br);
	pcl_emu_init_header(br, 0x1234, 0x0001, 0x06040000,
			    PCI_HEADER_TYPE_BRIDGE);
	assert_int_equal(pcl_emu_add_bar(br, 2, 4096, PCL_BAR_MEM32), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(br, 1, 4096, PCL_BAR_MEM32), 0);
	pcl_emu_fn_free(br);
	pcl_emu_fn_free(fn);
}

/* ------------------------------------------------------------------ */
/* Accesses outside the rules                                           */
/* ------------------------------------------------------------------ */

static void test_fn_new_refuses_sizes_other_than_256_and_4096(void **state)
{
	assert_null(pcl_emu_fn_new(0));
	assert_null(pcl_emu_fn_new(512));
	assert_null(pcl_emu_fn_new(4095));
}

static void test_unaligned_or_outside_reads_are_all_ones(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);
	struct pcl_emu_fn *xfn = blank(PCI_CFG_SPACE_EXP_SIZE);

	/* A register of known, not-all-ones contents: the ids. */
	assert_int_equal(rd(fn, 0, 4), 0x56781234);
	assert_int_equal(rd(fn, 1, 2), 0xffff);
	assert_int_equal(rd(fn, 2, 4), 0xffffffff);
	assert_int_equal(rd(fn, 3, 2), 0xffff);
	assert_int_equal(rd(fn, 0, 3), 0xffffff);
	assert_int_equal(rd(fn, 0, 8), 0xffffffff);
	assert_int_equal(rd(fn, 256, 1), 0xff);
	assert_int_equal(rd(fn, 252, 4), 0);		/* last dword: fine */
	assert_int_equal(rd(fn, 0x7fffffffu, 1), 0xff);
	assert_int_equal(rd(xfn, 4092, 4), 0);
	assert_int_equal(rd(xfn, 4096, 4), 0xffffffff);
	assert_int_equal(rd(xfn, 4094, 4), 0xffffffff);
	pcl_emu_fn_free(xfn);
	pcl_emu_fn_free(fn);
}

static void test_unaligned_or_outside_writes_are_dropped(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);
	struct counting cnt = { 0 };
	uint8_t before[PCI_CFG_SPACE_SIZE], after[PCI_CFG_SPACE_SIZE];

	pcl_emu_set_model(fn, &counting_ops, &cnt);
	pcl_emu_set_wmask(fn, 0x40, 4, 0xffffffff);
	pcl_emu_set_wmask(fn, 0xfc, 4, 0xffffffff);
	pcl_emu_cfg_copy(fn, before);
	wr(fn, 0x42, 4, 0xffffffff);	/* misaligned dword */
	wr(fn, 0x41, 2, 0xffff);	/* misaligned word */
	wr(fn, 0x40, 3, 0xffffff);	/* no such size */
	wr(fn, 0xfe, 4, 0xffffffff);	/* runs past the end */
	wr(fn, 0x100, 1, 0xff);		/* beyond config space */
	pcl_emu_cfg_copy(fn, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(cnt.cfg_writes, 0);
	/* The same register written properly does change. */
	wr(fn, 0x40, 4, 0xa5a5a5a5);
	assert_int_equal(rd(fn, 0x40, 4), 0xa5a5a5a5);
	assert_int_equal(cnt.cfg_writes, 1);
	pcl_emu_fn_free(fn);
}

/* ------------------------------------------------------------------ */
/* Surprise removal and MMIO decode                                     */
/* ------------------------------------------------------------------ */

static void test_surprise_removal_reads_all_ones_and_drops_writes(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);
	struct pcl_emu_fn *plain = model("nvme");
	struct counting cnt = { 0 };
	uint8_t *mem = pcl_emu_bar_mem(plain, 0);
	uint8_t cfg[PCI_CFG_SPACE_SIZE];

	/* A function with counting hooks, decoding a memory BAR. */
	assert_int_equal(pcl_emu_add_bar(fn, 0, 4096, PCL_BAR_MEM32), 0);
	pcl_emu_set_model(fn, &counting_ops, &cnt);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0x5a);
	pcl_emu_mmio_write(fn, 0, 0, 4, 1);
	assert_int_equal(cnt.cfg_writes, 1);
	assert_int_equal(cnt.mmio_reads, 1);
	assert_int_equal(cnt.mmio_writes, 1);
	assert_false(pcl_emu_is_removed(fn));

	pcl_emu_surprise_remove(fn);
	assert_true(pcl_emu_is_removed(fn));
	assert_int_equal(rd(fn, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(rd(fn, PCI_VENDOR_ID, 2), 0xffff);
	assert_int_equal(rd(fn, PCI_COMMAND, 1), 0xff);
	pcl_emu_cfg_copy(fn, cfg);
	for (size_t i = 0; i < sizeof(cfg); i++)
		assert_int_equal(cfg[i], 0xff);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0xffffffff);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 8), ~0ull);
	wr(fn, PCI_COMMAND, 2, 0);
	pcl_emu_mmio_write(fn, 0, 0, 4, 2);
	/* Nothing reached the function. */
	assert_int_equal(cnt.cfg_writes, 1);
	assert_int_equal(cnt.mmio_reads, 1);
	assert_int_equal(cnt.mmio_writes, 1);

	/* Plain-memory BAR: the store keeps what it had. */
	wr(plain, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pcl_emu_mmio_write(plain, 0, 0x10, 4, 0x11223344);
	pcl_emu_surprise_remove(plain);
	pcl_emu_mmio_write(plain, 0, 0x10, 4, 0xcafef00d);
	assert_int_equal(mem[0x10] | mem[0x11] << 8 | mem[0x12] << 16 |
			 (uint32_t)mem[0x13] << 24, 0x11223344);
	assert_int_equal(pcl_emu_mmio_read(plain, 0, 0x10, 4), 0xffffffff);
	pcl_emu_fn_free(plain);
	pcl_emu_fn_free(fn);
}

static void test_mmio_reads_all_ones_without_memory_decode(void **state)
{
	struct pcl_emu_fn *fn = model("nvme");
	uint8_t *mem = pcl_emu_bar_mem(fn, 0);

	assert_non_null(mem);
	assert_int_equal(rd(fn, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY, 0);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0xffffffff);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 1), 0xff);
	pcl_emu_mmio_write(fn, 0, 0, 4, 0x01020304);
	assert_int_equal(mem[0], 0);		/* dropped */

	/* I/O decode does not decode memory BARs. */
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0xffffffff);

	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pcl_emu_mmio_write(fn, 0, 0, 4, 0x01020304);
	assert_int_equal(mem[0], 0x04);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0x01020304);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 1, 2), 0x0203);
	pcl_emu_mmio_write(fn, 0, 8, 8, 0x1122334455667788ull);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 8, 8), 0x1122334455667788ull);
	/* Outside the BAR, or a BAR that does not exist. */
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 16384, 4), 0xffffffff);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 16382, 4), 0xffffffff);
	assert_int_equal(pcl_emu_mmio_read(fn, 2, 0, 4), 0xffffffff);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 3), 0xffffff);

	/* Memory decode off again: all ones, the data is still there. */
	wr(fn, PCI_COMMAND, 2, 0);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0xffffffff);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0x01020304);
	pcl_emu_fn_free(fn);
}

static void test_io_bar_decodes_only_with_command_io(void **state)
{
	struct pcl_emu_fn *fn = model("legacy");

	assert_int_equal(pcl_emu_bar_kind(fn, 0), PCL_BAR_IO);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0xffffffff);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0xffffffff);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	/* Decoded: an I/O BAR without a model reads zero. */
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0, 4), 0);
	pcl_emu_fn_free(fn);
}

static void test_mmio_reads_all_ones_outside_d0(void **state)
{
	struct pcl_emu_fn *fn = model("nvme");
	unsigned int pm = pcl_emu_find_cap(fn, PCI_CAP_ID_PM);
	uint8_t *mem = pcl_emu_bar_mem(fn, 0);

	assert_int_not_equal(pm, 0);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pcl_emu_mmio_write(fn, 0, 0x20, 4, 0xabcdef01);

	wr(fn, pm + PCI_PM_CTRL, 2, 3);			/* D3hot */
	assert_int_equal(rd(fn, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 3);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0x20, 4), 0xffffffff);
	pcl_emu_mmio_write(fn, 0, 0x20, 4, 0);
	assert_int_equal(mem[0x20], 0x01);		/* dropped */
	wr(fn, pm + PCI_PM_CTRL, 2, 1);			/* D1 */
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0x20, 4), 0xffffffff);

	/* Back in D0: No_Soft_Reset, so config and data are kept. */
	wr(fn, pm + PCI_PM_CTRL, 2, 0);
	assert_int_equal(rd(fn, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	assert_int_equal(pcl_emu_mmio_read(fn, 0, 0x20, 4), 0xabcdef01);
	assert_int_equal(pcl_emu_flr_count(fn), 0);
	pcl_emu_fn_free(fn);
}

static void test_d3hot_to_d0_without_no_soft_reset_resets(void **state)
{
	struct pcl_emu_fn *fn = pcl_emu_fn_new(PCI_CFG_SPACE_SIZE);
	struct counting cnt = { 0 };
	int pm;

	assert_non_null(fn);
	pcl_emu_init_header(fn, 0x1234, 0x0002, 0x00ff0000, 0);
	pm = pcl_emu_add_pm(fn);
	assert_true(pm >= 0x40);
	/* Clear No_Soft_Reset: D3hot -> D0 is a reset for this one. */
	pcl_emu_set(fn, (unsigned int)pm + PCI_PM_CTRL, 2, 0);
	pcl_emu_seal(fn);
	pcl_emu_set_model(fn, &counting_ops, &cnt);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr(fn, (unsigned int)pm + PCI_PM_CTRL, 2, 3);
	assert_int_equal(rd(fn, PCI_COMMAND, 2), PCI_COMMAND_MASTER);
	wr(fn, (unsigned int)pm + PCI_PM_CTRL, 2, 0);
	assert_int_equal(rd(fn, PCI_COMMAND, 2), 0);
	assert_int_equal(pcl_emu_flr_count(fn), 1);
	assert_int_equal(cnt.resets, 1);
	pcl_emu_fn_free(fn);
}

/* ------------------------------------------------------------------ */
/* Function-level reset                                                 */
/* ------------------------------------------------------------------ */

static uint32_t msix_ctrl(uint8_t *mem, uint32_t table, unsigned int i)
{
	uint8_t *e = mem + table + i * PCI_MSIX_ENTRY_SIZE;

	return e[PCI_MSIX_ENTRY_VECTOR_CTRL] |
	       (uint32_t)e[PCI_MSIX_ENTRY_VECTOR_CTRL + 1] << 8 |
	       (uint32_t)e[PCI_MSIX_ENTRY_VECTOR_CTRL + 2] << 16 |
	       (uint32_t)e[PCI_MSIX_ENTRY_VECTOR_CTRL + 3] << 24;
}

static void test_flr_restores_power_on_config_and_masks_msix(void **state)
{
	struct pcl_emu_fn *fn = model("nvme"), *fresh = model("nvme");
	unsigned int exp = pcl_emu_find_cap(fn, PCI_CAP_ID_EXP);
	unsigned int msix = pcl_emu_find_cap(fn, PCI_CAP_ID_MSIX);
	uint8_t *mem = pcl_emu_bar_mem(fn, 0);
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE], power_on[PCI_CFG_SPACE_EXP_SIZE];
	struct counting cnt = { 0 };
	uint32_t table;
	unsigned int nvec;

	assert_int_not_equal(exp, 0);
	assert_int_not_equal(msix, 0);
	table = rd(fn, msix + PCI_MSIX_TABLE, 4);
	assert_int_equal(table & PCI_MSIX_BIR_MASK, 0);
	table &= ~(uint32_t)PCI_MSIX_BIR_MASK;
	nvec = (rd(fn, msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
	assert_int_equal(nvec, 32);
	assert_int_equal(pcl_emu_flr_count(fn), 0);
	pcl_emu_cfg_copy(fresh, power_on);

	/* Configure: BAR, command, MSI-X enabled, every vector unmasked. */
	wr(fn, PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	wr(fn, PCI_BASE_ADDRESS_0 + 4, 4, 0x1);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(fn, PCI_LATENCY_TIMER, 1, 0x40);
	wr(fn, msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	for (unsigned int i = 0; i < nvec; i++) {
		uint64_t e = table + i * PCI_MSIX_ENTRY_SIZE;

		pcl_emu_mmio_write(fn, 0, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000);
		pcl_emu_mmio_write(fn, 0, e + PCI_MSIX_ENTRY_DATA, 4, 0x40 + i);
		pcl_emu_mmio_write(fn, 0, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	for (unsigned int i = 0; i < nvec; i++)
		assert_int_equal(msix_ctrl(mem, table, i), 0);
	pcl_emu_cfg_copy(fn, cfg);
	assert_memory_not_equal(cfg, power_on, sizeof(cfg));

	/* A model reset hook runs once the config is back. */
	pcl_emu_set_model(fn, &counting_ops, &cnt);
	wr(fn, exp + PCI_EXP_DEVCTL, 2,
	   rd(fn, exp + PCI_EXP_DEVCTL, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(pcl_emu_flr_count(fn), 1);
	assert_int_equal(cnt.resets, 1);
	assert_int_equal(rd(fn, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(fn, PCI_BASE_ADDRESS_0, 4), PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(rd(fn, PCI_BASE_ADDRESS_0 + 4, 4), 0);
	assert_int_equal(rd(fn, exp + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_BCR_FLR, 0);
	pcl_emu_cfg_copy(fn, cfg);
	assert_memory_equal(cfg, power_on, sizeof(cfg));
	for (unsigned int i = 0; i < nvec; i++) {
		uint8_t *e = mem + table + i * PCI_MSIX_ENTRY_SIZE;

		assert_int_equal(msix_ctrl(mem, table, i),
				 PCI_MSIX_ENTRY_CTRL_MASKBIT);
		assert_int_equal(e[PCI_MSIX_ENTRY_DATA], 0);
		assert_int_equal(e[PCI_MSIX_ENTRY_LOWER_ADDR + 3], 0);
	}

	/* Every FLR counts. */
	wr(fn, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(pcl_emu_flr_count(fn), 2);
	pcl_emu_set_model(fn, NULL, NULL);
	pcl_emu_fn_free(fresh);
	pcl_emu_fn_free(fn);
}

static void test_flr_bit_without_flr_capability_does_nothing(void **state)
{
	struct pcl_emu_fn *fn = model("bridge");
	unsigned int exp = pcl_emu_find_cap(fn, PCI_CAP_ID_EXP);

	assert_int_not_equal(exp, 0);
	assert_int_equal(rd(fn, exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR, 0);
	wr(fn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr(fn, exp + PCI_EXP_DEVCTL, 2,
	   rd(fn, exp + PCI_EXP_DEVCTL, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(pcl_emu_flr_count(fn), 0);
	assert_int_equal(rd(fn, PCI_COMMAND, 2), PCI_COMMAND_MASTER);
	pcl_emu_fn_free(fn);
}

/* ------------------------------------------------------------------ */
/* Capabilities                                                         */
/* ------------------------------------------------------------------ */

static void test_capability_builders_link_a_chain_find_cap_walks(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_EXP_SIZE);
	unsigned int offs[16], n;
	int pm, msi, msix, exp, aer, dsn;
	uint32_t hdr;

	assert_int_equal(rd(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_PM), 0);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 16384, PCL_BAR_MEM32), 0);
	pm = pcl_emu_add_pm(fn);
	msi = pcl_emu_add_msi(fn, 2, false, true);
	msix = pcl_emu_add_msix(fn, 16, 0, 0x1000, 0, 0x2000);
	exp = pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, true);
	aer = pcl_emu_add_aer(fn);
	dsn = pcl_emu_add_dsn(fn, 0x1122334455667788ull);
	assert_true(pm >= 0x40 && msi > pm && msix > msi && exp > msix);
	assert_int_equal(aer, PCI_CFG_SPACE_SIZE);
	assert_true(dsn > aer);

	assert_true(rd(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_PM), pm);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_MSI), msi);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_MSIX), msix);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_EXP), exp);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_VNDR), 0);

	/* The list in build order, ending in 0. */
	n = cap_chain(fn, offs, 16);
	assert_int_equal(n, 4);
	assert_int_equal(offs[0], pm);
	assert_int_equal(offs[1], msi);
	assert_int_equal(offs[2], msix);
	assert_int_equal(offs[3], exp);
	assert_int_equal(rd(fn, exp + PCI_CAP_LIST_NEXT, 1), 0);

	/* Extended: AER -> DSN -> end; DSN holds the serial. */
	hdr = rd(fn, aer, 4);
	assert_int_equal(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_ERR);
	assert_int_equal(PCI_EXT_CAP_VER(hdr), 2);
	assert_int_equal(PCI_EXT_CAP_NEXT(hdr), dsn);
	hdr = rd(fn, dsn, 4);
	assert_int_equal(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_DSN);
	assert_int_equal(PCI_EXT_CAP_NEXT(hdr), 0);
	assert_int_equal(rd(fn, dsn + PCI_DSN_LOW, 4), 0x55667788);
	assert_int_equal(rd(fn, dsn + PCI_DSN_HIGH, 4), 0x11223344);

	/* MSI: 4 vectors capable, 32-bit, maskable; enable is writable. */
	assert_int_equal(rd(fn, msi + PCI_MSI_FLAGS, 2),
			 (2 << 1) | PCI_MSI_FLAGS_MASKBIT);
	wr(fn, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QMASK);
	assert_int_equal(rd(fn, msi + PCI_MSI_FLAGS, 2),
			 (2 << 1) | PCI_MSI_FLAGS_MASKBIT | PCI_MSI_FLAGS_ENABLE);
	/* MSI-X: table size and BIR/offsets as asked, vectors masked. */
	assert_int_equal(rd(fn, msix + PCI_MSIX_FLAGS, 2), 15);
	assert_int_equal(rd(fn, msix + PCI_MSIX_TABLE, 4), 0x1000);
	assert_int_equal(rd(fn, msix + PCI_MSIX_PBA, 4), 0x2000);
	assert_int_equal(msix_ctrl(pcl_emu_bar_mem(fn, 0), 0x1000, 15),
			 PCI_MSIX_ENTRY_CTRL_MASKBIT);
	/* PCIe: FLR capable. */
	assert_true(rd(fn, exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	pcl_emu_fn_free(fn);
}

static void test_capability_builders_refuse_what_does_not_fit(void **state)
{
	struct pcl_emu_fn *fn = blank(PCI_CFG_SPACE_SIZE);

	assert_int_equal(pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 256), -ENOSPC);
	assert_int_equal(pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 1), -ENOSPC);
	assert_int_equal(pcl_emu_add_ext_cap(fn, PCI_EXT_CAP_ID_DSN, 1, 12), -ENOSPC);
	assert_int_equal(pcl_emu_add_aer(fn), -ENOSPC);
	assert_int_equal(pcl_emu_add_msi(fn, 6, false, false), -EINVAL);
	/* MSI-X needs its table inside a memory BAR. */
	assert_int_equal(pcl_emu_add_msix(fn, 4, 0, 0, 0, 0x100), -EINVAL);
	assert_int_equal(pcl_emu_add_bar(fn, 0, 4096, PCL_BAR_MEM32), 0);
	assert_int_equal(pcl_emu_add_msix(fn, 512, 0, 0, 0, 0x800), -EINVAL);
	assert_int_equal(pcl_emu_add_msix(fn, 4, 0, 4, 0, 0x100), -EINVAL);
	assert_int_equal(pcl_emu_add_msix(fn, 0, 0, 0, 0, 0x100), -EINVAL);
	/* None of the refusals touched the list. */
	assert_int_equal(rd(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	/* Fill the space: 0x40..0xff holds 12 capabilities of 16 bytes. */
	for (int i = 0; i < 12; i++)
		assert_true(pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 16) >= 0x40);
	assert_int_equal(pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 16), -ENOSPC);
	pcl_emu_fn_free(fn);
}

static void test_looping_capability_chain_ends_the_walk(void **state)
{
	struct pcl_emu_fn *fn = model("nvme");
	unsigned int offs[64], n, pm, exp;

	n = cap_chain(fn, offs, 64);
	assert_int_equal(n, 4);
	pm = offs[0];
	exp = pcl_emu_find_cap(fn, PCI_CAP_ID_EXP);
	assert_int_equal(exp, offs[3]);

	alarm(HANG_GUARD_S);
	/* The last capability points back at the first. */
	pcl_emu_set(fn, offs[n - 1] + PCI_CAP_LIST_NEXT, 1, pm);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_VNDR), 0);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_EXP), exp);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_PM), pm);
	/* A capability pointing at itself. */
	pcl_emu_set(fn, pm + PCI_CAP_LIST_NEXT, 1, pm);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_EXP), 0);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_VNDR), 0);
	/* A pointer into the header ends the walk too. */
	pcl_emu_set(fn, pm + PCI_CAP_LIST_NEXT, 1, 0x10);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_EXP), 0);
	/* No CAP_LIST bit: no list at all. */
	pcl_emu_set(fn, pm + PCI_CAP_LIST_NEXT, 1, offs[1]);
	pcl_emu_set(fn, PCI_STATUS, 2, 0);
	assert_int_equal(pcl_emu_find_cap(fn, PCI_CAP_ID_PM), 0);
	alarm(0);
	pcl_emu_fn_free(fn);
}

/* ------------------------------------------------------------------ */
/* Built-in models through the real lspci                              */
/* ------------------------------------------------------------------ */

struct lspci_out {
	char out[65536];
	char err[4096];
	int status;
};

/* Read @fd into @buf until EOF. */
static void slurp(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t r;

	while (used + 1 < len && (r = read(fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)r;
	buf[used] = '\0';
	/* Drain the rest so the child never blocks. */
	while ((r = read(fd, (char[256]){ 0 }, 256)) > 0)
		;
}

/* `lspci -F @path -vvv`: stdout, stderr and the exit status. */
static void run_lspci(const char *path, struct lspci_out *o)
{
	char errpath[] = "/tmp/pcilab-test-emu-err-XXXXXX";
	int errfd = mkstemp(errpath), pipefd[2], status;
	pid_t pid;
	FILE *f;

	assert_true(errfd >= 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(errfd, 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(LSPCI, "lspci", "-F", path, "-vvv", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	slurp(pipefd[0], o->out, sizeof(o->out));
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	close(errfd);
	f = fopen(errpath, "r");
	assert_non_null(f);
	o->err[fread(o->err, 1, sizeof(o->err) - 1, f)] = '\0';
	fclose(f);
	unlink(errpath);
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

static unsigned int count_lines_with(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * What lspci says about a config space it could not decode.  "lspci:"
 * lines on stderr are errors, except libkmod's complaint that there is
 * no module database (a container has none; -F does not need it).
 */
static const char *lspci_problem(const struct lspci_out *o)
{
	static const char *const markers[] = {
		"<?>", "<unknown>", "unknown", "chain broken", "chain looped",
		"Capability ID", "<access denied>",
	};
	char err[sizeof(o->err)], *save = NULL;

	if (o->status)
		return "lspci exit status";
	for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
		if (contains_nocase(o->out, markers[i]))
			return markers[i];
	if (strstr(o->out, "] #"))
		return "undecoded capability id";
	memcpy(err, o->err, sizeof(err));
	for (char *l = strtok_r(err, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strstr(l, "libkmod"))
			return "stderr";
	return NULL;
}

static void write_dump(const char *path, struct pcl_emu_fn *fn, const char *desc)
{
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	pcl_emu_cfg_copy(fn, cfg);
	pcl_dump_write(f, "00:03.0", desc, cfg, pcl_emu_cfg_size(fn));
	assert_int_equal(fclose(f), 0);
}

static void test_every_model_is_decoded_by_lspci(void **state)
{
	char names[256], *save = NULL, path[] = "/tmp/pcilab-test-emu-XXXXXX";
	static struct lspci_out o;
	unsigned int nmodels = 0;
	int fd;

	if (access(LSPCI, X_OK)) {
		print_message(LSPCI " missing: skipped\n");
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(names, sizeof(names), "%s", pcl_emu_model_names());
	for (char *name = strtok_r(names, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		struct pcl_emu_fn *fn = model(name);
		unsigned int offs[64], ncaps = cap_chain(fn, offs, 64);
		unsigned int next = ext_cap_count(fn);
		const char *bad;

		nmodels++;
		write_dump(path, fn, name);
		run_lspci(path, &o);
		bad = lspci_problem(&o);
		if (bad)
			print_error("model %s: %s\nstdout:\n%s\nstderr:\n%s\n",
				    name, bad, o.out, o.err);
		assert_null(bad);
		/* One device, every capability decoded. */
		assert_int_equal(strncmp(o.out, "00:03.0 ", 8), 0);
		assert_int_equal(count_lines_with(o.out, "\n00:"), 0);
		if (count_lines_with(o.out, "Capabilities: [") != ncaps + next)
			print_error("model %s: %u capabilities, lspci shows:\n%s\n",
				    name, ncaps + next, o.out);
		assert_int_equal(count_lines_with(o.out, "Capabilities: ["),
				 ncaps + next);
		if (!strcmp(name, "nvme")) {
			assert_non_null(strstr(o.out, "MSI-X: Enable- Count=32"));
			assert_non_null(strstr(o.out, "FLReset+"));
			assert_non_null(strstr(o.out,
				"Device Serial Number 01-23-45-67-89-ab-cd-ef"));
		}
		pcl_emu_fn_free(fn);
	}
	unlink(path);
	/* The documented models are all in the list. */
	assert_true(nmodels >= 5);
	snprintf(names, sizeof(names), " %s ", pcl_emu_model_names());
	assert_non_null(strstr(names, " nvme "));
	assert_non_null(strstr(names, " ahci "));
	assert_non_null(strstr(names, " nic "));
	assert_non_null(strstr(names, " legacy "));
	assert_non_null(strstr(names, " bridge "));
	assert_null(pcl_emu_model_new("no-such-model"));
}

/* The check above sees a function lspci cannot make sense of. */
static void test_lspci_check_catches_an_undecodable_function(void **state)
{
	char path[] = "/tmp/pcilab-test-emu-XXXXXX";
	static struct lspci_out o;
	struct pcl_emu_fn *fn;
	const char *problem;
	int fd, off;

	if (access(LSPCI, X_OK)) {
		print_message(LSPCI " missing: skipped\n");
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fn = blank(PCI_CFG_SPACE_EXP_SIZE);
	off = pcl_emu_add_cap(fn, 0x42, 8);		/* no such capability */
	assert_true(off >= 0x40);
	write_dump(path, fn, "bad");
	run_lspci(path, &o);
	problem = lspci_problem(&o);
	assert_non_null(problem);
	assert_string_equal(problem, "Capability ID");
	/* An extended capability lspci does not know, on a PCIe function. */
	pcl_emu_set(fn, (unsigned int)off, 1, PCI_CAP_ID_PM);
	assert_true(pcl_emu_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, false) > off);
	assert_true(pcl_emu_add_ext_cap(fn, 0x0fee, 1, 8) >= 0);
	write_dump(path, fn, "bad");
	run_lspci(path, &o);
	assert_non_null(strstr(o.out, "Extended Capability ID 0xfee"));
	problem = lspci_problem(&o);
	assert_non_null(problem);
	assert_string_equal(problem, "Capability ID");
	unlink(path);
	pcl_emu_fn_free(fn);
}

static int ctx_teardown(void **state)
{
	alarm(0);
	return ctx_clean(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_teardown(f, ctx_teardown)
		T_(test_write_keeps_bits_outside_wmask_and_rw1c_clears_only_ones),
		T_(test_write_is_per_byte_across_registers),
		T_(test_bar_sizing_mem32_answers_size_mask_with_flags),
		T_(test_bar_sizing_mem64_sizes_both_dwords),
		T_(test_bar_sizing_io_answers_size_mask_with_io_flag),
		T_(test_add_bar_refuses_bad_index_size_and_kind),
		T_(test_fn_new_refuses_sizes_other_than_256_and_4096),
		T_(test_unaligned_or_outside_reads_are_all_ones),
		T_(test_unaligned_or_outside_writes_are_dropped),
		T_(test_surprise_removal_reads_all_ones_and_drops_writes),
		T_(test_mmio_reads_all_ones_without_memory_decode),
		T_(test_io_bar_decodes_only_with_command_io),
		T_(test_mmio_reads_all_ones_outside_d0),
		T_(test_d3hot_to_d0_without_no_soft_reset_resets),
		T_(test_flr_restores_power_on_config_and_masks_msix),
		T_(test_flr_bit_without_flr_capability_does_nothing),
		T_(test_capability_builders_link_a_chain_find_cap_walks),
		T_(test_capability_builders_refuse_what_does_not_fit),
		T_(test_looping_capability_chain_ends_the_walk),
		T_(test_every_model_is_decoded_by_lspci),
		T_(test_lspci_check_catches_an_undecodable_function),
#undef T_
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
