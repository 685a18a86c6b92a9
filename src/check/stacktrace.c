// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Call traces for reports.  glibc's backtrace() walks the stack; elfutils'
 * libdw turns addresses into "function+0xoff/0xsize (file:line)", static
 * functions included, which dladdr() cannot do.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdwfl.h>
#include <pcilab/check.h>

#define MAX_FRAMES	48

/*
 * dwfl_lock protects dwfl, which libdw does not make thread-safe.  Taken
 * only here, with nothing nested inside but libdw itself.
 */
static pthread_mutex_t dwfl_lock = PTHREAD_MUTEX_INITIALIZER;
static Dwfl *dwfl;

static char *debuginfo_path;
static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static Dwfl *dwfl_get(bool refresh)
{
	if (dwfl && !refresh)
		return dwfl;
	if (!dwfl) {
		dwfl = dwfl_begin(&dwfl_callbacks);
		if (!dwfl)
			return NULL;
	}
	dwfl_report_begin(dwfl);
	if (dwfl_linux_proc_report(dwfl, getpid()) != 0) {
		dwfl_report_end(dwfl, NULL, NULL);
		return NULL;
	}
	dwfl_report_end(dwfl, NULL, NULL);
	return dwfl;
}

/* Shorten "/work/main/src/base/dd.c" to "src/base/dd.c" where we can. */
static const char *short_path(const char *path)
{
	static const char *const roots[] = { "/src/", "/drivers/", "/tools/",
					     "/tests/", "/include/" };
	const char *best = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		const char *p = strstr(path, roots[i]);

		if (p && (!best || p > best))
			best = p;
	}
	return best ? best + 1 : path;
}

/*
 * libdw before 0.189 maps an address to its CU only through
 * .debug_aranges, which clang does not emit by default: dwfl_module_getsrc()
 * then fails for every clang-built frame.  Search the CUs' own address
 * ranges instead.
 */
static const char *src_by_cu_ranges(Dwfl_Module *mod, Dwarf_Addr pc,
				    int *lineno)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;

	while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
		Dwarf_Addr base, lo, hi, a = pc - bias;
		ptrdiff_t off = 0;

		while ((off = dwarf_ranges(cu, off, &base, &lo, &hi)) > 0) {
			Dwarf_Line *l;

			if (a < lo || a >= hi)
				continue;
			l = dwarf_getsrc_die(cu, a);
			if (!l || dwarf_lineno(l, lineno) != 0)
				return NULL;
			return dwarf_linesrc(l, NULL, NULL);
		}
	}
	return NULL;
}

static void print_frame(FILE *f, Dwfl *d, uintptr_t addr)
{
	/* Return addresses point after the call; look up the call itself. */
	Dwarf_Addr pc = addr - 1;
	Dwfl_Module *mod = d ? dwfl_addrmodule(d, pc) : NULL;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = NULL;
	Dwfl_Line *line;
	const char *src = NULL;
	int lineno = 0;

	if (mod) {
		name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL,
					    NULL);
		line = dwfl_module_getsrc(mod, pc);
		if (line)
			src = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL,
					    NULL);
		else
			src = src_by_cu_ranges(mod, pc, &lineno);
	}
	if (!name) {
		fprintf(f, "  0x%" PRIxPTR "\n", addr);
		return;
	}
	fprintf(f, "  %s+0x%" PRIx64 "/0x%" PRIx64, name, (uint64_t)off + 1,
		(uint64_t)sym.st_size);
	if (src)
		fprintf(f, " (%s:%d)", short_path(src), lineno);
	fputc('\n', f);
}

static bool is_runtime_frame(Dwfl *d, uintptr_t addr)
{
	Dwfl_Module *mod = d ? dwfl_addrmodule(d, addr - 1) : NULL;
	const char *name;

	if (!mod)
		return false;
	name = dwfl_module_addrname(mod, addr - 1);
	return name && (strcmp(name, "__libc_start_main") == 0 ||
			strcmp(name, "__libc_start_call_main") == 0 ||
			strcmp(name, "_start") == 0 ||
			strcmp(name, "start_thread") == 0 ||
			strcmp(name, "clone3") == 0 ||
			strcmp(name, "clone") == 0);
}

void pcl_print_stack(FILE *f, int skip)
{
	void *frames[MAX_FRAMES];
	int n = backtrace(frames, MAX_FRAMES);
	Dwfl *d;

	pthread_mutex_lock(&dwfl_lock);
	d = dwfl_get(false);
	for (int i = skip; i < n; i++) {
		uintptr_t a = (uintptr_t)frames[i];

		if (d && !dwfl_addrmodule(d, a - 1))
			d = dwfl_get(true);	/* a library loaded since */
		if (is_runtime_frame(d, a))
			break;
		print_frame(f, d, a);
	}
	pthread_mutex_unlock(&dwfl_lock);
}
