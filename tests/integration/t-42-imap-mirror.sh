#!/usr/bin/env bash
# IMAP folders=mirror against real Dovecot: the remote tree (separator
# '.') is recreated under folder=Imported with the local separator '/';
# folders with a special use land in the local folder with the same
# special use (remote Sent -> local "Sent Items", Junk -> Spam, Trash ->
# Deleted), whatever their names; flags, keywords and INTERNALDATE are
# compared message by message; INBOX goes through Sieve ([SPAM] -> Junk).
# Then folder=INBOX mirrors at the top level.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i42src
imapr_py i42src <<'PY'
for box in ("Work", "Work.Projects", "Lists.dev", "Sent", "Drafts", "Archive",
            "Junk", "Trash", "Empty"):
    typ, data = M.create(box)
    if typ != "OK":
        raise SystemExit("CREATE %s: %s" % (box, data))
append("INBOX", "i42-in1", "inbox one", "\\Seen")
append("INBOX", "i42-in2", "[SPAM] inbox spam")
append("Work", "i42-work1", "work 1", "\\Seen \\Answered $Label1", "03-Apr-2022 01:02:03 +0200")
append("Work", "i42-work2", "work 2", "Customer", "03-Apr-2022 01:02:04 +0000")
append("Work.Projects", "i42-proj", "project", "\\Flagged Urgent", "04-May-2020 23:59:59 -0700")
append("Lists.dev", "i42-list", "list mail", "", "05-Jun-2019 10:00:00 +0000")
append("Sent", "i42-sent", "sent mail", "\\Seen", "06-Jul-2021 11:11:11 +0100")
append("Drafts", "i42-draft", "draft", "\\Draft")
append("Archive", "i42-arch", "archived", "\\Seen $Archived")
append("Junk", "i42-junk", "junk mail", "$Junk")
append("Trash", "i42-trash", "trashed", "\\Seen")
PY

# remote folder -> local folder
check_mirror() { # USER PREFIX (Imported/ or empty)
	local user=$1 p=$2 pair rf lf
	for pair in "Work:${p}Work" "Work.Projects:${p}Work/Projects" "Lists.dev:${p}Lists/dev" \
		"Sent:Sent Items" "Drafts:Drafts" "Archive:Archive" "Junk:Spam" "Trash:Deleted"; do
		rf=${pair%%:*} lf=${pair#*:}
		assert_eq "$(imapr_dump i42src "$rf")" "$(local_imap_dump "$user" "$lf")" \
			"remote $rf vs local $lf (message-id, flags, INTERNALDATE)"
	done
	local_imap_folders "$user" | grep -x "${p}Empty" >/dev/null || fail "empty remote folder not mirrored as ${p}Empty"
	# nothing under the remote names of special-use folders
	# (top level: Junk is where Sieve files INBOX spam, checked below)
	for lf in "${p}Sent" "${p}Trash" ${p:+"${p}Junk"}; do
		local_imap_folders "$user" | grep -x "$lf" >/dev/null && fail "$lf created: special use not mapped"
	done
	# INBOX through Sieve
	assert_eq 1 "$(local_imap_count "$user" Junk)" "INBOX spam filed by Sieve into Junk"
	assert_message_once "$user" Junk i42-in2
	assert_message_once "$user" Spam i42-junk
	return 0
}

local_user i42dst $(imapr_acct retrieve i42src imaps) retrieve_folders=mirror retrieve_folder=Imported retrieve_keep=yes
imap_retrieve_run i42dst
assert_run_ok
assert_result retrieve ok
assert_eq 11 "$(run_field retrieve messages)" "messages retrieved"
assert_eq 2 "$(folder_field retrieve Work messages)" "Work row"
check_mirror i42dst Imported/
assert_eq 1 "$(local_imap_count i42dst Imported)" "INBOX kept into Imported"
assert_match "$(local_imap_dump i42dst Imported)" 'i42-in1.*\\Seen' "INBOX \\Seen kept through Sieve"
# the maildir layout proves the local separator was used
[[ -d $IT_WORK/local-home/i42dst/Maildir/.Imported.Work.Projects ]] ||
	fail "no maildir .Imported.Work.Projects: $(ls -a "$IT_WORK/local-home/i42dst/Maildir")"

imap_retrieve_run i42dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "second run"

# folder=INBOX: the tree at the top level
local_user i42top $(imapr_acct retrieve i42src) retrieve_folders=mirror retrieve_keep=yes
imap_retrieve_run i42top
assert_run_ok
assert_result retrieve ok
check_mirror i42top ""
assert_eq 1 "$(local_imap_count i42top INBOX)" "INBOX kept into INBOX"
assert_eq 2 "$(imapr_count i42src INBOX)" "remote INBOX untouched"
assert_eq 2 "$(imapr_count i42src Work)" "remote Work untouched"
case_pass
