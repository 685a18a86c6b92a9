// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lspci over the emulated machine.  pcilab does not decode capabilities
 * itself: it writes the live config spaces in `lspci -xxxx` format and
 * runs the system's `lspci -F` on that file with the user's options, then
 * adds what only pcilab knows, in lspci's own style, at the end of each
 * device's block: "Kernel driver in use:" (with -k or -v) and, on request,
 * the device's devres.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"

#define LSPCI_PATH	"/usr/bin/lspci"
#define MAX_LSPCI_ARGS	32

struct dump_ctx {
	FILE *f;
	unsigned int n;
};

static void dump_one(struct pci_dev *pdev, void *arg)
{
	struct dump_ctx *d = arg;
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	char slot[64];

	if (!pdev->hw)
		return;
	pcl_emu_cfg_copy(pdev->hw, cfg);
	if (pdev->bus->host->domain)
		snprintf(slot, sizeof(slot), "%s", pci_name(pdev));
	else
		snprintf(slot, sizeof(slot), "%s", pci_name(pdev) + 5);
	pcl_dump_write(d->f, slot, "pcilab emulated function", cfg,
		       pcl_emu_cfg_size(pdev->hw));
	d->n++;
}

/* Write the machine as an lspci -xxxx dump.  Return: devices written. */
static int write_dump(const char *path)
{
	struct dump_ctx d = { fopen(path, "w"), 0 };

	if (!d.f)
		return -errno;
	pcl_pci_for_each_dev(dump_one, &d);
	fclose(d.f);
	return (int)d.n;
}

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

/* After a device block: what pcilab knows.  Called under no lock. */
static void print_extras(FILE *out, const char *slot, bool driver,
			 bool devres)
{
	struct extra_ctx x = { slot, NULL };
	struct device *dev;

	pcl_pci_for_each_dev(match_slot, &x);
	if (!x.found)
		return;
	dev = get_device(&x.found->dev);
	if (driver && device_is_bound(dev))
		fprintf(out, "\tKernel driver in use: %s\n", dev->driver->name);
	if (devres) {
		fprintf(out, "\tpcilab devres (%u, oldest first):\n",
			pcl_devres_count(dev));
		pcl_devres_dump(dev, devres_line, out);
	}
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
 * Run lspci -F on @dump with @argv, copying its output to @out with the
 * extras inserted.  Return: lspci's exit status, or -errno.
 */
static int run_lspci(FILE *out, const char *dump, int argc, char **argv,
		     bool devres)
{
	char *args[MAX_LSPCI_ARGS + 4];
	bool verbose = false, kernel = false, tree = false, machine = false;
	int pipefd[2], status, n = 0;
	char line[4096], slot[24] = "", next_slot[24];
	bool in_block = false, want_extras;
	FILE *in;
	pid_t pid;

	if (argc > MAX_LSPCI_ARGS)
		return -E2BIG;
	args[n++] = "lspci";
	args[n++] = "-F";
	args[n++] = (char *)dump;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] != '-') {
			verbose |= strchr(a, 'v') != NULL;
			kernel |= strchr(a, 'k') != NULL;
			tree |= strchr(a, 't') != NULL;
			machine |= strchr(a, 'm') != NULL;
		}
		args[n++] = argv[i];
	}
	args[n] = NULL;
	want_extras = verbose || kernel || devres;
	if (access(LSPCI_PATH, X_OK))
		return -ENOENT;
	if (pipe(pipefd))
		return -errno;
	fflush(out);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(pipefd[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);	/* libkmod chatter */
		close(pipefd[0]);
		close(pipefd[1]);
		execv(LSPCI_PATH, args);
		_exit(127);
	}
	close(pipefd[1]);
	in = fdopen(pipefd[0], "r");
	if (!in) {
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		return -ENOMEM;
	}
	/*
	 * A device's block runs from its slot line to a blank line, the next
	 * slot line or the end; pcilab's lines go at the end of the block.
	 */
	while (fgets(line, sizeof(line), in)) {
		bool blank = line[0] == '\n';
		bool starts = !tree && !machine &&
			      is_slot_line(line, next_slot, sizeof(next_slot));

		if (in_block && (blank || starts) && want_extras) {
			print_extras(out, slot, true, devres);
			in_block = false;
		}
		if (starts) {
			memcpy(slot, next_slot, sizeof(slot));
			in_block = true;
		}
		fputs(line, out);
	}
	if (in_block && want_extras)
		print_extras(out, slot, true, devres);
	fclose(in);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EIO;
}

int pcl_pci_lspci(FILE *out, int argc, char **argv, bool devres)
{
	char path[] = "/tmp/pcilab-lspci-XXXXXX";
	int fd = mkstemp(path), ret;

	if (fd < 0)
		return -errno;
	close(fd);
	ret = write_dump(path);
	if (ret >= 0)
		ret = run_lspci(out, path, argc, argv, devres);
	unlink(path);
	return ret;
}
