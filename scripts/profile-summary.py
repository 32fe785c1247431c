#!/usr/bin/env python3
"""Summarises `perf script -F pid,comm,ip,sym,dso` of a `perf record -g` (a header line per sample, then its call
chain, leaf first) read from stdin: each process's share of all
samples, then the hottest symbols (self time) of each of the busiest processes. Used by scripts/bench-profile.sh.

Arguments: a file of "<pid> <name>" lines naming the processes of the stack (others keep their command name), and how
many symbols to show per process."""
import collections
import re
import sys

names = {}
with open(sys.argv[1]) as listing:
    for line in listing:
        pid, name = line.split(maxsplit=1)
        names[pid] = name.strip()
top = int(sys.argv[2])
names["0"] = "(idle)"

per_process = collections.Counter()
per_symbol = collections.defaultdict(collections.Counter)
# A sample: "nats-server  1234" (command, pid), then frames "\t<ip> <symbol> (<object>)", leaf first, then a blank line.
header = re.compile(r"^(\S.*?)\s+(\d+)\s*$")
frame = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s*\(([^()]*)\)\s*$")
total = 0
current = None  # the process of a sample whose leaf frame is still to come
for line in sys.stdin:
    match = header.match(line)
    if match:
        comm, pid = match.groups()
        current = names.get(pid, comm)
        total += 1
        per_process[current] += 1
        continue
    match = frame.match(line)
    if match and current is not None:
        symbol, dso = match.groups()
        per_symbol[current][(symbol or "[unknown]", dso.rsplit("/", 1)[-1])] += 1
        current = None

if total == 0:
    sys.exit("profile-summary: no samples read")
print(f"== share of all {total} CPU samples, per process")
for process, count in per_process.most_common(12):
    print(f"   {process:<18} {100 * count / total:5.1f} %")
busiest = [(process, count) for process, count in per_process.most_common() if process != "(idle)"]
for process, count in busiest[:5]:
    print(f"== {process}: hottest symbols (self time, % of the process's samples)")
    for (symbol, dso), hits in per_symbol[process].most_common(top):
        print(f"   {100 * hits / count:5.1f} %  {symbol}  [{dso}]")
