#!/usr/bin/env bash
# Case 104: the user revoked the application's access. The cached token
# is refused, the refresh answers invalid_grant: the run ends auth_failed
# with one error line naming user, account and that the account must be
# re-authorised, and the account is paused at once (no three tries: a
# revoked refresh token never comes back). A new refresh token in the
# userdb and a run bring it back.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-rev
seed_remote oa-rev "$(make_msg oa-rev-1 "Revoked one")"
local_user oa-rev-dst $(oauth2_acct retrieve pop3s oa-rev test "$(oauth2_grant oa-rev)") \
	retrieve_keep=yes

oauth2_run oa-rev-dst
assert_run_ok
assert_result retrieve ok

oauth2_ctl revoke user=oa-rev >/dev/null
oauth2_run oa-rev-dst
assert_run_failed
assert_result retrieve auth_failed
assert_error_logged oa-rev-dst "retrieve(retrieve)" "refresh token refused .*invalid_grant.*must be re-authorised"
assert_eq 1 "$(grep -c "Error: retrieve(retrieve)" "$RUN_ERR")" "error lines"

oauth2_cmd status oa-rev-dst
assert_eq paused "$(field retrieve schedule)" "status: schedule"
assert_match "$(field retrieve schedule_reason)" "re-authorised" "status: reason"
assert_match "$(field retrieve error)" "must be re-authorised" "status: error"

rt=$(oauth2_grant oa-rev)
local_user oa-rev-dst $(oauth2_acct retrieve pop3s oa-rev test "$rt") retrieve_keep=yes
seed_remote oa-rev "$(make_msg oa-rev-2 "Revoked two")"
oauth2_run oa-rev-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(local_count oa-rev-dst INBOX)" "local INBOX after re-authorisation"
oauth2_cmd status oa-rev-dst
assert_eq scheduled "$(field retrieve schedule)" "status after re-authorisation"

case_pass
