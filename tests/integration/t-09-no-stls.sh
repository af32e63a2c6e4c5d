#!/usr/bin/env bash
# Case 9: ssl=starttls (the default for pop3://) against a server that
# offers no STLS is refused - never a silent downgrade - and the remote
# mail is untouched. ssl=no is refused unless retrieve_allow_plaintext=yes,
# and then works.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user nostls-src
seed_remote nostls-src "$(make_msg nostls-1 "Plain server")"
account=$(acct retrieve nostls-src pop3 plain)
local_user nostls-dst $account

retrieve_run nostls-dst
assert_run_failed
assert_result retrieve remote_error
assert_match "$(run_field retrieve error)" "STLS|STARTTLS|TLS" "error column"
assert_error_logged nostls-dst retrieve "STLS|STARTTLS|TLS"
assert_eq 1 "$(remote_count nostls-src)" "remote count"
assert_eq 0 "$(local_count nostls-dst INBOX)" "local count"
[[ -z $(remote_logins nostls-src) ]] || fail "credentials were sent without TLS"

# Explicit ssl=no, not allowed by the administrator.
local_user nostls-dst $account retrieve_ssl=no
retrieve_run nostls-dst
assert_run_failed
assert_result retrieve config_error
assert_match "$(run_field retrieve error)" "retrieve.*ssl|ssl.*retrieve|plaintext" "error column"
[[ -z $(remote_logins nostls-src) ]] || fail "credentials were sent without TLS"

# Allowed: retrieves over plaintext.
RUN_CONF=$LOCAL_PLAINTEXT_CONF retrieve_run nostls-dst
assert_run_ok
assert_result retrieve ok
assert_message_once nostls-dst INBOX nostls-1
assert_eq 0 "$(remote_count nostls-src)" "remote count after plaintext retrieval"

case_pass
