#!/usr/bin/env bash
# Case 101: IMAP accounts with auth=oauth2 through imapc's SASL:
# AUTHENTICATE XOAUTH2 over IMAPS and AUTHENTICATE OAUTHBEARER after
# STARTTLS (provider "bearer"), against the real Dovecot with passdb
# oauth2. oauth2_user is the SASL identity when it differs from the login.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

remote_user oa-imap
seed_remote oa-imap "$(make_msg oa-imap-1 "OAuth2 IMAP one")"
rt=$(oauth2_grant oa-imap)
rt2=$(oauth2_grant oa-imap)
local_user oa-imap-dst $(oauth2_acct retrieve imaps oa-imap test "$rt") retrieve_keep=yes \
	$(oauth2_acct retrieve2 imap OA-IMAP bearer "$rt2") retrieve2_oauth2_user=oa-imap \
	retrieve2_folder=Bearer

refreshes=$(oauth2_stat refreshes)
RETRIEVE_DEBUG=1 oauth2_run oa-imap-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq 1 "$(local_count oa-imap-dst INBOX)" "local INBOX (XOAUTH2)"
assert_eq 1 "$(local_count oa-imap-dst Bearer)" "local Bearer (OAUTHBEARER)"
assert_eq $((refreshes + 2)) "$(oauth2_stat refreshes)" "token refreshes (one per account)"
grep -q "AUTHENTICATE XOAUTH2\|Authenticating as oa-imap" "$RUN_ERR" ||
	fail "imapc did not authenticate (debug log)"
# two accounts of one remote user: two states, two caches
assert_eq 2 "$(oauth2_cache oa-imap-dst | grep -c .)" "token caches"

oauth2_run oa-imap-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_eq $((refreshes + 2)) "$(oauth2_stat refreshes)" "token refreshes after the second run"

case_pass
