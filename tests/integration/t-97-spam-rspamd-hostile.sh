#!/usr/bin/env bash
# Case 97: a hostile or broken rspamd (fake-scanner.py): HTTP 500, an HTML
# body, a huge body without end, a header line without end, a stall. Each
# ends the run local_tempfail with one error naming the scanner, in
# bounded time and memory (peak RSS), without a crash, nothing delivered
# or deleted. A
# well-behaved one gets the Rcpt, Deliver-To and Settings-ID headers, and
# its "reject" files the message into retrieve_spam_folder; a malformed
# rspamd setting is a configuration error.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user r96-src
seed_remote r96-src "$(make_msg r96-1 "Hostile rspamd one")"
local_user r96-dst $(acct retrieve r96-src pop3)

for mode in http-500 garbage huge endless-header stall; do
	fake_start "rspamd-$mode" fake-scanner.py "unused-$RANDOM" --protocol rspamd --script "$mode"
	spam_conf "local-spam96-$mode" \
		"retrieve_spam_scanner=rspamd:http://127.0.0.1:$FAKE_PORT" \
		retrieve_spam_timeout=3s
	start=$(date +%s)
	retrieve_run_rss r96-dst
	took=$(($(date +%s) - start))
	# endless replies cost no memory beyond the bounds
	rss_ok "$RUN_RSS" 100000 || fail "$mode: peak RSS ${RUN_RSS} KiB"
	assert_run_failed
	assert_result retrieve local_tempfail
	err=$(run_field retrieve error)
	assert_contains "$err" "Spam scanner rspamd:http://127.0.0.1:$FAKE_PORT failed" \
		"$mode: error names the scanner"
	assert_not_contains "$err" $'\x1b' "$mode: error is sanitised"
	((took < 20)) || fail "$mode: the run took ${took}s"
	assert_eq 1 "$(grep -cE '(^|: )Error: ' "$RUN_ERR")" "$mode: error lines"
	assert_eq 1 "$(remote_count r96-src)" "$mode: remote count"
	assert_eq 0 "$(local_count r96-dst INBOX)" "$mode: local INBOX"
	fake_pop3_stop "rspamd-$mode"
done

fake_start rspamd-spam fake-scanner.py "unused-$RANDOM" --protocol rspamd --script spam
spam_conf local-spam96-spam "retrieve_spam_scanner=rspamd:http://127.0.0.1:$FAKE_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_settings_id=retrieve-96
retrieve_run r96-dst
assert_run_ok
assert_eq 1 "$(run_field retrieve spam)" "reject: spam column"
assert_message_once r96-dst Junk r96-1
assert_eq "X-Spam-Status: Yes, score=15.0 required=15.0 tests=GTUBE" \
	"$(spam_header r96-dst Junk r96-1 X-Spam-Status)" "reject: status header"
assert_contains "$(fake_log rspamd-spam)" "request POST /checkv2" "request line"
assert_contains "$(fake_log rspamd-spam)" "header rcpt: r96-dst@" "Rcpt header"
assert_contains "$(fake_log rspamd-spam)" "header settings-id: retrieve-96" "Settings-ID header"
fake_pop3_stop rspamd-spam

seed_remote r96-src "$(make_msg r96-2 "Hostile rspamd two")"
for bad in retrieve_spam_scanner=rspamd:https://127.0.0.1:11333 \
	retrieve_spam_scanner=rspamd:http://rspamd.example.org:11333 \
	retrieve_spam_scanner=rspamd:127.0.0.1:11333 \
	"retrieve_spam_settings_id=a b"; do
	spam_conf local-spam96-bad "retrieve_spam_scanner=rspamd:http://127.0.0.1:1" "$bad"
	retrieve_run r96-dst
	assert_run_failed
	assert_contains "$(cat "$RUN_ERR")" "${bad%%=*}: " "$bad: error names the setting"
	assert_eq 1 "$(remote_count r96-src)" "$bad: remote count"
done

case_pass
