// SPDX-License-Identifier: GPL-2.0
/* pciassign list / info: what the host has, and what each function offers. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

static const struct {
	uint16_t cls;		/* base << 8 | sub; sub 0xff matches any */
	const char *name;
} class_names[] = {
	{ 0x0000, "Non-VGA unclassified device" }, { 0x0001, "VGA compatible unclassified device" },
	{ 0x0100, "SCSI storage controller" }, { 0x0101, "IDE interface" },
	{ 0x0104, "RAID bus controller" }, { 0x0106, "SATA controller" },
	{ 0x0107, "Serial Attached SCSI controller" }, { 0x0108, "Non-Volatile memory controller" },
	{ 0x01ff, "Mass storage controller" },
	{ 0x0200, "Ethernet controller" }, { 0x0280, "Network controller" },
	{ 0x02ff, "Network controller" },
	{ 0x0300, "VGA compatible controller" }, { 0x0302, "3D controller" },
	{ 0x03ff, "Display controller" },
	{ 0x0401, "Multimedia audio controller" }, { 0x0403, "Audio device" },
	{ 0x04ff, "Multimedia controller" },
	{ 0x05ff, "Memory controller" },
	{ 0x0600, "Host bridge" }, { 0x0601, "ISA bridge" }, { 0x0604, "PCI bridge" },
	{ 0x0680, "Bridge" }, { 0x06ff, "Bridge" },
	{ 0x0700, "Serial controller" }, { 0x07ff, "Communication controller" },
	{ 0x0800, "PIC" }, { 0x0805, "SD Host controller" }, { 0x0806, "IOMMU" },
	{ 0x08ff, "System peripheral" },
	{ 0x0c03, "USB controller" }, { 0x0c05, "SMBus" }, { 0x0cff, "Serial bus controller" },
	{ 0x0dff, "Wireless controller" },
	{ 0x10ff, "Encryption controller" },
	{ 0x11ff, "Signal processing controller" },
	{ 0x12ff, "Processing accelerators" },
	{ 0xffff, "Unassigned class" },
};

const char *cli_class_name(uint32_t class_code)
{
	uint16_t cls = (uint16_t)(class_code >> 8);
	size_t i;

	for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if (class_names[i].cls == cls)
			return class_names[i].name;
	for (i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if (class_names[i].cls == (cls | 0xff))
			return class_names[i].name;
	return (cls >> 8) == 0 || cls == 0x00ff ? "Unclassified device" : "Device";
}

static const char *verdict_name(enum pa_verdict v)
{
	switch (v) {
	case PA_VERDICT_OK:
		return "ok";
	case PA_VERDICT_ASSIGNED:
		return "assigned";
	case PA_VERDICT_NO_IOMMU:
		return "no-iommu";
	case PA_VERDICT_BRIDGE:
		return "bridge";
	case PA_VERDICT_GROUP:
		return "group-not-viable";
	case PA_VERDICT_SRIOV_PF:
		return "sriov-pf";
	}
	return "?";
}

/*
 * The short form of a verdict, for list rows: "yes", "yes (bound)", or
 * "no (CODE[: hint])". The full reason is under "pciassign info BDF".
 */
static void verdict_short(const struct pa_assignability *a, char *buf, size_t len)
{
	char who[PA_BDF_STRLEN];

	switch (a->verdict) {
	case PA_VERDICT_OK:
		snprintf(buf, len, "yes");
		return;
	case PA_VERDICT_ASSIGNED:
		snprintf(buf, len, "yes (bound)");
		return;
	case PA_VERDICT_GROUP:
		pa_bdf_format(&a->offender, who);
		snprintf(buf, len, "no (group: %s %s)", who,
			 a->offender_driver[0] ? a->offender_driver : "?");
		return;
	default:
		snprintf(buf, len, "no (%s)", verdict_name(a->verdict));
		return;
	}
}

/*
 * What a list row calls a function: its device name from pci.ids (the
 * vendor's is under info), else the vendor's and its class, else the class.
 */
static void func_name(const struct cli *c, const struct pa_pci_func *f, char *buf, size_t len)
{
	struct cli_names n;

	cli_names(c, f->vendor, f->device, &n);
	if (n.device[0])
		snprintf(buf, len, "%s", n.device);
	else if (n.vendor[0])
		snprintf(buf, len, "%s device %04x (%s)", n.vendor, f->device,
			 cli_class_name(f->class_code));
	else
		snprintf(buf, len, "%s", cli_class_name(f->class_code));
}

/* Saved by bind --persistent? */
static bool is_persistent(const struct cli *c, const struct pa_bdf *bdf)
{
	char path[PATH_MAX];

	return cli_persist_path(c, bdf, path, sizeof(path)) && !access(path, F_OK);
}

static void json_hex(struct pa_json *j, const char *key, unsigned int v, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%0*x", width, v);
	pa_json_str(j, key, buf);
}

static void json_opt_str(struct pa_json *j, const char *key, const char *s)
{
	if (s[0])
		pa_json_str(j, key, s);
	else
		pa_json_null(j, key);
}

static void json_func(const struct cli *c, struct pa_json *j, const struct pa_pci_func *f,
		      const struct pa_assignability *a)
{
	char name[PA_BDF_STRLEN], hint[96], owner[64];
	struct cli_names n;

	cli_names(c, f->vendor, f->device, &n);
	pa_bdf_format(&f->bdf, name);
	pa_json_str(j, "bdf", name);
	json_hex(j, "vendor", f->vendor, 4);
	json_hex(j, "device", f->device, 4);
	json_hex(j, "subsystem_vendor", f->subsys_vendor, 4);
	json_hex(j, "subsystem_device", f->subsys_device, 4);
	json_hex(j, "class", f->class_code, 6);
	pa_json_str(j, "class_name", cli_class_name(f->class_code));
	json_opt_str(j, "vendor_name", n.vendor);
	json_opt_str(j, "device_name", n.device);
	json_hex(j, "revision", f->revision, 2);
	pa_json_uint(j, "header_type", f->header_type);
	pa_json_bool(j, "multifunction", f->multifunction);
	json_opt_str(j, "driver", f->driver);
	json_opt_str(j, "driver_override", f->driver_override);
	if (f->iommu_group >= 0)
		pa_json_int(j, "iommu_group", f->iommu_group);
	else
		pa_json_null(j, "iommu_group");
	pa_json_bool(j, "assignable", a->assignable);
	pa_json_str(j, "verdict", verdict_name(a->verdict));
	pa_json_str(j, "reason", a->reason);
	verdict_short(a, hint, sizeof(hint));
	pa_json_str(j, "short", hint);
	/* Who may attach it (the device's owner attribute), when bound. */
	cli_read_owner(c, &f->bdf, owner, sizeof(owner));
	json_opt_str(j, "owner", owner);
	pa_json_bool(j, "persistent", is_persistent(c, &f->bdf));
}

int cmd_list(struct cli *c)
{
	struct pa_pci_func *funcs;
	struct pa_json j;
	size_t n, i;
	int ret;

	if (c->argc) {
		cli_err("'list' takes no arguments");
		return CLI_USAGE;
	}
	ret = pa_host_list_funcs(&c->host, &funcs, &n);
	if (ret) {
		cli_err("cannot list PCI functions under %s/bus/pci/devices: %s",
			c->host.sysfs_root ? c->host.sysfs_root : "/sys", strerror(-ret));
		return CLI_FAIL;
	}
	if (c->json) {
		pa_json_init(&j, stdout);
		pa_json_obj_begin(&j, NULL);
		pa_json_arr_begin(&j, "devices");
	} else {
		printf("%-12s  %-9s  %-12s  %-5s  %-18s  %s\n", "BDF", "ID", "DRIVER",
		       "GROUP", "ASSIGNABLE", "NAME");
	}
	for (i = 0; i < n; i++) {
		const struct pa_pci_func *f = &funcs[i];
		struct pa_assignability a;
		char name[PA_BDF_STRLEN], grp[16], hint[96], desc[320];

		if (pa_host_assignability(&c->host, f, &a)) {
			memset(&a, 0, sizeof(a));
			a.verdict = PA_VERDICT_NO_IOMMU;
			snprintf(a.reason, sizeof(a.reason), "cannot read IOMMU group %d",
				 f->iommu_group);
		}
		if (c->json) {
			pa_json_obj_begin(&j, NULL);
			json_func(c, &j, f, &a);
			pa_json_obj_end(&j);
			continue;
		}
		pa_bdf_format(&f->bdf, name);
		if (f->iommu_group >= 0)
			snprintf(grp, sizeof(grp), "%d", f->iommu_group);
		else
			strcpy(grp, "-");
		verdict_short(&a, hint, sizeof(hint));
		func_name(c, f, desc, sizeof(desc));
		printf("%-12s  %04x:%04x  %-12s  %-5s  %-18s  %s\n", name, f->vendor,
		       f->device, f->driver[0] ? f->driver : "-", grp, hint, desc);
	}
	free(funcs);
	if (c->json) {
		pa_json_arr_end(&j);
		pa_json_obj_end(&j);
		pa_json_finish(&j);
	}
	return CLI_OK;
}

/* ---- info ---- */

static const char *const std_caps[] = {
	[0x01] = "Power Management", [0x02] = "AGP", [0x03] = "VPD",
	[0x04] = "Slot ID", [0x05] = "MSI", [0x06] = "CompactPCI Hot Swap",
	[0x07] = "PCI-X", [0x08] = "HyperTransport", [0x09] = "Vendor Specific",
	[0x0a] = "Debug Port", [0x0b] = "CompactPCI CRC", [0x0c] = "PCI Hot-Plug",
	[0x0d] = "Bridge Subsystem Vendor ID", [0x0e] = "AGP 8x",
	[0x0f] = "Secure Device", [0x10] = "PCI Express", [0x11] = "MSI-X",
	[0x12] = "SATA", [0x13] = "Advanced Features", [0x14] = "Enhanced Allocation",
	[0x15] = "Flattening Portal Bridge",
};

static const char *const ext_caps[] = {
	[0x01] = "Advanced Error Reporting", [0x02] = "Virtual Channel",
	[0x03] = "Device Serial Number", [0x04] = "Power Budgeting",
	[0x05] = "Root Complex Link Declaration", [0x06] = "Root Complex Internal Link Control",
	[0x07] = "Root Complex Event Collector", [0x08] = "Multi-Function VC",
	[0x09] = "Virtual Channel", [0x0a] = "RCRB Header", [0x0b] = "Vendor Specific",
	[0x0c] = "Configuration Access Correlation", [0x0d] = "Access Control Services",
	[0x0e] = "Alternative Routing-ID Interpretation", [0x0f] = "Address Translation Services",
	[0x10] = "Single Root I/O Virtualization", [0x11] = "Multi-Root I/O Virtualization",
	[0x12] = "Multicast", [0x13] = "Page Request", [0x15] = "Resizable BAR",
	[0x16] = "Dynamic Power Allocation", [0x17] = "TPH Requester",
	[0x18] = "Latency Tolerance Reporting", [0x19] = "Secondary PCI Express",
	[0x1a] = "Protocol Multiplexing", [0x1b] = "Process Address Space ID",
	[0x1c] = "LN Requester", [0x1d] = "Downstream Port Containment",
	[0x1e] = "L1 PM Substates", [0x1f] = "Precision Time Measurement",
	[0x23] = "Designated Vendor-Specific", [0x24] = "VF Resizable BAR",
	[0x25] = "Data Link Feature", [0x26] = "Physical Layer 16.0 GT/s",
	[0x27] = "Lane Margining at the Receiver", [0x2a] = "Physical Layer 32.0 GT/s",
};

static uint16_t rd16(const uint8_t *cfg, unsigned int off)
{
	return (uint16_t)(cfg[off] | cfg[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *cfg, unsigned int off)
{
	return (uint32_t)rd16(cfg, off) | (uint32_t)rd16(cfg, off + 2) << 16;
}

struct cap {
	uint16_t off;
	uint16_t id;
	uint8_t version;	/* extended capabilities */
	const char *name;
};

#define MAX_CAPS 64

/* Standard capabilities (legacy chain), loop- and range-safe. */
static size_t walk_std(const uint8_t *cfg, size_t len, struct cap *out)
{
	unsigned int off, guard = 0;
	size_t n = 0;

	if (len < PCI_STD_HEADER_SIZEOF || !(rd16(cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = cfg[PCI_CAPABILITY_LIST] & 0xfc;
	while (off >= PCI_STD_HEADER_SIZEOF && off + 2 <= len && off < PCI_CFG_SPACE_SIZE &&
	       n < MAX_CAPS && guard++ < 48) {
		uint8_t id = cfg[off];

		out[n].off = (uint16_t)off;
		out[n].id = id;
		out[n].version = 0;
		out[n].name = id < sizeof(std_caps) / sizeof(std_caps[0]) && std_caps[id] ?
			      std_caps[id] : "Unknown";
		n++;
		off = cfg[off + PCI_CAP_LIST_NEXT] & 0xfc;
	}
	return n;
}

static size_t walk_ext(const uint8_t *cfg, size_t len, struct cap *out)
{
	unsigned int off = PCI_CFG_SPACE_SIZE, guard = 0;
	size_t n = 0;

	while (off >= PCI_CFG_SPACE_SIZE && off + 4 <= len && n < MAX_CAPS && guard++ < 960) {
		uint32_t hdr = rd32(cfg, off);
		uint16_t id = PCI_EXT_CAP_ID(hdr);

		if (!hdr || hdr == 0xffffffff)
			break;
		out[n].off = (uint16_t)off;
		out[n].id = id;
		out[n].version = PCI_EXT_CAP_VER(hdr);
		out[n].name = id < sizeof(ext_caps) / sizeof(ext_caps[0]) && ext_caps[id] ?
			      ext_caps[id] : "Unknown";
		n++;
		off = PCI_EXT_CAP_NEXT(hdr);
	}
	return n;
}

static void size_str(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u < 4 && size >= 1024 && !(size % 1024)) {
		size /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", size, units[u]);
}

static const char *res_kind(const struct pa_host_resource *r)
{
	if (r->flags & PA_HOST_RES_IO)
		return "io";
	return "mem";
}

/* What 'info' shows of a function, read once and rendered as text or JSON. */
struct info {
	struct cli_func fn;
	struct pa_host_resource res[PA_HOST_NUM_RES];
	struct pa_assignability a;
	struct cap std[MAX_CAPS], ext[MAX_CAPS];
	size_t nstd, next;
	unsigned int nbars;	/* resource lines that are BARs */
	unsigned int msi, msix;	/* vectors */
	unsigned int pin;	/* INTx pin, 1..4, else none */
	char irq[32];		/* the host IRQ, "" when unknown */
};

static void info_read(const struct cli *c, struct info *in)
{
	const uint8_t *cfg = in->fn.cfg;

	if (pa_host_read_resources(&c->host, &in->fn.bdf, in->res))
		memset(in->res, 0, sizeof(in->res));
	if (pa_host_assignability(&c->host, &in->fn.f, &in->a)) {
		memset(&in->a, 0, sizeof(in->a));
		snprintf(in->a.reason, sizeof(in->a.reason), "cannot read its IOMMU group");
	}
	in->nstd = walk_std(cfg, (size_t)in->fn.cfg_len, in->std);
	in->next = walk_ext(cfg, (size_t)in->fn.cfg_len, in->ext);
	in->msi = in->msix = 0;
	for (size_t i = 0; i < in->nstd; i++) {
		unsigned int off = in->std[i].off, flags;

		if (in->std[i].id == PCI_CAP_ID_MSI && !in->msi) {
			flags = rd16(cfg, off + PCI_MSI_FLAGS);
			in->msi = 1u << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
		}
		if (in->std[i].id == PCI_CAP_ID_MSIX && !in->msix) {
			flags = rd16(cfg, off + PCI_MSIX_FLAGS);
			in->msix = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
		}
	}
	in->pin = cfg[PCI_INTERRUPT_PIN];
	if (pa_host_read_attr(&c->host, &in->fn.bdf, "irq", in->irq, sizeof(in->irq)) < 0)
		strcpy(in->irq, "");
	/* Bridges' resource lines past the BARs are windows, not BARs. */
	in->nbars = in->fn.f.header_type == PCI_HEADER_TYPE_NORMAL ? 6 :
		    in->fn.f.header_type == PCI_HEADER_TYPE_BRIDGE ? 2 : 0;
}

/* A capability list as a JSON array; @ext: with each one's version. */
static void json_caps(struct pa_json *j, const char *key, const struct cap *caps,
		      size_t n, bool ext)
{
	pa_json_arr_begin(j, key);
	for (size_t i = 0; i < n; i++) {
		pa_json_obj_begin(j, NULL);
		pa_json_uint(j, "offset", caps[i].off);
		pa_json_uint(j, "id", caps[i].id);
		if (ext)
			pa_json_uint(j, "version", caps[i].version);
		pa_json_str(j, "name", caps[i].name);
		pa_json_obj_end(j);
	}
	pa_json_arr_end(j);
}

static void info_json(const struct cli *c, const struct info *in)
{
	struct pa_json j;
	size_t i;

	pa_json_init(&j, stdout);
	pa_json_obj_begin(&j, NULL);
	json_func(c, &j, &in->fn.f, &in->a);
	pa_json_uint(&j, "config_size", (unsigned int)in->fn.cfg_len);
	pa_json_arr_begin(&j, "bars");
	for (i = 0; i < in->nbars; i++) {
		const struct pa_host_resource *r = &in->res[i];
		uint64_t size = pa_host_res_size(r);

		if (!size)
			continue;
		pa_json_obj_begin(&j, NULL);
		pa_json_uint(&j, "index", i);
		pa_json_str(&j, "type", res_kind(r));
		pa_json_uint(&j, "start", r->start);
		pa_json_uint(&j, "end", r->end);
		pa_json_uint(&j, "size", size);
		pa_json_uint(&j, "flags", r->flags);
		pa_json_bool(&j, "mem64", r->flags & PA_HOST_RES_MEM64);
		pa_json_bool(&j, "prefetchable", r->flags & PA_HOST_RES_PREFETCH);
		pa_json_obj_end(&j);
	}
	pa_json_arr_end(&j);
	pa_json_uint(&j, "rom_size", pa_host_res_size(&in->res[6]));
	pa_json_obj_begin(&j, "interrupts");
	if (in->pin >= 1 && in->pin <= 4) {
		char p[2] = { (char)('A' + in->pin - 1), 0 };

		pa_json_str(&j, "pin", p);
	} else {
		pa_json_null(&j, "pin");
	}
	if (in->irq[0])
		pa_json_int(&j, "irq", strtol(in->irq, NULL, 10));
	else
		pa_json_null(&j, "irq");
	pa_json_uint(&j, "msi_vectors", in->msi);
	pa_json_uint(&j, "msix_vectors", in->msix);
	pa_json_obj_end(&j);
	json_caps(&j, "capabilities", in->std, in->nstd, false);
	json_caps(&j, "extended_capabilities", in->ext, in->next, true);
	pa_json_obj_end(&j);
	pa_json_finish(&j);
}

/* The text form's first lines: identity, names, driver, assignability. */
static void info_text_func(const struct cli *c, const struct info *in)
{
	const struct pa_pci_func *f = &in->fn.f;
	struct cli_names n;

	printf("%s %s [%04x]: %04x:%04x (rev %02x), subsystem %04x:%04x\n", in->fn.name,
	       cli_class_name(f->class_code), f->class_code >> 8, f->vendor, f->device,
	       f->revision, f->subsys_vendor, f->subsys_device);
	cli_names(c, f->vendor, f->device, &n);
	if (n.vendor[0] || n.device[0])
		printf("  name: %s%s%s\n", n.vendor[0] ? n.vendor : "unknown vendor",
		       n.device[0] ? " " : "", n.device);
	printf("  driver: %s", f->driver[0] ? f->driver : "none");
	if (f->driver_override[0])
		printf(" (driver_override %s)", f->driver_override);
	if (f->iommu_group >= 0)
		printf("; IOMMU group %d", f->iommu_group);
	else
		printf("; no IOMMU group");
	printf("\n  assignable: %s (%s)\n", in->a.assignable ? "yes" : "no", in->a.reason);
	if (!strcmp(f->driver, "pciassign")) {
		char owner[64];

		cli_read_owner(c, &in->fn.bdf, owner, sizeof(owner));
		printf("  owner: %s\n", owner[0] ? owner : "unknown (the module has no owner attribute)");
	}
	if (is_persistent(c, &in->fn.bdf)) {
		char path[PATH_MAX];

		cli_persist_path(c, &in->fn.bdf, path, sizeof(path));
		printf("  at boot: bound to pciassign again (%s)\n", path);
	}
}

static void info_text(const struct cli *c, const struct info *in)
{
	const struct pa_host_resource *res = in->res;
	char sz[32];
	size_t i;

	info_text_func(c, in);
	for (i = 0; i < in->nbars; i++) {
		uint64_t size = pa_host_res_size(&res[i]);

		if (!size)
			continue;
		size_str(size, sz, sizeof(sz));
		printf("  BAR%zu: %s 0x%" PRIx64 "-0x%" PRIx64 " (%s)%s%s flags 0x%" PRIx64 "\n", i,
		       res_kind(&res[i]), res[i].start, res[i].end, sz,
		       res[i].flags & PA_HOST_RES_IO ? "" :
		       res[i].flags & PA_HOST_RES_MEM64 ? " 64-bit" : " 32-bit",
		       res[i].flags & PA_HOST_RES_PREFETCH ? " prefetchable" : "",
		       res[i].flags);
	}
	if (pa_host_res_size(&res[6])) {
		size_str(pa_host_res_size(&res[6]), sz, sizeof(sz));
		printf("  ROM: %s at 0x%" PRIx64 "\n", sz, res[6].start);
	} else {
		printf("  ROM: none\n");
	}
	if (in->pin >= 1 && in->pin <= 4)
		printf("  IRQ: pin %c, irq %s", 'A' + in->pin - 1, in->irq[0] ? in->irq : "?");
	else
		printf("  IRQ: no INTx pin");
	printf("; MSI: %u vector(s); MSI-X: %u vector(s)\n", in->msi, in->msix);
	printf("  capabilities:");
	for (i = 0; i < in->nstd; i++)
		printf("%s [%02x] %s", i ? "," : "", in->std[i].off, in->std[i].name);
	printf("%s\n", in->nstd ? "" : " none");
	printf("  extended capabilities:");
	for (i = 0; i < in->next; i++)
		printf("%s [%03x] %s v%u", i ? "," : "", in->ext[i].off, in->ext[i].name,
		       in->ext[i].version);
	printf("%s\n", in->next ? "" : " none");
}

int cmd_info(struct cli *c)
{
	struct info in;
	int ret;

	ret = cli_load_func(c, "info", &in.fn);
	if (ret)
		return ret;
	info_read(c, &in);
	if (c->json)
		info_json(c, &in);
	else
		info_text(c, &in);
	return CLI_OK;
}
