#!/usr/bin/env python3
"""Markdown table of one bench/run.sh result file (JSONL).

Usage: report.py RESULTS.jsonl [REF_CASE]

One table for the POP3 contenders (ratios against r1) and one for the IMAP
contenders (ratios against i1: ours over IMAP+STARTTLS with Sieve); the
local LMTP floor g3 appears in both. REF_CASE forces one table with that
reference. The big cases (r9, i9: one large message instead of the N) get a
table of their own with the same columns, ratios against r9. So do the
spam cases (r1s bs against r1s, i1s cs against i1s: every message scanned
by the same rspamd), followed by the ratios ours/peer and the CPU rspamd
spent in each (outside both process trees). Per contender (median over the runs of this file): msgs/s, wall s, CPU s
(tool process tree user+sys plus the Dovecot server processes: pop3, auth,
lmtp...), peak RSS of the largest process of the tool's tree, and the
ratios of wall time and CPU to the reference case (default r1: ours over
POP3+STLS with Sieve). Ratio > 1: the contender needs more than ours.
"""
import json
import os
import statistics
import sys

POP3 = "r1 r1d r2 r3 a b btls d1 d2 e f2 g3 g5 g5tls".split()
IMAP = "i1 i1d i2 i3 c ctls h1 h2 f1 g3 g6 g6tls".split()
BIG = "r9 i9".split()
SPAM_POP3 = "r1s bs".split()
SPAM_IMAP = "i1s cs".split()
ORDER = POP3 + IMAP + BIG + SPAM_POP3 + SPAM_IMAP

path = sys.argv[1]
ref_arg = sys.argv[2] if len(sys.argv) > 2 else None
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


# the header's N and size: those of the N-message cases when there are any
r0 = next((r for r in rows if r["case"] not in BIG), rows[0])
n = r0["n"]
mb = r0["bytes"] / 1e6
runs = max(r["run"] for r in rows)


def kept(rs):
    """src's flags / INTERNALDATE found in dst (verify_props.py), last run"""
    k = rs[-1].get("kept") or {}
    if not k.get("checked"):
        return "-"
    if not (k["flagged"] or k["keyword"] or k["seen"] or k["date_kept"]):
        return "no"
    return (f"F {k['flagged']}/{k['flagged_of']}, kw {k['keyword']}/{k['flagged_of']}, "
            f"Seen {k['seen']}/{k['seen_of']}, date {k['date_kept']}/{k['checked']}")


def table(ids, ref):
    print("| id | contender | protocol | delivery | Sieve | msgs/s | wall s | CPU s (tool+server) "
          f"| tool CPU s | server CPU s | peak RSS MB | time x {ref} | CPU x {ref} "
          "| kept flags/date | verified |")
    print("|" + "---|" * 15)
    ref_rs = cases.get(ref)
    ref_wall = med(ref_rs, lambda r: r["wall_s"]) if ref_rs else None
    ref_cpu = med(ref_rs, cpu) if ref_rs else None
    for c in ids:
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
        rate = x["n"] / wall       # per case: the big cases have n = 1
        rate = f"{rate:.0f}" if rate >= 10 else f"{rate:.3f}"
        print(f"| {c} | {x['tool']} | {x['protocol']} | {x['path']} | {x['sieve_expected']} | "
              f"{rate} | {wall_s} | {med(rs, cpu):.2f} | {tcpu:.2f} | {scpu:.2f} | "
              f"{rss:.0f} | {tr} | {cr} | {kept(rs)} | {ver} |")


print(f"N = {n} messages ({mb:.1f} MB, {r0['spam']} [SPAM]), {runs} run(s), "
      f"{r0['stamp']}, {os.cpu_count()} CPUs; medians")
print(f"plugin {r0.get('plugin', '?')}; bench/ from {r0.get('repo', '?')}; "
      f"BENCH_DIR on {r0.get('fs', '?')}")
rank = {c: i for i, c in enumerate(dict.fromkeys(ORDER))}
if ref_arg:
    print(f"\nratios vs {ref_arg}\n")
    table(sorted(cases, key=lambda c: rank.get(c, 99)), ref_arg)
else:
    pop3 = [c for c in POP3 if c in cases] + [c for c in cases if c not in ORDER]
    imap = [c for c in IMAP if c in cases]
    big = [c for c in BIG if c in cases]
    if any(c != "g3" for c in pop3):
        print("\nPOP3, ratios vs r1\n")
        table(pop3, "r1")
    if any(c != "g3" for c in imap):
        print("\nIMAP, ratios vs i1\n")
        table(imap, "i1")
    if big:
        b0 = cases[big[0]][0]
        print(f"\nOne message of {b0['bytes'] / 1e6:.1f} MB ({b0['bytes'] / 2**20:.0f} MiB), "
              "ratios vs r9 (issue 9: peak RSS at most 32 MB)\n")
        table(big, "r9")
    for ids, proto in ((SPAM_POP3, "POP3"), (SPAM_IMAP, "IMAP")):
        ids = [c for c in ids if c in cases]
        if not ids:
            continue
        print(f"\n{proto} with every message scanned by rspamd, ratios vs {ids[0]}\n")
        table(ids, ids[0])
        print()
        for c in ids:
            rs = cases[c]
            spam = "/".join(str(r["exact"].get("verdict_spam", "?")) for r in rs)
            print(f"* {c}: rspamd CPU s {med(rs, lambda r: r.get('scanner_cpu_s', 0)):.2f}, "
                  f"marked spam (X-Spam-Flag: YES) per run {spam}")
        if len(ids) == 2:
            ours, peer = (cases[c] for c in ids)
            w = med(ours, lambda r: r["wall_s"]) / med(peer, lambda r: r["wall_s"])
            cp = med(ours, cpu) / med(peer, cpu)
            print(f"* ours/peer ({ids[0]}/{ids[1]}): wall time {w:.2f}, CPU (tool+server) {cp:.2f}")


def tls_ratio(implicit, starttls, name):
    """implicit TLS against STARTTLS (issue 9: within 10%): msgs/s ratio of
    the medians, and of each round's pair (both ran in the same round)"""
    if implicit not in cases or starttls not in cases:
        return
    ratio = med(cases[starttls], lambda r: r["wall_s"]) / med(cases[implicit], lambda r: r["wall_s"])
    walls = {r["run"]: r["wall_s"] for r in cases[starttls]}
    rounds = " / ".join(f"{walls[r['run']] / r['wall_s']:.2f}"
                        for r in cases[implicit] if r["run"] in walls)
    print(f"* {name}: {implicit}/{starttls} msgs/s {ratio:.2f} (per round {rounds})")


if any(c in cases for c in ("r3", "i3")):
    print("\nImplicit TLS against STARTTLS (msgs/s ratio, 1.00 = as fast)\n")
    tls_ratio("r3", "r1", "POP3S against POP3+STLS")
    tls_ratio("i3", "i1", "IMAPS against IMAP+STARTTLS")
