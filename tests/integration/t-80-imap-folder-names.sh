#!/usr/bin/env bash
# IMAP folder names that are not valid UTF-8 or that Dovecot would refuse
# locally: Latin-1 and broken 8-bit bytes, unterminated modified UTF-7,
# control characters and CR/LF, '..', '~x', empty levels, 300 levels,
# 1,200 characters. Real Dovecot escapes or hides such names on disk (it
# never LISTs them), so a minimal responder serves them
# (fake-imap-folders.py). mirror maps every one into a valid local folder
# under the account's folder (before: mailbox_alloc() panicked on the
# first 8-bit name, on every run); merge takes them all into one folder.
# Rows, state and status show sanitised names (no control bytes, bounded).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

fake_imap_folders_start f80 i80
# INBOX and 14 folders, one message each: <i80-0> .. <i80-14>; folder
# 10, "cr\r\nlf", only a literal can name, and imapc stalls on a SELECT
# with one, and folder 14, 5,000 bytes (longer than Dovecot allows a
# name, never a state key): each fails on its row, the others go on
expected=$(for i in $(seq 0 13); do [[ $i == 10 ]] || echo "<i80-$i@retrieve-it>"; done | sort)

local_user i80dst $(fake_folders_acct retrieve) retrieve_folders=mirror \
	retrieve_folder=Imp retrieve_keep=yes
imap_retrieve_run i80dst
assert_run_ok
assert_result retrieve ok
assert_eq 13 "$(run_field retrieve messages)" "messages retrieved"
assert_eq 2 "$(run_field retrieve errors)" "two folder errors"
assert_match "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["folder"] ~ /^NNNN/ { print $c["result"], $c["error"] }' "$RUN_OUT")" \
	"^error Folder name too long \(5000 bytes\)$" "the 5,000-byte folder's row"
assert_error_logged i80dst retrieve "Folder N+\.\.\. not retrieved: Folder name too long"
LC_ALL=C grep -q NNNNNNNN "$IT_WORK"/local-home/i80dst/.dovecot-retrieve/*.state &&
	fail "the 5,000-byte name is in the state"
assert_eq "$expected" "$(local_msgid_list i80dst)" "every other folder's message, once"
assert_eq 1 "$(folder_field retrieve After messages)" "the folder after the bad ones"
assert_eq error "$(folder_field retrieve 'cr??lf' result)" "the line-break folder's row"
assert_match "$(folder_field retrieve 'cr??lf' error)" "line break" "its error"
assert_error_logged i80dst retrieve "Folder cr\?\?lf not retrieved: .*line break"
# header, the account, INBOX and 14 folders: no name broke a row
assert_clean_output "$RUN_OUT" 17
# every local folder valid and under Imp
folders=$(local_imap_folders i80dst)
while IFS= read -r f; do
	[[ $f == INBOX || $f == Imp || $f == Imp/* ]] || fail "local folder outside Imp: $f"
	LC_ALL=C grep -qP '[\x00-\x1f\x7f]' <<<"$f" && fail "control bytes in local folder $(cat -A <<<"$f")"
	((${#f} <= 200)) || fail "local folder name of ${#f} characters"
done <<<"$folders"
assert_contains "$folders" "Imp/a/__/b" "a/../b mapped"
assert_contains "$folders" "Imp/_x" "~x mapped"
assert_contains "$folders" "Imp/ctl__z" "control characters mapped"
assert_contains "$folders" "Imp/Ärger" "8-bit UTF-8 kept"
assert_match "$folders" "^Imp(/d){16}_d_d" "300 levels folded below 16"

imap_retrieve_run i80dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run"
assert_eq "$expected" "$(local_msgid_list i80dst)" "no duplicates"

retrieve_cmd status i80dst
[[ $RUN_RC == 0 ]] || fail "status exited $RUN_RC"
# the state knows INBOX and 13 folders
assert_clean_output "$RUN_OUT" 16

# merge: everything into one folder, same names in the rows
local_user i80merge $(fake_folders_acct retrieve) retrieve_folders=merge \
	retrieve_folder=Merged retrieve_keep=yes
imap_retrieve_run i80merge
assert_run_ok
assert_result retrieve ok
assert_eq 13 "$(run_field retrieve messages)" "merge: messages retrieved"
assert_eq 13 "$(local_imap_count i80merge Merged)" "merge: all in Merged"
assert_clean_output "$RUN_OUT" 17
case_pass
