#!/usr/bin/env bash
# Case 2: retrieve_folder=Retrieved: the folder is created, Sieve's implicit
# keep goes there (not INBOX), explicit fileinto still works.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user folder-src
seed_remote folder-src \
	"$(make_msg folder-ham "Plain news")" \
	"$(make_msg folder-spam "[SPAM] Win big")"
local_user folder-dst $(acct retrieve folder-src pop3) retrieve_folder=Retrieved
[[ $(local_folders folder-dst) == *Retrieved* ]] && fail "harness: Retrieved exists beforehand"

retrieve_run folder-dst
assert_run_ok
assert_result retrieve ok
assert_contains "$(local_folders folder-dst)" "Retrieved" "local folders"
assert_eq "Plain news" "$(local_subjects folder-dst Retrieved)" "Retrieved subjects"
assert_eq "[SPAM] Win big" "$(local_subjects folder-dst Junk)" "Junk subjects"
assert_eq 0 "$(local_count folder-dst INBOX)" "INBOX count"
assert_message_once folder-dst Retrieved folder-ham

case_pass
