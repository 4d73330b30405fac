// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: pciassign-vmm's option checking, run as a program. Every
 * case here is refused before /dev/kvm or /dev/pciassign is opened, so it
 * needs neither: exit status 100 and a message naming the option.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static const char *vmm_path(void)
{
	const char *p = getenv("PCIASSIGN_VMM");

	return p ? p : PCIASSIGN_TOP "/build/user/pciassign-vmm";
}

static char out[16384];

/* Run the VMM with args; stdout and stderr together in out; exit status. */
static int run(const char *args)
{
	char cmd[4096];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", vmm_path(), args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

#define REFUSED(args, msg) do {						\
		assert_int_equal(run(args), 100);			\
		if (!strstr(out, msg))					\
			fail_msg("'%s': want '%s' in: %s", args, msg, out); \
	} while (0)

static void numbers(void **state)
{
	(void)state;
	REFUSED("--payload /dev/null --timeout abc", "--timeout 'abc': expected a whole number");
	REFUSED("--payload /dev/null --timeout -1", "--timeout '-1'");
	REFUSED("--payload /dev/null --timeout 1x", "--timeout '1x'");
	REFUSED("--payload /dev/null --memory lots", "--memory 'lots'");
	REFUSED("--payload /dev/null --memory=", "--memory ''");
	REFUSED("--kernel /dev/null --cpus 0", "--cpus '0'");
}

static void missing_and_unknown(void **state)
{
	(void)state;
	/* Not a bare usage text: what is wrong, and where to look. */
	REFUSED("--payload /dev/null --memory", "--memory needs a value");
	assert_null(strstr(out, "usage:"));
	REFUSED("--payload /dev/null --bogus", "unknown option '--bogus'");
	REFUSED("--payload /dev/null -x", "unknown option '-x'");
	REFUSED("--payload /dev/null extra", "unexpected argument 'extra'");
	assert_int_equal(run("--version"), 0);
	assert_non_null(strstr(out, "pciassign-vmm "));
	assert_int_equal(run("--help"), 0);
	assert_non_null(strstr(out, "usage:"));
}

static void devices_checked_first(void **state)
{
	(void)state;
	/* The second device is bad: said before the first is opened. */
	REFUSED("--payload /dev/null --device host=00:01.0 --device host=zz",
		"--device 'host=zz'");
	REFUSED("--payload /dev/null --device host=00:01.0 --device host=0000:00:01.0",
		"the same host function");
	REFUSED("--payload /dev/null --device host=00:01.0,id=a --device host=00:02.0,id=a",
		"the same id");
	REFUSED("--payload /dev/null --device host=00:01.0,bootindex=1 --device host=00:02.0,bootindex=1",
		"the same bootindex");
	REFUSED("--payload /dev/null --device host=00:01.0,frob=1", "--device 'host=00:01.0,frob=1'");
	/* None of it reached /dev/pciassign or KVM. */
	assert_null(strstr(out, "/dev/pciassign"));
	assert_null(strstr(out, "/dev/kvm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),
		cmocka_unit_test(missing_and_unknown),
		cmocka_unit_test(devices_checked_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
