#!/usr/bin/env bash
# Case 7: a wrong password gives result auth_failed with a clear error (also
# logged, naming user and account) and a non-zero exit, while the user's
# second, good account still retrieves in the same run.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user authf-src1
remote_user authf-src2
seed_remote authf-src1 "$(make_msg authf-1 "Not for you")"
seed_remote authf-src2 "$(make_msg authf-2 "For you")"
wrong=Pw-Wrong-$RANDOM$RANDOM
local_user authf-dst "retrieve=$(url pop3 authf-src1)" "retrieve_password=$wrong" \
	$(acct retrieve2 authf-src2 pop3)

retrieve_run authf-dst
assert_run_failed
assert_result retrieve auth_failed
assert_match "$(run_field retrieve error)" "auth|password|login|credential|denied" "error column"
assert_error_logged authf-dst retrieve "auth|password|login|credential|denied"
assert_result retrieve2 ok
assert_eq 1 "$(run_field retrieve2 messages)" "good account: messages column"
assert_message_once authf-dst INBOX authf-2
assert_eq 0 "$(local_find_all authf-dst 'authf-1@retrieve-it' | grep -c .)" "copies of the other account's mail"
assert_eq 1 "$(remote_count authf-src1)" "remote count of the failed account"

case_pass
