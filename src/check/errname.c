// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * errno names, both ways, for reports, traces and the scenario language.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include <string.h>
#include <pcilab/compiler.h>

struct errname {
	int err;
	const char *name;
};

#define E(x) { x, #x }
static const struct errname errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
	E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG),
	E(ENOSPC), E(ESPIPE), E(EROFS), E(EPIPE), E(EDOM), E(ERANGE),
	E(EDEADLK), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),
	E(ENODATA), E(ETIME), E(EPROTO), E(EOVERFLOW), E(EILSEQ),
	E(EOPNOTSUPP), E(EADDRINUSE), E(ETIMEDOUT), E(EALREADY),
	E(ECANCELED), E(ENOTRECOVERABLE), E(EHWPOISON),
	E(ERESTARTSYS), E(EPROBE_DEFER),
};
#undef E

const char *pcl_errname(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "0";
	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return "E?";
}

int pcl_errno_parse(const char *name, int *out)
{
	char *end;
	long v;

	if (*name == '-')
		name++;
	for (size_t i = 0; i < ARRAY_SIZE(errnames); i++) {
		if (strcmp(errnames[i].name, name) == 0) {
			*out = -errnames[i].err;
			return 0;
		}
	}
	v = strtol(name, &end, 10);
	if (*name && !*end && v >= 0 && v <= MAX_ERRNO) {
		*out = (int)-v;
		return 0;
	}
	return -EINVAL;
}
