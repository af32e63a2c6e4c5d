#!/usr/bin/env bash
# IMAP mirror: a local folder that can't be created (a plain file stands
# where its Maildir++ directory would be) is an error on that folder's row,
# logged once naming user, account and folder; the other folders are
# retrieved and the account's result stays ok (before: the whole run
# ended with local_tempfail on every run). Once the obstacle is gone, the
# next run retrieves that folder too.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i84src
imapr_py i84src <<'PY' || fail "harness: seeding i84src failed"
for box in ("Aa", "Blocked", "Zz"):
    typ, data = M.create(box)
    if typ != "OK":
        raise SystemExit("CREATE %s: %s" % (box, data))
append("INBOX", "i84-in", "inbox")
append("Aa", "i84-aa", "aa")
append("Blocked", "i84-blocked", "blocked")
append("Zz", "i84-zz", "zz")
PY
local_user i84dst $(imapr_acct retrieve i84src) retrieve_folders=mirror \
	retrieve_folder=Imp retrieve_keep=yes
maildir=$IT_WORK/local-home/i84dst/Maildir
mkdir -p "$maildir"
echo "not a folder" >"$maildir/.Imp.Blocked"
chown -R "$MAIL_USER:" "$maildir"

imap_retrieve_run i84dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "messages retrieved"
assert_eq 1 "$(run_field retrieve errors)" "folder errors"
assert_eq error "$(folder_field retrieve Blocked result)" "Blocked row"
assert_match "$(folder_field retrieve Blocked error)" "Imp/Blocked" "Blocked row names the local folder"
assert_eq 1 "$(folder_field retrieve Aa messages)" "Aa row"
assert_eq 1 "$(folder_field retrieve Zz messages)" "Zz row"
assert_error_logged i84dst retrieve "Folder Blocked not retrieved"
assert_eq 1 "$(grep -c 'Folder Blocked' "$RUN_ERR")" "one log line for the folder"

rm -f "$maildir/.Imp.Blocked"
imap_retrieve_run i84dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "the next run: Blocked"
assert_eq 0 "$(run_field retrieve errors)" "the next run: no errors"
assert_message_once i84dst Imp.Blocked i84-blocked
case_pass
