#!/usr/bin/env bash
# Case 103: a provider that rotates refresh tokens (each refresh returns
# a new one and revokes the old). The new one is kept in the token cache
# beside the state (the userdb is read-only) and used from then on; the
# configured one, now revoked, is never sent again. A new configured
# refresh token (the account re-authorised) replaces what was cached.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-rot
seed_remote oa-rot "$(make_msg oa-rot-1 "Rotate one")"
rt=$(oauth2_grant oa-rot)
local_user oa-rot-dst $(oauth2_acct retrieve imaps oa-rot test "$rt") retrieve_keep=yes

oauth2_ctl set rotate=1 >/dev/null
oauth2_run oa-rot-dst
assert_run_ok
assert_result retrieve ok
cache=$(oauth2_cache oa-rot-dst)
grep -q "^refresh_token	rt-" "$cache" || fail "no rotated refresh token in the cache"
rotated=$(awk -F'\t' '$1 == "refresh_token" { print $2 }' "$cache")
assert_ne "$rt" "$rotated" "the cached refresh token"

# the access token revoked: the next refresh must use the rotated token
# (the configured one is revoked by the rotation), and rotates again
oauth2_ctl revoke_access user=oa-rot >/dev/null
seed_remote oa-rot "$(make_msg oa-rot-2 "Rotate two")"
log_mark_oauth2=$(stat -c %s "$IT_WORK/fake/oauth2.log")
RETRIEVE_DEBUG=1 oauth2_run oa-rot-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(local_count oa-rot-dst INBOX)" "local INBOX"
tail -c +"$((log_mark_oauth2 + 1))" "$IT_WORK/fake/oauth2.log" | grep "token issued user=oa-rot rotated=1" >/dev/null ||
	fail "no refresh with the rotated token"
grep -q "with the rotated refresh token" "$RUN_ERR" || fail "the rotated token was not used"
assert_ne "$rotated" "$(awk -F'\t' '$1 == "refresh_token" { print $2 }' "$cache")" "the twice rotated token"

# re-authorised: a new configured token; the cache of the old one is
# ignored (never its rotated token, never its access token)
oauth2_ctl set rotate=0 >/dev/null
oauth2_ctl revoke user=oa-rot >/dev/null
rt2=$(oauth2_grant oa-rot)
local_user oa-rot-dst $(oauth2_acct retrieve imaps oa-rot test "$rt2") retrieve_keep=yes
refreshes=$(oauth2_stat refreshes)
oauth2_run oa-rot-dst
assert_run_ok
assert_result retrieve ok
assert_eq $((refreshes + 1)) "$(oauth2_stat refreshes)" "refreshes after re-authorisation"
grep -q "^refresh_token" "$cache" && fail "a rotated token of the old authorisation is still cached"

case_pass
