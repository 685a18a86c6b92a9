// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pcilab host snapshot: this machine's PCI functions, read through sysfs
 * (read only), written as a scenario that re-creates them as emulated
 * functions - so that a driver can be bound to an exact replica of the
 * device it targets.
 *
 * What is read, per function (DIR is /sys/bus/pci or a tree shaped like
 * it):
 *
 *   DIR/devices/DDDD:BB:DD.F        a link into /sys/devices: its path
 *                                   gives the topology (the bridges above
 *                                   it, up to the pciDDDD:BB root)
 *   .../config                      the config space: 4096 or 256 bytes
 *                                   as root, 64 without CAP_SYS_ADMIN
 *   .../resource                    BAR and ROM sizes (the kernel sized
 *                                   them)
 *   .../irq, .../driver             said in a comment
 *   .../physfn                      an SR-IOV VF: not cloned
 *
 * What is written: a `host` line per root bus, then per function (bridges
 * before what is behind them) a comment and
 *
 *   plug DD.F dump=<<END barN=SIZE... [rom=SIZE] [behind=DD.F/...]
 *        [host=NAME]
 *   00:03.0 ...                     the config space as lspci -xxxx
 *   00: f4 1a 41 10 ...             prints it
 *   END
 *
 * and `enumerate` at the end.  Every function is built once as an
 * emulated function before it is written, so a snapshot that is written
 * also loads.
 *
 * Sysfs is input from outside, and a live one: a function can go between
 * listing the directory and reading its files.  Whatever is wrong with a
 * function - unreadable, truncated, vanished, a capability list that
 * loops - is said on the error stream in one line naming the file, and
 * the function is left out or cloned from what could be read (BAR sizes
 * from the addresses when `resource` is missing); the rest is written.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define SNAP_MAX_FNS	4096	/* functions read from one tree */
#define SNAP_ROOTS	64	/* root buses */
#define ROOT_DROPPED	(-1)	/* snap_fn.root: left out */
#define ROOT_PENDING	(-2)	/* behind a bridge: its root is not known yet */

struct snap_fn {
	char name[24];			/* "0000:00:03.0" */
	unsigned int domain, bus, devfn;
	char parent_name[24];		/* the bridge above, "" on a root bus */
	int parent;			/* its index, or -1 */
	int root;			/* index into snap->roots */
	struct pcl_dump_fn d;		/* config (d.size bytes), BAR sizes */
	long irq;			/* -1: unknown */
	char driver[64];		/* "" if none */
	bool bad_resource;		/* sizes inferred from the addresses */
	bool wanted;			/* written */
};

struct snap_root {
	unsigned int domain, bus;	/* as the host numbers it */
	unsigned int as_domain;		/* the domain the clone gives it */
	char name[16];			/* the clone's host bridge */
	bool ecam;			/* some function has 4 KiB config */
	bool used;			/* some written function is on it */
};

struct snap {
	const char *dir;		/* the sysfs PCI directory */
	FILE *err;
	struct snap_fn *fns;
	unsigned int n;
	struct snap_root roots[SNAP_ROOTS];
	unsigned int nroots;
	unsigned int problems;		/* said: read in part, or left out */
	bool short_config;		/* a 64-byte config was read */
};

static void __printf(3, 4) say(struct snap *sn, const char *name,
			       const char *fmt, ...)
{
	va_list ap;

	sn->problems++;
	fprintf(sn->err, "pcilab host snapshot: %s/devices/%s", sn->dir, name);
	fputs(": ", sn->err);
	va_start(ap, fmt);
	vfprintf(sn->err, fmt, ap);
	va_end(ap);
	fputc('\n', sn->err);
}

/* "DDDD:BB:DD.F", exactly as the kernel names it.  Return: true if so. */
static bool parse_name(const char *s, unsigned int *domain, unsigned int *bus,
		       unsigned int *devfn)
{
	unsigned int d, b, dev, fn;
	char back[32];

	if (sscanf(s, "%x:%x:%x.%u", &d, &b, &dev, &fn) != 4 ||
	    b > 0xff || dev > 0x1f || fn > 7)
		return false;
	snprintf(back, sizeof(back), "%04x:%02x:%02x.%u", d, b, dev, fn);
	if (strcmp(back, s))
		return false;
	*domain = d;
	*bus = b;
	*devfn = PCI_DEVFN(dev, fn);
	return true;
}

/* A file of the function, into @buf.  Return: bytes read, or -errno. */
static ssize_t read_attr(struct snap *sn, const char *name, const char *attr,
			 void *buf, size_t len)
{
	char path[PATH_MAX];
	size_t got = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/devices/%s/%s", sn->dir,
			     name, attr) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (!r)
			break;
		got += (size_t)r;
	}
	close(fd);
	return (ssize_t)got;
}

static bool vanished(long err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO;
}

/* config: 4096, 256 or 64 bytes.  Return: 0, or -1 (said; left out). */
static int read_config(struct snap *sn, struct snap_fn *f)
{
	ssize_t n = read_attr(sn, f->name, "config", f->d.cfg,
			      sizeof(f->d.cfg));

	if (n < 0) {
		say(sn, f->name, "config: %s%s", strerror((int)-n),
		    vanished(n) ? " (the function went away): left out"
				: ": left out");
		return -1;
	}
	if (n < 64) {
		say(sn, f->name, "config: only %zd bytes could be read (64 at least are needed): left out",
		    n);
		return -1;
	}
	if (n == 64) {
		sn->short_config = true;
		say(sn, f->name, "config: 64 bytes only (the rest needs CAP_SYS_ADMIN: run as root): cloned without capabilities");
	} else if (n != 256 && n != 4096) {
		say(sn, f->name, "config: %zd bytes, not 64, 256 or 4096: the first %u are cloned",
		    n, n > 256 ? 256 : 64);
	}
	f->d.size = n >= 4096 ? 4096 : n >= 256 ? 256 : 64;
	if ((f->d.cfg[0] | f->d.cfg[1] << 8) == 0xffff) {
		say(sn, f->name, "config: reads as all ones (removed or powered off): left out");
		return -1;
	}
	return 0;
}

/*
 * resource: "START END FLAGS" per line, BARs 0-5 then the ROM.  Sizes the
 * kernel found are kept; a missing or malformed file leaves them to be
 * inferred from the addresses.
 */
static void read_resource(struct snap *sn, struct snap_fn *f)
{
	char buf[4096], *line, *save = NULL;
	ssize_t n = read_attr(sn, f->name, "resource", buf, sizeof(buf) - 1);
	unsigned int i = 0;

	if (n < 0) {
		f->bad_resource = true;
		say(sn, f->name, "resource: %s: BAR sizes inferred from the addresses",
		    strerror((int)-n));
		return;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && i < 7;
	     line = strtok_r(NULL, "\n", &save), i++) {
		unsigned long long start, end, flags;
		char tail;
		uint64_t size;

		if (sscanf(line, "%llx %llx %llx %c", &start, &end, &flags,
			   &tail) != 3 || end < start) {
			f->bad_resource = true;
			memset(f->d.bar_size, 0, sizeof(f->d.bar_size));
			f->d.rom_size = 0;
			say(sn, f->name, "resource: line %u is not 'START END FLAGS': BAR sizes inferred from the addresses",
			    i + 1);
			return;
		}
		size = end > start || start ? end - start + 1 : 0;
		if (!size || !flags)
			continue;
		if (size & (size - 1)) {
			say(sn, f->name, "resource: line %u: size %#llx is not a power of two: inferred from the address",
			    i + 1, (unsigned long long)size);
			continue;
		}
		if (i < 6)
			f->d.bar_size[i] = size;
		else
			f->d.rom_size = size;
	}
}

static void read_extras(struct snap *sn, struct snap_fn *f)
{
	char buf[32], path[PATH_MAX], link[PATH_MAX];
	ssize_t n = read_attr(sn, f->name, "irq", buf, sizeof(buf) - 1);

	f->irq = -1;
	if (n > 0) {
		buf[n] = '\0';
		f->irq = strtol(buf, NULL, 10);
	}
	snprintf(path, sizeof(path), "%s/devices/%s/driver", sn->dir, f->name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		const char *base;

		link[n] = '\0';
		base = strrchr(link, '/');
		snprintf(f->driver, sizeof(f->driver), "%.63s", base ? base + 1 : link);
	}
}

/* The root bus @spec ("pci0000:00") names: found or added. */
static int find_root(struct snap *sn, const char *spec)
{
	unsigned int domain, bus, i;

	if (sscanf(spec, "pci%x:%x", &domain, &bus) != 2 || bus > 0xff)
		return -1;
	for (i = 0; i < sn->nroots; i++)
		if (sn->roots[i].domain == domain && sn->roots[i].bus == bus)
			return (int)i;
	if (sn->nroots == SNAP_ROOTS)
		return -1;
	sn->roots[i].domain = domain;
	sn->roots[i].bus = bus;
	sn->nroots++;
	return (int)i;
}

/*
 * Where the function sits: the link's target under /sys/devices ends in
 * ".../pciDDDD:BB/DDDD:BB:DD.F[/DDDD:BB:DD.F...]".  The parent is kept as
 * a name here and resolved to an index once every function is read.
 */
static int read_topology(struct snap *sn, struct snap_fn *f)
{
	char path[PATH_MAX], real[PATH_MAX], *slash, *up;
	unsigned int d, b, devfn;

	snprintf(path, sizeof(path), "%s/devices/%s", sn->dir, f->name);
	if (!realpath(path, real)) {
		say(sn, f->name, "%s%s", strerror(errno),
		    vanished(-errno) ? " (the function went away): left out" : ": left out");
		return -1;
	}
	slash = strrchr(real, '/');
	if (!slash || strcmp(slash + 1, f->name)) {
		say(sn, f->name, "links to %s, not to a directory of that name: left out",
		    real);
		return -1;
	}
	*slash = '\0';
	up = strrchr(real, '/');
	up = up ? up + 1 : real;
	if (!strncmp(up, "pci", 3)) {
		f->root = find_root(sn, up);
		if (f->root < 0) {
			say(sn, f->name, "sits under '%s', not a root bus pcilab can model: left out",
			    up);
			return -1;
		}
		return 0;
	}
	if (!parse_name(up, &d, &b, &devfn)) {
		say(sn, f->name, "sits under '%s', not a PCI function: left out", up);
		return -1;
	}
	snprintf(f->parent_name, sizeof(f->parent_name), "%.23s", up);
	return 0;
}

/* One entry of DIR/devices.  Return: 0 read (perhaps in part), -1 left out. */
static int read_fn(struct snap *sn, const char *name, struct snap_fn *f)
{
	char path[PATH_MAX];
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->parent = -1;
	f->root = ROOT_PENDING;
	if (!parse_name(name, &f->domain, &f->bus, &f->devfn)) {
		say(sn, name, "not a PCI function name (DDDD:BB:DD.F): ignored");
		return -1;
	}
	snprintf(f->name, sizeof(f->name), "%.23s", name);
	snprintf(f->d.slot, sizeof(f->d.slot), "%.15s", name);
	f->d.domain = f->domain;
	f->d.bus = f->bus;
	f->d.dev = PCI_SLOT(f->devfn);
	f->d.func = PCI_FUNC(f->devfn);
	snprintf(path, sizeof(path), "%s/devices/%s/physfn", sn->dir, name);
	if (!lstat(path, &st)) {
		say(sn, name, "an SR-IOV virtual function (pcilab emulates no SR-IOV): left out");
		return -1;
	}
	if (read_topology(sn, f) || read_config(sn, f))
		return -1;
	read_resource(sn, f);
	read_extras(sn, f);
	return 0;
}

static int find_fn(const struct snap *sn, const char *name)
{
	for (unsigned int i = 0; i < sn->n; i++)
		if (!strcmp(sn->fns[i].name, name))
			return (int)i;
	return -1;
}

/* Is @f a bridge (type 1 header)? */
static bool is_bridge(const struct snap_fn *f)
{
	return (f->d.cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) ==
	       PCI_HEADER_TYPE_BRIDGE;
}

/*
 * Parents by name to indices, and each function's root from its
 * bridge's.  A function whose bridge was left out, or that sits under
 * something that is not a bridge, goes too, and so does what sits
 * behind it.
 */
static void link_parents(struct snap *sn)
{
	bool changed = true;

	for (unsigned int i = 0; i < sn->n; i++) {
		struct snap_fn *f = &sn->fns[i];

		if (!f->parent_name[0] || f->root == ROOT_DROPPED)
			continue;
		f->parent = find_fn(sn, f->parent_name);
		if (f->parent < 0 || !is_bridge(&sn->fns[f->parent])) {
			say(sn, f->name, "sits behind %s, which %s: left out",
			    f->parent_name, f->parent < 0 ? "was not read" : "is not a bridge");
			f->root = ROOT_DROPPED;
		}
	}
	/* A path in /sys/devices is a tree: this ends within its depth. */
	while (changed) {
		changed = false;
		for (unsigned int i = 0; i < sn->n; i++) {
			struct snap_fn *f = &sn->fns[i];
			int up;

			if (f->root != ROOT_PENDING)
				continue;
			up = sn->fns[f->parent].root;
			if (up == ROOT_PENDING)
				continue;
			if (up == ROOT_DROPPED)
				say(sn, f->name, "sits behind %s, which was left out: left out",
				    sn->fns[f->parent].name);
			f->root = up;
			changed = true;
		}
	}
	/* Still pending: bridges above each other in a loop (not a tree). */
	for (unsigned int i = 0; i < sn->n; i++) {
		if (sn->fns[i].root != ROOT_PENDING)
			continue;
		say(sn, sn->fns[i].name, "its bridges lead back to it (a loop, not a tree): left out");
		sn->fns[i].root = ROOT_DROPPED;
	}
}

/* Read every function under DIR/devices.  Return: 0, or -errno. */
static int read_tree(struct snap *sn)
{
	char path[PATH_MAX];
	struct dirent **ents = NULL;
	int nents, ret = 0;

	snprintf(path, sizeof(path), "%s/devices", sn->dir);
	nents = scandir(path, &ents, NULL, alphasort);
	if (nents < 0) {
		ret = -errno;
		fprintf(sn->err, "pcilab host snapshot: %s: %s\n", path,
			strerror(errno));
		return ret;
	}
	sn->fns = calloc((size_t)nents + 1, sizeof(*sn->fns));
	if (!sn->fns) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < nents; i++) {
		const char *name = ents[i]->d_name;

		if (name[0] == '.')
			continue;
		if (sn->n == SNAP_MAX_FNS) {
			say(sn, name, "more than %d functions: the rest are left out",
			    SNAP_MAX_FNS);
			break;
		}
		if (!read_fn(sn, name, &sn->fns[sn->n]))
			sn->n++;
	}
out:
	for (int i = 0; i < nents; i++)
		free(ents[i]);
	free(ents);
	return ret;
}

/*
 * Every function is built once as pcilab would build it from the
 * scenario; one that cannot be (a capability list that loops, an MSI-X
 * table outside its BAR) is said and left out, before the topology is
 * resolved, so that what sits behind it goes too.
 */
static void check_buildable(struct snap *sn)
{
	for (unsigned int i = 0; i < sn->n; i++) {
		struct snap_fn *f = &sn->fns[i];
		struct pcl_emu_fn *fn;
		char where[PATH_MAX + 32];

		snprintf(where, sizeof(where), "%s/devices/%s/config", sn->dir,
			 f->name);
		if (pcl_emu_fn_from_dump(&f->d, where, sn->err, &fn)) {
			say(sn, f->name, "cannot be emulated (above): left out");
			f->root = ROOT_DROPPED;
			continue;
		}
		pcl_emu_fn_free(fn);
	}
}

/* A root bus with a function of 4 KiB config space has ECAM. */
static void find_ecam(struct snap *sn)
{
	for (unsigned int i = 0; i < sn->n; i++)
		if (sn->fns[i].root >= 0 &&
		    sn->fns[i].d.size == PCI_CFG_SPACE_EXP_SIZE)
			sn->roots[sn->fns[i].root].ecam = true;
}

/* Function 0 of @f's device, or -1. */
static int fn0_of(const struct snap *sn, const struct snap_fn *f)
{
	for (unsigned int i = 0; i < sn->n; i++) {
		const struct snap_fn *g = &sn->fns[i];

		if (g->domain == f->domain && g->bus == f->bus &&
		    g->devfn == PCI_DEVFN(PCI_SLOT(f->devfn), 0))
			return (int)i;
	}
	return -1;
}

/*
 * Enumeration finds functions 1-7 of a device through function 0: one
 * whose function 0 was left out goes too (a bridge's subtree with it).
 */
static void drop_orphans(struct snap *sn)
{
	for (unsigned int i = 0; i < sn->n; i++) {
		struct snap_fn *f = &sn->fns[i];
		int z;

		if (!PCI_FUNC(f->devfn) || f->root == ROOT_DROPPED)
			continue;
		z = fn0_of(sn, f);
		if (z >= 0 && sn->fns[z].root != ROOT_DROPPED)
			continue;
		say(sn, f->name, "function 0 of its device %s: left out (enumeration finds the others through it)",
		    z < 0 ? "is missing or was left out" : "was left out");
		f->root = ROOT_DROPPED;
	}
}

/* Does @f match a -s filter: "DDDD:BB:DD.F", "BB:DD.F" or "DD.F"? */
static bool matches(const struct snap_fn *f, const char *const *slots)
{
	for (; *slots; slots++) {
		size_t n = strlen(*slots);

		if (n <= strlen(f->name) &&
		    !strcmp(f->name + strlen(f->name) - n, *slots) &&
		    (n == strlen(f->name) || f->name[strlen(f->name) - n - 1] == ':'))
			return true;
	}
	return false;
}

/*
 * Which functions are written: the selected ones, the bridges above
 * them (a function needs its path), and function 0 of their devices
 * (enumeration finds functions 1-7 through it).
 */
static unsigned int select_fns(struct snap *sn, const char *const *slots)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sn->n; i++) {
		struct snap_fn *f = &sn->fns[i];

		if (f->root < 0 || (slots && !matches(f, slots)))
			continue;
		for (int p = (int)i; p >= 0; p = sn->fns[p].parent) {
			struct snap_fn *g = &sn->fns[p];

			int z = PCI_FUNC(g->devfn) ? fn0_of(sn, g) : -1;

			g->wanted = true;
			if (z >= 0)		/* there: drop_orphans() */
				sn->fns[z].wanted = true;
		}
	}
	for (unsigned int i = 0; i < sn->n; i++) {
		n += sn->fns[i].wanted;
		if (sn->fns[i].wanted)
			sn->roots[sn->fns[i].root].used = true;
	}
	return n;
}

/* Is domain @d the clone's for a root other than @i? */
static bool domain_taken(const struct snap *sn, unsigned int i, unsigned int d)
{
	for (unsigned int j = 0; j < sn->nroots; j++) {
		const struct snap_root *o = &sn->roots[j];

		if (j == i || !o->used)
			continue;
		/* roots before @i are named; those after keep theirs if they can */
		if (j < i ? o->as_domain == d
			  : (!o->bus && o->domain <= 0xffff && o->domain == d))
			return true;
	}
	return false;
}

/*
 * The clone's host bridges.  pcilab has one root bus per domain, numbered
 * 0, and domains up to 0xffff: a root bus elsewhere (a second root in a
 * domain, a VMD's domain 10000) gets the lowest free domain, and its
 * comment says so.
 */
static void name_roots(struct snap *sn)
{
	unsigned int named = 0;

	for (unsigned int i = 0; i < sn->nroots; i++) {
		struct snap_root *r = &sn->roots[i];

		if (!r->used)
			continue;
		r->as_domain = r->domain;
		if (r->bus || r->domain > 0xffff || domain_taken(sn, i, r->domain))
			for (r->as_domain = 0; domain_taken(sn, i, r->as_domain);)
				r->as_domain++;
		snprintf(r->name, sizeof(r->name), "pci%u", named++);
	}
}

static void write_size(FILE *out, uint64_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (size >= 1024 && !(size & 1023) && u < 3) {
		size >>= 10;
		u++;
	}
	if (u < 0)
		fprintf(out, "%llu", (unsigned long long)size);
	else
		fprintf(out, "%llu%c", (unsigned long long)size, units[u]);
}

/* "behind=1c.0/00.0": the bridges from the root down. */
static void write_path(FILE *out, const struct snap *sn, int p)
{
	if (p < 0)
		return;
	if (sn->fns[p].parent >= 0) {
		write_path(out, sn, sn->fns[p].parent);
		fputc('/', out);
	} else {
		fputs(" behind=", out);
	}
	fprintf(out, "%02x.%u", PCI_SLOT(sn->fns[p].devfn),
		PCI_FUNC(sn->fns[p].devfn));
}

static void write_comment(FILE *out, const struct snap_fn *f)
{
	const uint8_t *c = f->d.cfg;

	fprintf(out, "\n# %s  class %02x%02x  %02x%02x:%02x%02x (rev %02x)  %u-byte config space\n",
		f->name, c[PCI_CLASS_DEVICE + 1], c[PCI_CLASS_DEVICE],
		c[PCI_VENDOR_ID + 1], c[PCI_VENDOR_ID], c[PCI_DEVICE_ID + 1],
		c[PCI_DEVICE_ID], c[PCI_REVISION_ID], f->d.size);
	fprintf(out, "# host: driver %s, irq ", f->driver[0] ? f->driver : "none");
	if (f->irq >= 0)
		fprintf(out, "%ld", f->irq);
	else
		fputs("unknown", out);
	if (f->bad_resource)
		fputs("; BAR sizes inferred from the addresses", out);
	if (f->d.size == 64)
		fputs("; 64 bytes read: no capabilities", out);
	fputc('\n', out);
}

static void write_fn(FILE *out, const struct snap *sn, const struct snap_fn *f)
{
	const struct snap_root *r = &sn->roots[f->root];
	char slot[24], desc[64];
	const uint8_t *c = f->d.cfg;

	write_comment(out, f);
	fprintf(out, "plug %02x.%u dump=<<END", PCI_SLOT(f->devfn),
		PCI_FUNC(f->devfn));
	for (int i = 0; i < 6; i++) {
		if (!f->d.bar_size[i])
			continue;
		fprintf(out, " bar%d=", i);
		write_size(out, f->d.bar_size[i]);
	}
	if (f->d.rom_size) {
		fputs(" rom=", out);
		write_size(out, f->d.rom_size);
	}
	if (strcmp(r->name, "pci0"))	/* plug's default host */
		fprintf(out, " host=%s", r->name);
	write_path(out, sn, f->parent);
	fputc('\n', out);
	snprintf(slot, sizeof(slot), "%s", f->domain ? f->name : f->name + 5);
	snprintf(desc, sizeof(desc), "class %02x%02x [%02x%02x:%02x%02x]",
		 c[PCI_CLASS_DEVICE + 1], c[PCI_CLASS_DEVICE],
		 c[PCI_VENDOR_ID + 1], c[PCI_VENDOR_ID],
		 c[PCI_DEVICE_ID + 1], c[PCI_DEVICE_ID]);
	pcl_dump_write(out, slot, desc, c, f->d.size);
	/* pcl_dump_write() ends with a blank line: the dump's end. */
	fputs("END\n", out);
}

/* Depth first: a bridge, then what is behind it, then its next sibling. */
static void write_bus(FILE *out, const struct snap *sn, int root, int parent)
{
	for (unsigned int i = 0; i < sn->n; i++) {
		const struct snap_fn *f = &sn->fns[i];

		if (!f->wanted || f->root != root || f->parent != parent)
			continue;
		write_fn(out, sn, f);
		if (is_bridge(f))
			write_bus(out, sn, root, (int)i);
	}
}

static void write_scenario(FILE *out, struct snap *sn, unsigned int nfns)
{
	fprintf(out, "# This machine's PCI functions, as `pcilab host snapshot` read them from\n"
		     "# %s: config space, capability chain, BAR sizes, topology.\n"
		     "#   pcilab lspci THIS.scn -vvv     decode the clone with the real lspci\n"
		     "#   pcilab run THIS.scn            build it (add modprobe/bind/raise lines)\n",
		sn->dir);
	if (sn->short_config)
		fputs("# Not read as root: config spaces stop at 64 bytes, so the clone has no\n"
		      "# capabilities (no MSI/MSI-X, no PCIe).\n", out);
	fprintf(out, "title \"host snapshot: %u PCI function%s\"\n", nfns,
		nfns == 1 ? "" : "s");
	for (unsigned int i = 0; i < sn->nroots; i++) {
		struct snap_root *r = &sn->roots[i];

		if (!r->used)
			continue;
		fputc('\n', out);
		if (r->bus || r->as_domain != r->domain)
			fprintf(out, "# the host's root bus %04x:%02x, as domain %u: pcilab has one root bus per\n"
				     "# domain, numbered 0, and domains up to 0xffff\n",
				r->domain, r->bus, r->as_domain);
		fprintf(out, "host %s kind=%s domain=%u\n", r->name,
			r->ecam ? "ecam" : "conf1", r->as_domain);
		if (!r->ecam)
			fputs("# (no function has 4 KiB of config space: CONF1, as a host without ECAM)\n",
			      out);
		write_bus(out, sn, (int)i, -1);
	}
	fputs("\nenumerate\n", out);
}

int pcl_host_snapshot(const char *sysfs, const char *const *slots, FILE *out,
		      FILE *err)
{
	struct snap sn = { .dir = sysfs ? sysfs : "/sys/bus/pci", .err = err };
	unsigned int nfns;
	int ret;

	ret = read_tree(&sn);
	if (ret)
		goto out;
	check_buildable(&sn);
	drop_orphans(&sn);
	link_parents(&sn);
	find_ecam(&sn);
	nfns = select_fns(&sn, slots);
	if (!nfns) {
		fprintf(err, "pcilab host snapshot: %s: no PCI function %s\n",
			sn.dir, slots ? "matches the -s filters" : "could be read");
		ret = -ENODEV;
		goto out;
	}
	name_roots(&sn);
	write_scenario(out, &sn, nfns);
	ret = sn.problems ? 1 : 0;
out:
	free(sn.fns);
	return ret;
}
