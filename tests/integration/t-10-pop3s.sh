#!/usr/bin/env bash
# Case 10: implicit TLS (pop3s://) retrieves, verified against the test CA.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user tls-src
seed_remote tls-src "$(make_msg tls-1 "Over TLS")"
local_user tls-dst $(acct retrieve tls-src pop3s)

retrieve_run tls-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "messages column"
assert_message_once tls-dst INBOX tls-1
assert_remote_login tls-src ', TLS,'
assert_eq 0 "$(remote_count tls-src)" "remote count"

case_pass
