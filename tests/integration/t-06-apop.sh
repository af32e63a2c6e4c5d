#!/usr/bin/env bash
# Case 6: apop=yes logs in with APOP (the remote offers it in its greeting),
# over implicit TLS (pop3s://) and after STLS (pop3://).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user apop-src1
remote_user apop-src2
seed_remote apop-src1 "$(make_msg apop-1 "Apop one")"
seed_remote apop-src2 "$(make_msg apop-2 "Apop two")"
local_user apop-dst $(acct retrieve apop-src1 pop3s) retrieve_apop=yes \
	$(acct retrieve2 apop-src2 pop3) retrieve2_apop=yes

retrieve_run apop-dst
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_message_once apop-dst INBOX apop-1
assert_message_once apop-dst INBOX apop-2
assert_remote_login apop-src1 'method=APOP, .*TLS'
assert_remote_login apop-src2 'method=APOP, .*TLS'

case_pass
