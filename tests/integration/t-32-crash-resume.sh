#!/usr/bin/env bash
# Case 32: never lose mail across crashes. 300 small messages and one of
# 5 MB in the middle, keep=no. A run is SIGKILLed while messages arrive,
# a second one too (around the big message), a third runs to the end.
# Then every seeded message is in the local mailbox, byte-complete (no
# partial message), at most one duplicate per crash, and the server is
# empty.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin

N=300 BIG_AT=150
python3 - "$IT_WORK/msgs" "$N" "$BIG_AT" <<'PY' || fail "harness: cannot write the messages"
import os, sys
d, n, big_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def msg(name, subject, body):
    return ("From: Sender <sender@example.org>\nTo: rcpt@example.org\n"
            f"Subject: {subject}\nDate: Mon, 1 Jan 2024 12:00:00 +0000\n"
            f"Message-ID: <{name}@retrieve-it>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\n\n" + body)
names = [f"crash-{i:03d}" for i in range(1, n + 1)]
names.insert(big_at, "crash-big")
for seq, name in enumerate(names):
    if name == "crash-big":
        body = "CRASH-BIG-BEGIN\n" + "".join(
            f"big line {i:07d} ..........................................\n"
            for i in range(90000)) + "CRASH-BIG-END\n"
    else:
        body = f"Body of {name}.\n.leading dot\n"
    with open(os.path.join(d, f"{seq:04d}-{name}"), "w") as f:
        f.write(msg(name, f"Crash {name}", body))
PY
big=$(ls "$IT_WORK"/msgs/*-crash-big)
(($(stat -c %s "$big") > 5000000)) || fail "harness: the big message is too small"

remote_user crash-src
seed_remote_maildir crash-src "$IT_WORK"/msgs/????-crash-*
assert_eq $((N + 1)) "$(remote_count crash-src)" "harness: seeded remote count"
local_user crash-dst $(acct retrieve crash-src pop3)

# run_and_kill THRESHOLD: start a run, SIGKILL doveadm once at least
# THRESHOLD messages are in the local mailbox.
run_and_kill() {
	local threshold=$1 i n=0
	retrieve_start_killable crash-dst
	for i in $(seq 3000); do
		n=$(local_file_count crash-dst)
		((n >= threshold)) && break
		kill -0 "$KILL_PID" 2>/dev/null || break
		sleep 0.02
	done
	if ! kill -KILL "$KILL_PID" 2>/dev/null; then
		wait "$KILL_PID"
		fail "harness: the run ended (exit $?) before it could be killed at $threshold messages (had $n): $(cat "$KILL_OUT" "$KILL_ERR" | head -5)"
	fi
	wait "$KILL_PID" 2>/dev/null
	echo "  (killed doveadm with $(local_file_count crash-dst) messages delivered)" >&2
}

# duplicates: messages (Message-IDs) stored more than once.
duplicates() {
	local_msgid_counts crash-dst | awk '$1 > 1' | grep -c . || true
}

run_and_kill 40
assert_eq 0 "$(duplicates)" "duplicates after the first crash"
assert_eq $((N + 1)) "$(remote_count crash-src)" "remote count after the first crash (nothing deleted without QUIT)"

run_and_kill "$BIG_AT"
dups=$(duplicates)
((dups <= 1)) || fail "$dups messages duplicated after one resumed crash: $(local_msgid_counts crash-dst | awk '$1 > 1' | head -3)"

retrieve_run crash-dst
assert_run_ok
assert_result retrieve ok

# Every seeded message, by Message-ID; at most one duplicate per crash.
expected=$(for f in "$IT_WORK"/msgs/????-crash-*; do
	n=${f##*/}; echo "<${n#????-}@retrieve-it>"; done | sort)
got=$(local_msgid_counts crash-dst | awk '{ print $2 }')
missing=$(comm -23 <(echo "$expected") <(echo "$got"))
extra=$(comm -13 <(echo "$expected") <(echo "$got"))
[[ -z $missing ]] || fail "lost messages: $(grep -c . <<<"$missing"), e.g. $(head -3 <<<"$missing" | tr '\n' ' ')"
[[ -z $extra ]] || fail "unexpected messages: $(head -3 <<<"$extra" | tr '\n' ' ')"
dups=$(duplicates)
((dups <= 2)) || fail "$dups messages duplicated after two crashes: $(local_msgid_counts crash-dst | awk '$1 > 1' | head -3)"
echo "  ($dups duplicate(s) after two crashes)" >&2
assert_eq 0 "$(remote_count crash-src)" "remote count at the end"

# No partial message: every local file, without the headers delivery adds,
# is byte for byte a seeded message.
local_msg_files crash-dst >"$CASE_OUT/files"
python3 - "$IT_WORK/msgs" "$CASE_OUT/files" "$ADDED_HEADERS" <<'PY' || fail "partial or altered messages (above)"
import glob, os, re, sys
msgs_dir, files, added = sys.argv[1], sys.argv[2], sys.argv[3].split()
seeded = {}
for p in glob.glob(os.path.join(msgs_dir, "????-crash-*")):
    data = open(p, "rb").read().replace(b"\r\n", b"\n")
    mid = re.search(rb"^Message-ID: (<[^>]+>)", data, re.M).group(1)
    seeded[mid] = data
names = [n.lower().encode() for n in added]
bad = 0
for path in open(files).read().split("\n"):
    if not path:
        continue
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and b":" in lines[i] and \
            lines[i].split(b":", 1)[0].lower() in names:
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    body = b"\n".join(lines[i:])
    m = re.search(rb"^Message-ID: (<[^>]+>)", body, re.M)
    if m is None or m.group(1) not in seeded:
        print(f"  {path}: no known Message-ID")
        bad += 1
    elif body != seeded[m.group(1)]:
        print(f"  {path}: {len(body)} bytes, differs from the seeded "
              f"{m.group(1).decode()} ({len(seeded[m.group(1)])} bytes)")
        bad += 1
sys.exit(1 if bad else 0)
PY
n=$(local_find_all crash-dst CRASH-BIG-END | grep -c .)
((n >= 1)) || fail "no complete copy of the big message"

case_pass
