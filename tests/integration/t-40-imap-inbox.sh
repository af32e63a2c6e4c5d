#!/usr/bin/env bash
# IMAP, folders=inbox (the default), against real Dovecot:
# - imap:// (STARTTLS) with Sieve: "[SPAM]" is filed into Junk, the rest is
#   kept in INBOX; the remote \Seen flag survives where the keep stores;
#   the remote messages' flags are unchanged (BODY.PEEK, EXAMINE).
# - imaps:// (implicit TLS) with filter=no: flags (\Seen, \Answered,
#   \Flagged, \Draft, keywords) and INTERNALDATE are kept message by message.
# - a second run fetches nothing; doveadm reports the INBOX folder row.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i40src
imapr_py i40src <<'PY'
append("INBOX", "i40-a", "plain one")
append("INBOX", "i40-b", "[SPAM] buy", "\\Seen")
append("INBOX", "i40-c", "read one", "\\Seen \\Flagged")
append("INBOX", "i40-d", "answered", "\\Answered $Label1 Work", "12-Mar-2021 08:09:10 -0500")
append("INBOX", "i40-e", "draft", "\\Draft")
PY
before=$(imapr_dump i40src INBOX)

# Sieve over STARTTLS
local_user i40dst $(imapr_acct retrieve i40src imap) retrieve_keep=yes
imap_retrieve_run i40dst
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(run_field retrieve messages)" "messages retrieved"
assert_eq 5 "$(folder_field retrieve INBOX messages)" "INBOX folder row"
assert_eq 4 "$(local_imap_count i40dst INBOX)" "kept in INBOX"
assert_eq 1 "$(local_imap_count i40dst Junk)" "filed by Sieve into Junk"
imapr_assert_login i40src ", TLS"
# \Seen kept where the keep stored; the unseen one stays unseen
flags=$(local_imap_dump i40dst INBOX)
assert_match "$(grep i40-c <<<"$flags")" '\\Seen' "remote \\Seen kept through Sieve"
assert_not_contains "$(grep i40-a <<<"$flags")" '\Seen' "unseen stays unseen"
assert_eq "$before" "$(imapr_dump i40src INBOX)" "remote flags untouched (BODY.PEEK)"

imap_retrieve_run i40dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "second run fetches nothing"
assert_eq 4 "$(local_imap_count i40dst INBOX)" "no duplicates after the second run"

# filter=no over implicit TLS: flags and INTERNALDATE, message by message
local_user i40raw $(imapr_acct retrieve i40src imaps) retrieve_filter=no retrieve_folder=Fetched retrieve_keep=yes
imap_retrieve_run i40raw
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(local_imap_count i40raw Fetched)" "all saved into the folder"
assert_eq "$before" "$(local_imap_dump i40raw Fetched)" "flags and INTERNALDATE kept"
# every session ends with LOGOUT, not a dropped connection
grep -E 'imap\(i40[a-z]*\).*Disconnected' "$IMAPR_DIR/log/dovecot.log" | grep -v 'Logged out' |
	grep . >/dev/null && fail "an IMAP session ended without LOGOUT: $(grep -E 'imap\(i40' "$IMAPR_DIR/log/dovecot.log" | grep Disconnected | grep -v 'Logged out' | head -1)"
grep -qE 'imap\(i40[a-z]*\).*Logged out' "$IMAPR_DIR/log/dovecot.log" ||
	fail "no IMAP session logged out"
case_pass
