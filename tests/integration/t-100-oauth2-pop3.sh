#!/usr/bin/env bash
# Case 100: a POP3 account with auth=oauth2 (AUTH XOAUTH2 after STLS)
# against a real Dovecot whose passdb oauth2 checks every token at the
# provider's introspection endpoint. The first run refreshes the access
# token at the token endpoint and caches it (0600) beside the state; the
# second reuses it without asking the endpoint. `list` hides the refresh
# token.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-pop
seed_remote oa-pop "$(make_msg oa-pop-1 "OAuth2 one")"
rt=$(oauth2_grant oa-pop)
local_user oa-pop-dst $(oauth2_acct retrieve pop3 oa-pop test "$rt")

refreshes=$(oauth2_stat refreshes)
RETRIEVE_DEBUG=1 oauth2_run oa-pop-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "messages of the first run"
assert_eq 1 "$(local_count oa-pop-dst INBOX)" "local INBOX"
assert_eq $((refreshes + 1)) "$(oauth2_stat refreshes)" "token refreshes after the first run"
[[ -n $(oauth2_remote_logins oa-pop) ]] || fail "no login on the OAuth2 remote"
grep -q "token issued user=oa-pop rotated=0 expires_in=3600 scope=mail" "$IT_WORK/fake/oauth2.log" ||
	fail "the token endpoint saw no refresh with the provider's scope"

cache=$(oauth2_cache oa-pop-dst)
[[ -n $cache ]] || fail "no token cache beside the state"
assert_eq 600 "$(stat -c %a "$cache")" "the token cache's mode"

seed_remote oa-pop "$(make_msg oa-pop-2 "OAuth2 two")"
oauth2_run oa-pop-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "messages of the second run"
assert_eq $((refreshes + 1)) "$(oauth2_stat refreshes)" "token refreshes after the second run (cached token reused)"
assert_eq 2 "$(local_count oa-pop-dst INBOX)" "local INBOX"

oauth2_cmd list oa-pop-dst
assert_eq oauth2 "$(field retrieve auth)" "list: auth"
assert_eq test "$(field retrieve oauth2_provider)" "list: provider"
assert_eq "<hidden>" "$(field retrieve oauth2_refresh_token)" "list: refresh token"
assert_not_contains "$(cat "$RUN_OUT")" "$rt" "list output"

case_pass
