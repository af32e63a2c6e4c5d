#!/usr/bin/env bash
# Case 4: keep=yes leaves mail on the remote; a second run fetches nothing
# new; a message added later is fetched by a third run (and only it).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user keep-src
seed_remote keep-src "$(make_msg keep-1 "Keep one")" "$(make_msg keep-2 "Keep two")"
local_user keep-dst $(acct retrieve keep-src pop3) retrieve_keep=yes

retrieve_run keep-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "first run: messages column"
assert_eq 0 "$(run_field retrieve deleted)" "first run: deleted column"
assert_eq 2 "$(remote_count keep-src)" "remote count after the first run"
assert_eq 2 "$(local_count keep-dst INBOX)" "local count after the first run"

retrieve_run keep-dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run: messages column"
assert_eq 2 "$(local_count keep-dst INBOX)" "local count after the second run"
assert_eq 2 "$(remote_count keep-src)" "remote count after the second run"

seed_remote keep-src "$(make_msg keep-3 "Keep three")"
retrieve_run keep-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "third run: messages column"
assert_eq $'Keep one\nKeep three\nKeep two' "$(local_subjects keep-dst INBOX)" "INBOX subjects"
assert_eq 3 "$(remote_count keep-src)" "remote count after the third run"
for m in keep-1 keep-2 keep-3; do
	assert_message_once keep-dst INBOX "$m"
done

case_pass
