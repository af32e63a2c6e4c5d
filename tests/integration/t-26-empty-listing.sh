#!/usr/bin/env bash
# Case 26: a transiently empty listing does not make keep=yes forget what
# it retrieved. keep=yes retrieves two messages; the server then answers
# one run (and then a second one) with an empty UIDL/LIST; when it lists
# the messages again, nothing is delivered twice and the state still
# holds both UIDLs.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

fake_pop3_start e26 normal,empty-listing,empty-listing,normal \
	"$(make_msg e26-1 "Empty listing one")" "$(make_msg e26-2 "Empty listing two")"
local_user e26-dst $(fake_acct retrieve) retrieve_keep=yes

state_uids() {
	awk -F'\t' '$1 == "uid" { print $2 }' $(state_files e26-dst) | sort
}

retrieve_run e26-dst
assert_run_ok
assert_eq 2 "$(run_field retrieve messages)" "first run: messages"
want=$(state_uids)
assert_eq 2 "$(grep -c . <<<"$want")" "first run: UIDLs in the state"

for run in second third; do
	retrieve_run e26-dst
	assert_run_ok
	assert_result retrieve ok
	assert_eq 0 "$(run_field retrieve messages)" "$run run (empty listing): messages"
	assert_eq "$want" "$(state_uids)" "$run run (empty listing): UIDLs in the state"
done

retrieve_run e26-dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "fourth run (listed again): messages"
assert_eq "$want" "$(state_uids)" "fourth run: UIDLs in the state"
assert_message_once e26-dst INBOX e26-1
assert_message_once e26-dst INBOX e26-2
assert_eq 2 "$(fake_count e26)" "messages on the server (keep=yes)"
fake_pop3_stop e26

case_pass
