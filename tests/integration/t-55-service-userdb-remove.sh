#!/usr/bin/env bash
# Case 55: a user removed from the userdb stops being polled (the next
# userdb scan drops it); another user goes on.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

fake_pop3_start svcrm normal
svc_write_config retrieve_userdb_scan_interval=3s
svc_user svcrm-gone "retrieve=pop3://gone@127.0.0.1:$FAKE_PORT" \
	"retrieve_password=$FAKE_PASSWORD" retrieve_interval=2s
svc_user svcrm-stay "retrieve=pop3://stay@127.0.0.1:$FAKE_PORT" \
	"retrieve_password=$FAKE_PASSWORD" retrieve_interval=2s
svc_start
wait_until 20 eval '(($(fake_user_logins svcrm gone) >= 2))' ||
	svc_fail "the account was not polled"

svc_user_remove svcrm-gone
# one scan (3 s) and a run already under way
sleep 5
gone=$(fake_user_logins svcrm gone) stay=$(fake_user_logins svcrm stay)
sleep 8
assert_eq "$gone" "$(fake_user_logins svcrm gone)" "polls of the removed user"
(($(fake_user_logins svcrm stay) > stay)) ||
	svc_fail "the remaining user was not polled"
svc_check_log
case_pass
