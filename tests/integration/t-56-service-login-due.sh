#!/usr/bin/env bash
# Case 56: a login runs an account that is nearly due (at least half its
# interval since the last run) at once, ahead of its interval.
# retrieve_on_login=true is yes, as every boolean setting reads it.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

remote_user svcdue-src
svc_write_config
svc_user svcdue-dst $(acct retrieve svcdue-src pop3) retrieve_interval=24s \
	retrieve_on_login=true
svc_start
# never ran: the start's scan runs it at once
wait_until 20 eval '[[ -n $(remote_logins svcdue-src) ]]' ||
	svc_fail "the account was not polled at start"
t0=$(date +%s)
seed_remote svcdue-src "$(make_msg svcdue-1 "Hello nearly due")"
# half the interval (12 s) has passed: a login runs it now, not at 24 s
sleep $((t0 + 13 - $(date +%s)))
svc_login svcdue-dst
wait_until 6 eval '[[ $(svc_count svcdue-dst) == 1 ]]' ||
	svc_fail "the login did not run the nearly due account"
elapsed=$(($(date +%s) - t0))
((elapsed < 22)) || svc_fail "retrieved ${elapsed}s after the last run: not the login's doing"
assert_eq 2 "$(remote_logins svcdue-src | grep -c .)" "polls"
svc_check_log
case_pass
