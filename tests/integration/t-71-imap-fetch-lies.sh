#!/usr/bin/env bash
# Case 71: an IMAP server lying in its FETCH replies (fake server):
# - a body sent under the UID of a message that was not asked for (here
#   one left for being over max_size): ignored, so that message is never
#   expunged unread;
# - BODY[] literals of half the RFC822.SIZE: not delivered, not expunged,
#   counted as an error;
# - UID 1's body sent as UID 2 too: refused, its size is not UID 2's;
# - UID 0, every UID twice.
# Nothing is lost or delivered truncated, the next run recovers.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

# uid-unrequested: the big message (UID 3, over max_size) is not asked
# for; the fake labels the small ones' bodies UID 3
imap_hostile_msgs i71u
files=("${HOSTILE_FILES[0]}" "${HOSTILE_FILES[2]}" "${HOSTILE_FILES[1]}")
fake_imap_start i71u uid-unrequested,normal "${files[@]}"
local_user i71u-dst $(fake_imap_acct retrieve retrieve_keep=no retrieve_max_size=100k)
retrieve_run i71u-dst
assert_nothing_lost i71u i71u-dst uid-unrequested
grep -qx i71u-2 "$IT_WORK/fake/i71u.state" ||
	fail "uid-unrequested: the message not asked for was expunged"
assert_eq 0 "$(local_find_all i71u-dst END-OF-i71u | grep -c .)" \
	"uid-unrequested: bodies delivered under a wrong UID"
assert_ne 0 "$(run_field retrieve errors)" "uid-unrequested: errors column"
retrieve_run i71u-dst
assert_result retrieve ok
assert_message_once i71u-dst INBOX i71u-1
assert_message_once i71u-dst INBOX i71u-3
assert_eq 1 "$(fake_count i71u)" "uid-unrequested: messages left (the big one)"
echo "scenario uid-unrequested: ignored, nothing expunged unread" >&2

# literal-short: never delivered, never expunged
imap_hostile_msgs i71s
fake_imap_start i71s literal-short,normal "${HOSTILE_FILES[@]}"
local_user i71s-dst $(fake_imap_acct retrieve retrieve_keep=no)
retrieve_run i71s-dst
assert_nothing_lost i71s i71s-dst literal-short
assert_eq 0 "$(local_find_all i71s-dst "Message-ID: <i71s" | grep -c .)" \
	"literal-short: truncated copies delivered"
assert_eq 3 "$(fake_count i71s)" "literal-short: messages left"
assert_eq 3 "$(run_field retrieve errors)" "literal-short: errors column"
grep -q "truncated" "$RUN_ERR" || fail "literal-short: not logged"
retrieve_run i71s-dst
assert_result retrieve ok
assert_all_once i71s-dst i71s
echo "scenario literal-short: refused, kept, recovered" >&2

# a server whose RFC822.SIZE is an estimate a little above the real size
# (Exchange): retrieved and expunged as usual, byte for byte
imap_hostile_msgs i71e
fake_imap_start i71e size-estimate "${HOSTILE_FILES[@]}"
local_user i71e-dst $(fake_imap_acct retrieve retrieve_keep=no)
retrieve_run i71e-dst
assert_result retrieve ok
assert_all_once i71e-dst i71e
assert_eq 0 "$(fake_count i71e)" "size-estimate: messages left"
echo "scenario size-estimate: retrieved" >&2

# another message's body under a requested UID: its size gives it away
imap_hostile_scenario i71t uid-steal ok
imap_hostile_scenario i71z uid-zero "ok|remote_error|remote_tempfail"
imap_hostile_scenario i71d uid-dup ok

case_pass
