#!/usr/bin/env bash
# Case 5: keep=no (the default) empties the remote; every message is
# present locally exactly once; a second run finds nothing.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user del-src
seed_remote del-src "$(make_msg del-1 "Del one")" "$(make_msg del-2 "Del two")" \
	"$(make_msg del-3 "Del three")"
local_user del-dst $(acct retrieve del-src pop3)

retrieve_run del-dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "messages column"
assert_eq 3 "$(run_field retrieve deleted)" "deleted column"
assert_eq 0 "$(remote_count del-src)" "remote count"
for m in del-1 del-2 del-3; do
	assert_message_once del-dst INBOX "$m"
done

retrieve_run del-dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run: messages column"
assert_eq 3 "$(local_count del-dst INBOX)" "local count after the second run"

case_pass
