#!/usr/bin/env bash
# Case 18: protocol garbage from the server (fake servers): a 1 MiB line in
# the UIDL listing, a greeting that is not POP3. Each account ends
# remote_error in bounded time without crashing, nothing is delivered or
# deleted.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

fake_pop3_start longline long-uidl "$(make_msg bad-1 "Bad one")" "$(make_msg bad-2 "Bad two")"
fields="$(fake_acct retrieve)"
fake_pop3_start garbage garbage-greeting "$(make_msg bad-3 "Bad three")"
fields+=" $(fake_acct retrieve2)"
local_user bad-dst $fields

retrieve_run bad-dst
assert_run_failed
assert_result retrieve remote_error
assert_result retrieve2 remote_error
assert_ne "" "$(run_field retrieve error)" "retrieve: error column"
assert_ne "" "$(run_field retrieve2 error)" "retrieve2: error column"
assert_eq 0 "$(local_count bad-dst INBOX)" "local count"
assert_eq 2 "$(fake_count longline)" "messages left on the long-line server"
assert_eq 1 "$(fake_count garbage)" "messages left on the garbage server"

case_pass
