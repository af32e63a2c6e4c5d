#!/usr/bin/env bash
# Case 28: the run deadline and SIGTERM during an IMAP run
# (keep=no, 5000 messages through Sieve): the run ends at once without a panic, every
# message is either local or still on the remote (flagged \Deleted only
# when delivered), and a healthy run then finishes the mailbox: each
# message exactly once locally, the remote empty.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

N=5000
# mail_debug makes each message slower (debug lines), so that the runs
# are usually still retrieving when the deadline or the signal comes
slow_conf=$ETC/imap-slow.conf
printf '!include %s\nmail_debug = yes\n' "$LOCAL_IMAP_CONF" >"$slow_conf"
conf=$ETC/imap-run-timeout.conf
printf '!include %s\nplugin {\n  retrieve_run_timeout = 1s\n}\n' "$slow_conf" >"$conf"

check_interrupted() { # WHAT
	local local_n remote_n
	assert_run_failed
	local_n=$(local_imap_count "$user" INBOX)
	remote_n=$(imapr_count "$src" INBOX)
	# (the result proves the abort path ran; mail_debug makes it come
	# mid-run on this machine, but a fast one may finish the deliveries
	# first and be stopped in LOGOUT)
	echo "$1: stopped after $local_n of $N messages"
	# messages flagged by this run stay until a run expunges them
	((local_n + remote_n >= N)) ||
		fail "$1: $local_n local + $remote_n remote < $N: mail lost"
	assert_eq "" "$(local_msgid_dups "$user")" "$1: duplicates"
}

check_recovery() { # WHAT
	imap_retrieve_run "$user"
	assert_run_ok
	assert_result retrieve ok
	assert_eq "$N" "$(local_imap_count "$user" INBOX)" "$1: local count after recovery"
	assert_eq "" "$(local_msgid_dups "$user")" "$1: duplicates after recovery"
	assert_eq 0 "$(imapr_count "$src" INBOX)" "$1: remote count after recovery"
}

# the run deadline
user=i28a src=i28asrc
remote_user i28asrc
imapr_seed_maildir i28asrc INBOX "$N" i28a 1000
local_user "$user" $(imapr_acct retrieve i28asrc imap)
RUN_CONF=$conf retrieve_run "$user"
assert_result retrieve remote_tempfail
assert_match "$(run_field retrieve error)" "Run timeout after 1 s" "run timeout error"
check_interrupted "run timeout"
check_recovery "run timeout"

# SIGTERM
user=i28b src=i28bsrc
remote_user i28bsrc
imapr_seed_maildir i28bsrc INBOX "$N" i28b 1000
local_user "$user" $(imapr_acct retrieve i28bsrc imap)
RUN_CONF=$slow_conf retrieve_run_bg "$user"
for i in $(seq 100); do
	(($(local_file_count "$user") > 0)) && break
	sleep 0.1
done
tpid=$(pgrep -P "$BG_PID" -x timeout) || fail "harness: no timeout process"
dpid=$(pgrep -P "$tpid" -x doveadm) || fail "harness: no doveadm process (run too fast?)"
kill -TERM "$dpid"
retrieve_wait_bg
assert_result retrieve local_tempfail
check_interrupted "SIGTERM"
check_recovery "SIGTERM"

case_pass
