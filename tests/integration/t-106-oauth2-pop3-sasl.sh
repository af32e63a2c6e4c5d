#!/usr/bin/env bash
# Case 106: POP3's SASL forms. A token too long for the AUTH line (RFC
# 5034: 255 octets) goes in the two-step form, as Microsoft's servers
# want it: "AUTH XOAUTH2", the server's "+ ", then the initial response
# on a line of its own; AUTH OAUTHBEARER (RFC 7628) likewise. A refused
# token is answered as each mechanism wants (so the server's -ERR ends
# it), refreshed and sent again. Against the real Dovecot with passdb
# oauth2; -D debug output holds no token.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-sasl
seed_remote oa-sasl "$(make_msg oa-sasl-1 "SASL one")"
local_user oa-sasl-dst $(oauth2_acct retrieve pop3 oa-sasl test "$(oauth2_grant oa-sasl)") \
	retrieve_keep=yes \
	$(oauth2_acct retrieve2 pop3s oa-sasl bearer "$(oauth2_grant oa-sasl)") \
	retrieve2_keep=yes retrieve2_folder=Bearer

# 1000-byte tokens, as Microsoft's
oauth2_ctl set token_len=1000 >/dev/null
RETRIEVE_DEBUG=1 oauth2_run oa-sasl-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq 1 "$(local_count oa-sasl-dst INBOX)" "local INBOX (XOAUTH2, two steps)"
assert_eq 1 "$(local_count oa-sasl-dst Bearer)" "local Bearer (OAUTHBEARER, two steps)"
[[ $(grep -c "retrieve(retrieve): S: +\s*$" "$RUN_ERR") -ge 1 ]] ||
	fail "no two-step AUTH XOAUTH2 (the server's '+ ')"
[[ $(grep -c "retrieve(retrieve2): S: +\s*$" "$RUN_ERR") -ge 1 ]] ||
	fail "no two-step AUTH OAUTHBEARER (the server's '+ ')"

# refused tokens (revoked early): the error challenge is answered, the
# token refreshed and sent again in the same run
oauth2_ctl revoke_access user=oa-sasl >/dev/null
seed_remote oa-sasl "$(make_msg oa-sasl-2 "SASL two")"
RETRIEVE_DEBUG=1 oauth2_run oa-sasl-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq 2 "$(local_count oa-sasl-dst INBOX)" "local INBOX after the retry"
assert_eq 2 "$(local_count oa-sasl-dst Bearer)" "local Bearer after the retry"
oauth2_ctl set token_len=40 >/dev/null

# short tokens: the initial response on the AUTH line (one step)
oauth2_ctl revoke_access user=oa-sasl >/dev/null
RETRIEVE_DEBUG=1 oauth2_run oa-sasl-dst
assert_run_ok
assert_result retrieve ok
[[ $(grep -c "retrieve(retrieve): S: +\s*$" "$RUN_ERR") == 1 ]] ||
	fail "one '+ ' expected: the error challenge of the refused token only"

# every token issued so far is in the passwords list: none in any output
oauth2_assert_no_secret "$CASE_OUT"/* "$IT_WORK/local/log/dovecot.log" \
	"$IT_WORK/oauthremote/log/dovecot.log" "$IT_WORK/fake/oauth2.log"

case_pass
