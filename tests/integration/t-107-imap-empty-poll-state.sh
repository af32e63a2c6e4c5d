#!/usr/bin/env bash
# Case 107: an IMAP run that retrieves nothing (folders=mirror, keep=yes)
# leaves <identity>.state alone (same inode, mtime and bytes) and keeps
# the folders' statistics in <identity>.status: doveadm retrieve status
# shows each folder's last run as the empty one. New mail in one folder
# is retrieved once by the next run, which rewrites .state.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i107src
imapr_py i107src <<'PY'
M.create("Work")
append("INBOX", "i107-in1", "inbox 1")
append("INBOX", "i107-in2", "inbox 2")
append("Work", "i107-work1", "work 1")
PY
local_user i107dst $(imapr_acct retrieve i107src) retrieve_folders=mirror \
	retrieve_folder=Imp retrieve_keep=yes
imap_retrieve_run i107dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "first run"
state=$(state_files i107dst)
[[ -n $state ]] || fail "no state file after the first run"
cp -p "$state" "$CASE_OUT/state.saved"
state_stat() { stat -c '%i %s %y' "$state"; }
saved_stat=$(state_stat)
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i107dst
first_work_run=$(folder_field retrieve Work last_run)
[[ -n $first_work_run ]] || fail "status: no last_run of folder Work"

sleep 1.1
imap_retrieve_run i107dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "empty run"
assert_eq "$saved_stat" "$(state_stat)" "empty run: .state inode, size, mtime"
cmp -s "$CASE_OUT/state.saved" "$state" || fail "empty run: .state changed"
[[ -n $(status_files i107dst) ]] || fail "empty run: no .status"
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i107dst
assert_eq 2 "$(run_field retrieve runs)" "status: runs"
assert_ne "$first_work_run" "$(folder_field retrieve Work last_run)" \
	"status: folder Work's last run is the empty run"
assert_eq 0 "$(folder_field retrieve Work last_messages)" "status: Work's last messages"
assert_eq 1 "$(folder_field retrieve Work total_messages)" "status: Work's total"

imapr_py i107src <<'PY'
append("Work", "i107-work2", "work 2")
PY
imap_retrieve_run i107dst
assert_run_ok
assert_eq 1 "$(run_field retrieve messages)" "new message"
assert_ne "$saved_stat" "$(state_stat)" "a run that records a UID rewrites .state"
imap_retrieve_run i107dst
assert_eq 0 "$(run_field retrieve messages)" "after the new message"
assert_eq 2 "$(local_imap_count i107dst Imp)" "local Imp"
assert_eq 2 "$(local_imap_count i107dst Imp/Work)" "local Imp/Work"
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i107dst
assert_eq 2 "$(folder_field retrieve Work total_messages)" "status: Work's total at the end"

case_pass
