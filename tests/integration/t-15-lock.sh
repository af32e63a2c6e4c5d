#!/usr/bin/env bash
# Case 15: two concurrent runs of one account exclude each other: while a
# first run is held up inside RETR (a fake server stalls there until told
# to go on), a second run reports "locked" with a non-zero exit and
# delivers nothing; the first then finishes normally. Then, against the
# real server: while another process holds the account's lock file (fcntl
# and flock), a run reports "locked".
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

fake_pop3_start lock stall-retr "$(make_msg lock-1 "Lock one")" "$(make_msg lock-2 "Lock two")"
local_user lock-dst $(fake_acct retrieve)

retrieve_run_bg lock-dst
wait_file "$IT_WORK/fake/lock.stalled" 30 || {
	touch "$IT_WORK/fake/lock.release"
	retrieve_wait_bg
	fail "the first run never reached RETR"
}
retrieve_run lock-dst
touch "$IT_WORK/fake/lock.release"
assert_run_failed
assert_result retrieve locked
assert_error_logged lock-dst retrieve "lock"
retrieve_wait_bg
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "first run: messages column"
assert_message_once lock-dst INBOX lock-1
assert_message_once lock-dst INBOX lock-2
fake_pop3_stop lock

# Someone else holds the lock file of a real-server account.
remote_user lock-src
seed_remote lock-src "$(make_msg lock-3 "Lock three")"
local_user lock-dst2 $(acct retrieve lock-src pop3) retrieve_keep=yes
retrieve_run lock-dst2
assert_result retrieve ok
lockfile=$(find "$IT_WORK/local-home/lock-dst2" -name '*.lock' | head -1)
if [[ -n $lockfile ]]; then
	python3 - "$lockfile" "$CASE_OUT/holding" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
g = open(sys.argv[1], "r")              # a second open file description
fcntl.flock(g, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
time.sleep(60)
PY
	holder=$!
	wait_file "$CASE_OUT/holding" 10 || { kill_pid $holder; fail "could not lock $lockfile"; }
	retrieve_run lock-dst2
	kill_pid $holder
	assert_run_failed
	assert_result retrieve locked
	retrieve_run lock-dst2
	assert_result retrieve ok
else
	echo "  (no *.lock file left after a run; the lock-holder part is skipped)"
fi

case_pass
