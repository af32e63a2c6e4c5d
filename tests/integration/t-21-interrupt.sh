#!/usr/bin/env bash
# Case 21: SIGTERM and SIGINT (Ctrl-C) of `doveadm retrieve run` while the
# server stalls a RETR: doveadm exits non-zero without a panic, the run is
# recorded as local_tempfail "Run interrupted", nothing is deleted on the
# server, the lock is released, and the next run retrieves everything once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

check_signal() { # SIGNAL
	local sig=$1 name=int-${1,,} tpid dpid
	rm -f "$IT_WORK/fake/$name.release"
	fake_pop3_start "$name" stall-retr "$(make_msg "$name-1" "Interrupt one")" \
		"$(make_msg "$name-2" "Interrupt two")"
	local_user "$name-dst" $(fake_acct retrieve)
	retrieve_run_bg "$name-dst"
	wait_file "$IT_WORK/fake/$name.stalled" 20 || fail "$sig: the server never stalled"
	# the subshell runs timeout, which runs doveadm
	tpid=$(pgrep -P "$BG_PID" -x timeout) || fail "harness: no timeout process"
	dpid=$(pgrep -P "$tpid" -x doveadm) || fail "harness: no doveadm process"
	kill -s "$sig" "$dpid"
	retrieve_wait_bg
	assert_run_failed
	assert_result retrieve local_tempfail
	assert_match "$(run_field retrieve error)" "interrupted" "$sig: error column"
	assert_eq 2 "$(fake_count "$name")" "$sig: messages left on the server"
	assert_eq 0 "$(local_file_count "$name-dst")" "$sig: local messages"

	retrieve_cmd status "$name-dst"
	assert_eq local_tempfail "$(run_field retrieve result)" "$sig: recorded result"

	touch "$IT_WORK/fake/$name.release"
	retrieve_run "$name-dst"
	assert_run_ok
	assert_result retrieve ok
	assert_eq 2 "$(run_field retrieve messages)" "$sig: next run's messages"
	assert_eq 0 "$(fake_count "$name")" "$sig: left on the server after the next run"
	assert_message_once "$name-dst" INBOX "$name-1"
	assert_message_once "$name-dst" INBOX "$name-2"
	fake_pop3_stop "$name"
}

check_signal TERM
check_signal INT

case_pass
