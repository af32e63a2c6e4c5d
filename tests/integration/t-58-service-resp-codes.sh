#!/usr/bin/env bash
# Case 58: POP3 response codes on a refused login under the service (fake
# servers answering PASS with "-ERR [CODE] ..."):
# - [IN-USE]: retried after about one interval, again and again, without
#   a growing back-off and never paused;
# - [LOGIN-DELAY]: waits max(interval, 15 min): no second attempt within
#   the test window, not even after a login;
# - [LOGIN-DELAY] from a server whose CAPA announced "LOGIN-DELAY 120":
#   waits those 120 s instead of 15 min; the state file holds the
#   response code and the delay (the schedule acts on them, not on text);
# doveadm retrieve status shows "backoff" and the reason for both.
# The three accounts (three users) run side by side in one instance.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

svc_write_config
fake_pop3_start svcinuse login-err:IN-USE "$(make_msg svcinuse-1 "In use")"
svc_user svcinuse-dst $(fake_acct retrieve) retrieve_interval=3s
fake_pop3_start svcdelay login-err:LOGIN-DELAY "$(make_msg svcdelay-1 "Delayed")"
svc_user svcdelay-dst $(fake_acct retrieve) retrieve_interval=3s
fake_pop3_start svccapa login-err:LOGIN-DELAY:120 "$(make_msg svccapa-1 "Capa")"
svc_user svccapa-dst $(fake_acct retrieve) retrieve_interval=3s
svc_start

# never ran: both are tried at once
wait_until 20 eval '(($(fake_logins svcinuse) >= 1 && $(fake_logins svcdelay) >= 1 && $(fake_logins svccapa) >= 1))' ||
	svc_fail "first attempts missing: IN-USE $(fake_logins svcinuse), LOGIN-DELAY $(fake_logins svcdelay), CAPA LOGIN-DELAY $(fake_logins svccapa)"
t0=$(date +%s)
# half way through the window a login of the delayed user: backing off,
# so it must not run the account
sleep 7
svc_login svcdelay-dst
sleep $((t0 + 16 - $(date +%s)))

# [IN-USE]: ~every 3 s (5-6 attempts in 16 s); a doubling back-off
# (3, 6, 12 s) would make 3, a pause fewer
mapfile -t times < <(fake_login_times svcinuse)
((${#times[@]} >= 5)) ||
	svc_fail "[IN-USE]: ${#times[@]} attempts in 16s at interval 3s: ${times[*]}"
for ((i = 1; i < ${#times[@]}; i++)); do
	gap=$(($(hms_secs "${times[i]}") - $(hms_secs "${times[i - 1]}")))
	((gap >= 2 && gap <= 5)) ||
		svc_fail "[IN-USE]: attempts ${times[*]}: gap ${gap}s, interval is 3s"
done
ls "$(svc_state_dir svcinuse-dst)"/*.pause >/dev/null 2>&1 &&
	svc_fail "[IN-USE] paused the account"
doveadm_run status "$SVC_CONF" -f tab retrieve status -u svcinuse-dst
assert_eq remote_tempfail "$(field retrieve result "$RUN_OUT")" "[IN-USE] status result"
assert_contains "$(field retrieve error "$RUN_OUT")" "[IN-USE]" "[IN-USE] status error"
assert_eq backoff "$(field retrieve schedule "$RUN_OUT")" "[IN-USE] status schedule"
assert_eq "remote mailbox in use" "$(field retrieve schedule_reason "$RUN_OUT")" \
	"[IN-USE] status schedule_reason"
assert_ne 0 "$(field retrieve runs "$RUN_OUT")" "[IN-USE] status runs"

# [LOGIN-DELAY]: the first attempt only
assert_eq 1 "$(fake_logins svcdelay)" "[LOGIN-DELAY] attempts in 16s at interval 3s"
doveadm_run status "$SVC_CONF" -f tab retrieve status -u svcdelay-dst
assert_eq remote_tempfail "$(field retrieve result "$RUN_OUT")" "[LOGIN-DELAY] status result"
assert_contains "$(field retrieve error "$RUN_OUT")" "[LOGIN-DELAY]" "[LOGIN-DELAY] status error"
assert_eq backoff "$(field retrieve schedule "$RUN_OUT")" "[LOGIN-DELAY] status schedule"
assert_eq "server asked for a login delay" \
	"$(field retrieve schedule_reason "$RUN_OUT")" "[LOGIN-DELAY] status schedule_reason"
# due 15 min after the attempt, not after the 3 s interval
due=$(date -d "$(field retrieve next_due "$RUN_OUT")" +%s) ||
	fail "[LOGIN-DELAY] next_due unparsable: $(field retrieve next_due "$RUN_OUT")"
((due - t0 >= 15 * 60 - 5 && due - t0 <= 15 * 60 + 5)) ||
	fail "[LOGIN-DELAY] next_due $((due - t0))s after the attempt, want 900s"

# [LOGIN-DELAY] with CAPA "LOGIN-DELAY 120": due 120 s after the attempt
assert_eq 1 "$(fake_logins svccapa)" "CAPA LOGIN-DELAY attempts in 16s at interval 3s"
doveadm_run status "$SVC_CONF" -f tab retrieve status -u svccapa-dst
assert_eq backoff "$(field retrieve schedule "$RUN_OUT")" "CAPA LOGIN-DELAY status schedule"
due=$(date -d "$(field retrieve next_due "$RUN_OUT")" +%s) ||
	fail "CAPA LOGIN-DELAY next_due unparsable: $(field retrieve next_due "$RUN_OUT")"
((due - t0 >= 120 - 20 && due - t0 <= 120 + 5)) ||
	fail "CAPA LOGIN-DELAY next_due $((due - t0))s after the attempt, want 120s"
# (a run that changed no UID leaves .state alone: its status is in .status)
status_line=$(grep -h '^status' "$(svc_state_dir svccapa-dst)"/*.status)
# (the response code and login delay are its 12th and 13th fields)
[[ $(cut -f12,13 <<<"$status_line") == $'LOGIN-DELAY\t120' ]] ||
	fail "CAPA LOGIN-DELAY state status record: $status_line"
# nothing was retrieved from any
assert_eq 0 "$(svc_count svcinuse-dst)" "[IN-USE] local messages"
assert_eq 0 "$(svc_count svcdelay-dst)" "[LOGIN-DELAY] local messages"
assert_eq 0 "$(svc_count svccapa-dst)" "CAPA LOGIN-DELAY local messages"
svc_check_log
case_pass
