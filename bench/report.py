#!/usr/bin/env python3
"""Markdown table of one bench/run.sh result file (JSONL).

Usage: report.py RESULTS.jsonl [REF_CASE]

Per contender (median over the runs of this file): msgs/s, wall s, CPU s
(tool process tree user+sys plus the Dovecot server processes: pop3, auth,
lmtp...), peak RSS of the largest process of the tool's tree, and the
ratios of wall time and CPU to the reference case (default r1: ours over
POP3+STLS with Sieve). Ratio > 1: the contender needs more than ours.
"""
import json
import os
import statistics
import sys

ORDER = "r1 r2 r3 a b btls d1 d2 e f2 g3 g5 g5tls".split()

path = sys.argv[1]
ref = sys.argv[2] if len(sys.argv) > 2 else "r1"
rows = [json.loads(l) for l in open(path) if l.strip()]
if not rows:
    sys.exit("no results")
cases = {}
for r in rows:
    cases.setdefault(r["case"], []).append(r)


def med(rs, f):
    return statistics.median(f(r) for r in rs)


def cpu(r):
    return r["tool_user_s"] + r["tool_sys_s"] + (r["server_cpu_s"] or 0)


r0 = rows[0]
n = r0["n"]
mb = r0["bytes"] / 1e6
runs = max(r["run"] for r in rows)
print(f"N = {n} messages ({mb:.1f} MB, {r0['spam']} [SPAM]), {runs} run(s), "
      f"{r0['stamp']}, {os.cpu_count()} CPUs; medians; ratios vs {ref}")
print(f"plugin {r0.get('plugin', '?')}; bench/ from {r0.get('repo', '?')}\n")
print("| id | contender | protocol | delivery | Sieve | msgs/s | wall s | CPU s (tool+server) "
      "| tool CPU s | server CPU s | peak RSS MB | time x ours | CPU x ours | verified |")
print("|" + "---|" * 14)
ref_rs = cases.get(ref)
ref_wall = med(ref_rs, lambda r: r["wall_s"]) if ref_rs else None
ref_cpu = med(ref_rs, cpu) if ref_rs else None
for c in sorted(cases, key=lambda c: ORDER.index(c) if c in ORDER else 99):
    rs = cases[c]
    x = rs[0]
    wall = med(rs, lambda r: r["wall_s"])
    walls = " / ".join(f"{r['wall_s']:.2f}" for r in rs)
    tcpu = med(rs, lambda r: r["tool_user_s"] + r["tool_sys_s"])
    scpu = med(rs, lambda r: r["server_cpu_s"] or 0)
    rss = max(r["tool_maxrss_kb"] for r in rs) / 1024
    ver = set(r["verified"] for r in rs)
    ver = ver.pop() if len(ver) == 1 else "/".join(sorted(ver))
    why = "; ".join(sorted(set(r["why"] for r in rs if r.get("why"))))
    if why:
        ver += f" ({why})"
    tr = f"{wall / ref_wall:.2f}" if ref_wall else "-"
    cr = f"{cpu_ / ref_cpu:.2f}" if (ref_cpu and (cpu_ := med(rs, cpu))) else "-"
    wall_s = f"{wall:.2f}" if len(rs) == 1 else f"{wall:.2f} ({walls})"
    print(f"| {c} | {x['tool']} | {x['protocol']} | {x['path']} | {x['sieve_expected']} | "
          f"{n / wall:.0f} | {wall_s} | {med(rs, cpu):.2f} | {tcpu:.2f} | {scpu:.2f} | "
          f"{rss:.0f} | {tr} | {cr} | {ver} |")
