#!/usr/bin/env bash
# Case 93: the spam scanner is down. retrieve_spam_failure=tempfail (the
# default): the run ends local_tempfail naming the scanner, nothing is
# delivered or deleted remotely (keep=no); once spamd is back the next
# run delivers every message once. retrieve_spam_failure=accept: the
# message is delivered unscanned with a warning.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
spamd_start s92
spamd_stop s92

remote_user s92-src
seed_remote s92-src "$(make_msg s92-ham "Down ham")" \
	"$(make_gtube_msg s92-gtube "Down gtube")"
local_user s92-dst $(acct retrieve s92-src pop3)
spam_conf local-spam92 "retrieve_spam_scanner=spamd:127.0.0.1:$SPAMD_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_timeout=5s

retrieve_run s92-dst
assert_run_failed
assert_result retrieve local_tempfail
assert_contains "$(run_field retrieve error)" "Spam scanner spamd:127.0.0.1:$SPAMD_PORT failed" \
	"error column names the scanner"
assert_eq 0 "$(run_field retrieve messages)" "scanner down: messages column"
assert_eq 2 "$(remote_count s92-src)" "scanner down: remote count"
assert_eq 0 "$(local_count s92-dst INBOX)" "scanner down: local INBOX"

spamd_start s92
retrieve_run s92-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "scanner back: messages column"
assert_eq 1 "$(run_field retrieve spam)" "scanner back: spam column"
assert_eq 0 "$(remote_count s92-src)" "scanner back: remote count"
assert_message_once s92-dst INBOX s92-ham
assert_message_once s92-dst Junk s92-gtube

# accept: delivered unscanned, with a warning
spamd_stop s92
seed_remote s92-src "$(make_gtube_msg s92-accept "Accept gtube")"
spam_conf local-spam92-accept "retrieve_spam_scanner=spamd:127.0.0.1:$SPAMD_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_failure=accept
retrieve_run s92-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "accept: messages column"
assert_eq 0 "$(run_field retrieve spam)" "accept: spam column"
assert_eq 0 "$(remote_count s92-src)" "accept: remote count"
assert_message_once s92-dst INBOX s92-accept
assert_eq "X-Spam-Status: Unscanned (scanner failed)" \
	"$(spam_header s92-dst INBOX s92-accept X-Spam-Status)" "accept: status header"
grep -q "Warning: .*Spam scanner spamd:127.0.0.1:$SPAMD_PORT failed" "$RUN_ERR" ||
	fail "accept: no warning naming the scanner"

case_pass
