#!/usr/bin/env bash
# Case 33: RFC 2449/3206 response codes on a refused login (fake server
# answering PASS with "-ERR [CODE] ..."): [IN-USE] and [LOGIN-DELAY] are
# temporary (remote_tempfail), [AUTH] is auth_failed; the error shows the
# code, the exit code is non-zero, nothing is retrieved or deleted.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

check_code() { # CODE EXPECTED_RESULT
	local code=$1 want=$2 name
	name=rc-$(tr '[:upper:]' '[:lower:]' <<<"$code")
	fake_pop3_start "$name" "login-err:$code" \
		"$(make_msg "$name-1" "Resp code one")" "$(make_msg "$name-2" "Resp code two")"
	local_user "$name-dst" $(fake_acct retrieve)
	retrieve_run "$name-dst"
	assert_run_failed
	assert_result retrieve "$want"
	assert_contains "$(run_field retrieve error)" "[$code]" "error column of $code"
	assert_eq 0 "$(run_field retrieve messages)" "messages column of $code"
	assert_error_logged "$name-dst" retrieve "\\[$code\\]"
	# the refusal came at PASS, after a TLS upgrade
	fake_log "$name" | grep 'C: STLS' >/dev/null || fail "$code: no STLS before the login"
	fake_log "$name" | grep 'C: PASS <hidden>' >/dev/null || fail "$code: no PASS sent"
	fake_log "$name" | grep -E 'C: (UIDL|LIST|RETR|DELE)' >/dev/null &&
		fail "$code: the client went on after the refused login"
	assert_eq 0 "$(local_file_count "$name-dst")" "local messages after $code"
	assert_eq 2 "$(fake_count "$name")" "messages left on the server after $code"
	# status remembers the outcome
	retrieve_cmd status "$name-dst"
	assert_eq "$want" "$(run_field retrieve result)" "status result of $code"
	assert_contains "$(run_field retrieve error)" "[$code]" "status error of $code"
	fake_pop3_stop "$name"
}

check_code IN-USE remote_tempfail
check_code LOGIN-DELAY remote_tempfail
check_code AUTH auth_failed

case_pass
