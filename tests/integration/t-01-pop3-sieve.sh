#!/usr/bin/env bash
# Case 1: filter=yes (default), default folder: the user's Sieve script
# files the "[SPAM]" message into Junk, the others reach INBOX; STLS is used
# by default for pop3://.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user sieve-src
seed_remote sieve-src \
	"$(make_msg sieve-ham1 "Hello one")" \
	"$(make_msg sieve-spam "[SPAM] Cheap pills")" \
	"$(make_msg sieve-ham2 "Hello two")"
local_user sieve-dst $(acct retrieve sieve-src pop3)

retrieve_run sieve-dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "messages column"
assert_eq $'Hello one\nHello two' "$(local_subjects sieve-dst INBOX)" "INBOX subjects"
assert_eq "[SPAM] Cheap pills" "$(local_subjects sieve-dst Junk)" "Junk subjects"
assert_message_once sieve-dst INBOX sieve-ham1
assert_message_once sieve-dst INBOX sieve-ham2
assert_message_once sieve-dst Junk sieve-spam
assert_remote_login sieve-src ', TLS,'

case_pass
