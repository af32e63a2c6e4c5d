#!/usr/bin/env bash
# Case 102: the access token's life. A token the provider said expires
# within a minute is refreshed before the next login (expiry between
# runs: the server never sees it). A cached token the server refuses
# although it has not expired (revoked early) gets one refresh and one
# more login in the same run, POP3 and IMAP; a refused new token is not
# retried.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-exp
seed_remote oa-exp "$(make_msg oa-exp-1 "Expiry one")"
local_user oa-exp-dst $(oauth2_acct retrieve pop3 oa-exp test "$(oauth2_grant oa-exp)") \
	retrieve_keep=yes \
	$(oauth2_acct retrieve2 imaps oa-exp test "$(oauth2_grant oa-exp)") \
	retrieve2_keep=yes retrieve2_folder=Imap

# 61 s: within the plugin's minute of margin one second later
oauth2_ctl set expires_in=61 >/dev/null
refreshes=$(oauth2_stat refreshes)
oauth2_run oa-exp-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq $((refreshes + 2)) "$(oauth2_stat refreshes)" "refreshes of the first run"
oauth2_ctl set expires_in=3600 >/dev/null
sleep 2
rejected=$(oauth2_stat active_rejected)
RETRIEVE_DEBUG=1 oauth2_run oa-exp-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq $((refreshes + 4)) "$(oauth2_stat refreshes)" "refreshes after the tokens expired between runs"
assert_eq "$rejected" "$(oauth2_stat active_rejected)" "expired tokens sent to the server"

# revoked early on the provider's side: the cached tokens are refused
oauth2_ctl revoke_access user=oa-exp >/dev/null
seed_remote oa-exp "$(make_msg oa-exp-2 "Expiry two")"
RETRIEVE_DEBUG=1 oauth2_run oa-exp-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq 1 "$(run_field retrieve messages)" "POP3 messages after the retry"
assert_eq 2 "$(local_count oa-exp-dst INBOX)" "local INBOX"
assert_eq 2 "$(local_count oa-exp-dst Imap)" "local Imap"
assert_eq $((refreshes + 6)) "$(oauth2_stat refreshes)" "refreshes after the rejection"
assert_eq $((rejected + 2)) "$(oauth2_stat active_rejected)" "rejected tokens"
grep -q "refused the cached OAuth2 access token" "$RUN_ERR" ||
	fail "no debug line about the refused token"
assert_not_contains "$(grep -E 'Error|Warning' "$RUN_ERR")" "retrieve" "errors of a run that recovered"

# a new token refused too is the end of the run: no loop
oauth2_ctl set expires_in=0 >/dev/null
oauth2_ctl revoke_access user=oa-exp >/dev/null
oauth2_run oa-exp-dst
oauth2_ctl set expires_in=3600 >/dev/null
assert_run_failed
assert_result retrieve auth_failed
assert_result retrieve2 auth_failed
assert_eq $((refreshes + 8)) "$(oauth2_stat refreshes)" "one refresh per account, no retry"

case_pass
