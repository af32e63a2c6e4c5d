#!/usr/bin/env bash
# IMAP folders=merge against real Dovecot: a nested remote tree (Work,
# Work.Projects, Lists.dev, Sent, Drafts, Archive, Junk, Trash) lands in
# the account's folder, except \Junk and \Trash (the default exclusion);
# INBOX goes through Sieve, the other folders keep their flags, keywords
# and INTERNALDATE. folders_exclude replaces the default: "Lists*" leaves
# the Lists tree out (and, being explicit, takes Junk and Trash in);
# "Lists*,\Junk,\Trash" leaves all three out.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i41src
imapr_py i41src <<'PY'
for box in ("Work", "Work.Projects", "Lists.dev", "Sent", "Drafts", "Archive",
            "Junk", "Trash"):
    typ, data = M.create(box)
    if typ != "OK":
        raise SystemExit("CREATE %s: %s" % (box, data))
append("INBOX", "i41-in1", "inbox one", "\\Seen")
append("INBOX", "i41-in2", "[SPAM] inbox spam")
append("Work", "i41-work", "work", "\\Seen \\Answered $Label1", "03-Apr-2022 01:02:03 +0200")
append("Work.Projects", "i41-proj", "project", "\\Flagged Urgent", "04-May-2020 23:59:59 -0700")
append("Lists.dev", "i41-list", "list mail", "", "05-Jun-2019 10:00:00 +0000")
append("Sent", "i41-sent", "sent mail", "\\Seen", "06-Jul-2021 11:11:11 +0100")
append("Drafts", "i41-draft", "draft", "\\Draft")
append("Archive", "i41-arch", "archived", "\\Seen")
append("Junk", "i41-junk", "junk mail")
append("Trash", "i41-trash", "trashed", "\\Seen \\Deleted")
PY
# what each non-INBOX message looks like on the remote
remote_dump=$(for f in Work Work.Projects Lists.dev Sent Drafts Archive; do imapr_dump i41src "$f"; done | sort)

local_user i41dst $(imapr_acct retrieve i41src) retrieve_folders=merge retrieve_folder=Fetched retrieve_keep=yes
imap_retrieve_run i41dst
assert_run_ok
assert_result retrieve ok
assert_eq 8 "$(run_field retrieve messages)" "messages retrieved"
# folder rows: everything but Junk and Trash, INBOX first
assert_eq 1 "$(folder_field retrieve Work.Projects messages)" "Work.Projects row"
folder_field retrieve Junk messages >/dev/null && fail "remote Junk was retrieved"
folder_field retrieve Trash messages >/dev/null && fail "remote Trash was retrieved"
assert_eq 7 "$(local_imap_count i41dst Fetched)" "merged into Fetched"
assert_eq 1 "$(local_imap_count i41dst Junk)" "INBOX spam filed by Sieve"
assert_eq "" "$(local_find_all i41dst i41-junk@retrieve-it)$(local_find_all i41dst i41-trash@retrieve-it)" \
	"remote Junk/Trash messages copied"
for id in i41-in1 i41-work i41-proj i41-list i41-sent i41-draft i41-arch; do
	assert_message_once i41dst Fetched "$id"
done
# non-INBOX folders: flags, keywords and INTERNALDATE as on the remote
got=$(local_imap_dump i41dst Fetched | grep -v -e i41-in1)
assert_eq "$remote_dump" "$got" "flags, keywords, INTERNALDATE of merged folders"
# INBOX went through Sieve: the trace header with Return-Path, \Seen kept
assert_match "$(local_imap_dump i41dst Fetched | grep i41-in1)" '\\Seen' "INBOX \\Seen through Sieve"
grep -q '^Return-Path: <>' "$(local_find i41dst Fetched i41-in1@retrieve-it)" ||
	fail "INBOX message did not go through Sieve"
grep -q '^Return-Path: <>' "$(local_find i41dst Fetched i41-work@retrieve-it)" &&
	fail "Work message went through Sieve"

# a second run fetches nothing
imap_retrieve_run i41dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "second run"
assert_eq 7 "$(local_imap_count i41dst Fetched)" "no duplicates"

# status: the account's row, then one row per remote folder with its
# totals over both runs and the last run's messages
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i41dst
assert_run_ok
assert_eq "" "$(run_field retrieve folder)" "status: account row first"
assert_eq 8 "$(run_field retrieve total_messages)" "status: account total"
assert_eq 2 "$(folder_field retrieve INBOX total_messages)" "status: INBOX total"
assert_eq 0 "$(folder_field retrieve INBOX last_messages)" "status: INBOX last run"
assert_eq ok "$(folder_field retrieve INBOX result)" "status: INBOX result"
assert_ne "" "$(folder_field retrieve INBOX last_run)" "status: INBOX last_run"
assert_eq 1 "$(folder_field retrieve Work.Projects total_messages)" "status: Work.Projects total"
inbox_bytes=$(folder_field retrieve INBOX total_bytes)
((inbox_bytes > 0)) || fail "status: INBOX total_bytes '$inbox_bytes'"
folder_field retrieve Junk total_messages >/dev/null && fail "status: remote Junk has a row"
# runs is a numeric column (json needs a number): 0 on folder rows
assert_eq 0 "$(folder_field retrieve INBOX runs)" "status: folder rows have runs 0"

# folders_exclude replaces the default exclusion
local_user i41ex $(imapr_acct retrieve i41src) retrieve_folders=merge retrieve_folder=Fetched \
	retrieve_keep=yes 'retrieve_folders_exclude=Lists*'
imap_retrieve_run i41ex
assert_run_ok
assert_result retrieve ok
assert_eq "" "$(local_find_all i41ex i41-list@retrieve-it)" "Lists.dev excluded"
folder_field retrieve Lists.dev messages >/dev/null && fail "Lists.dev has a folder row"
assert_message_once i41ex Fetched i41-work
assert_message_once i41ex Fetched i41-proj
assert_message_once i41ex Fetched i41-junk
assert_message_once i41ex Fetched i41-trash
assert_not_contains "$(local_imap_dump i41ex Fetched | grep i41-trash)" "\\Deleted" "remote \\Deleted copied"
assert_eq 8 "$(local_imap_count i41ex Fetched)" "Fetched with Lists* excluded"

local_user i41ex2 $(imapr_acct retrieve i41src) retrieve_folders=merge retrieve_folder=Fetched \
	retrieve_keep=yes 'retrieve_folders_exclude=Lists*,\Junk,\Trash'
imap_retrieve_run i41ex2
assert_run_ok
assert_result retrieve ok
assert_eq 6 "$(local_imap_count i41ex2 Fetched)" "Fetched with Lists*, Junk, Trash excluded"
assert_eq "" "$(local_find_all i41ex2 i41-list@retrieve-it)$(local_find_all i41ex2 i41-junk@retrieve-it)$(local_find_all i41ex2 i41-trash@retrieve-it)" \
	"excluded messages copied"
# the remote is untouched: EXAMINE, never SELECT, with keep=yes
assert_eq 1 "$(imapr_count i41src Trash)" "remote Trash"
assert_eq 2 "$(imapr_count i41src INBOX)" "remote INBOX"
case_pass
