#!/usr/bin/env bash
# Case 8: a server whose certificate does not verify (self-signed) is
# refused with a clear error, both over pop3s:// and STLS, and its mail is
# untouched; with ssl_verify=no the same accounts work.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user untr-src1
remote_user untr-src2
seed_remote untr-src1 "$(make_msg untr-1 "Untrusted one")"
seed_remote untr-src2 "$(make_msg untr-2 "Untrusted two")"
accounts="$(acct retrieve untr-src1 pop3s untrusted) $(acct retrieve2 untr-src2 pop3 untrusted)"
local_user untr-dst $accounts

retrieve_run untr-dst
assert_run_failed
for a in retrieve retrieve2; do
	result=$(run_field $a result)
	[[ $result == remote_error || $result == remote_tempfail ]] ||
		fail "account $a: result '$result', expected remote_error (or remote_tempfail)"
	assert_match "$(run_field $a error)" "certif|verif|trust|self.signed|issuer" "account $a: error column"
	assert_error_logged untr-dst $a "certif|verif|trust|self.signed|issuer"
done
assert_eq 0 "$(local_count untr-dst INBOX)" "local count after refusal"
assert_eq 1 "$(remote_count untr-src1)" "remote count (pop3s)"
assert_eq 1 "$(remote_count untr-src2)" "remote count (STLS)"
[[ -z $(remote_logins untr-src1)$(remote_logins untr-src2) ]] ||
	fail "credentials were sent to the untrusted server"

local_user untr-dst $accounts retrieve_ssl_verify=no retrieve2_ssl_verify=no
retrieve_run untr-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_message_once untr-dst INBOX untr-1
assert_message_once untr-dst INBOX untr-2

case_pass
