// SPDX-License-Identifier: GPL-2.0
/* Unit tests: host discovery over fake sysfs trees (user/lib/sysfs.c). */
#include "fake_sysfs.h"
#include "json.h"

static struct pa_bdf B(const char *s)
{
	struct pa_bdf b;

	assert_int_equal(pa_bdf_parse(s, &b), 0);
	return b;
}

static void lists_every_function_sorted(void **state)
{
	struct fake *f = *state;
	struct pa_pci_func *v;
	char name[PA_BDF_STRLEN];
	size_t n;

	/* Entries that are not PCI addresses are ignored. */
	fake_write(f, "sys/bus/pci/devices/not-a-device/vendor", "0x1\n");
	assert_int_equal(pa_host_list_funcs(&f->host, &v, &n), 0);
	assert_int_equal(n, 4);
	pa_bdf_format(&v[0].bdf, name);
	assert_string_equal(name, PORT_BDF);
	pa_bdf_format(&v[1].bdf, name);
	assert_string_equal(name, EDU_BDF);
	pa_bdf_format(&v[3].bdf, name);
	assert_string_equal(name, NVME_BDF);

	/* edu: IDs, class, no driver, group 3, header from config, revision. */
	assert_int_equal(v[1].vendor, 0x1234);
	assert_int_equal(v[1].device, 0x11e8);
	assert_int_equal(v[1].class_code, 0x00ff00);
	assert_int_equal(v[1].revision, 0x10);
	assert_int_equal(v[1].header_type, 0);
	assert_false(v[1].multifunction);
	assert_string_equal(v[1].driver, "");
	assert_string_equal(v[1].driver_override, "");
	assert_int_equal(v[1].iommu_group, 3);
	assert_int_equal(v[1].subsys_vendor, 0x1af4);

	/* The port has no config file: its header type comes from the class. */
	assert_int_equal(v[0].header_type, 1);
	assert_string_equal(v[0].driver, "pcieport");
	assert_string_equal(v[2].driver, "e1000e");
	assert_int_equal(v[2].iommu_group, 5);
	free(v);
}

static void get_func_errors_and_override(void **state)
{
	struct fake *f = *state;
	struct pa_pci_func fn;
	struct pa_bdf b = B("0000:09:00.0");

	assert_int_equal(pa_host_get_func(&f->host, &b, &fn), -ENODEV);
	fake_write(f, "sys/bus/pci/devices/" EDU_BDF "/driver_override", "pciassign\n");
	b = B(EDU_BDF);
	assert_int_equal(pa_host_get_func(&f->host, &b, &fn), 0);
	assert_string_equal(fn.driver_override, "pciassign");
}

static void group_members_sorted(void **state)
{
	struct fake *f = *state;
	struct pa_bdf *m;
	size_t n;

	fake_write(f, "sys/kernel/iommu_groups/5/devices/0000:01:00.1/x", "");
	fake_write(f, "sys/kernel/iommu_groups/5/devices/0000:00:1f.0/x", "");
	assert_int_equal(pa_host_group_members(&f->host, 5, &m, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m[0].dev, 0x1f);
	assert_int_equal(m[1].bus, 1);
	assert_int_equal(m[1].fn, 0);
	assert_int_equal(m[2].fn, 1);
	free(m);
	assert_int_equal(pa_host_group_members(&f->host, 99, &m, &n), -ENOENT);
	assert_int_equal(pa_host_group_members(&f->host, -1, &m, &n), -EINVAL);
}

static void reads_resources(void **state)
{
	struct fake *f = *state;
	struct pa_host_resource r[PA_HOST_NUM_RES];
	struct pa_bdf b = B(NIC_BDF);

	assert_int_equal(pa_host_read_resources(&f->host, &b, r), 0);
	assert_int_equal(pa_host_res_size(&r[0]), 128 * 1024);
	assert_true(r[2].flags & PA_HOST_RES_IO);
	assert_int_equal(pa_host_res_size(&r[2]), 32);
	assert_int_equal(pa_host_res_size(&r[4]), 0);
	assert_int_equal(pa_host_res_size(&r[6]), 256 * 1024);
	b = B(NVME_BDF);
	assert_int_equal(pa_host_read_resources(&f->host, &b, r), 0);
	assert_true(r[0].flags & PA_HOST_RES_MEM64);
	assert_int_equal(pa_host_res_size(&r[0]), 16 * 1024);
}

static void verdict(struct fake *f, const char *bdf, struct pa_assignability *a)
{
	struct pa_pci_func fn;
	struct pa_bdf b = B(bdf);

	assert_int_equal(pa_host_get_func(&f->host, &b, &fn), 0);
	assert_int_equal(pa_host_assignability(&f->host, &fn, a), 0);
}

static void verdict_alone_in_group(void **state)
{
	struct pa_assignability a;

	verdict(*state, EDU_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_OK);
	assert_true(a.assignable);
	assert_string_equal(a.reason, "ok");
	/* Its own host driver does not make a function unassignable. */
	verdict(*state, NIC_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_OK);
	assert_non_null(strstr(a.reason, "bound to e1000e"));
}

/*
 * An SR-IOV PF with VFs enabled is refused (the module refuses its bind
 * and attach with EBUSY); with sriov_numvfs 0, or none, it is a function
 * like any other.
 */
static void verdict_sriov_pf(void **state)
{
	struct fake *f = *state;
	struct pa_assignability a;

	fake_write(f, "sys/bus/pci/devices/" NIC_BDF "/sriov_numvfs", "2\n");
	verdict(f, NIC_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_SRIOV_PF);
	assert_false(a.assignable);
	assert_non_null(strstr(a.reason, "SR-IOV PF with 2 VFs enabled"));
	fake_write(f, "sys/bus/pci/devices/" NIC_BDF "/sriov_numvfs", "0\n");
	verdict(f, NIC_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_OK);
	assert_true(a.assignable);
}

static void verdict_group_with_host_driver(void **state)
{
	struct fake *f = *state;
	struct pa_assignability a;

	/* A second function in edu's group, bound to e1000e. */
	fake_add_dev(f, "0000:00:04.1", 0x8086, 0x10d3, 0x020000, "e1000e", NULL, 3, "e1000e");
	verdict(f, EDU_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_GROUP);
	assert_false(a.assignable);
	assert_int_equal(a.offender.fn, 1);
	assert_string_equal(a.offender_driver, "e1000e");
	assert_string_equal(a.reason,
			    "0000:00:04.0 is in IOMMU group 3 with 0000:00:04.1 (bound to e1000e): unbind it or bind it to pciassign too");
	/* Binding the other member to pciassign makes the group viable. */
	fake_set_driver(f, "0000:00:04.1", "pciassign");
	verdict(f, EDU_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_OK);
	/* So does leaving it without a driver. */
	fake_set_driver(f, "0000:00:04.1", NULL);
	verdict(f, EDU_BDF, &a);
	assert_true(a.assignable);
}

static void verdict_group_with_bridge(void **state)
{
	struct fake *f = *state;
	struct pa_assignability a;

	/* The root port joins the NIC's group: pcieport is harmless. */
	fake_write(f, "sys/kernel/iommu_groups/5/devices/" PORT_BDF "/x", "");
	verdict(f, NIC_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_OK);
	/* An endpoint on a non-pcieport driver is not. */
	fake_write(f, "sys/kernel/iommu_groups/5/devices/" NVME_BDF "/x", "");
	verdict(f, NIC_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_GROUP);
	assert_string_equal(a.offender_driver, "nvme");
}

static void verdict_bridge_and_no_iommu(void **state)
{
	struct fake *f = *state;
	struct pa_assignability a;

	verdict(f, PORT_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_BRIDGE);
	assert_false(a.assignable);
	assert_non_null(strstr(a.reason, "bridge"));

	fake_add_dev(f, "0000:00:05.0", 0x1234, 0x11e8, 0x00ff00, "edu", NULL, -1, NULL);
	verdict(f, "0000:00:05.0", &a);
	assert_int_equal(a.verdict, PA_VERDICT_NO_IOMMU);
	assert_false(a.assignable);
	assert_non_null(strstr(a.reason, "not behind an IOMMU"));
}

static void verdict_already_assigned(void **state)
{
	struct fake *f = *state;
	struct pa_assignability a;

	fake_set_driver(f, EDU_BDF, "pciassign");
	verdict(f, EDU_BDF, &a);
	assert_int_equal(a.verdict, PA_VERDICT_ASSIGNED);
	assert_true(a.assignable);
}

static void bind_saves_driver_and_writes(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(NIC_BDF);
	char msg[512];

	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), 0);
	assert_string_equal(msg, NIC_BDF ": unbound from e1000e, bound to pciassign");
	assert_string_equal(fake_driver(f, NIC_BDF), "pciassign");
	assert_string_equal(fake_read(f, "run/pciassign/" NIC_BDF ".driver"), "e1000e\n");
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" NIC_BDF "/driver_override"),
			    "pciassign");
	assert_string_equal(fake_read(f, "sys/bus/pci/drivers/e1000e/unbind"), NIC_BDF);
	assert_string_equal(fake_read(f, "sys/bus/pci/drivers_probe"), NIC_BDF);
	/* The order matters: override before unbind, probe last. */
	assert_string_equal(f->log,
			    "bus/pci/devices/" NIC_BDF "/driver_override=pciassign\n"
			    "bus/pci/drivers/e1000e/unbind=" NIC_BDF "\n"
			    "bus/pci/drivers_probe=" NIC_BDF "\n");

	/* Binding again is a no-op that keeps the saved driver. */
	f->log[0] = 0;
	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), 0);
	assert_string_equal(f->log, "");
	assert_string_equal(fake_read(f, "run/pciassign/" NIC_BDF ".driver"), "e1000e\n");
}

static void bind_unbound_device(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(EDU_BDF);
	char msg[512];

	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), 0);
	assert_string_equal(fake_driver(f, EDU_BDF), "pciassign");
	assert_false(fake_exists(f, "run/pciassign/" EDU_BDF ".driver"));
	assert_string_equal(msg, EDU_BDF ": bound to pciassign");
}

static void bind_failure_rolls_back(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(NIC_BDF);
	char msg[512];

	f->pciassign_refuses = true;
	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), -EIO);
	assert_non_null(strstr(msg, "pciassign did not take " NIC_BDF));
	assert_non_null(strstr(msg, "modprobe pciassign"));
	assert_string_equal(fake_driver(f, NIC_BDF), "e1000e");
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" NIC_BDF "/driver_override"), "\n");
	assert_false(fake_exists(f, "run/pciassign/" NIC_BDF ".driver"));
}

static void bind_refuses_bridge_and_missing(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(PORT_BDF);
	char msg[512];

	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "bridge"));
	assert_string_equal(f->log, "");
	assert_string_equal(fake_driver(f, PORT_BDF), "pcieport");
	b = B("0000:07:00.0");
	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), -ENODEV);
	assert_non_null(strstr(msg, "no such PCI function"));
}

static void unbind_restores_by_probe(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(NIC_BDF);
	char msg[512];

	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), 0);
	f->log[0] = 0;
	assert_int_equal(pa_host_unbind(&f->host, &b, msg, sizeof(msg)), 0);
	assert_string_equal(msg, NIC_BDF ": unbound from pciassign, now bound to e1000e");
	assert_string_equal(fake_driver(f, NIC_BDF), "e1000e");
	assert_string_equal(f->log,
			    "bus/pci/drivers/pciassign/unbind=" NIC_BDF "\n"
			    "bus/pci/devices/" NIC_BDF "/driver_override=\n"
			    "bus/pci/drivers_probe=" NIC_BDF "\n");
	assert_false(fake_exists(f, "run/pciassign/" NIC_BDF ".driver"));
}

static void unbind_binds_saved_driver(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(NIC_BDF);
	char msg[512];

	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), 0);
	/* The probe does not bring e1000e back: the saved name must. */
	f->no_native_probe = true;
	f->log[0] = 0;
	assert_int_equal(pa_host_unbind(&f->host, &b, msg, sizeof(msg)), 0);
	assert_string_equal(fake_driver(f, NIC_BDF), "e1000e");
	assert_string_equal(fake_read(f, "sys/bus/pci/drivers/e1000e/bind"), NIC_BDF);
	assert_non_null(strstr(f->log, "bus/pci/drivers/e1000e/bind=" NIC_BDF "\n"));
	assert_false(fake_exists(f, "run/pciassign/" NIC_BDF ".driver"));
}

static void unbind_restore_failure_reported(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(NIC_BDF);
	char path[PATH_MAX], msg[512];

	assert_int_equal(pa_host_bind(&f->host, &b, msg, sizeof(msg)), 0);
	f->no_native_probe = true;
	/* e1000e went away meanwhile (module unloaded). */
	fake_path(f, path, "sys/bus/pci/drivers/e1000e/bind");
	unlink(path);
	assert_int_equal(pa_host_unbind(&f->host, &b, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "binding it back to e1000e failed"));
	assert_non_null(strstr(msg, "modprobe e1000e"));
	/* The saved name stays for a later attempt. */
	assert_string_equal(fake_read(f, "run/pciassign/" NIC_BDF ".driver"), "e1000e\n");
}

static void unbind_refuses_foreign(void **state)
{
	struct fake *f = *state;
	struct pa_bdf b = B(NIC_BDF);
	char msg[512];

	assert_int_equal(pa_host_unbind(&f->host, &b, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "bound to e1000e, not to pciassign"));
	b = B(EDU_BDF);
	assert_int_equal(pa_host_unbind(&f->host, &b, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(f->log, "");
}

static const struct pa_check *find_check(const struct pa_check *c, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void check_ready_host(void **state)
{
	struct fake *f = *state;
	struct pa_check c[PA_HOST_MAX_CHECKS];
	struct pa_bdf b = B(EDU_BDF);
	char link[PATH_MAX];
	int n;

	/* A character device stands in for the node. */
	fake_path(f, link, "dev/pciassign");
	assert_int_equal(symlink("/dev/null", link), 0);
	n = pa_host_check(&f->host, &b, c, PA_HOST_MAX_CHECKS);
	assert_int_equal(n, 6);
	for (int i = 0; i < 5; i++)
		if (c[i].status != PA_CHECK_OK)
			fail_msg("%s: %s -- %s", c[i].name, c[i].detail, c[i].fix);
	assert_non_null(strstr(find_check(c, n, "iommu")->detail, "dmar0"));
	assert_non_null(strstr(find_check(c, n, "iommu")->detail, "ACPI table DMAR"));
	assert_non_null(strstr(find_check(c, n, "interrupt-remapping")->detail, "1 interrupt(s)"));
	assert_non_null(strstr(find_check(c, n, "device-node")->detail, "mode 0666"));
	/* edu is not bound yet: a warning that says what to do. */
	assert_int_equal(find_check(c, n, "device-driver")->status, PA_CHECK_WARN);
	assert_string_equal(find_check(c, n, "device-driver")->fix, "pciassign bind " EDU_BDF);
	/* Without a BDF only the host checks run. */
	assert_int_equal(pa_host_check(&f->host, NULL, c, PA_HOST_MAX_CHECKS), 4);
}

static void check_failures_say_what_to_do(void **state)
{
	struct fake *f = *state;
	struct pa_check c[PA_HOST_MAX_CHECKS];
	struct pa_bdf b = B(PORT_BDF);
	const struct pa_check *k;
	char path[PATH_MAX];
	int n;

	/* No IR- chips and an IOMMU without ECAP.IR. */
	fake_write(f, "proc/interrupts", "  0:  38  IO-APIC 2-edge timer\n");
	fake_write(f, "sys/class/iommu/dmar0/intel-iommu/ecap", "f00f56\n");
	fake_path(f, path, "sys/module/pciassign/version");
	unlink(path);
	fake_path(f, path, "sys/module/pciassign");
	rmdir(path);
	fake_write(f, "dev/pciassign", "not a node");
	n = pa_host_check(&f->host, &b, c, PA_HOST_MAX_CHECKS);
	assert_int_equal(n, 5);
	k = find_check(c, n, "interrupt-remapping");
	assert_int_equal(k->status, PA_CHECK_FAIL);
	assert_non_null(strstr(k->detail, "ECAP.IR: 0 of 1"));
	assert_non_null(strstr(k->fix, "allow_unsafe_interrupts"));
	k = find_check(c, n, "module");
	assert_int_equal(k->status, PA_CHECK_FAIL);
	assert_string_equal(k->fix, "modprobe pciassign");
	assert_int_equal(find_check(c, n, "device-node")->status, PA_CHECK_FAIL);
	k = find_check(c, n, "device");
	assert_int_equal(k->status, PA_CHECK_FAIL);
	assert_non_null(strstr(k->fix, "bridge"));
	assert_int_equal(find_check(c, n, "iommu")->status, PA_CHECK_OK);

	/* Remapping switched off on the command line. */
	fake_write(f, "proc/cmdline", "intel_iommu=on intremap=off quiet\n");
	n = pa_host_check(&f->host, NULL, c, PA_HOST_MAX_CHECKS);
	assert_non_null(strstr(find_check(c, n, "interrupt-remapping")->fix, "intremap=off"));

	/* No IOMMU at all. */
	fake_path(f, path, "sys/class/iommu/dmar0/intel-iommu/ecap");
	unlink(path);
	fake_path(f, path, "sys/class/iommu/dmar0/intel-iommu");
	rmdir(path);
	fake_path(f, path, "sys/class/iommu/dmar0");
	rmdir(path);
	fake_path(f, path, "sys/kernel");
	nftw(path, fake_rm, 16, FTW_DEPTH | FTW_PHYS);
	n = pa_host_check(&f->host, NULL, c, PA_HOST_MAX_CHECKS);
	k = find_check(c, n, "iommu");
	assert_int_equal(k->status, PA_CHECK_FAIL);
	assert_non_null(strstr(k->fix, "intel_iommu=on"));
}

static void json_writer_escapes_and_balances(void **state)
{
	struct pa_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	pa_json_init(&j, m);
	pa_json_obj_begin(&j, NULL);
	pa_json_str(&j, "s", "a\"b\\c\nd\x01");
	pa_json_arr_begin(&j, "a");
	pa_json_int(&j, NULL, -3);
	pa_json_bool(&j, NULL, true);
	pa_json_null(&j, NULL);
	pa_json_obj_begin(&j, NULL);
	pa_json_obj_end(&j);
	pa_json_arr_end(&j);
	pa_json_uint(&j, "u", 18446744073709551615ULL);
	pa_json_obj_end(&j);
	assert_int_equal(pa_json_finish(&j), 0);
	fclose(m);
	assert_string_equal(buf,
			    "{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"a\":[-3,true,null,{}],"
			    "\"u\":18446744073709551615}\n");
	free(buf);

	/* Unbalanced documents are reported. */
	m = open_memstream(&buf, &len);
	pa_json_init(&j, m);
	pa_json_arr_begin(&j, NULL);
	assert_int_equal(pa_json_finish(&j), -EINVAL);
	fclose(m);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_rig_setup, fake_rig_teardown)
		T(lists_every_function_sorted),
		T(get_func_errors_and_override),
		T(group_members_sorted),
		T(reads_resources),
		T(verdict_alone_in_group),
		T(verdict_sriov_pf),
		T(verdict_group_with_host_driver),
		T(verdict_group_with_bridge),
		T(verdict_bridge_and_no_iommu),
		T(verdict_already_assigned),
		T(bind_saves_driver_and_writes),
		T(bind_unbound_device),
		T(bind_failure_rolls_back),
		T(bind_refuses_bridge_and_missing),
		T(unbind_restores_by_probe),
		T(unbind_binds_saved_driver),
		T(unbind_restore_failure_reported),
		T(unbind_refuses_foreign),
		T(check_ready_host),
		T(check_failures_say_what_to_do),
		cmocka_unit_test(json_writer_escapes_and_balances),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
