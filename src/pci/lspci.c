// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lspci over the emulated machine.  pcilab does not decode capabilities
 * itself: it writes the machine as a sysfs tree, in a private temporary
 * directory, in the layout and formats Linux uses under /sys/bus/pci:
 *
 *   DIR/devices/DDDD:BB:DD.F/config     the live config space (binary,
 *                                        256 or 4096 bytes)
 *   DIR/devices/DDDD:BB:DD.F/vendor, device, class, revision,
 *                            subsystem_vendor, subsystem_device, irq
 *   DIR/devices/DDDD:BB:DD.F/resource   the BARs as the core sized them
 *   DIR/devices/DDDD:BB:DD.F/driver     -> ../../drivers/NAME when bound
 *
 * and runs the system's `lspci -A linux-sysfs -O sysfs.path=DIR` on it
 * with the user's options, so that the emulated machine decodes exactly
 * as a real one does: BAR sizes, the IRQ and "Kernel driver in use:" come
 * from lspci itself.  On request, each device's devres is added, in
 * lspci's style, at the end of its block.  The tree is removed
 * afterwards, whatever happened.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"

#define LSPCI_PATH	"/usr/bin/lspci"
#define MAX_LSPCI_ARGS	32
/*
 * The tree's path: lspci builds DIR/devices/DDDD:BB:DD.F/ATTR in 1024
 * bytes, the longest ATTR it reads being 16 characters.
 */
#define TREE_DIR_MAX	(1024 - sizeof("/devices/0000:00:00.0/") - 16)

/* Linux's IORESOURCE_SIZEALIGN: a BAR's resource is aligned to its size. */
#define SYSFS_IORESOURCE_SIZEALIGN	0x00040000
/*
 * Lines of a resource file: the 6 BARs and the ROM, as Linux without
 * SR-IOV shows them for a device that has no bridge windows.  pcilab has
 * none (nor a ROM resource): with no window lines, lspci decodes a
 * bridge's windows from its config space, and 4 zero lines would make it
 * call every window disabled.
 */
#define SYSFS_RES_LINES			7
#define SYSFS_RES_LINE_LEN		(3 * 18 + 3)	/* "0x%016llx" x3 */

/* ---- the sysfs tree ---- */

/* Write @len bytes of @buf as the new file @name in @dirfd. */
static int write_file(int dirfd, const char *name, const void *buf,
		      size_t len)
{
	int fd = openat(dirfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0644);
	const char *p = buf;
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* A one-line attribute, printf-style, as sysfs shows it. */
static int __attribute__((format(printf, 3, 4)))
write_attr(int dirfd, const char *name, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EOVERFLOW;
	return write_file(dirfd, name, buf, (size_t)n);
}

/* The kernel's flags for a BAR: IORESOURCE_* and the BAR's type bits
 * (a ROM has none of those). */
static unsigned long long sysfs_res_flags(const struct resource *r, int i)
{
	unsigned long long flags = r->flags;

	if (!(r->flags & (IORESOURCE_IO | IORESOURCE_MEM)))
		return 0;
	flags |= SYSFS_IORESOURCE_SIZEALIGN;
	if (i == PCI_ROM_RESOURCE)
		return flags;
	if (r->flags & IORESOURCE_IO)
		return flags | PCI_BASE_ADDRESS_SPACE_IO;
	if (r->flags & IORESOURCE_MEM_64)
		flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (r->flags & IORESOURCE_PREFETCH)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	return flags;
}

/* "resource": one "start end flags" line per resource, unset ones zero. */
static int write_resource(int dirfd, struct pci_dev *pdev)
{
	char buf[SYSFS_RES_LINES * SYSFS_RES_LINE_LEN + 1];
	size_t len = 0;

	for (int i = 0; i < SYSFS_RES_LINES; i++) {
		const struct resource *r = i < PCI_NUM_RESOURCES ?
					   &pdev->resource[i] : NULL;
		unsigned long long flags = r ? sysfs_res_flags(r, i) : 0;
		int n;

		n = snprintf(buf + len, sizeof(buf) - len,
			     "0x%016llx 0x%016llx 0x%016llx\n",
			     flags ? (unsigned long long)r->start : 0ull,
			     flags ? (unsigned long long)r->end : 0ull, flags);
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			return -EOVERFLOW;
		len += (size_t)n;
	}
	return write_file(dirfd, "resource", buf, len);
}

/* "irq" as Linux shows it: the first MSI vector with MSI on, else INTx. */
static unsigned int sysfs_irq(struct pci_dev *pdev)
{
	if (pdev->irq_type == PCI_IRQ_MSI && pdev->nvec) {
		int virq = pci_irq_vector(pdev, 0);

		if (virq > 0)
			return (unsigned int)virq;
	}
	return pdev->irq;
}

static int write_ids(int dirfd, struct pci_dev *pdev)
{
	int ret;

	ret = write_attr(dirfd, "vendor", "0x%04x\n", pdev->vendor);
	if (!ret)
		ret = write_attr(dirfd, "device", "0x%04x\n", pdev->device);
	if (!ret)
		ret = write_attr(dirfd, "class", "0x%06x\n", pdev->class);
	if (!ret)
		ret = write_attr(dirfd, "revision", "0x%02x\n", pdev->revision);
	if (!ret)
		ret = write_attr(dirfd, "subsystem_vendor", "0x%04x\n",
				 pdev->subsystem_vendor);
	if (!ret)
		ret = write_attr(dirfd, "subsystem_device", "0x%04x\n",
				 pdev->subsystem_device);
	if (!ret)
		ret = write_attr(dirfd, "irq", "%u\n", sysfs_irq(pdev));
	return ret;
}

static int write_config(int dirfd, struct pci_dev *pdev)
{
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];

	pcl_emu_cfg_copy(pdev->hw, cfg);
	return write_file(dirfd, "config", cfg, pcl_emu_cfg_size(pdev->hw));
}

/* Is @name usable as one path component? */
static bool is_component(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/*
 * The "driver" link, relative as in sysfs, and the directory it names
 * (@rootfd: the tree's top).  Nothing when no driver is bound.
 */
static int write_driver_link(int rootfd, int dirfd, struct pci_dev *pdev)
{
	struct device *dev = get_device(&pdev->dev);
	char target[NAME_MAX + 1], drvdir[NAME_MAX + 1];
	const char *name = NULL;
	int ret = 0, n, m;

	if (device_is_bound(dev) && dev->driver)
		name = dev->driver->name;
	if (!name || !is_component(name))
		goto out;
	n = snprintf(target, sizeof(target), "../../drivers/%s", name);
	m = snprintf(drvdir, sizeof(drvdir), "drivers/%s", name);
	if (n < 0 || (size_t)n >= sizeof(target) ||
	    m < 0 || (size_t)m >= sizeof(drvdir)) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	if (mkdirat(rootfd, drvdir, 0755) && errno != EEXIST)
		ret = -errno;
	else if (symlinkat(target, dirfd, "driver"))
		ret = -errno;
out:
	put_device(dev);
	return ret;
}

struct tree_ctx {
	int rootfd;		/* DIR */
	int devicesfd;		/* DIR/devices */
	int err;		/* the first failure, or 0 */
	unsigned int n;		/* devices written */
};

/* DIR/devices/DDDD:BB:DD.F and everything in it. */
static void write_device(struct pci_dev *pdev, void *arg)
{
	struct tree_ctx *t = arg;
	const char *name = pci_name(pdev);
	int dirfd, ret;

	if (t->err || !pdev->hw)
		return;
	if (!is_component(name) || strlen(name) > NAME_MAX) {
		t->err = -ENAMETOOLONG;
		return;
	}
	if (mkdirat(t->devicesfd, name, 0755)) {
		t->err = -errno;
		return;
	}
	dirfd = openat(t->devicesfd, name, O_DIRECTORY | O_NOFOLLOW |
		       O_CLOEXEC);
	if (dirfd < 0) {
		t->err = -errno;
		return;
	}
	ret = write_config(dirfd, pdev);
	if (!ret)
		ret = write_ids(dirfd, pdev);
	if (!ret)
		ret = write_resource(dirfd, pdev);
	if (!ret)
		ret = write_driver_link(t->rootfd, dirfd, pdev);
	close(dirfd);
	if (ret)
		t->err = ret;
	else
		t->n++;
}

/* Write the machine as a sysfs tree under @dir.  Return: devices, -errno. */
static int write_tree(const char *dir)
{
	struct tree_ctx t = { -1, -1, 0, 0 };
	int ret;

	t.rootfd = open(dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t.rootfd < 0)
		return -errno;
	if (mkdirat(t.rootfd, "devices", 0755) ||
	    mkdirat(t.rootfd, "drivers", 0755) ||
	    (t.devicesfd = openat(t.rootfd, "devices",
				  O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ret = -errno;
		close(t.rootfd);
		return ret;
	}
	pcl_pci_for_each_dev(write_device, &t);
	close(t.devicesfd);
	close(t.rootfd);
	return t.err ? t.err : (int)t.n;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;	/* go on: remove what can be removed */
}

/* rm -r @dir, not following links. */
static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private directory under $TMPDIR or /tmp, created.  Return: 0, -errno. */
static int make_tree_dir(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	n = snprintf(dir, len, "%s/pcilab-lspci-XXXXXX", tmp);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

/* ---- running lspci ---- */

struct extra_ctx {
	const char *slot;	/* as lspci printed it */
	struct pci_dev *found;
};

static void match_slot(struct pci_dev *pdev, void *arg)
{
	struct extra_ctx *x = arg;
	const char *name = pci_name(pdev);

	if (!x->found && (!strcmp(name, x->slot) || !strcmp(name + 5, x->slot)))
		x->found = pdev;
}

static void devres_line(const char *name, size_t size, void *arg)
{
	FILE *out = arg;

	if (!strcmp(name, "{") || !strcmp(name, "}"))
		fprintf(out, "\t\t%s\n", name);
	else
		fprintf(out, "\t\t%s (%zu bytes)\n", name, size);
}

/* After a device block: its devres.  Called under no lock. */
static void print_devres(FILE *out, const char *slot)
{
	struct extra_ctx x = { slot, NULL };
	struct device *dev;

	pcl_pci_for_each_dev(match_slot, &x);
	if (!x.found)
		return;
	dev = get_device(&x.found->dev);
	fprintf(out, "\tpcilab devres (%u, oldest first):\n",
		pcl_devres_count(dev));
	pcl_devres_dump(dev, devres_line, out);
	put_device(dev);
}

static bool is_slot_line(const char *line, char *slot, size_t len)
{
	size_t n = strcspn(line, " ");

	/* "BB:DD.F" or "DDDD:BB:DD.F" at the start of a line */
	if ((n == 7 && line[2] == ':' && line[5] == '.') ||
	    (n == 12 && line[4] == ':' && line[7] == ':' && line[10] == '.')) {
		snprintf(slot, len, "%.*s", (int)n, line);
		return true;
	}
	return false;
}

/*
 * Copy lspci's output from @in to @out; with @devres, each device's
 * devres at the end of its block, which runs from its slot line to a
 * blank line, the next slot line or the end.
 */
static void copy_output(FILE *out, FILE *in, bool devres, bool blocks)
{
	char line[4096], slot[24] = "", next_slot[24];
	bool in_block = false;

	while (fgets(line, sizeof(line), in)) {
		bool blank = line[0] == '\n';
		bool starts = blocks &&
			      is_slot_line(line, next_slot, sizeof(next_slot));

		if (in_block && (blank || starts) && devres) {
			print_devres(out, slot);
			in_block = false;
		}
		if (starts) {
			memcpy(slot, next_slot, sizeof(slot));
			in_block = true;
		}
		fputs(line, out);
	}
	if (in_block && devres)
		print_devres(out, slot);
}

/*
 * lspci's argument vector: the tree's options, then the user's.  @path_opt
 * (@len bytes) holds "sysfs.path=DIR".  Sets *@blocks unless -t or -m
 * make the output something other than one block per device.
 */
static int build_args(char **args, char *path_opt, size_t len,
		      const char *dir, int argc, char **argv, bool *blocks)
{
	int n = snprintf(path_opt, len, "sysfs.path=%s", dir);
	bool tree = false, machine = false;

	if (argc > MAX_LSPCI_ARGS)
		return -E2BIG;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	n = 0;
	args[n++] = "lspci";
	args[n++] = "-A";
	args[n++] = "linux-sysfs";
	args[n++] = "-O";
	args[n++] = path_opt;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] != '-') {
			tree |= strchr(a, 't') != NULL;
			machine |= strchr(a, 'm') != NULL;
		}
		args[n++] = argv[i];
	}
	args[n] = NULL;
	*blocks = !tree && !machine;
	return 0;
}

/*
 * Start lspci with @args, its stdout into a pipe, its stderr to /dev/null
 * (libkmod chatter), its signal mask @mask.  Return: the pipe's read end
 * (*@pid set), or -errno.
 */
static int spawn_lspci(char **args, const sigset_t *mask, pid_t *pid)
{
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (*pid == 0) {
		int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(pipefd[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		sigprocmask(SIG_SETMASK, mask, NULL);
		execv(LSPCI_PATH, args);
		_exit(127);
	}
	close(pipefd[1]);
	return pipefd[0];
}

/*
 * Run lspci on the sysfs tree at @dir with @argv, copying its output to
 * @out; lspci gets the signal mask @mask.  Return: lspci's exit status,
 * or -errno.
 */
static int run_lspci(FILE *out, const char *dir, int argc, char **argv,
		     bool devres, const sigset_t *mask)
{
	char *args[MAX_LSPCI_ARGS + 6];
	char path_opt[TREE_DIR_MAX + sizeof("sysfs.path=")];
	bool blocks;
	int fd, status, ret;
	pid_t pid = -1;
	FILE *in;

	ret = build_args(args, path_opt, sizeof(path_opt), dir, argc, argv,
			 &blocks);
	if (ret)
		return ret;
	fflush(out);
	fd = spawn_lspci(args, mask, &pid);
	if (fd < 0)
		return fd;
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		waitpid(pid, &status, 0);
		return -ENOMEM;
	}
	copy_output(out, in, devres, blocks);
	fclose(in);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EIO;
}

/*
 * Write the tree in a new private directory, run lspci on it, remove it.
 * SIGPIPE (@out closed by its reader) stays blocked in this thread until
 * the tree is gone: a write then fails with EPIPE, and the signal, still
 * pending, is delivered once the mask is restored.
 */
int pcl_pci_lspci(FILE *out, int argc, char **argv, bool devres)
{
	char dir[TREE_DIR_MAX];
	sigset_t pipe_set, old;
	int ret;

	if (access(LSPCI_PATH, X_OK))
		return -ENOENT;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ret = make_tree_dir(dir, sizeof(dir));
	if (!ret) {
		ret = write_tree(dir);
		if (ret >= 0)
			ret = run_lspci(out, dir, argc, argv, devres, &old);
		remove_tree(dir);
	}
	/* -ENOENT means "lspci is not installed" to the callers. */
	if (ret == -ENOENT)
		ret = -EIO;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
