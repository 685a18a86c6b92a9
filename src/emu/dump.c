// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Config-space dumps: reading `lspci -x/-xxx/-xxxx` text and sysfs binary
 * config files, building an emulated function from one, writing one back
 * the way lspci does.
 *
 * The text format, per function:
 *
 *   00:03.0 Ethernet controller: ...   the slot line: BB:DD.F or
 *                                      DDDD:BB:DD.F, a space, anything
 *           Subsystem: ...             lspci -v lines (tab-indented, before
 *                                      the hex lines) are ignored
 *   00: f4 1a 41 10 06 04 10 00 ...    16 bytes per line at offsets 0, 16,
 *   ...                                32, ... in order (2 or 3 digits),
 *   f0: 00 00 00 00 00 00 00 00 ...    64, 256 or 4096 bytes in all
 *                                      then a blank line (or the next slot
 *                                      line, or the end of the file)
 *
 * A dump is input from outside: whatever the file holds, loading it ends
 * in a function or in a "FILE:LINE: offset 0xOFF: what" message, never in
 * a crash; the file, its lines and the number of functions are bounded.
 *
 * Building a function from a dump keeps every dumped byte as it reads
 * (the dump is what the hardware answered) and infers what software may
 * write from what the registers are: the header's control registers, the
 * BARs (sized by the alignment of their addresses), and the registers of
 * the capabilities pcilab knows.  Everything else stays read-only.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define DUMP_MAX_FILE	(16u << 20)	/* bytes of a dump file */
#define DUMP_MAX_FNS	4096u		/* functions in one dump */
#define DUMP_MAX_LINE	1024u		/* characters of one line */
#define DUMP_EXT_TTL	((PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8)
#define DUMP_BAR_MAX	(1ull << 30)	/* largest BAR a dump gives */
#define DUMP_MEM_MIN	4096u		/* smallest memory BAR */
#define DUMP_IO_SIZE	256u		/* I/O BARs: always this size */

static bool dump_size_ok(unsigned int size)
{
	return size == 64 || size == PCI_CFG_SPACE_SIZE ||
	       size == PCI_CFG_SPACE_EXP_SIZE;
}

/*
 * One message: "FILE[:LINE]: [offset 0xOFF: ][SLOT: ]what".  @line 0 and
 * @off < 0 leave their part out.
 */
static void __printf(6, 0) dump_vreport(FILE *err, const char *file,
					unsigned int line, long off,
					const char *slot, const char *fmt,
					va_list ap)
{
	if (!err)
		return;
	fputs(file, err);
	if (line)
		fprintf(err, ":%u", line);
	fputs(": ", err);
	if (off >= 0)
		fprintf(err, "offset 0x%02lx: ", off);
	if (slot)
		fprintf(err, "%s: ", slot);
	vfprintf(err, fmt, ap);
	fputc('\n', err);
}

/* ---- parsing ---- */

struct dump_parser {
	const char *path;
	const char *what;		/* "file", or "text" from memory */
	FILE *err;
	struct pcl_dump_fn *fns;	/* functions so far */
	unsigned int n, alloc;
	struct pcl_dump_fn *cur;	/* the one being read, or NULL */
	unsigned int cur_line;		/* its slot line */
	unsigned int last_line;		/* its last hex line */
	unsigned int bytes;		/* its bytes so far */
};

static int __printf(4, 5) parse_error(struct dump_parser *p,
				      unsigned int line, long off,
				      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dump_vreport(p->err, p->path, line, off, NULL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static unsigned int hex_digit(char c)
{
	if (isdigit((unsigned char)c))
		return (unsigned int)(c - '0');
	return (unsigned int)(tolower((unsigned char)c) - 'a' + 10);
}

/* The hex digits at @s: how many, and their value (saturated) in *@val. */
static unsigned int hex_run(const char *s, unsigned long *val)
{
	unsigned long v = 0;
	unsigned int n = 0;

	while (isxdigit((unsigned char)s[n])) {
		v = v > 0xffffffful ? 0xfffffffful : v * 16 + hex_digit(s[n]);
		n++;
	}
	*val = v;
	return n;
}

/*
 * A slot line: "BB:DD.F" or "DDDD:BB:DD.F" (4 to 6 domain digits, as
 * lspci reads them), then the end of the line or a space.
 * Return: 1 and the parts in @d and *@len, 0 if @s is not shaped like a
 * slot, -1 if it is but the device or function number is out of range.
 */
static int parse_slot(const char *s, struct pcl_dump_fn *d, size_t *len)
{
	unsigned long dom = 0, bus, dev, fn;
	unsigned int n;
	size_t i = 0;

	n = hex_run(s, &dom);
	if (n == 2 && s[2] == ':')
		dom = 0;		/* that was the bus */
	else if (n >= 4 && n <= 6 && s[n] == ':')
		i = n + 1;
	else
		return 0;
	if (hex_run(s + i, &bus) != 2 || s[i + 2] != ':')
		return 0;
	i += 3;
	if (hex_run(s + i, &dev) != 2 || s[i + 2] != '.')
		return 0;
	i += 3;
	if (hex_run(s + i, &fn) != 1 || (s[i + 1] && s[i + 1] != ' '))
		return 0;
	i++;
	if (dev > 0x1f || fn > 7)
		return -1;
	d->domain = (unsigned int)dom;
	d->bus = (unsigned int)bus;
	d->dev = (unsigned int)dev;
	d->func = (unsigned int)fn;
	*len = i;
	return 1;
}

/*
 * A hex line's "OO:" prefix (any number of digits here; the caller
 * checks): its offset, digit count and where the bytes start (at the
 * space or the end after the colon).  Return: false if @s is not shaped
 * like a hex line.
 */
static bool parse_hex_prefix(const char *s, unsigned long *off,
			     unsigned int *digits, const char **rest)
{
	unsigned int n = hex_run(s, off);

	if (!n || s[n] != ':' || (s[n + 1] && s[n + 1] != ' '))
		return false;
	*digits = n;
	*rest = s + n + 1;
	return true;
}

/* A character for a message, in the buffer @b. */
static const char *show_char(char c, char b[8])
{
	if (!c)
		return "the end of the line";
	if (isprint((unsigned char)c))
		snprintf(b, 8, "'%c'", c);
	else
		snprintf(b, 8, "0x%02x", (unsigned char)c);
	return b;
}

/* The 16 bytes after a hex line's prefix, into @cfg. */
static int parse_hex_bytes(struct dump_parser *p, unsigned int line,
			   unsigned int off, const char *s, uint8_t *cfg)
{
	char b[8];

	for (unsigned int i = 0; i < 16; i++) {
		if (!*s)
			return parse_error(p, line, off,
					   "%u bytes on the line, 16 expected",
					   i);
		s++;			/* the space before the byte */
		if (!isxdigit((unsigned char)s[0]))
			return parse_error(p, line, off + i,
					   "bad hex digit %s", show_char(s[0], b));
		if (!isxdigit((unsigned char)s[1]))
			return parse_error(p, line, off + i,
					   "bad hex digit %s", show_char(s[1], b));
		if (s[2] && s[2] != ' ')
			return parse_error(p, line, off + i,
					   "%s after a byte, a space expected",
					   show_char(s[2], b));
		cfg[i] = (uint8_t)(hex_digit(s[0]) << 4 | hex_digit(s[1]));
		s += 2;
	}
	if (*s)
		return parse_error(p, line, off,
				   "more than 16 bytes on the line");
	return 0;
}

/* The function being read is complete: check its size. */
static int finish_fn(struct dump_parser *p)
{
	struct pcl_dump_fn *d = p->cur;

	if (!d)
		return 0;
	p->cur = NULL;
	if (!dump_size_ok(p->bytes))
		return parse_error(p, p->bytes ? p->last_line : p->cur_line,
				   p->bytes,
				   "%s: the dump stops after %u bytes; 64, 256 or 4096 expected",
				   d->slot, p->bytes);
	d->size = p->bytes;
	return 0;
}

static int start_fn(struct dump_parser *p, unsigned int line, const char *s,
		    const struct pcl_dump_fn *slot, size_t slot_len)
{
	const char *desc = s[slot_len] ? s + slot_len + 1 : "";
	struct pcl_dump_fn *d;
	int ret;

	ret = finish_fn(p);
	if (ret)
		return ret;
	if (p->n == DUMP_MAX_FNS)
		return parse_error(p, line, -1, "more than %u functions",
				   DUMP_MAX_FNS);
	for (unsigned int i = 0; i < p->n; i++) {
		d = &p->fns[i];
		if (d->domain == slot->domain && d->bus == slot->bus &&
		    d->dev == slot->dev && d->func == slot->func)
			return parse_error(p, line, -1,
					   "duplicate slot %.*s (as %s before)",
					   (int)slot_len, s, d->slot);
	}
	if (strlen(desc) >= sizeof(d->desc))
		return parse_error(p, line, -1,
				   "description longer than %zu characters",
				   sizeof(d->desc) - 1);
	if (p->n == p->alloc) {
		unsigned int alloc = p->alloc ? 2 * p->alloc : 8;
		struct pcl_dump_fn *fns;

		if (alloc > DUMP_MAX_FNS)
			alloc = DUMP_MAX_FNS;
		fns = realloc(p->fns, alloc * sizeof(*fns));
		if (!fns)
			return -ENOMEM;
		p->fns = fns;
		p->alloc = alloc;
	}
	d = &p->fns[p->n++];
	memset(d, 0, sizeof(*d));
	memcpy(d->slot, s, slot_len);	/* at most 14: see parse_slot() */
	strcpy(d->desc, desc);
	d->domain = slot->domain;
	d->bus = slot->bus;
	d->dev = slot->dev;
	d->func = slot->func;
	p->cur = d;
	p->cur_line = line;
	p->bytes = 0;
	return 0;
}

static int hex_line(struct dump_parser *p, unsigned int line,
		    unsigned long off, unsigned int digits, const char *rest)
{
	int ret;

	if (!p->cur)
		return parse_error(p, line, (long)off,
				   "hex line without a slot line before it");
	if (off >= PCI_CFG_SPACE_EXP_SIZE)
		return parse_error(p, line, (long)off,
				   "beyond the 4096-byte config space");
	if (digits != 2 && digits != 3)
		return parse_error(p, line, (long)off,
				   "offset of %u digits, 2 or 3 expected",
				   digits);
	if (off != p->bytes)
		return parse_error(p, line, (long)off,
				   "out of sequence, 0x%02x expected", p->bytes);
	ret = parse_hex_bytes(p, line, (unsigned int)off, rest,
			      p->cur->cfg + off);
	if (ret)
		return ret;
	if (!p->bytes)
		p->cur->line = line;
	p->bytes += 16;
	p->last_line = line;
	return 0;
}

/* One line, without its '\n'; it may hold anything. */
static int parse_line(struct dump_parser *p, unsigned int line,
		      const char *raw, size_t len)
{
	char s[DUMP_MAX_LINE + 1], *nul;
	struct pcl_dump_fn slot;
	unsigned long off;
	unsigned int digits;
	const char *rest;
	size_t slot_len, end;
	int r;

	if (len > DUMP_MAX_LINE)
		return parse_error(p, line, -1,
				   "line longer than %u characters",
				   DUMP_MAX_LINE);
	memcpy(s, raw, len);
	s[len] = '\0';
	nul = memchr(s, '\0', len);
	if (nul)
		return parse_error(p, line,
				   parse_hex_prefix(s, &off, &digits, &rest) &&
				   off < PCI_CFG_SPACE_EXP_SIZE ? (long)off : -1,
				   "NUL byte at column %zu", (size_t)(nul - s) + 1);
	if (len && s[len - 1] == '\r')
		s[--len] = '\0';

	end = strspn(s, " \t");
	if (end == len)			/* blank: the function ends */
		return finish_fn(p);

	r = parse_slot(s, &slot, &slot_len);
	if (r > 0)
		return start_fn(p, line, s, &slot, slot_len);
	if (r < 0)
		return parse_error(p, line, -1,
				   "bad slot: device 00-1f and function 0-7 expected");

	if (parse_hex_prefix(s, &off, &digits, &rest)) {
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			s[--len] = '\0';
		return hex_line(p, line, off, digits, rest);
	}
	if (s[0] == '\t' && p->cur && !p->bytes)
		return 0;		/* lspci -v detail */
	return parse_error(p, line, -1,
			   "not a slot line, a hex line or a blank line");
}

/* @buf's first line is line @line + 1 of the file. */
static int parse_text(struct dump_parser *p, const char *buf, size_t len,
		      unsigned int line)
{
	size_t pos = 0;
	int ret;

	if (!len)
		return parse_error(p, line + 1, -1, "empty %s", p->what);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;

		ret = parse_line(p, ++line, buf + pos, end - pos);
		if (ret)
			return ret;
		pos = end + 1;
	}
	ret = finish_fn(p);
	if (ret)
		return ret;
	if (!p->n)
		return parse_error(p, line, -1, "no slot line in the %s", p->what);
	return 0;
}

/* Does the file start with a slot line (text), or is it binary? */
static bool starts_with_slot(const char *buf, size_t len)
{
	char s[DUMP_MAX_LINE + 1];
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	struct pcl_dump_fn d;
	size_t slot_len;

	if (n > DUMP_MAX_LINE)
		return false;
	memcpy(s, buf, n);
	s[n] = '\0';
	return parse_slot(s, &d, &slot_len) != 0;
}

static int parse_binary(struct dump_parser *p, const char *buf, size_t len)
{
	struct pcl_dump_fn *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	strcpy(d->slot, "00:00.0");
	memcpy(d->cfg, buf, len);
	d->size = (unsigned int)len;
	p->fns = d;
	p->n = 1;
	return 0;
}

/* The whole file, at most DUMP_MAX_FILE bytes, into a malloc'd buffer. */
static int read_file(const char *path, FILE *err, char **bufp, size_t *lenp)
{
	size_t len = 0, alloc = 0;
	char *buf = NULL;
	int ret = 0;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		int e = errno;

		if (err)
			fprintf(err, "%s: %s\n", path, strerror(e));
		return e == ENOENT ? -ENOENT : -EIO;
	}
	for (;;) {
		size_t got;

		if (len == alloc) {
			char *nbuf;

			if (alloc > DUMP_MAX_FILE) {
				if (err)
					fprintf(err, "%s: larger than %u MiB\n",
						path, DUMP_MAX_FILE >> 20);
				ret = -EINVAL;
				break;
			}
			alloc = alloc ? 2 * alloc : 65536;
			if (alloc > DUMP_MAX_FILE + 1)
				alloc = DUMP_MAX_FILE + 1;
			nbuf = realloc(buf, alloc);
			if (!nbuf) {
				ret = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		got = fread(buf + len, 1, alloc - len, f);
		len += got;
		if (got)
			continue;
		if (ferror(f)) {
			if (err)
				fprintf(err, "%s: %s\n", path, strerror(errno));
			ret = -EIO;
		}
		break;
	}
	fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int pcl_dump_load(const char *path, struct pcl_dump_fn **fns, unsigned int *n,
		  FILE *err)
{
	struct dump_parser p = { .path = path, .what = "file", .err = err };
	size_t len;
	char *buf;
	int ret;

	*fns = NULL;
	*n = 0;
	ret = read_file(path, err, &buf, &len);
	if (ret)
		return ret;
	if (dump_size_ok((unsigned int)len) && !starts_with_slot(buf, len))
		ret = parse_binary(&p, buf, len);
	else
		ret = parse_text(&p, buf, len, 0);
	free(buf);
	if (ret) {
		free(p.fns);
		return ret;
	}
	*fns = p.fns;
	*n = p.n;
	return 0;
}

int pcl_dump_parse(const char *where, unsigned int first_line,
		   const char *buf, size_t len, struct pcl_dump_fn **fns,
		   unsigned int *n, FILE *err)
{
	struct dump_parser p = { .path = where, .what = "text", .err = err };
	int ret;

	*fns = NULL;
	*n = 0;
	if (len > DUMP_MAX_FILE)
		return parse_error(&p, first_line, -1, "larger than %u MiB",
				   DUMP_MAX_FILE >> 20);
	ret = parse_text(&p, buf, len, first_line ? first_line - 1 : 0);
	if (ret) {
		free(p.fns);
		return ret;
	}
	*fns = p.fns;
	*n = p.n;
	return 0;
}

/* ---- writing ---- */

void pcl_dump_write(FILE *f, const char *slot, const char *desc,
		    const uint8_t *cfg, unsigned int bytes)
{
	if (bytes > PCI_CFG_SPACE_EXP_SIZE)
		bytes = PCI_CFG_SPACE_EXP_SIZE;
	fprintf(f, "%s %s\n", slot, desc ? desc : "");
	for (unsigned int i = 0; i < bytes; i++) {
		if (!(i & 15))
			fprintf(f, "%02x:", i);
		fprintf(f, " %02x", cfg[i]);
		if ((i & 15) == 15)
			fputc('\n', f);
	}
	if (bytes & 15)
		fputc('\n', f);
	fputc('\n', f);
}

/* ---- building a function ---- */

struct dump_build {
	const struct pcl_dump_fn *d;
	const char *where;
	FILE *err;
	unsigned int cfg_size;
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];	/* the dump, zero-extended */
	unsigned int caps[EMU_CAP_TTL];		/* the standard list */
	unsigned int ncaps;
	unsigned int ext[DUMP_EXT_TTL];		/* the extended list */
	unsigned int next;
	unsigned int pcie_type;			/* PCI_EXP_TYPE_*, if PCIe */
};

static int __printf(3, 4) build_error(struct dump_build *b, unsigned int off,
				      const char *fmt, ...)
{
	unsigned int line = 0;
	va_list ap;

	/* The hex lines of one function are consecutive. */
	if (b->d->line && off < b->d->size)
		line = b->d->line + off / 16;
	va_start(ap, fmt);
	dump_vreport(b->err, b->where, line, off, b->d->slot, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t rd(const struct dump_build *b, unsigned int off,
		   unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)b->cfg[off + i] << (8 * i);
	return v;
}

/*
 * A 64-byte dump stops where the capabilities start: whatever the pointer
 * says lies past what was read, so the function gets no list at all.
 */
static void forget_caps(struct dump_build *b)
{
	b->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_CAP_LIST;
	b->cfg[PCI_CAPABILITY_LIST] = 0;
}

/* The standard list, as the kernel walks it but refusing what it skips. */
static int walk_caps(struct dump_build *b)
{
	bool seen[(PCI_CFG_SPACE_SIZE - 0x40) / 4] = { false };
	unsigned int from = PCI_CAPABILITY_LIST, pos;

	if (!(rd(b, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (pos = b->cfg[from] & ~3u; pos; pos = b->cfg[from] & ~3u) {
		if (pos < 0x40)
			return build_error(b, from,
					   "capability pointer 0x%02x points into the header, 0x40..0xfc expected",
					   pos);
		if (seen[(pos - 0x40) / 4])
			return build_error(b, from,
					   "capability loop: pointer 0x%02x leads back into the list",
					   pos);
		if (b->ncaps == EMU_CAP_TTL)
			return build_error(b, from,
					   "more than %u capabilities",
					   EMU_CAP_TTL);
		if (b->cfg[pos] == 0xff)	/* the kernel stops here */
			break;
		seen[(pos - 0x40) / 4] = true;
		b->caps[b->ncaps++] = pos;
		from = pos + PCI_CAP_LIST_NEXT;
	}
	return 0;
}

/* The extended list from 0x100 (4 KiB config space only). */
static int walk_ext_caps(struct dump_build *b)
{
	bool seen[(PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 4] = { false };
	unsigned int pos = PCI_CFG_SPACE_SIZE;
	uint32_t hdr;

	if (b->cfg_size < PCI_CFG_SPACE_EXP_SIZE)
		return 0;
	hdr = rd(b, pos, 4);
	if (!hdr || hdr == 0xffffffff)
		return 0;
	for (;;) {
		unsigned int next = PCI_EXT_CAP_NEXT(hdr);

		b->ext[b->next++] = pos;
		seen[(pos - PCI_CFG_SPACE_SIZE) / 4] = true;
		if (!next)
			return 0;
		if (next < PCI_CFG_SPACE_SIZE)
			return build_error(b, pos,
					   "extended capability pointer 0x%02x is outside 0x100..0xffc",
					   next);
		if (seen[(next - PCI_CFG_SPACE_SIZE) / 4])
			return build_error(b, pos,
					   "extended capability loop: pointer 0x%03x leads back into the list",
					   next);
		if (b->next == DUMP_EXT_TTL)
			return build_error(b, pos,
					   "more than %u extended capabilities",
					   (unsigned int)DUMP_EXT_TTL);
		pos = next;
		hdr = rd(b, pos, 4);
		if (hdr == 0xffffffff)
			return 0;
	}
}

/* Bytes of capability @id at @pos whose registers get masks. */
static unsigned int cap_extent(const struct dump_build *b, unsigned int pos,
			       uint8_t id)
{
	uint16_t flags = (uint16_t)rd(b, pos + 2, 2);

	switch (id) {
	case PCI_CAP_ID_PM:
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_MSI:
		return 10 + (flags & PCI_MSI_FLAGS_64BIT ? 4 : 0) +
		       (flags & PCI_MSI_FLAGS_MASKBIT ? 10 : 0);
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_EXP:
		return (flags & PCI_EXP_FLAGS_VERS) >= 2 ? PCI_EXP_LNKSTA2
							 : PCI_EXP_LNKSTA;
	default:
		return 2;
	}
}

static bool pcie_root(unsigned int type)
{
	return type == PCI_EXP_TYPE_ROOT_PORT || type == 0xa; /* RC EC */
}

static unsigned int ext_extent(const struct dump_build *b, unsigned int pos)
{
	switch (PCI_EXT_CAP_ID(rd(b, pos, 4))) {
	case PCI_EXT_CAP_ID_ERR:
		return pcie_root(b->pcie_type) ? PCI_ERR_SIZEOF
					       : PCI_ERR_HEADER_LOG;
	case PCI_EXT_CAP_ID_DSN:
		return PCI_EXT_CAP_DSN_SIZEOF;
	default:
		return 4;
	}
}

/* Every capability's registers lie inside config space. */
static int check_extents(struct dump_build *b)
{
	for (unsigned int i = 0; i < b->ncaps; i++) {
		unsigned int pos = b->caps[i];
		uint8_t id = b->cfg[pos];

		if (id == PCI_CAP_ID_EXP)
			b->pcie_type = (rd(b, pos + PCI_EXP_FLAGS, 2) &
					PCI_EXP_FLAGS_TYPE) >> 4;
		if (pos + cap_extent(b, pos, id) > PCI_CFG_SPACE_SIZE)
			return build_error(b, pos,
					   "capability 0x%02x runs past the end of config space",
					   id);
	}
	for (unsigned int i = 0; i < b->next; i++) {
		unsigned int pos = b->ext[i];

		if (pos + ext_extent(b, pos) > PCI_CFG_SPACE_EXP_SIZE)
			return build_error(b, pos,
					   "extended capability 0x%04x runs past the end of config space",
					   PCI_EXT_CAP_ID(rd(b, pos, 4)));
	}
	return 0;
}

static void cap_masks(struct pcl_emu_fn *fn, const struct dump_build *b)
{
	for (unsigned int i = 0; i < b->ncaps; i++) {
		unsigned int o = b->caps[i];

		switch (b->cfg[o]) {
		case PCI_CAP_ID_PM:
			pcl__emu_pm_masks(fn, o);
			break;
		case PCI_CAP_ID_MSI:
			pcl__emu_msi_masks(fn, o);
			break;
		case PCI_CAP_ID_MSIX:
			pcl__emu_msix_masks(fn, o);
			break;
		case PCI_CAP_ID_EXP:
			pcl__emu_pcie_masks(fn, o);
			break;
		}
	}
	for (unsigned int i = 0; i < b->next; i++)
		if (PCI_EXT_CAP_ID(rd(b, b->ext[i], 4)) == PCI_EXT_CAP_ID_ERR)
			pcl__emu_aer_masks(fn, b->ext[i],
					   pcie_root(b->pcie_type));
}

static unsigned int header_bars(const struct dump_build *b)
{
	switch (b->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) {
	case PCI_HEADER_TYPE_NORMAL:
		return EMU_NBARS;
	case PCI_HEADER_TYPE_BRIDGE:
		return 2;
	default:
		return 0;
	}
}

/* The BAR at @reg: its kind and address from the dump. */
static int bar_kind(struct dump_build *b, unsigned int i, unsigned int nbars,
		    unsigned int *kind, uint64_t *addr)
{
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * i;
	uint32_t lo = rd(b, reg, 4);

	if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
		*kind = PCL_BAR_IO;
		*addr = lo & PCI_BASE_ADDRESS_IO_MASK;
		return 0;
	}
	*kind = PCL_BAR_MEM32;
	*addr = lo & PCI_BASE_ADDRESS_MEM_MASK;
	if ((lo & 0x6) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
		if (i + 1 >= nbars)
			return build_error(b, reg,
					   "BAR %u is 64-bit but is the last BAR", i);
		*addr |= (uint64_t)rd(b, reg + 4, 4) << 32;
		*kind = PCL_BAR_MEM64;
	}
	if (lo & PCI_BASE_ADDRESS_MEM_PREFETCH)
		*kind |= PCL_BAR_PREFETCH;
	return 0;
}

/*
 * A size the dump's reader gave (sysfs `resource`, `plug ... barN=`):
 * the BAR must exist and the address must be aligned to it.
 */
static int given_size(struct dump_build *b, unsigned int i, uint64_t addr,
		      uint64_t size)
{
	unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * i;

	if (size & (size - 1))
		return build_error(b, reg, "BAR %u: size %#llx is not a power of two",
				   i, (unsigned long long)size);
	if (addr & (size - 1))
		return build_error(b, reg,
				   "BAR %u: address %#llx is not aligned to its size %#llx",
				   i, (unsigned long long)addr,
				   (unsigned long long)size);
	return 0;
}

/*
 * The BARs.  A size given in the dump record is used as it is.  Otherwise
 * a zero register is not implemented, and the size is the alignment of
 * the address, clamped to what emu.h promises; an address less aligned
 * than the minimum size keeps its low bits writable, so that sizing
 * answers its alignment (what the kernel would compute anyway) and the
 * address can be moved by the alignment it has.
 */
static int add_bars(struct pcl_emu_fn *fn, struct dump_build *b)
{
	unsigned int nbars = header_bars(b);

	for (unsigned int i = nbars; i < EMU_NBARS; i++)
		if (b->d->bar_size[i])
			return build_error(b, PCI_BASE_ADDRESS_0 + 4 * i,
					   "BAR %u: a size is given but a %s header has %u BARs",
					   i, nbars == 2 ? "bridge" : "non-type-0",
					   nbars);
	for (unsigned int i = 0; i < nbars; i++) {
		unsigned int reg = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t lo = rd(b, reg, 4), typemask;
		uint64_t addr, align, size, min, max, given = b->d->bar_size[i];
		unsigned int kind;
		int ret;

		if (!lo && !given)
			continue;
		ret = bar_kind(b, i, nbars, &kind, &addr);
		if (ret)
			return ret;
		if (kind & PCL_BAR_IO) {
			typemask = PCI_BASE_ADDRESS_IO_MASK;
			min = max = DUMP_IO_SIZE;
		} else {
			typemask = PCI_BASE_ADDRESS_MEM_MASK;
			min = DUMP_MEM_MIN;
			max = DUMP_BAR_MAX;
		}
		align = addr ? addr & -addr : max;
		if (given) {
			ret = given_size(b, i, addr, given);
			if (ret)
				return ret;
			size = align = given;
		} else {
			size = align < min ? min : align > max ? max : align;
		}
		ret = pcl_emu_add_bar(fn, (int)i, size, kind);
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return build_error(b, reg, "BAR %u: cannot emulate %#llx bytes of %s (%s)",
					   i, (unsigned long long)size,
					   kind & PCL_BAR_IO ? "I/O space" : "memory",
					   pcl_errname(ret));
		if (align < size)
			pcl_emu_set_wmask(fn, reg, 4,
					  (uint32_t)~(align - 1) & typemask);
		/* pcl_emu_add_bar() cleared the address: the dump's again. */
		pcl_emu_set(fn, reg, 4, lo);
		if (kind & PCL_BAR_MEM64) {
			pcl_emu_set(fn, reg + 4, 4, rd(b, reg + 4, 4));
			if (b->d->bar_size[i + 1])
				return build_error(b, reg + 4,
						   "BAR %u: a size is given for the upper half of 64-bit BAR %u",
						   i + 1, i);
			i++;
		}
	}
	return 0;
}

/* The expansion ROM, if its size is given: sized like a BAR. */
static int add_rom(struct pcl_emu_fn *fn, struct dump_build *b)
{
	uint64_t size = b->d->rom_size;
	unsigned int reg = pcl__emu_rom_reg(fn);
	uint32_t v;

	if (!size)
		return 0;
	if (!reg)
		return build_error(b, PCI_HEADER_TYPE,
				   "a ROM size is given but header type %u has no ROM register",
				   b->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK);
	v = rd(b, reg, 4);
	if ((size & (size - 1)) || size < PCL_ROM_MIN || size > PCL_ROM_MAX)
		return build_error(b, reg,
				   "ROM: size %#llx is not a power of two from 2 KiB to 16 MiB",
				   (unsigned long long)size);
	if (v & PCI_ROM_ADDRESS_MASK & (size - 1))
		return build_error(b, reg,
				   "ROM: address %#x is not aligned to its size %#llx",
				   v & PCI_ROM_ADDRESS_MASK, (unsigned long long)size);
	if (pcl_emu_add_rom(fn, size))
		return build_error(b, reg, "ROM: cannot emulate it");
	pcl_emu_set(fn, reg, 4, v);	/* the dump's address and enable */
	return 0;
}

/* The MSI-X table and PBA lie inside the BARs they name. */
static int check_msix(struct pcl_emu_fn *fn, struct dump_build *b)
{
	for (unsigned int i = 0; i < b->ncaps; i++) {
		unsigned int pos = b->caps[i];
		uint32_t n = (rd(b, pos + PCI_MSIX_FLAGS, 2) &
			      PCI_MSIX_FLAGS_QSIZE) + 1;
		struct { unsigned int reg; uint64_t bytes; const char *what; } r[] = {
			{ pos + PCI_MSIX_TABLE, (uint64_t)n * PCI_MSIX_ENTRY_SIZE, "table" },
			{ pos + PCI_MSIX_PBA, ((uint64_t)n + 63) / 64 * 8, "PBA" },
		};

		if (b->cfg[pos] != PCI_CAP_ID_MSIX)
			continue;
		for (unsigned int k = 0; k < ARRAY_SIZE(r); k++) {
			uint32_t v = rd(b, r[k].reg, 4);
			unsigned int bir = v & 7;
			uint64_t off = v & ~7u;
			uint64_t size = bir < EMU_NBARS ? pcl_emu_bar_size(fn, (int)bir) : 0;

			if (off + r[k].bytes > size)
				return build_error(b, r[k].reg,
						   "MSI-X %s (%llu bytes at offset %#llx of BAR %u) lies outside the BAR (%llu bytes)",
						   r[k].what, (unsigned long long)r[k].bytes,
						   (unsigned long long)off, bir,
						   (unsigned long long)size);
		}
	}
	return 0;
}

/*
 * The clone's power-on image: the dump as read, less what a driver turns
 * on - bus mastering, INTx-disable, the MSI/MSI-X enables and function
 * mask, a low-power D-state, the ROM enable - so that a cold reset (slot power) brings the
 * function back as firmware hands it over, not as the driver of the
 * machine it was read from had it.  Address decode, BARs and bus numbers
 * stay: they are firmware's.
 */
static void power_on_image(struct pcl_emu_fn *fn, const struct dump_build *b)
{
	unsigned int rom = pcl__emu_rom_reg(fn);

	pcl_emu_set(fn, PCI_COMMAND, 2, rd(b, PCI_COMMAND, 2) &
		    (PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	if (rom)
		pcl_emu_set(fn, rom, 4, rd(b, rom, 4) & ~PCI_ROM_ADDRESS_ENABLE);
	for (unsigned int i = 0; i < b->ncaps; i++) {
		unsigned int pos = b->caps[i];

		switch (b->cfg[pos]) {
		case PCI_CAP_ID_MSI:
			pcl_emu_set(fn, pos + PCI_MSI_FLAGS, 2,
				    rd(b, pos + PCI_MSI_FLAGS, 2) &
				    ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
			break;
		case PCI_CAP_ID_MSIX:
			pcl_emu_set(fn, pos + PCI_MSIX_FLAGS, 2,
				    rd(b, pos + PCI_MSIX_FLAGS, 2) &
				    ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
			break;
		case PCI_CAP_ID_PM:
			pcl_emu_set(fn, pos + PCI_PM_CTRL, 2,
				    rd(b, pos + PCI_PM_CTRL, 2) &
				    ~PCI_PM_CTRL_STATE_MASK);
			break;
		}
	}
}

static int build(struct pcl_emu_fn *fn, struct dump_build *b)
{
	int ret;

	pcl_emu_init_header(fn, (uint16_t)rd(b, PCI_VENDOR_ID, 2),
			    (uint16_t)rd(b, PCI_DEVICE_ID, 2),
			    rd(b, PCI_CLASS_REVISION, 4),
			    b->cfg[PCI_HEADER_TYPE]);
	for (unsigned int off = 0; off < b->cfg_size; off += 4)
		pcl_emu_set(fn, off, 4, rd(b, off, 4));
	cap_masks(fn, b);
	ret = add_bars(fn, b);
	if (!ret)
		ret = add_rom(fn, b);
	if (!ret)
		ret = check_msix(fn, b);
	if (ret)
		return ret;
	pcl__emu_msix_reset_table(fn);	/* vectors come up masked */
	/*
	 * The dump's layout is the device's: builders adding capabilities
	 * later would overwrite its registers, so there is no room.
	 */
	fn->next_cap = PCI_CFG_SPACE_SIZE;
	fn->next_ext = PCI_CFG_SPACE_EXP_SIZE;
	/* Sealing takes the power-on image; then the dump's bytes again. */
	power_on_image(fn, b);
	pcl_emu_seal(fn);
	for (unsigned int off = 0; off < b->cfg_size; off += 4)
		pcl_emu_set(fn, off, 4, rd(b, off, 4));
	return 0;
}

int pcl_emu_fn_from_dump(const struct pcl_dump_fn *d, const char *where,
			 FILE *err, struct pcl_emu_fn **out)
{
	struct pcl_emu_fn *fn;
	struct dump_build *b;
	int ret;

	*out = NULL;
	if (!dump_size_ok(d->size)) {
		if (err)
			fprintf(err, "%s: %s: %u bytes; 64, 256 or 4096 expected\n",
				where, d->slot, d->size);
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->d = d;
	b->where = where;
	b->err = err;
	b->cfg_size = d->size == PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE
							: PCI_CFG_SPACE_SIZE;
	memcpy(b->cfg, d->cfg, d->size);
	if (d->size < PCI_CFG_SPACE_SIZE)
		forget_caps(b);

	ret = walk_caps(b);
	if (!ret)
		ret = walk_ext_caps(b);
	if (!ret)
		ret = check_extents(b);
	if (ret)
		goto out_free_build;

	fn = pcl_emu_fn_new(b->cfg_size);
	if (!fn) {
		ret = -ENOMEM;
		goto out_free_build;
	}
	ret = build(fn, b);
	if (ret)
		goto out_free_fn;
	*out = fn;
	free(b);
	return 0;

out_free_fn:
	pcl_emu_fn_free(fn);
out_free_build:
	free(b);
	return ret;
}
