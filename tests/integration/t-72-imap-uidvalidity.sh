#!/usr/bin/env bash
# Case 72: after a UIDVALIDITY change (fake server recreating its folder)
# an old fingerprint matches one new message only: a second message with
# the same Message-ID and size is delivered, not taken as already
# retrieved; a fingerprint in the older format (the Message-ID itself)
# still matches. A Message-ID of 70 KiB keeps the state readable (stored
# as a hash).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

a=$(make_msg i72-dup "Twin" "Body A of the twin.")
b=$IT_WORK/msgs/i72-dup-b
sed 's/Body A/Body B/' "$a" >"$b"
fake_imap_start i72 normal "$a"
local_user i72-dst $(fake_imap_acct retrieve retrieve_keep=yes)
retrieve_run i72-dst
assert_result retrieve ok
assert_eq 1 "$(local_find_all i72-dst "Message-ID: <i72-dup@" | grep -c .)" "first run"
# what an older version wrote: the Message-ID itself, not its hash
n=0
for f in "$IT_WORK"/local-home/i72-dst/.dovecot-retrieve/*.{state,log}; do
	[[ -e $f ]] || continue
	grep -q "sha256:" "$f" && n=$((n + 1))
	sed -i 's/sha256:[0-9a-f]\{64\}/<i72-dup@retrieve-it>/' "$f"
done
((n > 0)) || fail "no hashed fingerprint in the state"
# the folder recreated with the retrieved message and its twin
echo "$a $b" >"$IT_WORK/fake/i72.reload"
retrieve_run i72-dst
assert_result retrieve ok
grep -q "UIDVALIDITY changed" "$RUN_ERR" || fail "the UIDVALIDITY change went unnoticed"
assert_eq 2 "$(local_find_all i72-dst "Message-ID: <i72-dup@" | grep -c .)" \
	"copies after the UIDVALIDITY change (one old, one twin)"
retrieve_run i72-dst
assert_result retrieve ok
assert_eq 2 "$(local_find_all i72-dst "Message-ID: <i72-dup@" | grep -c .)" "third run"
echo "scenario uidvalidity twin: matched once, the twin delivered" >&2

# a Message-ID of 70 KiB
long=$IT_WORK/msgs/i72-long
python3 - "$long" <<'PY'
import sys
mid = "<" + "L" * (70 * 1024) + "@retrieve-it>"
open(sys.argv[1], "w").write(
    "From: a@example.org\nSubject: Long id\nMessage-ID: %s\n\nLONG-ID-BODY\n" % mid)
PY
fake_imap_start i72l normal "$long" "$(make_msg i72l-2 "After the long one")"
local_user i72l-dst $(fake_imap_acct retrieve retrieve_keep=yes)
retrieve_run i72l-dst
assert_result retrieve ok
retrieve_run i72l-dst
assert_result retrieve ok
assert_eq 1 "$(local_find_all i72l-dst LONG-ID-BODY | grep -c .)" "copies of the long-id message"
assert_message_once i72l-dst INBOX i72l-2
for f in $(state_files i72l-dst); do
	grep -q LLLLLLLL "$f" && fail "the state holds the Message-ID itself: $f"
done
echo "scenario long Message-ID: state readable, hashed" >&2

case_pass
