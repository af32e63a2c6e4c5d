#!/usr/bin/env bash
# Case 105: the token endpoint unreachable is a temporary failure with the
# usual back-off, never a pause; the endpoint refusing the client (a
# wrong client secret: invalid_client) is the administrator's to fix, a
# config_error. Neither logs in anywhere, nor logs a secret. A user's own
# userdb field can't replace a provider's token URL (the client secret
# would go there): it is ignored with a warning.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-down
seed_remote oa-down "$(make_msg oa-down-1 "Down one")"
rt=$(oauth2_grant oa-down)
local_user oa-down-dst $(oauth2_acct retrieve pop3 oa-down down "$rt") \
	$(oauth2_acct retrieve2 imaps oa-down badclient "$rt") \
	"retrieve_oauth2_down_token_url=https://127.0.0.1:$OAUTH2_PORT/token"

RETRIEVE_DEBUG=1 oauth2_run oa-down-dst
assert_run_failed
assert_result retrieve remote_tempfail
assert_error_logged oa-down-dst "retrieve(retrieve)" "token endpoint of provider down unavailable"
grep -q "Ignoring userdb field retrieve_oauth2_down_token_url" "$RUN_ERR" ||
	fail "no warning about the user's own token URL"
assert_result retrieve2 config_error
assert_error_logged oa-down-dst "retrieve(retrieve2)" "provider badclient refused the refresh: invalid_client"
[[ -z $(oauth2_remote_logins oa-down) ]] || fail "a login without a token"
assert_eq 0 "$(local_count oa-down-dst INBOX)" "local INBOX"
oauth2_assert_no_secret "$RUN_OUT" "$RUN_ERR"

oauth2_cmd status oa-down-dst
assert_eq backoff "$(field retrieve schedule)" "status: schedule of the tempfail"
assert_eq backoff "$(field retrieve2 schedule)" "status: schedule of the config error"

case_pass
