#!/usr/bin/env python3
"""Per-message cost against mailbox size, from bench/run.sh results.

Usage: scale.py RESULTS.jsonl...   (runs of the same cases at different N)

Issue 9: "N=10,000 at least as fast per message as N=2000". For every file
system (BENCH_DIR's, from the JSONL) and case: wall ms per message (median
over the runs) at each N, and the ratio of the largest N's to the smallest
N's. A ratio of 1.00 or less means no growth with mailbox size. Runs of
different invocations are compared, so other load on the machine shows up;
run both sizes back to back.
"""
import json
import statistics
import sys
from collections import defaultdict

per = defaultdict(list)          # (fs, case) -> [(n, wall_s, verified)]
for path in sys.argv[1:]:
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            per[(r.get("fs", "?"), r["case"])].append((r["n"], r["wall_s"], r["verified"]))
if not per:
    sys.exit("usage: scale.py RESULTS.jsonl...")

print("| BENCH_DIR on | id | N | runs | ms/msg (median) | msgs/s | verified | ms/msg ratio vs smallest N |")
print("|---|---|---|---|---|---|---|---|")
for (fs, case), rs in sorted(per.items()):
    by_n = defaultdict(list)
    for n, wall, ok in rs:
        by_n[n].append((wall, ok))
    ns = sorted(by_n)
    base = None
    for n in ns:
        ms = statistics.median(w for w, _ in by_n[n]) * 1000 / n
        base = base or ms
        ok = "/".join(sorted(set(o for _, o in by_n[n])))
        print(f"| {fs} | {case} | {n} | {len(by_n[n])} | {ms:.3f} | {1000 / ms:.0f} | {ok} | "
              f"{ms / base:.2f} |")
