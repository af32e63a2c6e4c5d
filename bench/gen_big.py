#!/usr/bin/env python3
"""One large message for the bench's single-message memory case (r9/i9).

Usage: gen_big.py --out DIR [--mb 200] [--seed 42]

Writes DIR/cur/<ts>.M0P1.benchgen,S=..,W=..:2, and DIR/manifest.json in the
shared gen_messages.py's format (count 1, no [SPAM]), so that seed_src-style
seeding, verify.py, verify_exact.py and verify_props.py take it as they take
the generated sets. The message is written in pieces: the generator itself
never holds it whole.

Shape: a realistic header (Return-Path, a folded Received, Date, From, To,
Subject, Message-ID, X-Bench-Id, MIME) and a multipart/mixed body of a text
part, a base64 attachment of random bytes filling the size, and a second
text part at the very end. Both text parts carry the POP3 dot-stuffing traps
(lines ".", "..", ".x", ". ") and "From " lines, and the body's last line
is ".end", so dot-unstuffing and the end-of-data detection are exercised
before, after (about 200 MB into the stream) and right before the POP3
terminator.
"""
import argparse
import base64
import hashlib
import json
import os
import random
from email.utils import formatdate

TRAPS = (".\n..\n...\n.x leading dot\n. space after the dot\n"
         "From the start of a line (mbox escaping trap)\n"
         ">From an already quoted line\n"
         "a line with a dot at its end.\n")


def text_part(rng, lines):
    out = []
    for k in range(lines):
        out.append("Line %d of the text part, %08x, so the part is not one repeated line.\n"
                   % (k, rng.getrandbits(32)))
        if k % 40 == 0:
            out.append(TRAPS)
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--mb", type=int, default=200, help="size in MiB (1 MiB = 1048576 bytes)")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    ts = 1_700_000_000
    date = formatdate(ts, localtime=False)
    bnd = "=_bench_big_%08x" % rng.getrandbits(32)
    head = "\n".join([
        "Return-Path: <carol@example.org>",
        "Received: from mx1.example.org (mx1.example.org [192.0.2.10])\n"
        "\tby mail.example.net (Postfix) with ESMTPS id 5A1B2C3D\n\tfor <src@localhost>; " + date,
        "Date: " + date,
        'From: "Carol Big" <carol@example.org>',
        "To: src@localhost",
        "Subject: the %d MB scan you asked for" % a.mb,
        "Message-ID: <bench-big-%d.%d@bench.invalid>" % (a.mb, a.seed),
        "X-Bench-Id: 9000000",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="%s"' % bnd,
    ]) + "\n\n"
    first = ("This is a multi-part message in MIME format.\n\n"
             "--%s\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n"
             "%s\n--%s\nContent-Type: application/octet-stream; name=\"scan.tiff\"\n"
             "Content-Transfer-Encoding: base64\n"
             "Content-Disposition: attachment; filename=\"scan.tiff\"\n\n"
             % (bnd, text_part(rng, 400), bnd))
    last = ("--%s\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n"
            "%s\n--%s--\n.end\n" % (bnd, text_part(rng, 200), bnd))
    target = a.mb * 1024 * 1024
    b64_len = target - len(head) - len(first) - len(last)
    # base64 lines of 76 characters + LF encode 57 bytes each
    nlines = max(1, b64_len // 77)

    cur = os.path.join(a.out, "cur")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)
    tmp = os.path.join(a.out, "tmp", "big")
    body_hash = hashlib.sha256()
    size = nl = 0
    with open(tmp, "wb") as f:
        def put(s, in_body=True):
            nonlocal size, nl
            b = s.encode() if isinstance(s, str) else s
            f.write(b)
            size += len(b)
            nl += b.count(b"\n")
            if in_body:
                body_hash.update(b)
        put(head, False)
        put(first)
        done = 0
        while done < nlines:
            k = min(20000, nlines - done)
            enc = base64.b64encode(rng.randbytes(57 * k))
            put(b"\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + b"\n")
            done += k
        put(last.rstrip("\n"))     # the digest is over the body without its final LFs
        put("\n", False)
    # the same name scheme as gen_messages.py: <ts>.M<i>P1.benchgen,S=,W=:2,
    fn = "%d.M0P1.benchgen,S=%d,W=%d:2," % (ts, size, size + nl)
    os.rename(tmp, os.path.join(cur, fn))
    os.utime(os.path.join(cur, fn), (ts, ts))
    manifest = {"count": 1, "seed": a.seed, "bytes": size, "vbytes": size + nl,
                "spam": 0, "dots": 1, "messages": {"9000000": [body_hash.hexdigest(), False]}}
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    print("generated 1 message of %.1f MB -> %s" % (size / 1e6, a.out))


if __name__ == "__main__":
    main()
