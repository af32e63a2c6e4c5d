#!/usr/bin/env python3
"""Stricter check than the shared verify.py: every delivered message must be
the seeded message byte for byte (CRLF counted as LF), with nothing but whole
trace header lines put on top of it. The one tolerated change inside: the
original's leading Return-Path taken out by the MDA that replaces it
(counted as return_path_replaced), and one line end added at the very end
(an SMTP/LMTP client that sends bare-LF data, or data without a final line
end, gets one CRLF appended; counted as eol_added).

Usage: verify_exact.py --seed SEED_DIR --maildir DST_MAILDIR [--verdict NAMES]

--verdict X-Spam-Flag,X-Spam-Score,X-Spam-Status (the spam cases): these
fields are tolerated on top as well, and every message must carry each of
them exactly once there (else it counts as unscanned); the first one's
value YES counts as verdict_spam.

SEED_DIR is the generator's maildir (cur/ + manifest.json). Prints one JSON
object: messages checked, exact, extra_headers (original intact, but a
non-trace field was put on top), altered (anything else changed), no_id,
unknown, and the names of the header fields prepended (with counts), so what
each tool adds is visible. Exit 0 iff every message found is exact and every
prepended field is a trace field (Return-Path, Received, Delivered-To,
X-Original-To). Counting/duplicates/filing are verify.py's job.
"""
import argparse
import json
import os
import re
import sys
from collections import Counter

ID_RE = re.compile(rb"^X-Bench-Id:\s*(\d+)", re.M | re.I)
TRACE = {b"return-path", b"received", b"delivered-to", b"x-original-to"}


def files(folder):
    for sub in ("cur", "new"):
        d = os.path.join(folder, sub)
        if os.path.isdir(d):
            for fn in os.listdir(d):
                yield os.path.join(d, fn)


def read(path):
    with open(path, "rb") as f:
        return f.read().replace(b"\r\n", b"\n")


def bench_id(raw):
    sep = raw.find(b"\n\n")
    m = ID_RE.search(raw[:sep] if sep >= 0 else raw)
    return m.group(1) if m else None


def prepended_fields(prefix):
    """Names of the header fields making up prefix, or None if it is not
    a sequence of whole header lines (with folded continuations)."""
    names = []
    if not prefix:
        return names
    if not prefix.endswith(b"\n"):
        return None
    for line in prefix[:-1].split(b"\n"):
        if line[:1] in (b" ", b"\t") and names:
            continue
        name, colon, _ = line.partition(b":")
        if not colon or not name or b" " in name:
            return None
        names.append(name.lower())
    return names


def strip_return_path(orig):
    """orig without its leading Return-Path field(s), None if it has none."""
    out = orig
    while out[:12].lower() == b"return-path:":
        out = out[out.index(b"\n") + 1:]
    return out if out is not orig else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--verdict", default="")
    a = ap.parse_args()
    verdict = [v.strip().lower().encode() for v in a.verdict.split(",") if v.strip()]

    seed = {}
    for p in files(a.seed):
        raw = read(p)
        seed[bench_id(raw)] = raw
    res = {"checked": 0, "exact": 0, "extra_headers": 0, "altered": 0, "no_id": 0,
           "unknown": 0, "return_path_replaced": 0, "eol_added": 0}
    if verdict:
        res.update(unscanned=0, verdict_spam=0)
    added = Counter()
    bad_example = None
    for folder in (a.maildir, os.path.join(a.maildir, ".Junk")):
        for p in files(folder):
            raw = read(p)
            res["checked"] += 1
            mid = bench_id(raw)
            if mid is None:
                res["no_id"] += 1
                continue
            orig = seed.get(mid)
            if orig is None:
                res["unknown"] += 1
                continue
            names = prefix = None
            for rp in (False, True):
                base = strip_return_path(orig) if rp else orig
                if base is None:
                    continue
                for eol in (False, True):
                    tail = base + b"\n" if eol else base
                    if raw.endswith(tail):
                        prefix = raw[:-len(tail)]
                        names = prepended_fields(prefix)
                        if names is not None:
                            res["return_path_replaced"] += rp
                            res["eol_added"] += eol
                            break
                if names is not None:
                    break
            if names is None:
                res["altered"] += 1
                bad_example = bad_example or p
                continue
            if verdict and any(names.count(v) != 1 for v in verdict):
                res["unscanned"] += 1
            elif any(n not in TRACE and n not in verdict for n in names):
                res["extra_headers"] += 1
            else:
                res["exact"] += 1
            if verdict and re.search(rb"^" + re.escape(verdict[0]) + rb":\s*YES\s*$",
                                     prefix, re.M | re.I):
                res["verdict_spam"] += 1
            added.update(set(n.decode() for n in names))
    res["prepended"] = dict(sorted(added.items()))
    if bad_example:
        res["altered_example"] = bad_example
    res["ok"] = res["checked"] > 0 and res["exact"] == res["checked"]
    print(json.dumps(res))
    sys.exit(0 if res["ok"] else 1)


if __name__ == "__main__":
    main()
