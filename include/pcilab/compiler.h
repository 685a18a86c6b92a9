/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/compiler.h - small helpers every layer uses.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_COMPILER_H
#define PCILAB_COMPILER_H

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define __must_check	__attribute__((warn_unused_result))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __maybe_unused	__attribute__((unused))

#define PCL_EXPORT	__attribute__((visibility("default")))

/* ThreadSanitizer is on (gcc and clang spell it differently). */
#if defined(__SANITIZE_THREAD__)
#define PCL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PCL_TSAN 1
#endif
#endif
#ifdef PCL_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#endif

/* Kernel-internal error numbers that userspace <errno.h> lacks. */
#ifndef ERESTARTSYS
#define ERESTARTSYS	512
#endif
#ifndef EPROBE_DEFER
#define EPROBE_DEFER	517	/* driver requests probe retry */
#endif

/* Error pointers, as in the kernel: the top 4095 addresses carry -errno. */
#define MAX_ERRNO	4095
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr)
{
	return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO;
}
static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR(ptr);
}

/**
 * pcl_errname() - symbolic name of an errno value ("EBUSY" for -EBUSY).
 * @err: an errno, negative or positive.
 *
 * Context: any.  Return: a static string; "E?" followed by nothing for
 * values it does not know.
 */
const char *pcl_errname(int err);

/**
 * pcl_errno_parse() - inverse of pcl_errname(), for the scenario language.
 * @name: "EBUSY", "-EBUSY" or a decimal number.
 * @out: the negative errno on success.
 *
 * Return: 0, or -EINVAL if @name is not an errno name.
 */
int pcl_errno_parse(const char *name, int *out);

#endif /* PCILAB_COMPILER_H */
