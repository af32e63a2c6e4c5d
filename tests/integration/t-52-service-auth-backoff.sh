#!/usr/bin/env bash
# Case 52: a wrong password backs off exponentially (the fake server
# counts the attempts) and, after repeated authentication failures, the
# account is paused; changing the password in the userdb ends the pause
# with one immediate try.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

fake_pop3_start svcauth normal
wrong=Pw-Wrong-$RANDOM$RANDOM
note_password "$wrong"
svc_write_config retrieve_userdb_scan_interval=3s
svc_user svcauth-dst "retrieve=pop3://fakeuser@127.0.0.1:$FAKE_PORT" \
	"retrieve_password=$wrong" retrieve_interval=2s
svc_start

# interval 2s: without back-off there would be ~15 attempts in 30 s
wait_until 40 eval '(($(fake_logins svcauth) >= 3))' ||
	svc_fail "only $(fake_logins svcauth) login attempts"
mapfile -t times < <(fake_login_times svcauth)
t1=$(hms_secs "${times[0]}") t2=$(hms_secs "${times[1]}") t3=$(hms_secs "${times[2]}")
gap1=$((t2 - t1)) gap2=$((t3 - t2))
((gap1 >= 3 && gap2 > gap1)) ||
	svc_fail "attempts ${times[*]}: gaps ${gap1}s, ${gap2}s do not grow"

# paused: nothing more, however long
sleep 12
assert_eq 3 "$(fake_logins svcauth)" "login attempts while paused"
ls "$(svc_state_dir svcauth-dst)"/*.pause >/dev/null 2>&1 ||
	svc_fail "no pause marker in $(svc_state_dir svcauth-dst)"
grep -q "svcauth-dst.*Paused after 3 authentication failures" "$SVC_LOG" ||
	svc_fail "the pause was not logged"
# doveadm shows what the service will do
doveadm_run status "$SVC_CONF" -f tab retrieve status -u svcauth-dst
assert_eq paused "$(field retrieve schedule "$RUN_OUT")" "status schedule column"
assert_eq auth_failed "$(field retrieve result "$RUN_OUT")" "status result column"

# the right password: one try at once (the next scan sees the change)
svc_user svcauth-dst "retrieve=pop3://fakeuser@127.0.0.1:$FAKE_PORT" \
	"retrieve_password=$FAKE_PASSWORD" retrieve_interval=2s
wait_until 15 eval 'grep -q "+OK logged in" "$IT_WORK/fake/svcauth.log"' ||
	svc_fail "no login after the password changed"
wait_until 5 eval '! ls "$(svc_state_dir svcauth-dst)"/*.pause >/dev/null 2>&1' ||
	svc_fail "the pause marker stayed after a successful run"
svc_check_log
case_pass
