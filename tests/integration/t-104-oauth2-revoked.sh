#!/usr/bin/env bash
# Case 104: the user revoked the application's access. The cached token
# is refused, the refresh answers invalid_grant: the run ends auth_failed
# with one error line naming user, account and that the account must be
# re-authorised, and the account is paused at once (no three tries: a
# revoked refresh token never comes back). A new refresh token in the
# userdb and a run bring it back. The service does the same: one refused
# refresh, the pause marker and one warning, nothing more until a new
# refresh token appears in the userdb; then one try at once.
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

# --- the service
svc_init
SVC_EXTRA_CONF="!include $ETC/oauth2-providers.conf" \
	svc_write_config retrieve_userdb_scan_interval=3s
oauth2_ctl revoke user=oa-rev >/dev/null
svc_user oa-rev-svc $(oauth2_acct retrieve pop3s oa-rev test "$rt") \
	retrieve_keep=yes retrieve_interval=2s
refreshes=$(oauth2_stat refreshes)
svc_start
wait_until 30 eval 'grep -q "oa-rev-svc.*Paused: the OAuth2 refresh token was refused" "$SVC_LOG"' ||
	svc_fail "the service did not pause the account"
ls "$(svc_state_dir oa-rev-svc)"/*.pause >/dev/null 2>&1 ||
	svc_fail "no pause marker"
# interval 2s: without the pause there would be several more refreshes
sleep 8
assert_eq $((refreshes + 1)) "$(oauth2_stat refreshes)" "refreshes while paused"

# re-authorised: the next scan sees new settings and runs it once
svc_user oa-rev-svc $(oauth2_acct retrieve pop3s oa-rev test "$(oauth2_grant oa-rev)") \
	retrieve_keep=yes retrieve_interval=2s
wait_until 20 eval '! ls "$(svc_state_dir oa-rev-svc)"/*.pause >/dev/null 2>&1' ||
	svc_fail "the pause marker stayed after re-authorisation"
assert_eq 2 "$(find "$SVC_DIR/home/oa-rev-svc/Maildir" -path '*/new/*' -o -path '*/cur/*' -type f | grep -c .)" \
	"messages the service retrieved"
svc_check_log

case_pass
