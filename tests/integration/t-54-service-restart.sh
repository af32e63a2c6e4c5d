#!/usr/bin/env bash
# Case 54: due times survive a restart (they come from each account's
# recorded last run), and doveadm retrieve run works alongside the
# service.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

fake_pop3_start svcrs normal
svc_write_config
svc_user svcrs-dst "retrieve=pop3://hourly@127.0.0.1:$FAKE_PORT" \
	"retrieve_password=$FAKE_PASSWORD" retrieve_interval=1h \
	"retrieve2=pop3://often@127.0.0.1:$FAKE_PORT" \
	"retrieve2_password=$FAKE_PASSWORD" retrieve2_interval=2s
svc_start
wait_until 20 eval '(($(fake_user_logins svcrs hourly) == 1 && $(fake_user_logins svcrs often) >= 1))' ||
	svc_fail "the accounts were not polled"

svc_restart
often=$(fake_user_logins svcrs often)
sleep 6
assert_eq 1 "$(fake_user_logins svcrs hourly)" "polls of the hourly account after a restart"
(($(fake_user_logins svcrs often) > often)) ||
	svc_fail "the 2s account was not polled after the restart"

# by hand, alongside the service (the account lock keeps them apart)
doveadm_run run "$SVC_CONF" -f tab retrieve run -u svcrs-dst -a retrieve
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(fake_user_logins svcrs hourly)" "polls of the hourly account after doveadm run"
svc_check_log
case_pass
