#!/usr/bin/env bash
# IMAP, keep=yes: a LIST that is transiently short must not make the next
# run deliver a folder again. A folder missing from one run's LIST is kept
# in the state (row and status "absent"); when it is back, nothing is
# re-delivered. A LIST with only INBOX while the state knows several
# folders marks nothing. A folder missing from two runs' LISTs is
# forgotten ("vanished"), and comes back as new mail.
# The remote is a real Dovecot: its Maildir folder directory is moved
# away and back, so LIST lacks it meanwhile.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i29src
imapr_py i29src <<'PY'
M.create("Alpha")
M.create("Beta")
append("Alpha", "i29-a1", "alpha 1")
append("Alpha", "i29-a2", "alpha 2")
append("Beta", "i29-b1", "beta 1")
append("INBOX", "i29-in1", "inbox 1")
PY
local_user i29dst $(imapr_acct retrieve i29src) retrieve_folders=mirror \
	retrieve_folder=Imp retrieve_keep=yes
maildir=$IT_WORK/remote-home/i29src/Maildir
away=$IT_WORK/remote-home/i29src/away
mkdir -p "$away"
hide() { mv "$maildir/.$1" "$away/.$1" || fail "harness: hiding $1"; }
unhide() { mv "$away/.$1" "$maildir/.$1" || fail "harness: restoring $1"; }

# each message exactly once locally, and the expected per-folder counts
assert_once() { # WHEN
	local dups
	dups=$(local_msgid_dups i29dst)
	[[ -z $dups ]] || fail "$1: delivered more than once: $dups"
	assert_eq 2 "$(local_imap_count i29dst Imp/Alpha)" "$1: local Imp/Alpha"
	assert_eq 1 "$(local_imap_count i29dst Imp/Beta)" "$1: local Imp/Beta"
	assert_eq 1 "$(local_imap_count i29dst Imp)" "$1: local Imp (the remote INBOX)"
}

imap_retrieve_run i29dst
assert_run_ok
assert_eq 4 "$(run_field retrieve messages)" "first run"
assert_once "first run"

# 1. Alpha missing from one LIST: kept, shown as absent
hide Alpha
imap_retrieve_run i29dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "Alpha hidden"
assert_eq 0 "$(run_field retrieve errors)" "Alpha hidden: errors"
assert_eq absent "$(folder_field retrieve Alpha result)" "Alpha row"
assert_match "$(folder_field retrieve Alpha error)" "folder list" "Alpha row error"
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i29dst
assert_eq absent "$(folder_field retrieve Alpha result)" "status: Alpha"
assert_match "$(folder_field retrieve Alpha error)" "Missing from the remote" \
	"status: Alpha error"
assert_eq ok "$(folder_field retrieve Beta result)" "status: Beta"

# back: nothing re-delivered, the mark is gone
unhide Alpha
imap_retrieve_run i29dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "Alpha back"
assert_eq ok "$(folder_field retrieve Alpha result)" "Alpha back: row"
assert_once "Alpha back"
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i29dst
assert_eq ok "$(folder_field retrieve Alpha result)" "status: Alpha back"

# one LIST missing it again only marks it again (the earlier mark was
# cleared when it was listed)
hide Alpha
imap_retrieve_run i29dst
assert_run_ok
assert_eq absent "$(folder_field retrieve Alpha result)" "Alpha hidden again"
unhide Alpha
imap_retrieve_run i29dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "Alpha back again"
assert_once "Alpha back again"

# 2. a LIST with only INBOX while the state has several folders marks
# nothing (no rows), twice in a row
hide Alpha
hide Beta
for i in 1 2; do
	imap_retrieve_run i29dst
	assert_run_ok
	assert_result retrieve ok
	folder_field retrieve Alpha result >/dev/null &&
		fail "only INBOX listed ($i): Alpha reported"
	folder_field retrieve Beta result >/dev/null &&
		fail "only INBOX listed ($i): Beta reported"
done
unhide Alpha
unhide Beta
imap_retrieve_run i29dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "all back"
assert_once "all back"

# 3. missing from two runs' LISTs: forgotten, and new mail when it comes
# back
hide Alpha
imap_retrieve_run i29dst
assert_run_ok
assert_eq absent "$(folder_field retrieve Alpha result)" "gone, run 1"
imap_retrieve_run i29dst
assert_run_ok
assert_result retrieve ok
assert_eq vanished "$(folder_field retrieve Alpha result)" "gone, run 2"
assert_eq 0 "$(run_field retrieve errors)" "gone, run 2: errors"
grep -F i29dst "$RUN_ERR" | grep "Alpha" >/dev/null || fail "the forgotten folder was not logged"
imap_retrieve_run i29dst
assert_run_ok
folder_field retrieve Alpha result >/dev/null && fail "Alpha reported after it was forgotten"
RUN_CONF=$LOCAL_IMAP_CONF retrieve_cmd status i29dst
folder_field retrieve Alpha result >/dev/null && fail "status: Alpha after it was forgotten"
unhide Alpha
imap_retrieve_run i29dst
assert_run_ok
assert_eq 2 "$(run_field retrieve messages)" "forgotten folder back"
assert_eq 4 "$(local_imap_count i29dst Imp/Alpha)" "forgotten folder back: local"
case_pass
