#!/usr/bin/env bash
# IMAP crash and UIDVALIDITY, against real Dovecot:
# - keep=no, doveadm SIGKILLed in the middle of a 400-message folder: the
#   next run retrieves the rest and expunges everything, with no loss and
#   at most one duplicate (the message whose local commit happened just
#   before its journal record: the documented "a crash can cause at most
#   one duplicate").
# - keep=yes, the remote folder deleted and recreated with the same
#   messages (new UIDVALIDITY): nothing is retrieved twice (Message-ID +
#   size matching), the change is logged, and a new message in the
#   recreated folder is still retrieved.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

N=400
remote_user i45src
imapr_seed_maildir i45src INBOX $N i45 20000
local_user i45dst $(imapr_acct retrieve i45src) retrieve_filter=no
RUN_CONF=$LOCAL_IMAP_CONF retrieve_start_killable i45dst
for i in $(seq 300); do
	(($(local_file_count i45dst) >= 120)) && break
	sleep 0.05
done
kill -KILL "$KILL_PID" 2>/dev/null || fail "harness: the run ended before it was killed"
wait "$KILL_PID" 2>/dev/null
got=$(local_file_count i45dst)
((got > 0 && got < N)) || fail "harness: killed with $got of $N delivered"

imap_retrieve_run i45dst
assert_run_ok
assert_result retrieve ok
dups=$(local_msgid_dups i45dst)
assert_eq "$N" "$(local_msgid_counts i45dst | grep -c .)" "distinct messages after resuming"
(($(grep -c . <<<"$dups") <= 1)) || fail "more than one duplicate: $dups"
assert_eq 0 "$(imapr_count i45src INBOX)" "remote INBOX after resuming"
((got + $(run_field retrieve messages) <= N + 1)) || fail "resumed run fetched $(run_field retrieve messages) after $got"

# --- UIDVALIDITY
remote_user i45uv
imapr_py i45uv <<'PY'
M.create("Work")
for i in range(1, 6):
    append("Work", "i45uv-%d" % i, "work %d" % i, "\\Seen")
append("INBOX", "i45uv-in", "inbox")
PY
local_user i45uvdst $(imapr_acct retrieve i45uv) retrieve_folders=mirror retrieve_folder=Imp retrieve_keep=yes
imap_retrieve_run i45uvdst
assert_run_ok
assert_eq 6 "$(run_field retrieve messages)" "first run"
uv1=$(doveadm -c "$IMAPR_CONF" -f tab mailbox status -u i45uv uidvalidity Work | tail -1)
imapr_py i45uv <<'PY'
M.delete("Work")
time.sleep(1.1)
M.create("Work")
for i in range(1, 6):
    append("Work", "i45uv-%d" % i, "work %d" % i, "\\Seen")
append("Work", "i45uv-new", "new after recreate")
PY
uv2=$(doveadm -c "$IMAPR_CONF" -f tab mailbox status -u i45uv uidvalidity Work | tail -1)
assert_ne "$uv1" "$uv2" "harness: UIDVALIDITY of the recreated folder"
imap_retrieve_run i45uvdst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "after the UIDVALIDITY change"
assert_eq 1 "$(folder_field retrieve Work messages)" "Work row"
assert_error_logged i45uvdst retrieve "UIDVALIDITY changed"
assert_eq 6 "$(local_imap_count i45uvdst Imp/Work)" "local Work"
assert_eq "" "$(local_msgid_dups i45uvdst)" "duplicates"
# and the new UIDs are recorded: the next run fetches nothing
imap_retrieve_run i45uvdst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "run after the change"
grep -q "UIDVALIDITY changed" "$RUN_ERR" && fail "UIDVALIDITY change logged twice"
case_pass
