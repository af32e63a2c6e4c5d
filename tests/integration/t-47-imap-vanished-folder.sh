#!/usr/bin/env bash
# IMAP: a folder the state knows vanishes from the remote (deleted between
# runs). The first run that misses it reports it in its own row (result
# "absent") and keeps its state (a LIST can be transiently short: t-29);
# the next run still missing it reports "vanished" and forgets its state.
# The account's result stays ok; the other folders are retrieved as usual.
# A folder merely excluded is not reported.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i47src
imapr_py i47src <<'PY'
M.create("Gone")
M.create("Stay")
M.create("Skip")
append("Gone", "i47-gone", "gone")
append("Stay", "i47-stay1", "stay 1")
append("Skip", "i47-skip", "skip")
append("INBOX", "i47-in1", "inbox 1")
PY
local_user i47dst $(imapr_acct retrieve i47src) retrieve_folders=mirror retrieve_folder=Imp retrieve_keep=yes
imap_retrieve_run i47dst
assert_run_ok
assert_eq 4 "$(run_field retrieve messages)" "first run"

imapr_py i47src <<'PY'
M.delete("Gone")
append("Stay", "i47-stay2", "stay 2")
append("INBOX", "i47-in2", "inbox 2")
PY
local_user i47dst $(imapr_acct retrieve i47src) retrieve_folders=mirror retrieve_folder=Imp \
	retrieve_keep=yes retrieve_folders_exclude=Skip
imap_retrieve_run i47dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "second run"
assert_eq 1 "$(folder_field retrieve Stay messages)" "Stay row"
assert_eq 1 "$(folder_field retrieve INBOX messages)" "INBOX row"
assert_eq absent "$(folder_field retrieve Gone result)" "Gone row"
assert_match "$(folder_field retrieve Gone error)" "missing|folder list" "Gone row error"
folder_field retrieve Skip result >/dev/null && fail "an excluded folder was reported"
assert_eq 0 "$(run_field retrieve errors)" "errors"
grep -F i47dst "$RUN_ERR" | grep -i "Gone" >/dev/null || fail "the missing folder was not logged"

# missing again: forgotten
imap_retrieve_run i47dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "third run"
assert_eq vanished "$(folder_field retrieve Gone result)" "Gone row"
assert_match "$(folder_field retrieve Gone error)" "no longer|not on|vanish" "Gone row error"
folder_field retrieve Skip result >/dev/null && fail "an excluded folder was reported"
assert_eq 0 "$(run_field retrieve errors)" "errors"
grep -F i47dst "$RUN_ERR" | grep -i "Gone" >/dev/null || fail "the vanished folder was not logged"
# the local copy stays
assert_eq 1 "$(local_imap_count i47dst Imp/Gone)" "local Imp/Gone"

# forgotten: reported once only
imap_retrieve_run i47dst
assert_run_ok
assert_result retrieve ok
folder_field retrieve Gone result >/dev/null && fail "Gone reported again"
assert_eq 0 "$(run_field retrieve messages)" "fourth run"
case_pass
