#!/usr/bin/env python3
"""Checks that every metric the alert rules and the Grafana dashboard name is one the services export.

    metric-names.py SCRAPED RULES.yml DASHBOARD.json

SCRAPED is the concatenated text of the services' /metrics (scripts/test-compose.sh scrapes a running stack).
PromQL is read the simple way: string literals, label matchers {...}, ranges [...] and the label lists of by,
without, on, ignoring, group_left and group_right are dropped; an identifier followed by `(` is a function; the
keywords are left out; every other identifier is a metric name (`up`, Prometheus' own, counts as exported).
"""

import json
import re
import sys

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
            "inf", "nan", "le"}
PROMETHEUS_OWN = {"up"}


def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        name = match.group(0)
        if re.match(r"\s*\(", expr[match.end():]) or name.lower() in KEYWORDS:
            continue
        if match.start() > 0 and (expr[match.start() - 1].isdigit() or expr[match.start() - 1] == "."):
            continue  # the unit of a number (5m) or an exponent
        names.add(name)
    return names


def rule_expressions(path):
    # The rules file is YAML; its expressions are `expr:` values, one line or a `|` block.
    lines = open(path).read().splitlines()
    exprs = []
    index = 0
    while index < len(lines):
        match = re.match(r"^(\s*)expr:\s*(.*)$", lines[index])
        index += 1
        if not match:
            continue
        if match.group(2).strip() not in ("|", ">", "|-", ">-"):
            exprs.append(match.group(2))
            continue
        indent = len(match.group(1))
        block = []
        while index < len(lines) and (
                not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > indent):
            block.append(lines[index])
            index += 1
        exprs.append("\n".join(block))
    return exprs


def dashboard_expressions(path):
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    exprs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.load(open(path)))
    return exprs


def exported(path):
    names = set(PROMETHEUS_OWN)
    for line in open(path):
        line = line.strip()
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0))
    return names


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    scraped, rules, dashboard = sys.argv[1:]
    available = exported(scraped)
    failed = False
    for source, exprs in ((rules, rule_expressions(rules)), (dashboard, dashboard_expressions(dashboard))):
        if not exprs:
            print(f"{source}: no expressions found", file=sys.stderr)
            failed = True
        named = set()
        for expr in exprs:
            names = metric_names(expr)
            if not names:
                print(f"{source}: names no metric: {expr.strip()}", file=sys.stderr)
                failed = True
            named |= names
        missing = sorted(named - available)
        for name in missing:
            print(f"{source}: {name} is not exported by any service", file=sys.stderr)
        failed = failed or bool(missing)
        print(f"{source}: {len(exprs)} expressions, {len(named)} metrics, all exported" if not missing else
              f"{source}: {len(missing)} of {len(named)} metrics not exported")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
