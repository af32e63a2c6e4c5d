#!/usr/bin/env bash
# IMAP against a real Dovecot whose personal namespace has the prefix
# "INBOX." (as Courier): NAMESPACE tells the prefix and it is stripped, so
# remote INBOX.Work lands as Work under the account's folder, at the top
# level for folder=INBOX (before: INBOX/Work), and folders_exclude patterns
# match names without the prefix too (Lists* leaves out INBOX.Lists.dev).
# The server's public namespace (Public.News; NAMESPACE lists it as
# shared) is not the account's mail and is never retrieved.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_prefix_start

remote_user i82src
imapr_py i82src <<'PY'
for box in ("Work", "Work.Sub", "Lists.dev", "Sent"):
    typ, data = M.create(box)
    if typ != "OK":
        raise SystemExit("CREATE %s: %s" % (box, data))
append("INBOX", "i82-in", "inbox")
append("Work", "i82-work", "work")
append("Work.Sub", "i82-sub", "sub")
append("Lists.dev", "i82-list", "list")
append("Sent", "i82-sent", "sent", "\\Seen")
PY
# what the prefixed server calls them
python3 - "$IMAPRP_PORT" i82src "$(remote_password i82src)" <<'PY' >"$CASE_OUT/list.txt" ||
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login(sys.argv[2], sys.argv[3])
print(M.list()[1])
PY
	fail "harness: LIST on the prefixed server failed"
assert_contains "$(cat "$CASE_OUT/list.txt")" '"." INBOX.Work.Sub' "the remote names folders with INBOX."
assert_contains "$(cat "$CASE_OUT/list.txt")" '"." Public.News' "the remote lists its public folder"

# folder=INBOX: the tree at the top level, not under INBOX/
local_user i82top $(imapr_prefix_acct retrieve i82src) retrieve_folders=mirror retrieve_keep=yes
imap_retrieve_run i82top
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(run_field retrieve messages)" "messages retrieved"
folders=$(local_imap_folders i82top)
for f in Work Work/Sub Lists/dev; do
	grep -qxF "$f" <<<"$folders" || fail "no local folder $f in: $(tr '\n' ' ' <<<"$folders")"
done
grep -q '^INBOX/' <<<"$folders" && fail "remote folders landed under INBOX/: $(tr '\n' ' ' <<<"$folders")"
grep -qi 'Public' <<<"$folders" && fail "the remote's public namespace was retrieved: $(tr '\n' ' ' <<<"$folders")"
folder_field retrieve Public.News result >/dev/null && fail "a row for the remote's Public.News"
assert_eq 1 "$(local_imap_count i82top Work/Sub)" "Work/Sub"
assert_eq 1 "$(local_imap_count i82top 'Sent Items')" "\\Sent into the local \\Sent folder"

# folder=Imported, Lists* excluded by its name without the prefix
local_user i82imp $(imapr_prefix_acct retrieve i82src) retrieve_folders=mirror \
	retrieve_folder=Imported retrieve_folders_exclude=Lists* retrieve_keep=yes
imap_retrieve_run i82imp
assert_run_ok
assert_result retrieve ok
assert_eq 4 "$(run_field retrieve messages)" "messages retrieved"
folders=$(local_imap_folders i82imp)
for f in Imported Imported/Work Imported/Work/Sub; do
	grep -qxF "$f" <<<"$folders" || fail "no local folder $f in: $(tr '\n' ' ' <<<"$folders")"
done
grep -q 'Lists' <<<"$folders" && fail "Lists* not excluded: $(tr '\n' ' ' <<<"$folders")"
folder_field retrieve INBOX.Lists.dev result >/dev/null && fail "a row for the excluded INBOX.Lists.dev"

imap_retrieve_run i82imp
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "second run"
case_pass
