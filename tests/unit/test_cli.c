// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the pciassign CLI binary run against fake sysfs trees: text
 * and JSON output, exit codes, the lspci hex format (decoded by the host's
 * lspci -F when it is installed).
 */
#include <ctype.h>
#include <sys/wait.h>

#include "fake_sysfs.h"

static const char *cli_path(void)
{
	const char *p = getenv("PCIASSIGN_CLI");

	return p ? p : PCIASSIGN_TOP "/build/user/pciassign";
}

static char out[65536], err[8192];

/* Run the CLI on the fake tree; stdout in out, stderr in err; exit status. */
static int run(const struct fake *f, const char *args)
{
	char cmd[8192], errpath[PATH_MAX];
	FILE *p;
	size_t n;
	int st;

	snprintf(errpath, sizeof(errpath), "%s/stderr", f->root);
	snprintf(cmd, sizeof(cmd),
		 "'%s' --sysfs-root '%s' --proc-root '%s' --dev-root '%s' --state-dir '%s' --conf-dir '%s/etc/pciassign' %s 2>'%s'",
		 cli_path(), f->sys, f->proc, f->dev, f->run, f->root, args, errpath);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	snprintf(err, sizeof(err), "%s", fake_read(f, "stderr"));
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* ---- a small strict JSON validator ---- */

static const char *ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *jvalue(const char *s, int depth);

static const char *jstring(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s && *s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)s[i]))
						return NULL;
				s += 4;
			} else if (!strchr("\"\\/bfnrt", *s) || !*s) {
				return NULL;
			}
		}
		s++;
	}
	return *s == '"' ? s + 1 : NULL;
}

static const char *jnumber(const char *s)
{
	const char *b;

	if (*s == '-')
		s++;
	b = s;
	while (isdigit((unsigned char)*s))
		s++;
	if (s == b || (*b == '0' && s - b > 1))
		return NULL;
	return s;
}

static const char *jvalue(const char *s, int depth)
{
	char close;

	s = ws(s);
	if (depth > 32)
		return NULL;
	if (*s == '"')
		return jstring(s);
	if (!strncmp(s, "true", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (!strncmp(s, "null", 4))
		return s + 4;
	if (*s != '{' && *s != '[')
		return jnumber(s);
	close = *s == '{' ? '}' : ']';
	s = ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (close == '}') {
			s = jstring(ws(s));
			if (!s)
				return NULL;
			s = ws(s);
			if (*s++ != ':')
				return NULL;
		}
		s = jvalue(s, depth + 1);
		if (!s)
			return NULL;
		s = ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static void assert_json(const char *doc)
{
	const char *end = jvalue(doc, 0);

	if (!end || *ws(end))
		fail_msg("invalid JSON near offset %td: %s", end ? end - doc : -1, doc);
}

static void json_validator_rejects(void **state)
{
	(void)state;
	/* The validator itself must be able to fail. */
	assert_null(jvalue("{\"a\":1,}", 0));
	assert_null(jvalue("[1 2]", 0));
	assert_null(jvalue("\"a\nb\"", 0));
	assert_null(jvalue("{\"a\" 1}", 0));
	assert_non_null(jvalue("{\"a\":[1,-2,\"\\u0001\",{},true]}", 0));
}

/* The line of `list` for one BDF. */
static const char *line_of(const char *text, const char *bdf)
{
	static char line[1024];
	const char *p = strstr(text, bdf);

	if (!p)
		return "";
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	return line;
}

static void list_text(void **state)
{
	struct fake *f = *state;
	const char *l;

	assert_int_equal(run(f, "list"), 0);
	l = line_of(out, EDU_BDF);
	assert_non_null(strstr(l, "1234:11e8"));
	assert_non_null(strstr(l, " yes "));
	l = line_of(out, NIC_BDF);
	assert_non_null(strstr(l, "e1000e"));
	assert_non_null(strstr(l, " yes "));
	l = line_of(out, PORT_BDF);
	assert_non_null(strstr(l, "pcieport"));
	/* A reason code, not the whole story (that is under info). */
	assert_non_null(strstr(l, " no (bridge) "));
	assert_null(strstr(l, "header type"));
	/* Rows an 80- to 100-column terminal shows whole (no names here). */
	for (const char *p = out; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
		if (strcspn(p, "\n") > 100)
			fail_msg("row longer than 100 columns: %.*s", (int)strcspn(p, "\n"), p);
	/* The rows come sorted by address. */
	assert_true(strstr(out, PORT_BDF) < strstr(out, EDU_BDF));
	assert_true(strstr(out, EDU_BDF) < strstr(out, NIC_BDF));
}

static void list_json(void **state)
{
	struct fake *f = *state;

	/* A driver name that needs escaping must not break the document. */
	fake_add_driver(f, "we\"ird");
	fake_set_driver(f, NVME_BDF, "we\"ird");
	assert_int_equal(run(f, "list --json"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"bdf\":\"" EDU_BDF "\""));
	assert_non_null(strstr(out, "\"driver\":\"e1000e\""));
	assert_non_null(strstr(out, "\"driver\":\"we\\\"ird\""));
	assert_non_null(strstr(out, "\"iommu_group\":3"));
	assert_non_null(strstr(out, "\"verdict\":\"bridge\""));
}

static void info_text_and_json(void **state)
{
	struct fake *f = *state;

	assert_int_equal(run(f, "info " NIC_BDF), 0);
	assert_non_null(strstr(out, "BAR0: mem 0xfe440000-0xfe45ffff (128 KiB) 32-bit"));
	assert_non_null(strstr(out, "BAR2: io 0xc000-0xc01f (32 B)"));
	assert_non_null(strstr(out, "ROM: 256 KiB"));
	assert_non_null(strstr(out, "IRQ: pin A, irq 11"));
	assert_non_null(strstr(out, "MSI-X: 5 vector(s)"));
	assert_non_null(strstr(out, "PCI Express"));
	assert_non_null(strstr(out, "Advanced Error Reporting"));
	assert_int_equal(run(f, "info " NVME_BDF " --json"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"mem64\":true"));
	assert_non_null(strstr(out, "\"msix_vectors\":65"));
	assert_non_null(strstr(out, "\"name\":\"MSI-X\""));
	assert_int_equal(run(f, "info " EDU_BDF " --json"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"msi_vectors\":1"));
	assert_non_null(strstr(out, "\"size\":1048576"));
}

/* The bytes of an lspci-format dump, checking every line's shape. */
static size_t parse_dump(const char *text, uint8_t *bytes, size_t max, char *header, size_t hlen)
{
	const char *p = text;
	size_t n = 0;

	snprintf(header, hlen, "%.*s", (int)strcspn(p, "\n"), p);
	p = strchr(p, '\n') + 1;
	while (*p && *p != '\n') {
		unsigned int off, b[16];
		int used;

		assert_int_equal(sscanf(p, "%x:%n", &off, &used), 1);
		assert_int_equal(off, n);
		/* Offsets as lspci prints them: at least two hex digits. */
		assert_true(used >= 3);
		assert_int_equal(sscanf(p + used, " %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x %2x",
					&b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7],
					&b[8], &b[9], &b[10], &b[11], &b[12], &b[13], &b[14], &b[15]), 16);
		/* Exactly " xx" sixteen times. */
		assert_int_equal(strcspn(p + used, "\n"), 48);
		for (int i = 0; i < 16 && n < max; i++)
			bytes[n++] = (uint8_t)b[i];
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(*p, '\n');	/* the blank line lspci ends a device with */
	return n;
}

static void config_host_matches_sysfs(void **state)
{
	struct fake *f = *state;
	uint8_t bytes[4096];
	char header[256];
	size_t n;

	assert_int_equal(run(f, "config --host " EDU_BDF), 0);
	n = parse_dump(out, bytes, sizeof(bytes), header, sizeof(header));
	assert_int_equal(n, 256);
	assert_string_equal(header, "00:04.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)");
	assert_memory_equal(bytes, fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/config"), 256);
	assert_true(!strncmp(out + strlen(header) + 1, "00: 34 12 e8 11 ", 16));
}

static void config_guest_view(void **state)
{
	struct fake *f = *state;
	uint8_t bytes[4096];
	char header[256];
	size_t n;

	assert_int_equal(run(f, "config " NVME_BDF), 0);
	n = parse_dump(out, bytes, sizeof(bytes), header, sizeof(header));
	assert_int_equal(n, 4096);
	assert_string_equal(header,
			    "02:00.0 Non-Volatile memory controller [0108]: Device 1b36:0010 (rev 02)");
	/* IDs pass through; BARs are emulated (unprogrammed), not the host's. */
	assert_int_equal(bytes[0], 0x36);
	assert_int_equal(bytes[1], 0x1b);
	assert_int_equal(bytes[0x10] & 0xf, 0x4);
	assert_int_equal(bytes[0x12] | bytes[0x13], 0);
	/* Nothing of the extended space is exposed. */
	for (size_t i = 0x100; i < n; i++)
		if (bytes[i])
			fail_msg("guest byte 0x%zx is 0x%02x", i, bytes[i]);
}

static int lspci_decode(const struct fake *f, const char *dump, char *buf, size_t len)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *fp;
	size_t n;

	if (system("command -v lspci >/dev/null 2>&1"))
		return -1;
	fake_path(f, path, "dump.txt");
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(dump, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "lspci -F '%s' -vvv 2>/dev/null", path);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = 0;
	assert_int_equal(pclose(fp), 0);
	return 0;
}

static void lspci_decodes_views(void **state)
{
	struct fake *f = *state;
	static char dec[65536];

	assert_int_equal(run(f, "config --host " NVME_BDF), 0);
	if (lspci_decode(f, out, dec, sizeof(dec)))
		skip();
	/* The host view shows FLR, so the check below can fail. */
	assert_non_null(strstr(dec, "02:00.0 Non-Volatile memory controller"));
	assert_non_null(strstr(dec, "FLReset+"));
	assert_non_null(strstr(dec, "MSI-X: Enable"));

	assert_int_equal(run(f, "config " NVME_BDF), 0);
	assert_int_equal(lspci_decode(f, out, dec, sizeof(dec)), 0);
	assert_non_null(strstr(dec, "02:00.0 Non-Volatile memory controller"));
	assert_null(strstr(dec, "FLReset+"));
	assert_non_null(strstr(dec, "MSI-X: Enable- Count=65"));
	assert_non_null(strstr(dec, "Express (v2) Endpoint"));

	assert_int_equal(run(f, "config " NIC_BDF), 0);
	assert_int_equal(lspci_decode(f, out, dec, sizeof(dec)), 0);
	assert_non_null(strstr(dec, "Ethernet controller: Intel Corporation"));
	assert_non_null(strstr(dec, "MSI-X: Enable- Count=5"));
	/* BARs emulated: types from the device, addresses not yet programmed. */
	assert_null(strstr(dec, "Memory at fe"));
	assert_non_null(strstr(dec, "Region 2: I/O ports at <unassigned>"));
	/* Of e1000e's extended capabilities, AER and the serial number show. */
	assert_non_null(strstr(dec, "Advanced Error Reporting"));
	assert_non_null(strstr(dec, "Device Serial Number"));
}

static void check_output(void **state)
{
	struct fake *f = *state;
	char link[PATH_MAX];

	/* No device node yet: one FAIL line, exit 1. */
	assert_int_equal(run(f, "check"), 1);
	assert_non_null(strstr(out, "ok   iommu: "));
	assert_non_null(strstr(out, "ok   interrupt-remapping: "));
	assert_non_null(strstr(out, "FAIL device-node: "));
	assert_non_null(strstr(out, "to do: load the module"));
	fake_path(f, link, "dev/pciassign");
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(run(f, "check " EDU_BDF), 0);
	assert_null(strstr(out, "FAIL"));
	assert_non_null(strstr(out, "warn device-driver: "));
	assert_int_equal(run(f, "check " PORT_BDF " --json"), 1);
	assert_json(out);
	assert_non_null(strstr(out, "\"ready\":false"));
	assert_non_null(strstr(out, "\"status\":\"FAIL\""));
}

static void bind_without_kernel_fails_cleanly(void **state)
{
	struct fake *f = *state;

	/* Nothing plays the kernel here: the probe never takes the device. */
	assert_int_equal(run(f, "bind " NIC_BDF), 1);
	assert_non_null(strstr(err, "bind failed: pciassign did not take " NIC_BDF));
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" NIC_BDF "/driver_override"), "\n");
	assert_false(fake_exists(f, "run/pciassign/" NIC_BDF ".driver"));
	assert_int_equal(run(f, "unbind " NIC_BDF), 1);
	assert_non_null(strstr(err, "not to pciassign"));
}

static void exit_codes(void **state)
{
	struct fake *f = *state;

	assert_int_equal(run(f, ""), 2);
	assert_int_equal(run(f, "frobnicate"), 2);
	assert_non_null(strstr(err, "unknown command 'frobnicate'"));
	assert_int_equal(run(f, "info"), 2);
	assert_int_equal(run(f, "info 00:zz.0"), 2);
	assert_non_null(strstr(err, "not a PCI address"));
	assert_int_equal(run(f, "bind --count 3 " EDU_BDF), 2);
	assert_non_null(strstr(err, "bind: unknown option '--count'"));
	assert_int_equal(run(f, "list --host"), 2);
	assert_int_equal(run(f, "list --bogus"), 2);
	assert_int_equal(run(f, "info 0000:09:00.0"), 1);
	assert_non_null(strstr(err, "no such PCI function"));
	assert_int_equal(run(f, "help"), 0);
	assert_non_null(strstr(out, "usage: pciassign"));
}

/* getopt_long: --opt=value, "--", --version, per-command help, -j. */
static void options(void **state)
{
	struct fake *f = *state;

	/* --opt=value and --opt value; validated, the option named. */
	assert_int_equal(run(f, "monitor --count=abc"), 2);
	assert_non_null(strstr(err, "monitor: --count 'abc': expected a whole number"));
	assert_int_equal(run(f, "monitor --count 0"), 2);
	assert_non_null(strstr(err, "--count '0'"));
	assert_int_equal(run(f, "monitor -t -5"), 2);
	assert_non_null(strstr(err, "--timeout '-5'"));
	assert_int_equal(run(f, "monitor --timeout 99999999"), 2);
	assert_non_null(strstr(err, "--timeout '99999999'"));
	assert_int_equal(run(f, "monitor --timeout"), 2);
	assert_non_null(strstr(err, "--timeout needs a value"));
	/* Options after arguments, "--" ending them. */
	assert_int_equal(run(f, "info " NIC_BDF " -j"), 0);
	assert_json(out);
	assert_int_equal(run(f, "info -- " NIC_BDF), 0);
	assert_non_null(strstr(out, "BAR0: mem"));
	assert_int_equal(run(f, "info -- -j"), 2);
	assert_non_null(strstr(err, "'-j' is not a PCI address"));
	assert_int_equal(run(f, "-- list"), 0);
	assert_non_null(strstr(out, EDU_BDF));
	assert_int_equal(run(f, "-j list"), 0);
	assert_json(out);
	/* --version: the tools, no module needed. */
	assert_int_equal(run(f, "--version"), 0);
	assert_true(!strncmp(out, "pciassign tools ", 16));
	assert_int_equal(run(f, "-V"), 0);
	/* Each command's help is its own. */
	assert_int_equal(run(f, "bind --help"), 0);
	assert_non_null(strstr(out, "usage: pciassign bind BDF"));
	assert_non_null(strstr(out, "--owner"));
	assert_null(strstr(out, "commands:"));
	assert_null(strstr(out, "--count"));
	assert_int_equal(run(f, "help monitor"), 0);
	assert_non_null(strstr(out, "usage: pciassign monitor"));
	assert_non_null(strstr(out, "--count N"));
	assert_int_equal(run(f, "--help"), 0);
	assert_non_null(strstr(out, "commands:"));
	assert_int_equal(run(f, "help frobnicate"), 2);
	/* Unknown and misplaced options. */
	assert_int_equal(run(f, "list -x"), 2);
	assert_non_null(strstr(err, "list: unknown option '-x'"));
	assert_int_equal(run(f, "config --owner x " EDU_BDF), 2);
}

static const char pci_ids[] =
	"# a small pci.ids\n"
	"1234  Test Vendor\n"
	"\t11e8  Test edu device\n"
	"\t\t1af4 1100  QEMU subsystem, not a device\n"
	"1b36  Red Hat, Inc.\n"
	"\t0010  QEMU NVM Express Controller\n"
	"8086  Intel Corporation\n"
	"\t10d2  Not this one\n"
	"C 01  Mass storage controller\n"
	"\t08  Non-Volatile memory controller\n";

static void names_from_pci_ids(void **state)
{
	struct fake *f = *state;
	char ids[PATH_MAX], args[PATH_MAX + 64];
	const char *l;

	fake_write(f, "pci.ids", pci_ids);
	fake_path(f, ids, "pci.ids");
	snprintf(args, sizeof(args), "--pci-ids '%s' list", ids);
	assert_int_equal(run(f, args), 0);
	assert_non_null(strstr(line_of(out, EDU_BDF), "Test edu device"));
	assert_non_null(strstr(line_of(out, NVME_BDF), "QEMU NVM Express Controller"));
	/* Vendor known, device not: the vendor and the class. */
	l = line_of(out, NIC_BDF);
	assert_non_null(strstr(l, "Intel Corporation device 10d3 (Ethernet controller)"));
	/* Neither: the class. */
	assert_non_null(strstr(line_of(out, PORT_BDF), "PCI bridge"));
	snprintf(args, sizeof(args), "--pci-ids '%s' -n list", ids);
	assert_int_equal(run(f, args), 0);
	assert_null(strstr(out, "Test edu device"));
	snprintf(args, sizeof(args), "list -j --pci-ids '%s'", ids);
	assert_int_equal(run(f, args), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"vendor_name\":\"Test Vendor\",\"device_name\":\"Test edu device\""));
	assert_non_null(strstr(out, "\"vendor_name\":\"Intel Corporation\",\"device_name\":null"));
	snprintf(args, sizeof(args), "--pci-ids '%s' info " EDU_BDF, ids);
	assert_int_equal(run(f, args), 0);
	assert_non_null(strstr(out, "name: Test Vendor Test edu device"));
	/* A missing file: no names, no failure. */
	assert_int_equal(run(f, "--pci-ids /nonexistent/pci.ids list"), 0);
	assert_non_null(strstr(line_of(out, EDU_BDF), "Unclassified device"));
}

static void without_module(void **state)
{
	struct fake *f = *state;
	char path[PATH_MAX], override[64];

	snprintf(override, sizeof(override), "%s",
		 fake_read(f, "sys/bus/pci/devices/" NIC_BDF "/driver_override"));
	fake_path(f, path, "sys/module/pciassign/version");
	unlink(path);
	fake_path(f, path, "sys/module/pciassign");
	assert_int_equal(rmdir(path), 0);
	/* version: the tools' version, the module's absence, exit 0. */
	assert_int_equal(run(f, "version"), 0);
	assert_true(!strncmp(out, "pciassign tools ", 16));
	assert_non_null(strstr(out, "module: not loaded"));
	assert_int_equal(run(f, "version -j"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"module_loaded\":false"));
	/* bind: refused before the host driver is touched. */
	assert_int_equal(run(f, "bind " NIC_BDF), 1);
	assert_non_null(strstr(err, "module pciassign not loaded"));
	assert_non_null(strstr(err, "modprobe pciassign"));
	assert_string_equal(fake_driver(f, NIC_BDF), "e1000e");
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" NIC_BDF "/driver_override"), override);
	assert_string_equal(fake_read(f, "sys/bus/pci/drivers/e1000e/unbind"), "");
	assert_false(fake_exists(f, "run/pciassign/" NIC_BDF ".driver"));
	/* release/revoke: the module's absence, not "not attached". */
	assert_int_equal(run(f, "release " EDU_BDF), 1);
	assert_non_null(strstr(err, "module is not loaded"));
	assert_null(strstr(err, "not attached"));
	assert_int_equal(run(f, "revoke -j " EDU_BDF), 1);
	assert_json(out);
	assert_non_null(strstr(out, "\"error\":\"module-not-loaded\""));
}

static void bind_without_iommu_refused(void **state)
{
	struct fake *f = *state;
	char path[PATH_MAX], cmd[PATH_MAX + 64];

	/* A host whose kernel uses no IOMMU: no units, no groups. */
	fake_path(f, path, "sys/class/iommu");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
	fake_path(f, path, "sys/kernel/iommu_groups");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run(f, "bind " NIC_BDF), 1);
	assert_non_null(strstr(err, "IOMMU"));
	assert_string_equal(fake_driver(f, NIC_BDF), "e1000e");
	assert_false(fake_exists(f, "run/pciassign/" NIC_BDF ".driver"));
}

static void bind_owner(void **state)
{
	struct fake *f = *state;
	char link[PATH_MAX], target[PATH_MAX];

	/* Bound already (nothing plays the kernel): bind only sets the owner. */
	fake_set_driver(f, EDU_BDF, "pciassign");
	fake_path(f, link, "sys/bus/pci/drivers/pciassign/" EDU_BDF);
	fake_path(f, target, "sys/bus/pci/devices/" EDU_BDF);
	assert_int_equal(symlink(target, link), 0);
	/* A module without per-device owners: a clear error. */
	assert_int_equal(run(f, "bind " EDU_BDF " --owner 0"), 1);
	assert_non_null(strstr(err, "has no owner attribute"));
	fake_write(f, "sys/bus/pci/devices/" EDU_BDF "/owner", "any\n");
	assert_int_equal(run(f, "bind --owner 0 " EDU_BDF), 0);
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/owner"), "uid 0\n");
	assert_int_equal(run(f, "bind -o :0 " EDU_BDF), 0);
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/owner"), "gid 0\n");
	/* Names resolve (root is uid 0 and gid 0 everywhere). */
	assert_int_equal(run(f, "bind --owner=root " EDU_BDF), 0);
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/owner"), "uid 0\n");
	assert_int_equal(run(f, "bind --owner :root " EDU_BDF " -j"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"owner\":\"gid 0\""));
	assert_int_equal(run(f, "bind --owner any " EDU_BDF), 0);
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/owner"), "any\n");
	/* Unknown names are usage errors, found before anything is written. */
	fake_write(f, "sys/bus/pci/devices/" EDU_BDF "/owner", "uid 7\n");
	assert_int_equal(run(f, "bind --owner no-such-user-xyz " EDU_BDF), 2);
	assert_non_null(strstr(err, "no user 'no-such-user-xyz'"));
	assert_int_equal(run(f, "bind --owner :no-such-group-xyz " EDU_BDF), 2);
	assert_int_equal(run(f, "bind --owner : " EDU_BDF), 2);
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/owner"), "uid 7\n");
	/* info and list -j show it. */
	assert_int_equal(run(f, "info " EDU_BDF), 0);
	assert_non_null(strstr(out, "owner: uid 7"));
	assert_int_equal(run(f, "list -j"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"owner\":\"uid 7\""));
}

static void persistent(void **state)
{
	struct fake *f = *state;
	char link[PATH_MAX], target[PATH_MAX];
	const char *saved;

	fake_set_driver(f, EDU_BDF, "pciassign");
	fake_path(f, link, "sys/bus/pci/drivers/pciassign/" EDU_BDF);
	fake_path(f, target, "sys/bus/pci/devices/" EDU_BDF);
	assert_int_equal(symlink(target, link), 0);
	fake_write(f, "sys/bus/pci/devices/" EDU_BDF "/owner", "any\n");
	/* bind --persistent saves the IDs and the owner. */
	assert_int_equal(run(f, "bind --persistent --owner 0 " EDU_BDF), 0);
	assert_non_null(strstr(out, "bound at boot too"));
	saved = fake_read(f, "etc/pciassign/bind.d/" EDU_BDF);
	assert_non_null(strstr(saved, "\ndevice 1234:11e8\n"));
	assert_non_null(strstr(saved, "\nowner uid 0\n"));
	assert_int_equal(run(f, "info " EDU_BDF), 0);
	assert_non_null(strstr(out, "at boot: bound to pciassign again"));
	assert_int_equal(run(f, "list -j"), 0);
	assert_json(out);
	assert_non_null(strstr(out, "\"persistent\":true"));
	assert_non_null(strstr(out, "\"persistent\":false"));
	/* apply: as at boot; the owner comes back. */
	fake_write(f, "sys/bus/pci/devices/" EDU_BDF "/owner", "any\n");
	fake_write(f, "etc/pciassign/bind.d/README", "not a BDF: ignored\n");
	fake_write(f, "etc/pciassign/bind.d/" EDU_BDF ".new", "left over: ignored\n");
	assert_int_equal(run(f, "apply"), 0);
	assert_string_equal(fake_read(f, "sys/bus/pci/devices/" EDU_BDF "/owner"), "uid 0\n");
	/* Another card in a saved slot is left alone. */
	fake_write(f, "etc/pciassign/bind.d/" NIC_BDF, "device 8086:ffff\n");
	assert_int_equal(run(f, "apply " NIC_BDF), 1);
	assert_non_null(strstr(err, "is 8086:10d3, but 8086:ffff was bound at boot: left alone"));
	assert_string_equal(fake_driver(f, NIC_BDF), "e1000e");
	assert_int_equal(run(f, "apply -j"), 1);
	assert_json(out);
	assert_non_null(strstr(out, "\"bdf\":\"" NIC_BDF "\",\"ok\":false"));
	assert_non_null(strstr(out, "\"bdf\":\"" EDU_BDF "\",\"ok\":true"));
	/* Nothing saved for it. */
	assert_int_equal(run(f, "apply " NVME_BDF), 1);
	assert_non_null(strstr(err, "no binding saved"));
	/* unbind forgets it, also for a function not bound to pciassign. */
	assert_int_equal(run(f, "unbind " NIC_BDF), 1);
	assert_non_null(strstr(err, "no longer bound at boot"));
	assert_false(fake_exists(f, "etc/pciassign/bind.d/" NIC_BDF));
	assert_true(fake_exists(f, "etc/pciassign/bind.d/" EDU_BDF));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_rig_setup, fake_rig_teardown)
		cmocka_unit_test(json_validator_rejects),
		T(list_text),
		T(list_json),
		T(info_text_and_json),
		T(config_host_matches_sysfs),
		T(config_guest_view),
		T(lspci_decodes_views),
		T(check_output),
		T(bind_without_kernel_fails_cleanly),
		T(exit_codes),
		T(options),
		T(names_from_pci_ids),
		T(without_module),
		T(bind_without_iommu_refused),
		T(bind_owner),
		T(persistent),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
