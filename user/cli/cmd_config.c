// SPDX-License-Identifier: GPL-2.0
/*
 * pciassign config: a function's config space as lspci -xxx prints it, so
 * that "lspci -F FILE -vvv" decodes it. By default the guest's view (the
 * vconfig engine built over the host bytes, nothing written to the device),
 * with --host the raw bytes sysfs returns.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "vconfig.h"

void cli_hex_dump(FILE *f, const struct pa_pci_func *fn, const uint8_t *cfg,
		  size_t len)
{
	char name[PA_BDF_STRLEN];
	const char *addr = name;
	size_t i;

	pa_bdf_format(&fn->bdf, name);
	/* lspci leaves the domain out when it is 0. */
	if (!fn->bdf.segment)
		addr = name + 5;
	fprintf(f, "%s %s [%04x]: Device %04x:%04x", addr, cli_class_name(fn->class_code),
		fn->class_code >> 8, fn->vendor, fn->device);
	if (fn->revision)
		fprintf(f, " (rev %02x)", fn->revision);
	fputc('\n', f);
	for (i = 0; i + 16 <= len; i += 16) {
		fprintf(f, "%02zx:", i);
		for (size_t k = 0; k < 16; k++)
			fprintf(f, " %02x", cfg[i + k]);
		fputc('\n', f);
	}
	fputc('\n', f);
}

/* -j: {"bdf", "view", "size", "bytes": hex string}. */
static void json_dump(const struct cli_func *fn, const char *view, const uint8_t *cfg,
		      size_t len)
{
	static char hex[2 * PCI_CFG_SPACE_EXP_SIZE + 1];
	struct pa_json j;

	for (size_t i = 0; i < len && i < PCI_CFG_SPACE_EXP_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", cfg[i]);
	hex[2 * (len < PCI_CFG_SPACE_EXP_SIZE ? len : PCI_CFG_SPACE_EXP_SIZE)] = 0;
	pa_json_init(&j, stdout);
	pa_json_obj_begin(&j, NULL);
	pa_json_str(&j, "bdf", fn->name);
	pa_json_str(&j, "view", view);
	pa_json_uint(&j, "size", len);
	pa_json_str(&j, "bytes", hex);
	pa_json_obj_end(&j);
	pa_json_finish(&j);
}

static void dump(const struct cli *c, const struct cli_func *fn, const char *view,
		 const uint8_t *cfg, size_t len)
{
	if (c->json)
		json_dump(fn, view, cfg, len);
	else
		cli_hex_dump(stdout, &fn->f, cfg, len);
}

struct host_cfg {
	const uint8_t *bytes;
	size_t len;
	char log[512];
};

static int cfg_read(void *opaque, uint16_t off, void *buf, size_t len)
{
	const struct host_cfg *h = opaque;

	/* Bytes past what sysfs returned read as a device without them: 0. */
	memset(buf, 0, len);
	if (off < h->len)
		memcpy(buf, h->bytes + off, len < h->len - off ? len : h->len - off);
	return 0;
}

static int cfg_write(void *opaque, uint16_t off, const void *buf, size_t len)
{
	/* Read-only inspection: never reached, and never touches the device. */
	(void)opaque;
	(void)off;
	(void)buf;
	(void)len;
	return -EPERM;
}

static void cfg_log(void *opaque, const char *msg)
{
	struct host_cfg *h = opaque;
	size_t used = strlen(h->log);

	snprintf(h->log + used, sizeof(h->log) - used, "%s%s", used ? "; " : "", msg);
}

int cmd_config(struct cli *c)
{
	struct pa_vconfig_ops ops = { .read = cfg_read, .write = cfg_write, .log = cfg_log };
	struct pa_host_resource res[PA_HOST_NUM_RES];
	struct pa_vconfig_opts opts;
	struct pa_vconfig *vc;
	struct host_cfg hc;
	struct cli_func fn;
	uint8_t guest[PCI_CFG_SPACE_EXP_SIZE];
	unsigned int size, off;
	int ret;

	ret = cli_load_func(c, "config", &fn);
	if (ret)
		return ret;
	if (c->host_view) {
		dump(c, &fn, "host", fn.cfg, (size_t)fn.cfg_len);
		return CLI_OK;
	}
	/* Unprivileged reads stop at 64 bytes: the view would be wrong. */
	if (fn.cfg_len < PCI_CFG_SPACE_SIZE) {
		cli_err("%s: only %d bytes of config space readable (run as root) for the guest view",
			fn.name, fn.cfg_len);
		return CLI_FAIL;
	}

	memset(&opts, 0, sizeof(opts));
	if (fn.f.header_type == PCI_HEADER_TYPE_NORMAL &&
	    !pa_host_read_resources(&c->host, &fn.bdf, res)) {
		for (int i = 0; i < PA_VCONFIG_NUM_BARS; i++)
			opts.bar_size[i] = pa_host_res_size(&res[i]);
		opts.rom_size = pa_host_res_size(&res[6]);
	}
	opts.multifunction = fn.f.multifunction;
	memset(&hc, 0, sizeof(hc));
	hc.bytes = fn.cfg;
	hc.len = (size_t)fn.cfg_len;
	ret = pa_vconfig_new(&ops, &hc, &opts, &vc);
	if (ret) {
		cli_err("%s: cannot build the guest view: %s%s%s; 'pciassign config --host %s' shows the raw bytes",
			fn.name, strerror(-ret), hc.log[0] ? ": " : "", hc.log, fn.name);
		return CLI_FAIL;
	}
	size = pa_vconfig_size(vc);
	for (off = 0; off < size; off += 4) {
		uint32_t v;

		ret = pa_vconfig_read(vc, (uint16_t)off, 4, &v);
		if (ret) {
			cli_err("%s: guest view read at 0x%x failed: %s", fn.name, off, strerror(-ret));
			pa_vconfig_free(vc);
			return CLI_FAIL;
		}
		for (int k = 0; k < 4; k++)
			guest[off + k] = (uint8_t)(v >> (8 * k));
	}
	pa_vconfig_free(vc);
	dump(c, &fn, "guest", guest, size);
	return CLI_OK;
}
