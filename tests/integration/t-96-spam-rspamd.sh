#!/usr/bin/env bash
# Case 96: a real rspamd (retrieve_spam_scanner = rspamd:http://...):
# GTUBE (action reject) is never dropped but filed into
# retrieve_spam_folder with our headers, clean mail reaches INBOX
# byte-identical below them. rspamd stopped: tempfail, nothing deleted
# (keep=no); back: every message delivered once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
rspamd_start r95

remote_user r95-src
seed_remote r95-src "$(make_msg r95-ham "Rspamd ham")" \
	"$(make_gtube_msg r95-gtube "Rspamd gtube" "X-Spam-Flag: NO")"
local_user r95-dst $(acct retrieve r95-src pop3) retrieve_keep=yes
spam_conf local-spam95 "retrieve_spam_scanner=rspamd:http://127.0.0.1:$RSPAMD_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_settings_id=retrieve-test
retrieve_run r95-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "messages column"
assert_eq 1 "$(run_field retrieve spam)" "spam column"
assert_message_once r95-dst INBOX r95-ham
assert_message_once r95-dst Junk r95-gtube
assert_eq "X-Spam-Flag: YES" "$(spam_header r95-dst Junk r95-gtube X-Spam-Flag)" "GTUBE's flag"
assert_match "$(spam_header r95-dst Junk r95-gtube X-Spam-Status)" \
	'^X-Spam-Status: Yes, score=[0-9.]+ required=[0-9.]+ tests=.*GTUBE' "GTUBE's status"
assert_eq "X-Spam-Flag: NO" "$(spam_header r95-dst INBOX r95-ham X-Spam-Flag)" "ham's flag"
crlf_to_lf "$IT_WORK/msgs/r95-ham" >"$CASE_OUT/ham.expected"
ADDED_HEADERS=$SPAM_ADDED_HEADERS strip_added_headers \
	"$(local_find r95-dst INBOX "Message-ID: <r95-ham@retrieve-it>")" >"$CASE_OUT/ham.got"
assert_file_same "$CASE_OUT/ham.expected" "$CASE_OUT/ham.got" "ham below the added headers"

# rspamd down: tempfail, nothing deleted; back: delivered once
rspamd_stop r95
local_user r95-down $(acct retrieve r95-src pop3)
spam_conf local-spam95-down "retrieve_spam_scanner=rspamd:http://127.0.0.1:$RSPAMD_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_timeout=5s
retrieve_run r95-down
assert_run_failed
assert_result retrieve local_tempfail
assert_contains "$(run_field retrieve error)" \
	"Spam scanner rspamd:http://127.0.0.1:$RSPAMD_PORT failed" "error names the scanner"
assert_eq 2 "$(remote_count r95-src)" "rspamd down: remote count"
assert_eq 0 "$(local_count r95-down INBOX)" "rspamd down: local INBOX"
rspamd_start r95
retrieve_run r95-down
assert_run_ok
assert_eq 2 "$(run_field retrieve messages)" "rspamd back: messages column"
assert_eq 1 "$(run_field retrieve spam)" "rspamd back: spam column"
assert_eq 0 "$(remote_count r95-src)" "rspamd back: remote count"
assert_message_once r95-down INBOX r95-ham
assert_message_once r95-down Junk r95-gtube

rspamd_stop r95
case_pass
