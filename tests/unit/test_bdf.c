// SPDX-License-Identifier: GPL-2.0
/* Unit tests: PCI address parsing and formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "libpciassign.h"

static void parses_full_form(void **state)
{
	struct pa_bdf b;

	(void)state;
	assert_int_equal(pa_bdf_parse("0001:0a:1f.7", &b), 0);
	assert_int_equal(b.segment, 1);
	assert_int_equal(b.bus, 0x0a);
	assert_int_equal(b.dev, 0x1f);
	assert_int_equal(b.fn, 7);
	assert_int_equal(pa_bdf_parse("FFFF:FF:00.0", &b), 0);
	assert_int_equal(b.segment, 0xffff);
	assert_int_equal(b.bus, 0xff);
}

static void parses_short_form(void **state)
{
	struct pa_bdf b = { .segment = 9 };

	(void)state;
	assert_int_equal(pa_bdf_parse("00:04.0", &b), 0);
	assert_int_equal(b.segment, 0);
	assert_int_equal(b.dev, 4);
	assert_int_equal(pa_bdf_parse("1:2.3", &b), 0);
	assert_int_equal(b.bus, 1);
	assert_int_equal(b.dev, 2);
	assert_int_equal(b.fn, 3);
}

static void rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"", "0000", "00:00", "00:00.", "0000:00:00.8", "0000:00:20.0",
		"10000:00:00.0", "0000:100:00.0", "0000:00:00.0x", "0000:00:00.00",
		"g000:00:00.0", "0000::00.0", ":00:00.0", "0000:00:00:00.0",
		"0000:00.00.0", " 0000:00:00.0", "0000:00:00.0 ", "-1:00.0",
	};
	struct pa_bdf b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pa_bdf_parse(bad[i], &b) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(pa_bdf_parse(NULL, &b), -EINVAL);
}

static void format_round_trips(void **state)
{
	struct pa_bdf b = { .segment = 0xabcd, .bus = 0x12, .dev = 0x1e, .fn = 5 }, c = { 0 };
	char buf[PA_BDF_STRLEN];

	(void)state;
	pa_bdf_format(&b, buf);
	assert_string_equal(buf, "abcd:12:1e.5");
	assert_int_equal(pa_bdf_parse(buf, &c), 0);
	assert_int_equal(c.segment, b.segment);
	assert_int_equal(c.bus, b.bus);
	assert_int_equal(c.dev, b.dev);
	assert_int_equal(c.fn, b.fn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_full_form),
		cmocka_unit_test(parses_short_form),
		cmocka_unit_test(rejects_bad_input),
		cmocka_unit_test(format_round_trips),
	};

	return cmocka_run_group_tests_name("bdf", tests, NULL, NULL);
}
