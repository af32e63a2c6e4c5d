#!/usr/bin/env bash
# Case 70: a hostile IMAP server that quotes the login command back (BAD,
# NO, untagged BYE; LOGIN and AUTHENTICATE PLAIN) never gets the password
# or its base64 forms into the result, the log, the state or the status.
# Also: a normal LOGOUT logs no warning.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

check_login() { # MODE PASSWORD-KIND RESULT
	local mode=$1 kind=$2 name=i70-$1-$2 user
	user=$name-dst
	if [[ $kind == sasl ]]; then
		# 8-bit: imapc must use AUTHENTICATE PLAIN, not LOGIN
		FAKE_IMAP_PW=$(printf 'Pw-Zq8v-\xc3\xa9t\xc3\xa9-%s' "$RANDOM$RANDOM")
	else
		FAKE_IMAP_PW=Pw-Zq8v-i70-$RANDOM$RANDOM
	fi
	fake_imap_start "$name" "$mode" "$(make_msg "$name-1" "Secret one")"
	unset FAKE_IMAP_PW
	local_user "$user" $(fake_imap_acct retrieve)
	retrieve_run "$user"
	local out=$RUN_OUT err=$RUN_ERR
	assert_run_failed
	assert_result retrieve "$3"
	assert_ne "" "$(run_field retrieve error)" "$mode/$kind: error column"
	grep -q "C: [^ ]* $( [[ $kind == sasl ]] && echo AUTHENTICATE || echo LOGIN)" \
		"$IT_WORK/fake/$name.log" || fail "$mode/$kind: the fake saw no such login"
	retrieve_cmd status "$user"
	assert_no_secret "$out" "$err" "$RUN_OUT" "$RUN_ERR" $(state_files "$user") \
		$(status_files "$user")
	assert_eq 1 "$(fake_count "$name")" "$mode/$kind: messages left"
	echo "scenario login $mode/$kind: $3, no secret shown" >&2
}

for kind in login sasl; do
	check_login login-bad $kind remote_error
	check_login login-no $kind auth_failed
	check_login login-bye $kind remote_tempfail
done

# the normal goodbye (* BYE after LOGOUT) is no warning
fake_imap_start i70-ok normal "$(make_msg i70-ok-1 "Fine one")"
local_user i70-ok-dst $(fake_imap_acct retrieve)
retrieve_run i70-ok-dst
assert_run_ok
assert_result retrieve ok
assert_message_once i70-ok-dst INBOX i70-ok-1
assert_eq 0 "$(fake_count i70-ok)" "messages left after a normal run"
grep -E "Warning|Error" "$RUN_ERR" &&
	fail "a normal run logged a warning or error"
echo "scenario normal LOGOUT: no warning" >&2

case_pass
