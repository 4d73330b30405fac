// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests of the device layer's option parsing and ROM validation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "libpciassign.h"

static int parse(const char *s, struct pa_device_opts *o, char *err, size_t len)
{
	pa_device_opts_init(o);
	return pa_device_opts_parse(s, o, err, len);
}

static void test_opts_defaults(void **state)
{
	struct pa_device_opts o;
	char err[128] = "";

	(void)state;
	assert_int_equal(parse("host=0000:00:03.0", &o, err, sizeof(err)), 0);
	assert_int_equal(o.host.segment, 0);
	assert_int_equal(o.host.bus, 0);
	assert_int_equal(o.host.dev, 3);
	assert_int_equal(o.host.fn, 0);
	assert_true(o.rombar);
	assert_true(o.share_intx);
	assert_false(o.prefer_msi);
	assert_int_equal(o.bootindex, -1);
	assert_string_equal(o.id, "");
	assert_string_equal(o.romfile, "");
}

static void test_opts_all(void **state)
{
	struct pa_device_opts o;
	char err[128] = "";

	(void)state;
	assert_int_equal(parse("host=0001:0a:1f.7,id=nic0,rombar=on,romfile=/x/y.rom,"
			       "bootindex=2,prefer_msi=yes,share_intx=off",
			       &o, err, sizeof(err)), 0);
	assert_int_equal(o.host.segment, 1);
	assert_int_equal(o.host.bus, 0x0a);
	assert_int_equal(o.host.dev, 0x1f);
	assert_int_equal(o.host.fn, 7);
	assert_string_equal(o.id, "nic0");
	assert_string_equal(o.romfile, "/x/y.rom");
	assert_int_equal(o.bootindex, 2);
	assert_true(o.prefer_msi);
	assert_false(o.share_intx);
	/* Short BDF form and the other boolean spellings. */
	assert_int_equal(parse("rombar=0,host=02:00.1,prefer_msi=TRUE,share_intx=1",
			       &o, err, sizeof(err)), 0);
	assert_int_equal(o.host.bus, 2);
	assert_int_equal(o.host.fn, 1);
	assert_false(o.rombar);
	assert_true(o.prefer_msi);
	assert_true(o.share_intx);
	assert_int_equal(parse("host=00:01.0,rombar=false,prefer_msi=no", &o, NULL, 0), 0);
	assert_false(o.rombar);
}

static void expect_einval(const char *s, const char *why)
{
	struct pa_device_opts o;
	char err[128] = "";

	assert_int_equal(parse(s, &o, err, sizeof(err)), -EINVAL);
	if (!strstr(err, why))
		fail_msg("'%s': error '%s' does not mention '%s'", s, err, why);
}

static void test_opts_errors(void **state)
{
	char longid[200];

	(void)state;
	expect_einval("", "host= is required");
	expect_einval("id=x", "host= is required");
	expect_einval("host=00:20.0", "host=");		/* device 0x20 */
	expect_einval("host=00:01.8", "host=");		/* function 8 */
	expect_einval("host=zz", "host=");
	expect_einval("host=00:01.0,host=00:02.0", "twice");
	expect_einval("host=00:01.0,bogus=1", "unknown option 'bogus'");
	expect_einval("host=00:01.0,rombar", "key=value");
	expect_einval("host=00:01.0,rombar=maybe", "rombar");
	expect_einval("host=00:01.0,prefer_msi=", "prefer_msi");
	expect_einval("host=00:01.0,share_intx=2", "share_intx");
	expect_einval("host=00:01.0,bootindex=x", "bootindex");
	expect_einval("host=00:01.0,bootindex=-2", "bootindex");
	expect_einval("host=00:01.0,bootindex=99999999999", "bootindex");
	expect_einval("host=00:01.0,bootindex=", "bootindex");
	expect_einval("host=00:01.0,romfile=", "romfile");
	expect_einval("host=00:01.0,romfile=/a.rom,rombar=off", "rombar=on");
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	{
		char s[256];

		snprintf(s, sizeof(s), "host=00:01.0,id=%s", longid);
		expect_einval(s, "id too long");
	}
	/* NULL error buffer is fine. */
	{
		struct pa_device_opts o;

		assert_int_equal(parse("nope", &o, NULL, 0), -EINVAL);
		assert_int_equal(pa_device_opts_parse(NULL, &o, NULL, 0), -EINVAL);
	}
}

static void test_rom_validate(void **state)
{
	static uint8_t img[70000];
	uint64_t size = 0;

	(void)state;
	memset(img, 0, sizeof(img));
	img[0] = 0x55;
	img[1] = 0xaa;
	img[2] = 4;
	assert_int_equal(pa_rom_validate(img, 512, &size), 0);
	assert_int_equal(size, 2048);		/* minimum ROM BAR */
	assert_int_equal(pa_rom_validate(img, 2048, &size), 0);
	assert_int_equal(size, 2048);
	assert_int_equal(pa_rom_validate(img, 2049, &size), 0);
	assert_int_equal(size, 4096);
	assert_int_equal(pa_rom_validate(img, 65536, &size), 0);
	assert_int_equal(size, 65536);
	assert_int_equal(pa_rom_validate(img, 65537, &size), 0);
	assert_int_equal(size, 131072);
	assert_int_equal(pa_rom_validate(img, 3, NULL), 0);
	/* Too short, wrong or swapped signature. */
	assert_int_equal(pa_rom_validate(img, 2, &size), -EINVAL);
	assert_int_equal(pa_rom_validate(NULL, 512, &size), -EINVAL);
	img[1] = 0x55;
	img[0] = 0xaa;
	assert_int_equal(pa_rom_validate(img, 512, &size), -EINVAL);
	img[0] = 0xff;
	img[1] = 0xff;
	assert_int_equal(pa_rom_validate(img, 512, &size), -EINVAL);
}

static void test_rom_too_big(void **state)
{
	uint8_t *big = calloc(1, (16u << 20) + 1);
	uint64_t size;

	(void)state;
	assert_non_null(big);
	big[0] = 0x55;
	big[1] = 0xaa;
	assert_int_equal(pa_rom_validate(big, 16u << 20, &size), 0);
	assert_int_equal(size, 16u << 20);
	assert_int_equal(pa_rom_validate(big, (16u << 20) + 1, &size), -EFBIG);
	free(big);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void test_rom_file(void **state)
{
	char dir[] = "/tmp/pa-rom-XXXXXX", path[64];
	uint8_t img[3000];
	void *out = NULL;
	size_t len = 0;
	uint64_t size = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ok.rom", dir);
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)i;
	img[0] = 0x55;
	img[1] = 0xaa;
	write_file(path, img, sizeof(img));
	assert_int_equal(pa_rom_load_file(path, &out, &len, &size), 0);
	assert_int_equal(len, sizeof(img));
	assert_int_equal(size, 4096);
	assert_memory_equal(out, img, sizeof(img));
	free(out);
	unlink(path);

	snprintf(path, sizeof(path), "%s/bad.rom", dir);
	img[0] = 0;
	write_file(path, img, sizeof(img));
	out = NULL;
	assert_int_equal(pa_rom_load_file(path, &out, &len, &size), -EINVAL);
	assert_null(out);
	unlink(path);

	snprintf(path, sizeof(path), "%s/empty.rom", dir);
	write_file(path, img, 0);
	assert_int_equal(pa_rom_load_file(path, &out, &len, &size), -EINVAL);
	unlink(path);

	snprintf(path, sizeof(path), "%s/missing.rom", dir);
	assert_int_equal(pa_rom_load_file(path, &out, &len, &size), -ENOENT);
	/* A directory is not a ROM image. */
	assert_int_equal(pa_rom_load_file(dir, &out, &len, &size), -EINVAL);
	rmdir(dir);
}

static void test_intx_swizzle(void **state)
{
	(void)state;
	/* Slot 1 INTA -> 17, slot 1 INTD -> 16, slot 3 INTB -> 16. */
	assert_int_equal(pa_kvm_intx_gsi(1 << 3, 1), 17);
	assert_int_equal(pa_kvm_intx_gsi(1 << 3, 4), 16);
	assert_int_equal(pa_kvm_intx_gsi(3 << 3, 2), 16);
	assert_int_equal(pa_kvm_intx_gsi(2 << 3, 1), 18);
	assert_int_equal(pa_kvm_intx_gsi(1 << 3, 0), -EINVAL);
	assert_int_equal(pa_kvm_intx_gsi(1 << 3, 5), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_defaults),
		cmocka_unit_test(test_opts_all),
		cmocka_unit_test(test_opts_errors),
		cmocka_unit_test(test_rom_validate),
		cmocka_unit_test(test_rom_too_big),
		cmocka_unit_test(test_rom_file),
		cmocka_unit_test(test_intx_swizzle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
