#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep the pciassign netlink YAML spec and the C header in step.

  netlink-spec.py check [--yaml F] [--header F] [--names F]
      compare Documentation/netlink/specs/pciassign.yaml with
      uapi/linux/pciassign_netlink.h (family and multicast group names,
      every enum's names and values, attribute names, values and types,
      command names and values) and check that user/lib/netlink_names.h is
      what `gen` makes of the spec; one PASS or FAIL line per check.
  netlink-spec.py gen [--yaml F] [--names F]
      write user/lib/netlink_names.h, the event and state name tables of
      libpciassign, from the spec.
"""
import argparse
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YAML = os.path.join(TOP, "Documentation/netlink/specs/pciassign.yaml")
HEADER = os.path.join(TOP, "uapi/linux/pciassign_netlink.h")
NAMES = os.path.join(TOP, "user/lib/netlink_names.h")


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def parse_header(path):
    """{enum name: [(NAME, value, comment)]} and {macro: string value}."""
    text = open(path).read()
    macros = dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', text))
    enums = {}
    for m in re.finditer(r"enum\s+(\w+)\s*\{(.*?)\};", text, re.S):
        entries, values, nxt = [], {}, 0
        for line in m.group(2).split("\n"):
            cm = re.search(r"/\*\s*(.*?)\s*\*/", line)
            comment = cm.group(1) if cm else ""
            code = re.sub(r"/\*.*?\*/", "", line).strip().rstrip(",").strip()
            if not code:
                continue
            em = re.match(r"(\w+)\s*(?:=\s*(.+))?$", code)
            if not em:
                raise SystemExit("%s: cannot parse enum line %r" % (path, line))
            name, expr = em.group(1), em.group(2)
            if expr is not None:
                tokens = re.findall(r"\w+|[-+]", expr)
                val, sign = 0, 1
                for t in tokens:
                    if t in "+-":
                        sign = 1 if t == "+" else -1
                    else:
                        val += sign * (values[t] if t in values else int(t, 0))
                nxt = val
            values[name] = nxt
            entries.append((name, nxt, comment))
            nxt += 1
        enums[m.group(1)] = entries
    return enums, macros


def real_entries(entries):
    """Leave out *_UNSPEC and the __*_MAX / *_MAX bookkeeping entries."""
    return [e for e in entries
            if not e[0].endswith("_UNSPEC") and not e[0].startswith("__")
            and not e[0].endswith("_MAX")]


class Checker:
    def __init__(self):
        self.failed = 0

    def result(self, name, problems):
        if problems:
            self.failed += 1
            for p in problems:
                print("FAIL: netlink-spec %s: %s" % (name, p))
        else:
            print("PASS: netlink-spec %s" % name)


def compare_enum(what, want, header_enums, enum_name):
    """want: [(C NAME, value, type or None)]; returns the problems."""
    if enum_name not in header_enums:
        return ["enum %s is not in the header" % enum_name]
    have = {n: (v, c) for n, v, c in real_entries(header_enums[enum_name])}
    problems = []
    for name, value, extra in want:
        if name not in have:
            problems.append("%s %s of the spec is not in enum %s" % (what, name, enum_name))
            continue
        if have[name][0] != value:
            problems.append("%s %s is %d in the spec, %d in the header"
                            % (what, name, value, have[name][0]))
        if extra is not None:
            comment = have[name][1]
            ctype = comment.split(":")[0].strip().split(" ")[0] if comment else ""
            if ctype != extra[0]:
                problems.append("%s %s is %s in the spec, '%s' in the header comment"
                                % (what, name, extra[0], ctype or "no type"))
            if extra[1] and "enum " + extra[1] not in comment:
                problems.append("%s %s takes enum %s in the spec; the header says '%s'"
                                % (what, name, extra[1], comment))
    names = {w[0] for w in want}
    for name in have:
        if name not in names:
            problems.append("%s %s of enum %s is not in the spec" % (what, name, enum_name))
    return problems


def spec_enums(spec):
    """{definition name: (enum-name, [(C NAME, value)], [yaml names])}."""
    out = {}
    for d in spec.get("definitions", []):
        if d.get("type") != "enum":
            continue
        prefix = d.get("name-prefix", spec["name"] + "-" + d["name"] + "-")
        start = d.get("value-start", 0)
        names = [e if isinstance(e, str) else e["name"] for e in d["entries"]]
        out[d["name"]] = (d.get("enum-name", spec["name"] + "_" + d["name"]),
                          [(c_name(prefix, n), start + i) for i, n in enumerate(names)],
                          names)
    return out


def gen_names(spec):
    enums = spec_enums(spec)
    lines = [
        "/* SPDX-License-Identifier: LGPL-2.1-or-later */",
        "/*",
        " * Generated by scripts/netlink-spec.py gen from",
        " * Documentation/netlink/specs/pciassign.yaml: do not edit;",
        " * `make check` (scripts/check-netlink-spec.sh) fails when it is stale.",
        " */",
        "#ifndef PA_NETLINK_NAMES_H",
        "#define PA_NETLINK_NAMES_H",
        "",
        "#include <linux/pciassign_netlink.h>",
    ]
    for dname in sorted(enums):
        _, entries, names = enums[dname]
        lines.append("")
        lines.append("static const char *const pa_nl_%s_names[] = {"
                     % dname.replace("-", "_"))
        for (cname, _), n in zip(entries, names):
            lines.append('\t[%s] = "%s",' % (cname, n))
        lines.append("};")
    lines += ["", "#endif /* PA_NETLINK_NAMES_H */", ""]
    return "\n".join(lines)


def check(args, spec):
    header_enums, macros = parse_header(args.header)
    c = Checker()
    fam = spec["name"]

    c.result("family-name",
             [] if macros.get("PCIASSIGN_GENL_NAME") == fam else
             ["spec says '%s', PCIASSIGN_GENL_NAME '%s'" % (fam, macros.get("PCIASSIGN_GENL_NAME"))])

    groups = [g["name"] for g in spec.get("mcast-groups", {}).get("list", [])]
    hgroups = {v for k, v in macros.items() if k.startswith("PCIASSIGN_GENL_MCGRP_")}
    problems = ["group '%s' is in the spec, not the header" % g for g in groups if g not in hgroups]
    problems += ["group '%s' is in the header, not the spec" % g for g in hgroups if g not in groups]
    for op in spec["operations"]["list"]:
        if "mcgrp" in op and op["mcgrp"] not in groups:
            problems.append("operation %s names unknown group %s" % (op["name"], op["mcgrp"]))
    c.result("mcast-groups", problems)

    enums = spec_enums(spec)
    enum_c_names = {d: v[0] for d, v in enums.items()}
    for dname, (ename, entries, _) in sorted(enums.items()):
        c.result("enum-" + dname,
                 compare_enum("value", [(n, v, None) for n, v in entries], header_enums, ename))

    attr_names = {}
    for aset in spec["attribute-sets"]:
        prefix = aset.get("name-prefix", fam + "-a-")
        want, nxt = [], 1
        attr_names[aset["name"]] = set()
        for a in aset["attributes"]:
            nxt = a.get("value", nxt)
            ctype = a["type"]
            enum = enum_c_names.get(a["enum"]) if "enum" in a else None
            want.append((c_name(prefix, a["name"]), nxt, (ctype, enum)))
            attr_names[aset["name"]].add(a["name"])
            nxt += 1
        c.result("attrs-" + aset["name"],
                 compare_enum("attribute", want, header_enums, aset["enum-name"]))

    ops = spec["operations"]
    prefix = ops.get("name-prefix", fam + "-cmd-")
    want, nxt, problems = [], 1, []
    for op in ops["list"]:
        nxt = op.get("value", nxt)
        want.append((c_name(prefix, op["name"]), nxt, None))
        nxt += 1
        known = attr_names.get(op.get("attribute-set"), set())
        for kind in ("do", "dump", "event"):
            body = op.get(kind) or {}
            for part in (body, body.get("request") or {}, body.get("reply") or {}):
                for a in part.get("attributes", []) if isinstance(part, dict) else []:
                    if a not in known:
                        problems.append("operation %s %s names unknown attribute %s"
                                        % (op["name"], kind, a))
    c.result("commands", compare_enum("command", want, header_enums, ops["enum-name"]) + problems)

    generated = gen_names(spec)
    try:
        current = open(args.names).read()
    except OSError as e:
        current = str(e)
    c.result("names-generated",
             [] if current == generated else
             ["%s is not what the spec makes: run scripts/netlink-spec.py gen"
              % os.path.relpath(args.names, TOP)])
    return 1 if c.failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["check", "gen"])
    ap.add_argument("--yaml", default=YAML)
    ap.add_argument("--header", default=HEADER)
    ap.add_argument("--names", default=NAMES)
    args = ap.parse_args()
    try:
        import yaml
    except ImportError:
        print("SKIP: netlink-spec (python3-yaml is not installed)")
        return 0
    spec = yaml.safe_load(open(args.yaml))
    if args.action == "gen":
        open(args.names, "w").write(gen_names(spec))
        return 0
    return check(args, spec)


if __name__ == "__main__":
    sys.exit(main())
