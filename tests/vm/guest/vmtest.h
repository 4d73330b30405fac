/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal harness for in-guest C tests: each case prints one
 * "PA-RESULT <name> PASS|FAIL [why]" line, which the host collects.
 */
#ifndef PCIASSIGN_VMTEST_H
#define PCIASSIGN_VMTEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct vt_case {
	const char *name;
	int (*fn)(void);	/* 0 = pass; otherwise VT_FAIL() said why */
};

static char vt_why[512];

/* Optional clean-up run after every case (e.g. reap helper processes). */
static void (*vt_after_each)(void);

static inline int vt_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int vt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vt_why, sizeof(vt_why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Fail the case unless EXPR holds. */
#define VT_ASSERT(expr)							\
	do {								\
		if (!(expr))						\
			return vt_fail("%s:%d: %s (errno %d: %s)",	\
				       __FILE__, __LINE__, #expr,	\
				       errno, strerror(errno));		\
	} while (0)

/* Fail unless CALL returns -1 with errno ERR. */
#define VT_EXPECT_ERRNO(call, err)					\
	do {								\
		errno = 0;						\
		long vt_r_ = (long)(call);				\
		if (vt_r_ != -1 || errno != (err))			\
			return vt_fail("%s:%d: %s returned %ld errno %d (%s), want errno %d (%s)", \
				       __FILE__, __LINE__, #call, vt_r_, errno, \
				       strerror(errno), (err), strerror(err)); \
	} while (0)

static inline int vt_run(const char *prefix, const struct vt_case *cases, size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		vt_why[0] = '\0';
		int r = cases[i].fn();

		if (vt_after_each)
			vt_after_each();
		printf("PA-RESULT %s-%s %s %s\n", prefix, cases[i].name,
		       r ? "FAIL" : "PASS", r ? vt_why : "");
		fflush(stdout);
		failed |= r != 0;
	}
	return 0;	/* verdicts are in the lines, not the exit status */
}

#endif
