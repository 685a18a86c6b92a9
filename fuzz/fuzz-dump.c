// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the config-dump loader (lspci -x/-xxx/-xxxx text and
 * binary config files) and the emulated function built from each dump,
 * with its capability chain checked (loops, pointers out of range).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pcilab/emu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *null;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcl_dump_fn *fns = NULL;
	unsigned int n = 0;
	char path[64];
	int fd;

	if (!null)
		null = fopen("/dev/null", "w");
	/* The loader reads files: give it one in memory. */
	fd = memfd_create("dump", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (pcl_dump_load(path, &fns, &n, null) == 0) {
		for (unsigned int i = 0; i < n; i++) {
			struct pcl_emu_fn *fn = NULL;

			if (pcl_emu_fn_from_dump(&fns[i], path, null, &fn) == 0) {
				/* exercise the function a little */
				pcl_emu_cfg_write(fn, 0x04, 2, 0x0006);
				(void)pcl_emu_cfg_read(fn, 0x00, 4);
				pcl_emu_fn_free(fn);
			}
		}
		free(fns);
	}
	close(fd);
	return 0;
}
