#!/usr/bin/env bash
# Case 14: a malformed account (bad option value; unsupported URL scheme)
# gives config_error naming the account and the field, exit non-zero,
# while the user's good account 1 still retrieves. retrieve_on_login is
# a boolean like the others: true is yes, a value neither yes nor no is
# a configuration error naming it.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user cfg-src1
remote_user cfg-src2
seed_remote cfg-src1 "$(make_msg cfg-1 "Config one")"
seed_remote cfg-src2 "$(make_msg cfg-2 "Config two")"

# retrieve2_ssl=bogus
local_user cfg-dst1 $(acct retrieve cfg-src1 pop3) \
	$(acct retrieve2 cfg-src2 pop3) retrieve2_ssl=bogus
retrieve_run cfg-dst1
assert_run_failed
assert_result retrieve2 config_error
err=$(run_field retrieve2 error)
assert_contains "$err" "retrieve2" "error column names the account"
assert_match "$err" "ssl" "error column names the field"
assert_error_logged cfg-dst1 retrieve2 "ssl"
assert_result retrieve ok
assert_message_once cfg-dst1 INBOX cfg-1
assert_eq 1 "$(remote_count cfg-src2)" "remote count of the malformed account"

# retrieve2=ftp://...
seed_remote cfg-src1 "$(make_msg cfg-3 "Config three")"
local_user cfg-dst2 $(acct retrieve cfg-src1 pop3) retrieve2=ftp://cfg-src2@127.0.0.1:21 \
	retrieve2_password=Pw-Zq8v-ftp-unused
retrieve_run cfg-dst2
assert_run_failed
assert_result retrieve2 config_error
err=$(run_field retrieve2 error)
assert_contains "$err" "retrieve2" "error column names the account"
assert_match "$err" "url|scheme|protocol|ftp" "error column names the cause"
assert_result retrieve ok
assert_message_once cfg-dst2 INBOX cfg-3

seed_remote cfg-src1 "$(make_msg cfg-4 "Config four")"
local_user cfg-dst3 $(acct retrieve cfg-src1 pop3) retrieve_on_login=true
retrieve_run cfg-dst3
assert_result retrieve ok
assert_message_once cfg-dst3 INBOX cfg-4
local_user cfg-dst4 $(acct retrieve cfg-src1 pop3) retrieve_on_login=sometimes
retrieve_run cfg-dst4
assert_run_failed
assert_contains "$(cat "$RUN_ERR")" "retrieve_on_login: invalid boolean" \
	"doveadm names the malformed retrieve_on_login"
assert_eq 0 "$(local_count cfg-dst4 INBOX 2>/dev/null || echo 0)" \
	"messages retrieved with a malformed retrieve_on_login"

case_pass
