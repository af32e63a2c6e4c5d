#!/usr/bin/env bash
# Case 69: a run that retrieves nothing (no new UID, none gone) leaves
# <identity>.state alone (same inode, mtime and bytes: no temp file, no
# fsync) and writes its status to <identity>.status, which doveadm
# retrieve status shows. A crash right after that status write (doveadm
# SIGKILLed as it closes .status, through strace's fault injection), and what a power loss could leave of the unsynced
# file (cut, zeroed, gone), lose nothing and duplicate nothing: the next
# runs retrieve nothing again, and a new message exactly once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin

remote_user e69src
seed_remote e69src "$(make_msg e69-1 "Empty one")" "$(make_msg e69-2 "Empty two")"
local_user e69dst $(acct retrieve e69src pop3) retrieve_keep=yes

retrieve_run e69dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "first run: messages"
state=$(state_files e69dst)
status=$(status_files e69dst)
[[ -n $state && -n $status ]] || fail "no state or status file after the first run"
cp -p "$state" "$CASE_OUT/state.saved"
state_stat() { stat -c '%i %s %y' "$state"; }
saved_stat=$(state_stat)
status_ino=$(stat -c %i "$status")
retrieve_cmd status e69dst
first_last_run=$(run_field retrieve last_run)

# check_unchanged WHAT: .state is the first run's, untouched
check_unchanged() {
	assert_eq "$saved_stat" "$(state_stat)" "$1: .state inode, size, mtime"
	cmp -s "$CASE_OUT/state.saved" "$state" || fail "$1: .state changed"
	[[ -z $(find "$(dirname "$state")" -name '*.tmp' -o -name '*.log') ]] ||
		fail "$1: a temp file or journal was left"
}

# (last_run has a resolution of seconds)
sleep 1.1
retrieve_run e69dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "empty run: messages"
check_unchanged "empty run"
assert_eq "$status_ino" "$(stat -c %i "$status")" "empty run: .status written in place"
retrieve_cmd status e69dst
assert_eq 2 "$(run_field retrieve runs)" "status: runs after the empty run"
assert_eq 2 "$(run_field retrieve total_messages)" "status: total messages"
assert_ne "$first_last_run" "$(run_field retrieve last_run)" "status: last_run of the empty run"

# crash right after the empty run's status write: SIGKILL at the close
# of .status after writing it (its first close is the read at open)
# (tools/setup.sh and tools/setup-2.4.sh install strace)
command -v strace >/dev/null || fail "harness: strace is not installed"
RUN_CMD="strace ... doveadm retrieve run -u e69dst"
RUN_OUT=$CASE_OUT/crash.out RUN_ERR=$CASE_OUT/crash.err RUN_RC=0
timeout "$RUN_TIMEOUT" strace -f -qq -o /dev/null -P "$status" -e trace=close \
	-e inject=close:signal=SIGKILL:when=2 \
	doveadm -c "$LOCAL_CONF" -f tab retrieve run -u e69dst \
	>"$RUN_OUT" 2>"$RUN_ERR" || RUN_RC=$?
assert_eq 137 "$RUN_RC" "the run was killed (exit code)"
check_unchanged "killed empty run"
retrieve_cmd status e69dst
assert_eq 3 "$(run_field retrieve runs)" "status: the killed run's status was written"


# what a power loss could leave of the unsynced .status: the status of
# the last rewrite of .state holds, the UIDs are all there
for damage in cut zeroed gone; do
	case $damage in
	cut) head -c 40 "$CASE_OUT/state.saved" >"$status" ;;
	zeroed) head -c "$(stat -c %s "$status")" /dev/zero >"$status.new" &&
		cat "$status.new" >"$status" && rm -f "$status.new" ;;
	gone) rm -f "$status" ;;
	esac
	retrieve_cmd status e69dst
	assert_eq 1 "$(run_field retrieve runs)" "$damage .status: runs from .state"
	retrieve_run e69dst
	assert_run_ok
	assert_result retrieve ok
	assert_eq 0 "$(run_field retrieve messages)" "$damage .status: messages"
	check_unchanged "$damage .status"
	assert_eq 2 "$(local_count e69dst INBOX)" "$damage .status: local count"
done
retrieve_cmd status e69dst
assert_eq 2 "$(run_field retrieve runs)" "status after the damage and a run"

# nothing lost: a new message is retrieved once, and .state rewritten
seed_remote e69src "$(make_msg e69-3 "Empty three")"
retrieve_run e69dst
assert_run_ok
assert_eq 1 "$(run_field retrieve messages)" "new message: messages"
assert_ne "$saved_stat" "$(state_stat)" "a run that records a UID rewrites .state"
retrieve_run e69dst
assert_eq 0 "$(run_field retrieve messages)" "after the new message: messages"
assert_eq 3 "$(local_count e69dst INBOX)" "local count"
for m in e69-1 e69-2 e69-3; do
	assert_message_once e69dst INBOX "$m"
done
assert_eq 3 "$(remote_count e69src)" "remote count (keep=yes)"

case_pass
