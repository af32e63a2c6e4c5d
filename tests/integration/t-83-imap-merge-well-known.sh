#!/usr/bin/env bash
# IMAP folders=merge leaves out junk and deleted mail also on servers that
# do not flag it with SPECIAL-USE: folders without a special use named
# Trash, Junk, Spam, Deleted Items, Junk E-mail or Deleted Messages (any
# case, their subfolders too, also under the personal namespace prefix
# INBOX.) count as \Trash / \Junk for the default folders_exclude. Other
# folders, also ones merely containing such a word, are merged.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_prefix_start

remote_user i83src
imapr_py i83src <<'PY' || fail "harness: seeding i83src failed"
# no special use on the remote: only Sent, Drafts, Junk, Trash and
# Archive have one there
skip = ("Spam", "Deleted Items", "Junk E-mail", "Deleted Messages", "trash",
        "SPAM.old", "INBOX.Spam")
keep = ("Work", "Spammy", "Work.Trash", "My Junk")
q = lambda box: '"%s"' % box
for box in skip + keep:
    typ, data = M.create(q(box))
    if typ != "OK":
        raise SystemExit("CREATE %s: %s" % (box, data))
for i, box in enumerate(skip):
    append(q(box), "i83-skip%d" % i, "skip %s" % box)
for i, box in enumerate(keep):
    append(q(box), "i83-keep%d" % i, "keep %s" % box)
append("INBOX", "i83-in", "inbox")
PY
expected=$(printf '<%s@retrieve-it>\n' i83-in i83-keep0 i83-keep1 i83-keep2 i83-keep3 | sort)

# the usual server (no prefix)
local_user i83dst $(imapr_acct retrieve i83src) retrieve_folders=merge \
	retrieve_folder=Merged retrieve_keep=yes
imap_retrieve_run i83dst
assert_run_ok
assert_result retrieve ok
assert_eq "$expected" "$(local_msgid_list i83dst)" "merged: INBOX and the four kept folders"
assert_eq 5 "$(local_imap_count i83dst Merged)" "all in Merged"
for f in Spam "Deleted Items" "Junk E-mail" "Deleted Messages" trash SPAM.old INBOX.Spam; do
	folder_field retrieve "$f" result >/dev/null && fail "a row for $f: not excluded"
done

# the prefixed server: INBOX.Spam, INBOX.Deleted Items, ... the same
local_user i83pre $(imapr_prefix_acct retrieve i83src) retrieve_folders=merge \
	retrieve_folder=Merged retrieve_keep=yes
imap_retrieve_run i83pre
assert_run_ok
assert_result retrieve ok
assert_eq "$expected" "$(local_msgid_list i83pre)" "prefixed: INBOX and the four kept folders"

# a configured list replaces the default: nothing left out by name
local_user i83all $(imapr_acct retrieve i83src) retrieve_folders=merge \
	retrieve_folder=Merged retrieve_keep=yes retrieve_folders_exclude=Work
imap_retrieve_run i83all
assert_run_ok
assert_eq 11 "$(local_imap_count i83all Merged)" "folders_exclude=Work: the rest merged"
case_pass
