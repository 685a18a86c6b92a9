// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for config-space dumps (src/emu/dump.c): real lspci dumps
 * load, build and write back byte for byte; binary dumps load; every kind
 * of malformed input is refused with "FILE:LINE: offset 0xOFF: what"; the
 * write masks inferred from a dump behave as the hardware would.
 *
 * The fixtures are ../shared/fixtures/ *xxxx* relative to the repository
 * (tests run from its root); tests that need them are skipped without.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <pcilab/emu.h>
#include "pcltest.h"

#define FIXTURES	"../shared/fixtures"
#define LSPCI		"/usr/bin/lspci"

/* ---- helpers ---- */

/* A new temporary file holding @len bytes of @data; its name in @path. */
static void tmp_write(char path[64], const void *data, size_t len)
{
	const char *p = data;
	int fd;

	strcpy(path, "/tmp/pcilab-test-dump-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	while (len) {
		ssize_t n = write(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
	assert_int_equal(close(fd), 0);
}

/* The whole of @path, NUL-terminated; its length in *@len. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t alloc = 0, n = 0, got;

	assert_non_null(f);
	do {
		if (n + 4096 + 1 > alloc) {
			alloc = 2 * alloc + 8192;
			buf = realloc(buf, alloc);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* What `lspci -F @path -vvv` prints on stdout. */
static char *lspci_vvv(const char *path)
{
	char cmd[512], *out = NULL;
	size_t len = 0, got;
	char chunk[4096];
	FILE *p, *m;

	snprintf(cmd, sizeof(cmd), LSPCI " -F '%s' -vvv 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	m = open_memstream(&out, &len);
	assert_non_null(m);
	while ((got = fread(chunk, 1, sizeof(chunk), p)))
		fwrite(chunk, 1, got, m);
	pclose(p);
	fclose(m);
	return out;
}

/* Load @path: -EINVAL, nothing returned, and exactly @msg said on err. */
static void expect_load_error_file(const char *path, const char *msg)
{
	struct pcl_dump_fn *fns = (void *)&fns;
	unsigned int n = 99;
	char *text = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&text, &len);
	int ret;

	assert_non_null(err);
	ret = pcl_dump_load(path, &fns, &n, err);
	fclose(err);
	if (strcmp(text, msg))
		print_error("said:     %sexpected: %s", text, msg);
	assert_int_equal(ret, -EINVAL);
	assert_null(fns);
	assert_int_equal(n, 0);
	assert_string_equal(text, msg);
	free(text);
}

/*
 * @len bytes of @data as a dump file: loading it fails with
 * "FILE:@line: @what\n".
 */
static void expect_load_error(const void *data, size_t len, unsigned int line,
			      const char *what)
{
	char path[64], msg[512];

	tmp_write(path, data, len);
	snprintf(msg, sizeof(msg), "%s:%u: %s\n", path, line, what);
	expect_load_error_file(path, msg);
	unlink(path);
}

static void expect_text_error(const char *text, unsigned int line,
			      const char *what)
{
	expect_load_error(text, strlen(text), line, what);
}

/* Load @len bytes of @data; asserts success and returns the functions. */
static struct pcl_dump_fn *load_ok(const void *data, size_t len,
				   unsigned int *n)
{
	struct pcl_dump_fn *fns = NULL;
	char path[64];
	int ret;

	tmp_write(path, data, len);
	ret = pcl_dump_load(path, &fns, n, stderr);
	unlink(path);
	assert_int_equal(ret, 0);
	assert_non_null(fns);
	return fns;
}

static void put(uint8_t *cfg, unsigned int off, unsigned int size,
		uint32_t val)
{
	for (unsigned int i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(val >> (8 * i));
}

/* A dump with the given bytes, as text written by pcl_dump_write(). */
static char *dump_text(const uint8_t *cfg, unsigned int size, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	pcl_dump_write(f, "00:03.0", "Test device", cfg, size);
	fclose(f);
	return text;
}

/*
 * Write @cfg as a dump, load it (line 1 is the slot, line 2 "00:"), and
 * building it fails with "FILE:LINE: @what\n", LINE being the hex line
 * of @off.
 */
static void expect_build_error(const uint8_t *cfg, unsigned int size,
			       unsigned int off, const char *what)
{
	struct pcl_emu_fn *fn = (void *)&fn;
	struct pcl_dump_fn *fns = NULL;
	char path[64], msg[512], *text, *said = NULL;
	size_t len, slen = 0;
	unsigned int n;
	FILE *err;
	int ret;

	text = dump_text(cfg, size, &len);
	tmp_write(path, text, len);
	free(text);
	assert_int_equal(pcl_dump_load(path, &fns, &n, stderr), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fns[0].line, 2);
	err = open_memstream(&said, &slen);
	assert_non_null(err);
	ret = pcl_emu_fn_from_dump(&fns[0], path, err, &fn);
	fclose(err);
	snprintf(msg, sizeof(msg), "%s:%u: %s\n", path, 2 + off / 16, what);
	if (strcmp(said, msg))
		print_error("said:     %sexpected: %s", said, msg);
	assert_int_equal(ret, -EINVAL);
	assert_null(fn);
	assert_string_equal(said, msg);
	free(said);
	free(fns);
	unlink(path);
}

/* An in-memory dump that does not build: the message holds @what. */
static void build_refused(const struct pcl_dump_fn *d, const char *what)
{
	struct pcl_emu_fn *fn = NULL;
	char *said = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&said, &len);

	assert_non_null(err);
	assert_int_equal(pcl_emu_fn_from_dump(d, "t", err, &fn), -EINVAL);
	fclose(err);
	assert_null(fn);
	if (!strstr(said, what))
		print_error("said:     %sexpected: %s\n", said, what);
	assert_non_null(strstr(said, what));
	free(said);
}

/* A function from an in-memory dump; asserts success. */
static struct pcl_emu_fn *build_ok(const struct pcl_dump_fn *d)
{
	struct pcl_emu_fn *fn = NULL;

	assert_int_equal(pcl_emu_fn_from_dump(d, "test", stderr, &fn), 0);
	assert_non_null(fn);
	return fn;
}

/* Every function's bytes read back exactly, zero beyond the dump. */
static void assert_reads_back(struct pcl_emu_fn *fn,
			      const struct pcl_dump_fn *d)
{
	uint8_t buf[PCI_CFG_SPACE_EXP_SIZE];
	unsigned int size = pcl_emu_cfg_size(fn);

	assert_int_equal(size, d->size == 4096 ? 4096 : 256);
	memset(buf, 0xa5, sizeof(buf));
	pcl_emu_cfg_copy(fn, buf);
	for (unsigned int i = 0; i < size; i++) {
		uint8_t want = i < d->size ? d->cfg[i] : 0;

		/* A 64-byte dump gives no capability list (emu.h). */
		if (d->size == 64 && i == PCI_CAPABILITY_LIST)
			want = 0;
		if (d->size == 64 && i == PCI_STATUS)
			want &= (uint8_t)~PCI_STATUS_CAP_LIST;

		if (buf[i] != want)
			print_error("%s byte 0x%03x: 0x%02x, expected 0x%02x\n",
				    d->slot, i, buf[i], want);
		assert_int_equal(buf[i], want);
	}
	for (unsigned int i = 0; i < size; i += 4)
		assert_int_equal(pcl_emu_cfg_read(fn, i, 4),
				 (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
				 (uint32_t)buf[i + 2] << 16 |
				 (uint32_t)buf[i + 3] << 24);
}

/* The names of the fixture dumps (*xxxx*), or skip the test. */
static unsigned int fixture_names(char names[][300], unsigned int max)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *dir = opendir(FIXTURES);

	if (!dir) {
		print_message("no " FIXTURES ": skipped\n");
		skip();
	}
	while ((e = readdir(dir)) && n < max) {
		if (!strstr(e->d_name, "xxxx"))
			continue;
		snprintf(names[n++], 300, FIXTURES "/%s", e->d_name);
	}
	closedir(dir);
	if (!n) {
		print_message("no *xxxx* dump in " FIXTURES ": skipped\n");
		skip();
	}
	return n;
}

/* ---- (a) real dumps round trip ---- */

static void test_fixtures_round_trip_byte_identical(void **state)
{
	char names[64][300];
	unsigned int nfix = fixture_names(names, 64);
	bool have_lspci = access(LSPCI, X_OK) == 0;

	for (unsigned int k = 0; k < nfix; k++) {
		uint8_t buf[PCI_CFG_SPACE_EXP_SIZE];
		struct pcl_dump_fn *fns = NULL;
		char out[64], *orig, *written;
		size_t olen, wlen;
		unsigned int n;
		FILE *f;

		assert_int_equal(pcl_dump_load(names[k], &fns, &n, stderr), 0);
		assert_true(n >= 1);
		strcpy(out, "/tmp/pcilab-test-dump-XXXXXX");
		assert_true(mkstemp(out) >= 0);
		f = fopen(out, "w");
		assert_non_null(f);
		for (unsigned int i = 0; i < n; i++) {
			struct pcl_emu_fn *fn = NULL;

			assert_int_equal(pcl_emu_fn_from_dump(&fns[i], names[k],
							      stderr, &fn), 0);
			assert_reads_back(fn, &fns[i]);
			pcl_emu_cfg_copy(fn, buf);
			pcl_dump_write(f, fns[i].slot, fns[i].desc, buf,
				       fns[i].size);
			pcl_emu_fn_free(fn);
		}
		fclose(f);
		free(fns);

		orig = slurp(names[k], &olen);
		written = slurp(out, &wlen);
		if (olen != wlen || memcmp(orig, written, olen))
			print_error("%s: written back differently:\n%s\n",
				    names[k], written);
		assert_int_equal(wlen, olen);
		assert_memory_equal(written, orig, olen);
		free(orig);
		free(written);

		if (have_lspci) {
			char *a = lspci_vvv(names[k]), *b = lspci_vvv(out);

			assert_true(strlen(a) > 0);
			assert_string_equal(b, a);
			free(a);
			free(b);
		}
		unlink(out);
	}
	if (!have_lspci) {
		print_message(LSPCI " missing: lspci comparison skipped\n");
		skip();
	}
}

/* ---- parsing ---- */

#define SLOT	"00:03.0 Ethernet controller: test\n"
#define L00	"00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00\n"
#define L10	"10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 00\n"
#define L20	"20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 41 10\n"
#define L30	"30: 00 00 00 00 40 00 00 00 00 00 00 00 0b 01 00 00\n"
#define L40	"40: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
#define X64	SLOT L00 L10 L20 L30

static void test_text_x_dump_loads(void **state)
{
	static const char text[] =
		"00:03.0 Ethernet controller: test\r\n"
		"\tSubsystem: lspci -v lines are ignored\r\n"
		L00 L10 L20
		"30: 00 00 00 00 40 00 00 00 00 00 00 00 0B 01 00 00  \n"
		"\n\n"
		"0001:02:1f.7 \n" L00 L10 L20 L30;
	struct pcl_dump_fn *fns;
	unsigned int n;

	fns = load_ok(text, strlen(text), &n);
	assert_int_equal(n, 2);
	assert_string_equal(fns[0].slot, "00:03.0");
	assert_string_equal(fns[0].desc, "Ethernet controller: test");
	assert_int_equal(fns[0].size, 64);
	assert_int_equal(fns[0].line, 3);
	assert_int_equal(fns[0].cfg[0x00], 0xf4);
	assert_int_equal(fns[0].cfg[0x12], 0x10);
	assert_int_equal(fns[0].cfg[0x3c], 0x0b);
	assert_int_equal(fns[0].cfg[0x3f], 0x00);
	assert_int_equal(fns[0].cfg[0x40], 0x00);
	assert_string_equal(fns[1].slot, "0001:02:1f.7");
	assert_string_equal(fns[1].desc, "");
	assert_int_equal(fns[1].domain, 1);
	assert_int_equal(fns[1].bus, 2);
	assert_int_equal(fns[1].dev, 0x1f);
	assert_int_equal(fns[1].func, 7);
	assert_int_equal(fns[1].line, 10);
	free(fns);
}

/* A 256-byte text file is text when it starts with a slot line. */
static void test_text_of_binary_size_is_text(void **state)
{
	char text[257];
	const char *body = L00 L10 L20 L30 "\n";
	size_t hdr = 256 - strlen(body);
	struct pcl_dump_fn *fns;
	unsigned int n;

	memset(text, 'x', hdr);
	memcpy(text, "00:05.0 ", 8);
	text[hdr - 1] = '\n';
	strcpy(text + hdr, body);
	assert_int_equal(strlen(text), 256);
	fns = load_ok(text, 256, &n);
	assert_int_equal(n, 1);
	assert_int_equal(fns[0].size, 64);
	assert_string_equal(fns[0].slot, "00:05.0");
	free(fns);
}

/* ---- (b) binary dumps ---- */

static void test_binary_dumps_64_256_4096(void **state)
{
	static const unsigned int sizes[] = { 64, 256, 4096 };

	for (unsigned int k = 0; k < ARRAY_SIZE(sizes); k++) {
		uint8_t bin[4096];
		struct pcl_dump_fn *fns;
		struct pcl_emu_fn *fn;
		unsigned int n;

		for (unsigned int i = 0; i < sizes[k]; i++)
			bin[i] = (uint8_t)(i * 7 + 3);
		put(bin, PCI_STATUS, 2, 0);	/* no capability list */
		put(bin, PCI_HEADER_TYPE, 1, 0x80);
		memset(bin + PCI_BASE_ADDRESS_0, 0, 24);
		if (sizes[k] == 4096)
			put(bin, 0x100, 4, 0);	/* no extended capability */
		fns = load_ok(bin, sizes[k], &n);
		assert_int_equal(n, 1);
		assert_string_equal(fns[0].slot, "00:00.0");
		assert_string_equal(fns[0].desc, "");
		assert_int_equal(fns[0].size, sizes[k]);
		assert_int_equal(fns[0].line, 0);
		assert_memory_equal(fns[0].cfg, bin, sizes[k]);
		fn = build_ok(&fns[0]);
		assert_reads_back(fn, &fns[0]);
		pcl_emu_fn_free(fn);
		free(fns);
	}
}

static void test_binary_of_other_size_is_refused(void **state)
{
	uint8_t bin[100] = { 0x86, 0x80 };

	expect_load_error(bin, sizeof(bin), 1,
			  "NUL byte at column 3");
	memset(bin, 0xff, sizeof(bin));
	expect_load_error(bin, sizeof(bin), 1,
			  "not a slot line, a hex line or a blank line");
}

/* ---- (c) malformed input ---- */

static void test_short_dump(void **state)
{
	expect_text_error(X64 L40 "\n", 6,
			  "offset 0x50: 00:03.0: the dump stops after 80 bytes; 64, 256 or 4096 expected");
	expect_text_error(X64 L40, 6,
			  "offset 0x50: 00:03.0: the dump stops after 80 bytes; 64, 256 or 4096 expected");
	expect_text_error(SLOT L00 L10 "\n" SLOT, 3,
			  "offset 0x20: 00:03.0: the dump stops after 32 bytes; 64, 256 or 4096 expected");
	expect_text_error(SLOT "\n", 1,
			  "offset 0x00: 00:03.0: the dump stops after 0 bytes; 64, 256 or 4096 expected");
}

static void test_bad_hex_digit(void **state)
{
	expect_text_error(SLOT L00
			  "10: 04 0g 10 00 40 00 00 00 00 00 00 00 00 00 00 00\n"
			  L20 L30, 3, "offset 0x11: bad hex digit 'g'");
	expect_text_error(SLOT L00
			  "10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00  00\n"
			  L20 L30, 3, "offset 0x1f: bad hex digit ' '");
	expect_text_error(SLOT L00
			  "10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 0\n"
			  L20 L30, 3, "offset 0x1f: bad hex digit the end of the line");
	expect_text_error(SLOT L00
			  "10: 04 00 10 00 400 00 00 00 00 00 00 00 00 00 00\n"
			  L20 L30, 3, "offset 0x14: '0' after a byte, a space expected");
}

static void test_wrong_number_of_bytes(void **state)
{
	expect_text_error(SLOT L00
			  "10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 00 00\n"
			  L20 L30, 3, "offset 0x10: more than 16 bytes on the line");
	expect_text_error(SLOT L00
			  "10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00\n"
			  L20 L30, 3, "offset 0x10: 15 bytes on the line, 16 expected");
	expect_text_error(SLOT L00 "10:\n" L20 L30, 3,
			  "offset 0x10: 0 bytes on the line, 16 expected");
}

static void test_offsets_out_of_order(void **state)
{
	expect_text_error(SLOT L00 L20 L10 L30, 3,
			  "offset 0x20: out of sequence, 0x10 expected");
	expect_text_error(SLOT L10 L00 L20 L30, 2,
			  "offset 0x10: out of sequence, 0x00 expected");
	expect_text_error(SLOT L00 L00 L10 L20 L30, 3,
			  "offset 0x00: out of sequence, 0x10 expected");
	expect_text_error(SLOT L00
			  "1000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n",
			  3, "offset 0x1000: beyond the 4096-byte config space");
	expect_text_error(SLOT L00
			  "010: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 00\n"
			  "0020: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 41 10\n",
			  4, "offset 0x20: offset of 4 digits, 2 or 3 expected");
}

static void test_hex_before_slot(void **state)
{
	expect_text_error(L00 L10 L20 L30 "\n", 1,
			  "offset 0x00: hex line without a slot line before it");
	/* After the blank line that ended a function. */
	expect_text_error(X64 "\n" L40, 7,
			  "offset 0x40: hex line without a slot line before it");
}

static void test_empty_file(void **state)
{
	expect_text_error("", 1, "empty file");
	expect_text_error("\n\n", 2, "no slot line in the file");
}

static void test_nul_byte(void **state)
{
	static const char text[] = SLOT L00
		"10: 04 00\0" "10 00 40 00 00 00 00 00 00 00 00 00 00 00\n"
		L20 L30;

	expect_load_error(text, sizeof(text) - 1, 3,
			  "offset 0x10: NUL byte at column 10");
	expect_load_error("00:03.0 x\0y\n" L00, 12 + strlen(L00), 1,
			  "NUL byte at column 10");
}

static void test_bad_lines(void **state)
{
	char *text;
	size_t len = strlen(SLOT) + 2000;

	expect_text_error(X64 "\n" "00:20.0 device 0x20\n" L00, 7,
			  "bad slot: device 00-1f and function 0-7 expected");
	expect_text_error(X64 "\n" "00:03.0 again\n" L00 L10 L20 L30, 7,
			  "duplicate slot 00:03.0 (as 00:03.0 before)");
	expect_text_error(X64 "\n" "0000:00:03.0 again\n" L00 L10 L20 L30, 7,
			  "duplicate slot 0000:00:03.0 (as 00:03.0 before)");
	expect_text_error(SLOT "hello\n" L00 L10 L20 L30, 2,
			  "not a slot line, a hex line or a blank line");
	/* lspci -v detail lines only between the slot and the hex lines */
	expect_text_error(SLOT L00 "\tFlags: fast\n" L10 L20 L30, 3,
			  "not a slot line, a hex line or a blank line");

	text = malloc(len + 1);
	assert_non_null(text);
	strcpy(text, SLOT);
	memset(text + strlen(SLOT), 'x', 2000);
	text[len - 1] = '\n';
	text[len] = '\0';
	expect_text_error(text, 2, "line longer than 1024 characters");
	/* A description that does not fit pcl_dump_fn::desc. */
	memcpy(text, "00:03.0 ", 8);
	memset(text + 8, 'y', 300);
	text[308] = '\n';
	text[309] = '\0';
	expect_text_error(text, 1, "description longer than 255 characters");
	free(text);
}

static void test_bounded_functions_and_size(void **state)
{
	size_t per = strlen("00:00.0 x\n" L00 L10 L20 L30 "\n");
	size_t len = 4097 * per;
	char *text = malloc(len + 1), *p = text;
	char path[64], msg[128];

	assert_non_null(text);
	for (unsigned int i = 0; i < 4097; i++)
		p += sprintf(p, "%02x:%02x.%u x\n" L00 L10 L20 L30 "\n",
			     i >> 8, (i >> 3) & 0x1f, i & 7);
	assert_int_equal((size_t)(p - text), len);
	expect_load_error(text, len, 4096 * 6 + 1, "more than 4096 functions");
	free(text);

	/* 16 MiB and a byte: refused before parsing. */
	len = (16u << 20) + 1;
	text = calloc(1, len);
	assert_non_null(text);
	tmp_write(path, text, len);
	free(text);
	snprintf(msg, sizeof(msg), "%s: larger than 16 MiB\n", path);
	expect_load_error_file(path, msg);
	unlink(path);
}

static void test_unreadable_file(void **state)
{
	struct pcl_dump_fn *fns = (void *)&fns;
	unsigned int n = 9;

	assert_int_equal(pcl_dump_load("/nonexistent/dump", &fns, &n, NULL),
			 -ENOENT);
	assert_null(fns);
	assert_int_equal(n, 0);
	assert_int_equal(pcl_dump_load("/tmp", &fns, &n, NULL), -EIO);
	assert_null(fns);
}

/* A 256-byte function with a capability list at 0x40. */
static void caps_cfg(uint8_t *cfg)
{
	memset(cfg, 0, 4096);
	put(cfg, PCI_VENDOR_ID, 4, 0x10411af4);
	put(cfg, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	put(cfg, PCI_CAPABILITY_LIST, 1, 0x40);
	put(cfg, 0x40, 2, 0x5009);	/* vendor specific, next 0x50 */
	put(cfg, 0x50, 2, 0x0009);	/* vendor specific, end */
}

static void test_capability_loop(void **state)
{
	uint8_t cfg[4096];

	caps_cfg(cfg);
	put(cfg, 0x51, 1, 0x40);
	expect_build_error(cfg, 256, 0x51,
			   "offset 0x51: 00:03.0: capability loop: pointer 0x40 leads back into the list");
	caps_cfg(cfg);
	put(cfg, 0x51, 1, 0x53);	/* the kernel masks 0x53 to 0x50 */
	expect_build_error(cfg, 256, 0x51,
			   "offset 0x51: 00:03.0: capability loop: pointer 0x50 leads back into the list");
}

static void test_capability_pointer_outside(void **state)
{
	uint8_t cfg[4096];

	caps_cfg(cfg);
	put(cfg, PCI_CAPABILITY_LIST, 1, 0x20);
	expect_build_error(cfg, 256, 0x34,
			   "offset 0x34: 00:03.0: capability pointer 0x20 points into the header, 0x40..0xfc expected");
	caps_cfg(cfg);
	put(cfg, 0x51, 1, 0x3c);
	expect_build_error(cfg, 256, 0x51,
			   "offset 0x51: 00:03.0: capability pointer 0x3c points into the header, 0x40..0xfc expected");
	/* A capability whose registers run past the end of the space. */
	caps_cfg(cfg);
	put(cfg, 0x51, 1, 0xf0);
	put(cfg, 0xf0, 4, 0x01850005);	/* MSI, 64-bit, per-vector mask */
	expect_build_error(cfg, 256, 0xf0,
			   "offset 0xf0: 00:03.0: capability 0x05 runs past the end of config space");
	/* Pointers the kernel ignores are not errors: no list, 0xff id. */
	caps_cfg(cfg);
	put(cfg, PCI_STATUS, 2, 0);
	put(cfg, PCI_CAPABILITY_LIST, 1, 0x20);
	{
		struct pcl_dump_fn d = { .slot = "00:03.0", .size = 256 };
		struct pcl_emu_fn *fn;

		memcpy(d.cfg, cfg, 256);
		fn = build_ok(&d);
		pcl_emu_fn_free(fn);
	}
}

static void test_ext_capability_loop(void **state)
{
	uint8_t cfg[4096];

	caps_cfg(cfg);
	put(cfg, 0x100, 4, 0x2001000b);	/* vendor specific, next 0x200 */
	put(cfg, 0x200, 4, 0x1001000b);	/* ... back to 0x100 */
	expect_build_error(cfg, 4096, 0x200,
			   "offset 0x200: 00:03.0: extended capability loop: pointer 0x100 leads back into the list");
	put(cfg, 0x200, 4, 0x0801000b);	/* into the standard space */
	expect_build_error(cfg, 4096, 0x200,
			   "offset 0x200: 00:03.0: extended capability pointer 0x80 is outside 0x100..0xffc");
	put(cfg, 0x200, 4, 0xff820001);	/* AER at 0xff8: too long */
	put(cfg, 0xff8, 4, 0x00020001);
	expect_build_error(cfg, 4096, 0xff8,
			   "offset 0xff8: 00:03.0: extended capability 0x0001 runs past the end of config space");
}

static void test_64bit_last_bar(void **state)
{
	uint8_t cfg[4096];

	caps_cfg(cfg);
	put(cfg, PCI_BASE_ADDRESS_0 + 20, 4, 0xfe000004);
	expect_build_error(cfg, 256, 0x24,
			   "offset 0x24: 00:03.0: BAR 5 is 64-bit but is the last BAR");
}

static void test_build_error_of_binary_has_no_line(void **state)
{
	struct pcl_dump_fn d = { .slot = "00:00.0", .size = 256 };
	struct pcl_emu_fn *fn = (void *)&fn;
	char *said = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&said, &len);

	assert_non_null(err);
	caps_cfg(d.cfg);
	put(d.cfg, 0x51, 1, 0x40);
	assert_int_equal(pcl_emu_fn_from_dump(&d, "cfg.bin", err, &fn), -EINVAL);
	fclose(err);
	assert_null(fn);
	assert_string_equal(said,
			    "cfg.bin: offset 0x51: 00:00.0: capability loop: pointer 0x40 leads back into the list\n");
	free(said);

	d.size = 100;
	assert_int_equal(pcl_emu_fn_from_dump(&d, "cfg.bin", NULL, &fn), -EINVAL);
	assert_null(fn);
}

/* ---- (d) write masks ---- */

/* A fixture with MSI-X, built, its dump in *@d; or skip. */
static struct pcl_emu_fn *msix_fixture(struct pcl_dump_fn *d)
{
	char names[64][300];
	unsigned int nfix = fixture_names(names, 64);

	for (unsigned int k = 0; k < nfix; k++) {
		struct pcl_dump_fn *fns = NULL;
		unsigned int n;

		assert_int_equal(pcl_dump_load(names[k], &fns, &n, stderr), 0);
		for (unsigned int i = 0; i < n; i++) {
			struct pcl_emu_fn *fn = build_ok(&fns[i]);

			if (pcl_emu_find_cap(fn, PCI_CAP_ID_MSIX)) {
				*d = fns[i];
				free(fns);
				return fn;
			}
			pcl_emu_fn_free(fn);
		}
		free(fns);
	}
	print_message("no fixture with MSI-X: skipped\n");
	skip();
	return NULL;
}

static void test_fixture_command_driver_bits_only(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn = msix_fixture(&d);
	uint16_t cmd = (uint16_t)pcl_emu_cfg_read(fn, PCI_COMMAND, 2);
	uint16_t drv = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
		       PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		       PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;

	pcl_emu_cfg_write(fn, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_COMMAND, 2),
			 (cmd & ~drv) | drv);
	pcl_emu_cfg_write(fn, PCI_COMMAND, 2, 0);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_COMMAND, 2), cmd & ~drv);
	pcl_emu_cfg_write(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_COMMAND, 2),
			 (cmd & ~drv) | PCI_COMMAND_MEMORY);
	/* Not a driver's: SpecCycle, MemWINV, VGA snoop, wait, fast b2b. */
	pcl_emu_cfg_write(fn, PCI_COMMAND, 2, 0x02b8);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_COMMAND, 2), cmd & ~drv);
	/* The rest of the header is read-only. */
	pcl_emu_cfg_write(fn, PCI_VENDOR_ID, 4, 0);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_VENDOR_ID, 2),
			 d.cfg[0] | d.cfg[1] << 8);
	pcl_emu_fn_free(fn);
}

static void test_fixture_msix_control(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn = msix_fixture(&d);
	unsigned int cap = pcl_emu_find_cap(fn, PCI_CAP_ID_MSIX);
	uint16_t flags = (uint16_t)pcl_emu_cfg_read(fn, cap + PCI_MSIX_FLAGS, 2);
	uint32_t table = pcl_emu_cfg_read(fn, cap + PCI_MSIX_TABLE, 4);
	uint16_t both = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

	pcl_emu_cfg_write(fn, cap + PCI_MSIX_FLAGS, 2, 0xffff);
	assert_int_equal(pcl_emu_cfg_read(fn, cap + PCI_MSIX_FLAGS, 2),
			 (flags & ~both) | both);
	pcl_emu_cfg_write(fn, cap + PCI_MSIX_FLAGS, 2, 0);
	assert_int_equal(pcl_emu_cfg_read(fn, cap + PCI_MSIX_FLAGS, 2),
			 flags & ~both);
	pcl_emu_cfg_write(fn, cap + PCI_MSIX_TABLE, 4, 0);
	assert_int_equal(pcl_emu_cfg_read(fn, cap + PCI_MSIX_TABLE, 4), table);
	/* The vectors come up masked. */
	pcl_emu_cfg_write(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	for (unsigned int i = 0; i <= (flags & PCI_MSIX_FLAGS_QSIZE); i++)
		assert_int_equal(pcl_emu_mmio_read(fn, table & 7,
						   (table & ~7u) + 16 * i +
						   PCI_MSIX_ENTRY_VECTOR_CTRL, 4),
				 PCI_MSIX_ENTRY_CTRL_MASKBIT);
	pcl_emu_fn_free(fn);
}

static uint64_t expected_bar_size(uint64_t addr, uint64_t min, uint64_t max)
{
	uint64_t align = addr ? addr & -addr : max;

	return align < min ? min : align > max ? max : align;
}

static void test_fixture_bar_sizing(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn = msix_fixture(&d);
	unsigned int checked = 0;

	for (unsigned int bar = 0; bar < 6; bar++) {
		unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * bar;
		uint32_t lo = pcl_emu_cfg_read(fn, reg, 4), hi = 0;
		bool is64 = !(lo & 1) && (lo & 6) == 4;
		uint64_t addr, size;

		if (!lo) {
			/* Not implemented: stays zero. */
			pcl_emu_cfg_write(fn, reg, 4, 0xffffffff);
			assert_int_equal(pcl_emu_cfg_read(fn, reg, 4), 0);
			continue;
		}
		assert_false(lo & 1);	/* the fixtures have memory BARs */
		if (is64)
			hi = pcl_emu_cfg_read(fn, reg + 4, 4);
		addr = ((uint64_t)hi << 32) | (lo & ~0xfu);
		size = expected_bar_size(addr, 4096, 1u << 30);
		assert_int_equal(pcl_emu_bar_size(fn, (int)bar), size);
		pcl_emu_cfg_write(fn, reg, 4, 0xffffffff);
		assert_int_equal(pcl_emu_cfg_read(fn, reg, 4),
				 ((uint32_t)~(size - 1) & ~0xfu) | (lo & 0xf));
		if (is64) {
			pcl_emu_cfg_write(fn, reg + 4, 4, 0xffffffff);
			assert_int_equal(pcl_emu_cfg_read(fn, reg + 4, 4),
					 0xffffffff);
			pcl_emu_cfg_write(fn, reg + 4, 4, hi);
			assert_int_equal(pcl_emu_cfg_read(fn, reg + 4, 4), hi);
		}
		pcl_emu_cfg_write(fn, reg, 4, lo);
		assert_int_equal(pcl_emu_cfg_read(fn, reg, 4), lo);
		checked++;
		if (is64)
			bar++;
	}
	assert_true(checked > 0);
	pcl_emu_fn_free(fn);
}

static void test_fixture_status_rw1c(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn = msix_fixture(&d);
	uint16_t status;

	pcl_emu_fn_free(fn);
	/* The same device with every error bit latched. */
	d.cfg[PCI_STATUS + 1] |= PCI_STATUS_ERROR_BITS >> 8;
	fn = build_ok(&d);
	status = (uint16_t)pcl_emu_cfg_read(fn, PCI_STATUS, 2);
	assert_int_equal(status & PCI_STATUS_ERROR_BITS, PCI_STATUS_ERROR_BITS);
	pcl_emu_cfg_write(fn, PCI_STATUS, 2, 0);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_STATUS, 2), status);
	pcl_emu_cfg_write(fn, PCI_STATUS, 2, PCI_STATUS_PARITY);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_STATUS, 2),
			 status & ~PCI_STATUS_PARITY);
	pcl_emu_cfg_write(fn, PCI_STATUS, 2, 0xffff);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_STATUS, 2),
			 status & ~PCI_STATUS_ERROR_BITS);
	assert_true(pcl_emu_cfg_read(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	/* Cache line, latency and interrupt line are the driver's. */
	pcl_emu_cfg_write(fn, PCI_CACHE_LINE_SIZE, 1, 0x10);
	pcl_emu_cfg_write(fn, PCI_LATENCY_TIMER, 1, 0x20);
	pcl_emu_cfg_write(fn, PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_CACHE_LINE_SIZE, 2), 0x2010);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_INTERRUPT_LINE, 1), 0x0b);
	pcl_emu_fn_free(fn);
}

/*
 * A PCIe root port: PM, MSI (64-bit, 4 vectors, masking), PCIe v2 with
 * FLR, AER and DSN; BAR 0 a memory BAR aligned to only 2 KiB, BAR 1 an
 * I/O BAR aligned to 64 bytes.
 */
static void root_port(struct pcl_dump_fn *d)
{
	uint8_t *c = d->cfg;

	memset(d, 0, sizeof(*d));
	strcpy(d->slot, "00:1c.0");
	d->size = 4096;
	put(c, PCI_VENDOR_ID, 4, 0x12348086);
	put(c, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	put(c, PCI_CLASS_REVISION, 4, 0x06040001);
	put(c, PCI_HEADER_TYPE, 1, 0x81);
	put(c, PCI_BASE_ADDRESS_0, 4, 0xfebf1800);
	put(c, PCI_BASE_ADDRESS_0 + 4, 4, 0x0000e041);
	put(c, PCI_PRIMARY_BUS, 4, 0x00010100);
	put(c, PCI_CAPABILITY_LIST, 1, 0x40);
	put(c, 0x40, 2, 0x5001);		/* PM */
	put(c, 0x42, 2, 0x0003);
	put(c, 0x44, 2, PCI_PM_CTRL_NO_SOFT_RESET | PCI_PM_CTRL_PME_STATUS);
	put(c, 0x50, 2, 0x7005);		/* MSI */
	put(c, 0x52, 2, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | 0x4);
	put(c, 0x70, 2, 0x0010);		/* PCIe */
	put(c, 0x72, 2, 0x0042);		/* v2, root port */
	put(c, 0x74, 4, PCI_EXP_DEVCAP_FLR);
	put(c, 0x78, 2, 0x2810);
	put(c, 0x7a, 2, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_URD);
	put(c, 0x100, 4, 0x14020001);		/* AER v2, next 0x140 */
	put(c, 0x104, 4, 0x00001000);		/* poisoned TLP */
	put(c, 0x110, 4, 0x00000001);		/* receiver error */
	put(c, 0x118, 4, 0x000000a0);		/* ECRC capable */
	put(c, 0x130, 4, 0x00000003);		/* root: cor + uncor rcvd */
	put(c, 0x140, 4, 0x00010003);		/* DSN */
	put(c, 0x144, 4, 0x89abcdef);
}

static void test_synthetic_root_port_masks(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn;

	root_port(&d);
	fn = build_ok(&d);
	assert_reads_back(fn, &d);

	/* Bridge bus numbers. */
	pcl_emu_cfg_write(fn, PCI_PRIMARY_BUS, 4, 0x00050400);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_PRIMARY_BUS, 4), 0x00050400);
	/* BARs sized by their alignment; backing store at least 4 KiB. */
	pcl_emu_cfg_write(fn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_BASE_ADDRESS_0, 4), 0xfffff800);
	assert_int_equal(pcl_emu_bar_size(fn, 0), 4096);
	pcl_emu_cfg_write(fn, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_BASE_ADDRESS_0 + 4, 4),
			 0xffffffc1);
	assert_int_equal(pcl_emu_bar_kind(fn, 1), PCL_BAR_IO);
	/* PM: state and PME enable, PME status RW1C. */
	pcl_emu_cfg_write(fn, 0x44, 2, 0x0103);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x44, 2),
			 0x0103 | PCI_PM_CTRL_NO_SOFT_RESET |
			 PCI_PM_CTRL_PME_STATUS);
	pcl_emu_cfg_write(fn, 0x44, 2, PCI_PM_CTRL_PME_STATUS);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x44, 2),
			 PCI_PM_CTRL_NO_SOFT_RESET);
	/* MSI: enable and QSIZE, address, data, 4 mask bits. */
	pcl_emu_cfg_write(fn, 0x52, 2, 0xffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x52, 2), 0x0184 | 0x0071);
	pcl_emu_cfg_write(fn, 0x54, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x54, 4), 0xfffffffc);
	pcl_emu_cfg_write(fn, 0x58, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x58, 4), 0xffffffff);
	pcl_emu_cfg_write(fn, 0x5c, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x5c, 4), 0x0000ffff);
	pcl_emu_cfg_write(fn, 0x60, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x60, 4), 0x0000000f);
	pcl_emu_cfg_write(fn, 0x64, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x64, 4), 0);
	/* PCIe: devsta RW1C. */
	pcl_emu_cfg_write(fn, 0x7a, 2, PCI_EXP_DEVSTA_CED);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x7a, 2), PCI_EXP_DEVSTA_URD);
	/* AER: status RW1C, masks and severity writable, ECRC enables. */
	pcl_emu_cfg_write(fn, 0x104, 4, 0x00001000);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x104, 4), 0);
	pcl_emu_cfg_write(fn, 0x110, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x110, 4), 0);
	pcl_emu_cfg_write(fn, 0x108, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x108, 4), 0x03fff030);
	pcl_emu_cfg_write(fn, 0x10c, 4, 0x00000010);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x10c, 4), 0x00000010);
	pcl_emu_cfg_write(fn, 0x114, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x114, 4), 0x0000f1c1);
	pcl_emu_cfg_write(fn, 0x118, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x118, 4), 0x000001e0);
	pcl_emu_cfg_write(fn, 0x12c, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x12c, 4), 0x7);
	pcl_emu_cfg_write(fn, 0x130, 4, 0x1);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x130, 4), 0x2);
	/* DSN read-only. */
	pcl_emu_cfg_write(fn, 0x144, 4, 0);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x144, 4), 0x89abcdef);

	/* Initiate FLR: the function is back to the dump. */
	assert_int_equal(pcl_emu_flr_count(fn), 0);
	pcl_emu_cfg_write(fn, 0x78, 2, 0x2810 | PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(pcl_emu_flr_count(fn), 1);
	assert_reads_back(fn, &d);
	pcl_emu_fn_free(fn);
}

static void test_no_flr_bit_without_devcap_flr(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn;

	root_port(&d);
	put(d.cfg, 0x74, 4, 0);
	fn = build_ok(&d);
	pcl_emu_cfg_write(fn, 0x78, 2, 0xffff);
	assert_int_equal(pcl_emu_flr_count(fn), 0);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x78, 2), 0x7fff);
	/* AER ECRC enables stay clear where not capable. */
	pcl_emu_fn_free(fn);
	put(d.cfg, 0x118, 4, 0);
	fn = build_ok(&d);
	pcl_emu_cfg_write(fn, 0x118, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x118, 4), 0);
	pcl_emu_fn_free(fn);
}

/* AER root registers are a root port's: read-only in an endpoint. */
static void test_endpoint_aer_root_registers_read_only(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn;

	root_port(&d);
	put(d.cfg, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_NORMAL);
	put(d.cfg, 0x72, 2, 0x0002);		/* v2, endpoint */
	fn = build_ok(&d);
	pcl_emu_cfg_write(fn, 0x12c, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x12c, 4), 0);
	pcl_emu_cfg_write(fn, 0x130, 4, 0x1);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x130, 4), 0x3);
	/* Still an AER capability: its status registers are RW1C. */
	pcl_emu_cfg_write(fn, 0x104, 4, 0x00001000);
	assert_int_equal(pcl_emu_cfg_read(fn, 0x104, 4), 0);
	pcl_emu_fn_free(fn);
}

/* The dump's layout is the device's: no builder may add to it. */
static void test_builders_cannot_add_to_dump(void **state)
{
	struct pcl_dump_fn d;
	struct pcl_emu_fn *fn;

	root_port(&d);
	fn = build_ok(&d);
	assert_int_equal(pcl_emu_add_cap(fn, PCI_CAP_ID_VNDR, 8), -ENOSPC);
	assert_int_equal(pcl_emu_add_dsn(fn, 1), -ENOSPC);
	assert_reads_back(fn, &d);
	pcl_emu_fn_free(fn);
}

/* A size the reader knows (sysfs resource) wins over the alignment. */
static void test_given_bar_size(void **state)
{
	static const char text[] = X64;
	struct pcl_dump_fn *fns;
	struct pcl_emu_fn *fn;
	unsigned int n;

	fns = load_ok(text, strlen(text), &n);
	/* BAR0 is 64-bit memory at 0x4000100000: its alignment says 1 MiB */
	fns[0].bar_size[0] = 512 * 1024;
	fn = build_ok(&fns[0]);
	assert_int_equal(pcl_emu_bar_size(fn, 0), 512 * 1024);
	pcl_emu_cfg_write(fn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_BASE_ADDRESS_0, 4),
			 (uint32_t)~(512 * 1024 - 1) | 0x4);
	pcl_emu_fn_free(fn);
	free(fns);
}

/* A given size must be a power of two the address is aligned to. */
static void test_given_bar_size_refused(void **state)
{
	static const char text[] = X64;
	struct pcl_dump_fn *fns;
	unsigned int n;

	fns = load_ok(text, strlen(text), &n);
	fns[0].bar_size[0] = 2 << 20;		/* 0x4000100000: misaligned */
	build_refused(&fns[0], "BAR 0: address 0x4000100000 is not aligned to its size 0x200000");
	fns[0].bar_size[0] = 0;
	fns[0].bar_size[1] = 4096;		/* BAR0's upper half */
	build_refused(&fns[0], "BAR 1: a size is given for the upper half of 64-bit BAR 0");
	free(fns);
}

/* An expansion ROM with a given size answers sizing; its enable bit too. */
static void test_given_rom_size(void **state)
{
	static const char text[] = X64;
	struct pcl_dump_fn *fns;
	struct pcl_emu_fn *fn;
	unsigned int n;

	fns = load_ok(text, strlen(text), &n);
	fns[0].cfg[PCI_ROM_ADDRESS + 2] = 0xb8;	/* 0xfeb80000, disabled */
	fns[0].cfg[PCI_ROM_ADDRESS + 3] = 0xfe;
	fns[0].rom_size = 256 * 1024;
	fn = build_ok(&fns[0]);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_ROM_ADDRESS, 4), 0xfeb80000);
	pcl_emu_cfg_write(fn, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_ROM_ADDRESS, 4), 0xfffc0001);
	pcl_emu_fn_free(fn);
	fns[0].rom_size = 1024 * 1024;		/* 0xfeb80000 is not aligned */
	build_refused(&fns[0], "ROM: address 0xfeb80000 is not aligned to its size 0x100000");
	free(fns);
}

/* Text from memory: messages name the caller's file and line. */
static void test_parse_from_memory(void **state)
{
	static const char text[] = SLOT L00 "10: 04 00 1g\n";
	struct pcl_dump_fn *fns = (void *)&fns;
	unsigned int n = 9;
	char *said = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&said, &len);

	assert_int_equal(pcl_dump_parse("machine.scn", 41, text, strlen(text),
					&fns, &n, err), -EINVAL);
	fclose(err);
	assert_null(fns);
	assert_int_equal(n, 0);
	assert_string_equal(said, "machine.scn:43: offset 0x12: bad hex digit 'g'\n");
	free(said);
	fns = NULL;
	assert_int_equal(pcl_dump_parse("m", 5, X64, strlen(X64), &fns, &n,
					NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fns[0].line, 6);	/* its "00:" line */
	free(fns);
}

/* 64 bytes: the capability pointer leads past the dump; none are kept. */
static void test_64_bytes_no_caps(void **state)
{
	static const char text[] = SLOT
		"00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00\n" L10 L20 L30;
	struct pcl_dump_fn *fns;
	struct pcl_emu_fn *fn;
	unsigned int n;

	fns = load_ok(text, strlen(text), &n);
	assert_true(fns[0].cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	fn = build_ok(&fns[0]);
	assert_false(pcl_emu_cfg_read(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(pcl_emu_cfg_read(fn, PCI_CAPABILITY_LIST, 1), 0);
	pcl_emu_fn_free(fn);
	free(fns);
}

static void test_write_format(void **state)
{
	uint8_t cfg[4096];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (unsigned int i = 0; i < 4096; i++)
		cfg[i] = (uint8_t)i;
	assert_non_null(f);
	pcl_dump_write(f, "0000:00:1f.3", "Audio device: x", cfg, 4096);
	fclose(f);
	assert_int_equal(len, strlen("0000:00:1f.3 Audio device: x\n") +
			 16 * 52 + 240 * 53 + 1);
	assert_memory_equal(text,
			    "0000:00:1f.3 Audio device: x\n"
			    "00: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n",
			    29 + 52);
	assert_contains(text,
			"\nf0: f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff\n"
			"100: 00 01 02");
	assert_string_equal(text + len - 55,
			    "\nff0: f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff\n\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_round_trip_byte_identical),
		cmocka_unit_test(test_text_x_dump_loads),
		cmocka_unit_test(test_text_of_binary_size_is_text),
		cmocka_unit_test(test_binary_dumps_64_256_4096),
		cmocka_unit_test(test_binary_of_other_size_is_refused),
		cmocka_unit_test(test_short_dump),
		cmocka_unit_test(test_bad_hex_digit),
		cmocka_unit_test(test_wrong_number_of_bytes),
		cmocka_unit_test(test_offsets_out_of_order),
		cmocka_unit_test(test_hex_before_slot),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_bounded_functions_and_size),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_capability_loop),
		cmocka_unit_test(test_capability_pointer_outside),
		cmocka_unit_test(test_ext_capability_loop),
		cmocka_unit_test(test_64bit_last_bar),
		cmocka_unit_test(test_build_error_of_binary_has_no_line),
		cmocka_unit_test(test_fixture_command_driver_bits_only),
		cmocka_unit_test(test_fixture_msix_control),
		cmocka_unit_test(test_fixture_bar_sizing),
		cmocka_unit_test(test_fixture_status_rw1c),
		cmocka_unit_test(test_synthetic_root_port_masks),
		cmocka_unit_test(test_no_flr_bit_without_devcap_flr),
		cmocka_unit_test(test_endpoint_aer_root_registers_read_only),
		cmocka_unit_test(test_builders_cannot_add_to_dump),
		cmocka_unit_test(test_given_bar_size),
		cmocka_unit_test(test_given_bar_size_refused),
		cmocka_unit_test(test_given_rom_size),
		cmocka_unit_test(test_parse_from_memory),
		cmocka_unit_test(test_64_bytes_no_caps),
		cmocka_unit_test(test_write_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
