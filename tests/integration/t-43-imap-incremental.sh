#!/usr/bin/env bash
# IMAP incremental retrieval (folders=mirror, keep=yes): a second run
# fetches nothing; new mail in two folders (INBOX and Work.Sub) is picked
# up by the third run, and nothing is duplicated.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i43src
imapr_py i43src <<'PY'
M.create("Work")
M.create("Work.Sub")
for i in range(1, 4):
    append("INBOX", "i43-in%d" % i, "inbox %d" % i)
    append("Work", "i43-work%d" % i, "work %d" % i, "\\Seen")
    append("Work.Sub", "i43-sub%d" % i, "sub %d" % i)
PY
local_user i43dst $(imapr_acct retrieve i43src) retrieve_folders=mirror retrieve_folder=Imp retrieve_keep=yes
imap_retrieve_run i43dst
assert_run_ok
assert_result retrieve ok
assert_eq 9 "$(run_field retrieve messages)" "first run"

imapr_log_mark
imap_retrieve_run i43dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run"
for f in INBOX Work Work.Sub; do
	assert_eq 0 "$(folder_field retrieve $f messages)" "second run, folder $f"
done
# nothing but the listing: no BODY fetched
imapr_commands i43src | grep -i 'BODY.PEEK\[\]' >/dev/null && fail "second run fetched bodies: $(imapr_commands i43src | grep -i body | head -3)"

imapr_py i43src <<'PY'
append("INBOX", "i43-in4", "inbox 4")
append("Work.Sub", "i43-sub4", "sub 4")
append("Work.Sub", "i43-sub5", "sub 5")
PY
imap_retrieve_run i43dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "third run"
assert_eq 1 "$(folder_field retrieve INBOX messages)" "third run, INBOX"
assert_eq 0 "$(folder_field retrieve Work messages)" "third run, Work"
assert_eq 2 "$(folder_field retrieve Work.Sub messages)" "third run, Work.Sub"
assert_eq 4 "$(local_imap_count i43dst Imp)" "local Imp"
assert_eq 3 "$(local_imap_count i43dst Imp/Work)" "local Imp/Work"
assert_eq 5 "$(local_imap_count i43dst Imp/Work/Sub)" "local Imp/Work/Sub"
assert_eq "" "$(local_msgid_dups i43dst)" "duplicates"
assert_eq 12 "$(local_msgid_counts i43dst | grep -c .)" "distinct messages"
case_pass
