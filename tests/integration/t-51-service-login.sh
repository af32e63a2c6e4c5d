#!/usr/bin/env bash
# Case 51: a user the scheduler does not know yet (added after its userdb
# scan) logs in over IMAP: the mail plugin tells the scheduler, which
# learns the accounts and retrieves at once. A second login right after
# polls nothing more (rate limit: the account is not nearly due).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

remote_user svclogin-src
svc_write_config retrieve_userdb_scan_interval=1h
svc_start
svc_user svclogin-dst $(acct retrieve svclogin-src pop3) retrieve_interval=1h
seed_remote svclogin-src "$(make_msg svclogin-1 "Hello at login")"

sleep 2
assert_eq "" "$(remote_logins svclogin-src)" "polls before the login"
t0=$(date +%s)
svc_login svclogin-dst
wait_until 10 eval '[[ $(svc_count svclogin-dst) == 1 ]]' ||
	svc_fail "no retrieval after the login"
elapsed=$(($(date +%s) - t0))
((elapsed <= 6)) || svc_fail "retrieved ${elapsed}s after the login"
assert_eq 1 "$(remote_logins svclogin-src | grep -c .)" "polls after the login"

svc_login svclogin-dst
sleep 3
assert_eq 1 "$(remote_logins svclogin-src | grep -c .)" "polls after a second login"
svc_check_log
case_pass
