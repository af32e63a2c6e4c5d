#!/usr/bin/env bash
# Case 27: the state directory is the user's: a FIFO or a symlink at
# ~/.dovecot-retrieve/<identity>.state, .status, .log or .lock does not
# wedge or redirect anything. doveadm retrieve run and status end at once with
# internal_error naming the file, nothing is retrieved or deleted, and
# once the file is removed the account works again.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user s27src
seed_remote s27src "$(make_msg s27-1 "State file one")"
local_user s27dst $(acct retrieve s27src pop3) retrieve_keep=yes
dir=$IT_WORK/local-home/s27dst/.dovecot-retrieve

# the identity: from a first healthy run's state file name
retrieve_run s27dst
assert_run_ok
state=$(state_files s27dst)
[[ -n $state ]] || fail "harness: no state file"
base=${state%.state}
cp "$state" "$CASE_OUT/state.saved"
chown "$MAIL_USER:" "$CASE_OUT/state.saved"

for suffix in .state .status .log .lock; do
	for kind in fifo symlink; do
		rm -f "$base$suffix"
		if [[ $kind == fifo ]]; then
			mkfifo "$base$suffix"
		else
			ln -s "$CASE_OUT/state.saved" "$base$suffix"
		fi
		chown -h "$MAIL_USER:" "$base$suffix"
		start=$(date +%s%N)
		retrieve_run s27dst
		elapsed=$((($(date +%s%N) - start) / 1000000))
		((elapsed <= 10000)) || fail "$suffix $kind: run took ${elapsed} ms"
		assert_run_failed
		assert_result retrieve internal_error
		err=$(run_field retrieve error)
		assert_contains "$err" "$(basename "$base$suffix")" "$suffix $kind: error names the file"
		assert_match "$err" "not a regular file|symbolic link" "$suffix $kind: error"
		if [[ $suffix == .state || $suffix == .status ]]; then
			retrieve_cmd status s27dst
			assert_match "$(run_field retrieve error)" \
				"not a regular file|symbolic link" "$suffix $kind: status error"
		fi
		rm -f "$base$suffix"
		[[ $suffix == .state ]] && cp -p "$CASE_OUT/state.saved" "$state"
	done
done
assert_eq 1 "$(remote_count s27src)" "remote count"

retrieve_run s27dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "messages after the files are repaired"
assert_message_once s27dst INBOX s27-1

case_pass
