// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host view of an SR-IOV VF's config space (pa_host_read_config()):
 * its hardware reads 0xffff for the IDs and 0 for the BARs, which its PF's
 * SR-IOV capability owns; the library shows the IDs sysfs has and the BARs
 * of the resource file, with their types, as the kernel's device fd does.
 * A function that is not a VF reads as its config file says.
 */
#include "fake_sysfs.h"

#define PF_BDF	"0000:04:00.0"
#define VF_BDF	"0000:04:10.0"
/* 64-bit prefetchable BAR0 and BAR3, like the 82576 VF's. */
#define VF_RES "0x00000000fe400000 0x00000000fe403fff 0x0000000000142204\n" RES_ZERO RES_ZERO \
	"0x00000012fe420000 0x00000012fe423fff 0x0000000000142204\n" RES_ZERO RES_ZERO RES_ZERO

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A config file of all zeros but for IDs read as 0xffff and a command. */
static void write_config(struct fake *f, const char *bdf)
{
	char path[PATH_MAX];
	uint8_t cfg[256] = { 0xff, 0xff, 0xff, 0xff, 0x06 };
	FILE *fp;

	fake_path(f, path, "sys/bus/pci/devices/%s/config", bdf);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), fp), sizeof(cfg));
	fclose(fp);
}

static void add_vf(struct fake *f, bool is_vf)
{
	char link[PATH_MAX], target[PATH_MAX];

	fake_add_dev(f, PF_BDF, 0x8086, 0x10c9, 0x020000, NULL, NULL, 7, "igb");
	fake_add_dev(f, VF_BDF, 0x8086, 0x10ca, 0x020000, NULL, VF_RES, 8, NULL);
	write_config(f, VF_BDF);
	if (is_vf) {
		fake_path(f, link, "sys/bus/pci/devices/%s/physfn", VF_BDF);
		fake_path(f, target, "sys/bus/pci/devices/%s", PF_BDF);
		assert_int_equal(symlink(target, link), 0);
	}
}

static void read_cfg(struct fake *f, uint8_t *cfg, size_t len)
{
	struct pa_bdf bdf;

	assert_int_equal(pa_bdf_parse(VF_BDF, &bdf), 0);
	assert_int_equal(pa_host_read_config(&f->host, &bdf, cfg, len), (int)len);
}

static void vf_ids_and_bars(void **state)
{
	struct fake *f = *state;
	uint8_t cfg[256];

	add_vf(f, true);
	read_cfg(f, cfg, sizeof(cfg));
	assert_int_equal(le32(cfg + 0x00), 0x10ca8086);
	assert_int_equal(cfg[0x04], 0x06);			/* the rest as read */
	assert_int_equal(le32(cfg + 0x10), 0xfe40000c);		/* 64-bit, prefetchable */
	assert_int_equal(le32(cfg + 0x14), 0);			/* its upper half */
	assert_int_equal(le32(cfg + 0x18), 0);
	assert_int_equal(le32(cfg + 0x1c), 0xfe42000c);
	assert_int_equal(le32(cfg + 0x20), 0x12);
	assert_int_equal(le32(cfg + 0x24), 0);
}

/* A short read patches only what it covers. */
static void vf_short_read(void **state)
{
	struct fake *f = *state;
	uint8_t cfg[18];

	add_vf(f, true);
	read_cfg(f, cfg, sizeof(cfg));
	assert_int_equal(le32(cfg), 0x10ca8086);
	assert_int_equal(cfg[0x10], 0x0c);
	assert_int_equal(cfg[0x11], 0x00);
}

static void not_a_vf_as_read(void **state)
{
	struct fake *f = *state;
	uint8_t cfg[64];

	add_vf(f, false);
	read_cfg(f, cfg, sizeof(cfg));
	assert_int_equal(le32(cfg + 0x00), 0xffffffff);
	assert_int_equal(le32(cfg + 0x10), 0);
}

static int setup(void **state)
{
	struct fake *f = malloc(sizeof(*f));

	assert_non_null(f);
	fake_init(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fake_destroy(*state);
	free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(vf_ids_and_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(vf_short_read, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_vf_as_read, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
