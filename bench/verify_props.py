#!/usr/bin/env python3
"""Which of src's message properties a contender kept (not a pass/fail check).

Usage: verify_props.py --seed SEED_DIR --maildir DST_MAILDIR

run.sh's flag_src gives the seeded src messages with X-Bench-Id i % 50 == 7
the flag \\Flagged and the keyword $Bench, and those with i % 50 == 32 the
flag \\Seen. src's INTERNALDATE is the seed file's mtime (maildir). Prints one
JSON object: messages checked; flagged/keyword/seen: how many of the marked
messages arrived with that flag (of flagged_of/seen_of); seen_extra:
unmarked messages that arrived \\Seen; date_kept: messages whose received
date (maildir mtime) is the seed file's mtime to the second.
"""
import argparse
import json
import os
import re

ID_RE = re.compile(rb"^X-Bench-Id:\s*(\d+)", re.M | re.I)


def bench_id(path):
    with open(path, "rb") as f:
        head = f.read(16384)
    sep = head.find(b"\n\n")
    m = ID_RE.search(head[:sep] if sep >= 0 else head)
    return m.group(1).decode() if m else None


def keywords(folder):
    """maildir keyword letter -> name, from dovecot-keywords"""
    kw = {}
    try:
        for line in open(os.path.join(folder, "dovecot-keywords")):
            idx, _, name = line.strip().partition(" ")
            if idx.isdigit():
                kw[chr(ord("a") + int(idx))] = name
    except FileNotFoundError:
        pass
    return kw


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", required=True)
    ap.add_argument("--maildir", required=True)
    a = ap.parse_args()

    seed_mtime = {}
    for fn in os.listdir(os.path.join(a.seed, "cur")):
        p = os.path.join(a.seed, "cur", fn)
        seed_mtime[bench_id(p)] = int(os.stat(p).st_mtime)
    res = {"checked": 0, "flagged": 0, "keyword": 0, "flagged_of": 0,
           "seen": 0, "seen_of": 0, "seen_extra": 0, "date_kept": 0}
    for folder in (a.maildir, os.path.join(a.maildir, ".Junk")):
        kw = keywords(folder)
        for sub in ("cur", "new"):
            d = os.path.join(folder, sub)
            if not os.path.isdir(d):
                continue
            for fn in os.listdir(d):
                p = os.path.join(d, fn)
                mid = bench_id(p)
                if mid is None or mid not in seed_mtime:
                    continue
                res["checked"] += 1
                i = int(mid)
                flags = fn.rpartition(":2,")[2] if ":2," in fn else ""
                names = {kw.get(c) for c in flags if c.islower()}
                if i % 50 == 7:
                    res["flagged_of"] += 1
                    res["flagged"] += "F" in flags
                    res["keyword"] += "$Bench" in names
                if i % 50 == 32:
                    res["seen_of"] += 1
                    res["seen"] += "S" in flags
                elif "S" in flags:
                    res["seen_extra"] += 1
                res["date_kept"] += int(os.stat(p).st_mtime) == seed_mtime[mid]
    print(json.dumps(res))


if __name__ == "__main__":
    main()
