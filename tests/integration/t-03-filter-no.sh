#!/usr/bin/env bash
# Case 3: retrieve_filter=no bypasses Sieve: the "[SPAM]" message lands in
# the destination folder (INBOX), not in Junk.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user nofilter-src
seed_remote nofilter-src \
	"$(make_msg nofilter-ham "Ordinary mail")" \
	"$(make_msg nofilter-spam "[SPAM] Unfiltered")"
local_user nofilter-dst $(acct retrieve nofilter-src pop3) retrieve_filter=no

retrieve_run nofilter-dst
assert_run_ok
assert_result retrieve ok
assert_eq $'Ordinary mail\n[SPAM] Unfiltered' "$(local_subjects nofilter-dst INBOX)" "INBOX subjects"
assert_eq 0 "$(local_count nofilter-dst Junk)" "Junk count"
assert_message_once nofilter-dst INBOX nofilter-spam

case_pass
