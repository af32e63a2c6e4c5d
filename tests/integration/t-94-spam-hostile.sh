#!/usr/bin/env bash
# Case 94: a hostile or broken spam scanner (fake-scanner.py): an endless
# line, a huge Content-length with an endless body, headers without end,
# an HTTP reply with control bytes, a spamd error, a stall, a close
# without a reply. Each ends the run local_tempfail with one error naming
# the scanner, in bounded time, without a crash; nothing is delivered or
# deleted, and a well-behaved scanner then gets it delivered once.
# Malformed retrieve_spam_* settings are a configuration error naming the
# setting; a userdb field cannot set them.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user s93-src
seed_remote s93-src "$(make_msg s93-1 "Hostile scanner one")"
local_user s93-dst $(acct retrieve s93-src pop3)

for mode in endless-line huge-length many-headers garbage error stall close; do
	fake_start "spamd-$mode" fake-scanner.py "unused-$RANDOM" --protocol spamd --script "$mode,ham"
	spam_conf "local-spam93-$mode" "retrieve_spam_scanner=spamd:127.0.0.1:$FAKE_PORT" \
		retrieve_spam_timeout=3s
	start=$(date +%s)
	retrieve_run s93-dst
	took=$(($(date +%s) - start))
	assert_run_failed
	assert_result retrieve local_tempfail
	err=$(run_field retrieve error)
	assert_contains "$err" "Spam scanner spamd:127.0.0.1:$FAKE_PORT failed" "$mode: error names the scanner"
	assert_not_contains "$err" $'\x1b' "$mode: error is sanitised"
	((took < 20)) || fail "$mode: the run took ${took}s"
	assert_eq 1 "$(grep -cE '(^|: )Error: ' "$RUN_ERR")" "$mode: error lines"
	assert_eq 1 "$(remote_count s93-src)" "$mode: remote count"
	assert_eq 0 "$(local_count s93-dst INBOX)" "$mode: local INBOX"
	fake_pop3_stop "spamd-$mode"
done
assert_match "$(cat "$CASE_OUT"/run-*.out)" "Timed out after 3 s" "stall: timeout error"
assert_match "$(cat "$CASE_OUT"/run-*.out)" "spamd error 76" "error: spamd's code"
assert_match "$(cat "$CASE_OUT"/run-*.out)" "longer than" "endless-line: bounded"

# a well-behaved (fake) scanner: delivered once, not spam
fake_start spamd-ham fake-scanner.py "unused-$RANDOM" --protocol spamd --script ham
spam_conf local-spam93-ham "retrieve_spam_scanner=spamd:127.0.0.1:$FAKE_PORT"
retrieve_run s93-dst
assert_run_ok
assert_eq 1 "$(run_field retrieve messages)" "ham: messages column"
assert_eq 0 "$(run_field retrieve spam)" "ham: spam column"
assert_message_once s93-dst INBOX s93-1
assert_eq "X-Spam-Status: No, score=0.1 required=5.0 tests=RULE1" \
	"$(spam_header s93-dst INBOX s93-1 X-Spam-Status)" "ham: status header"
fake_pop3_stop spamd-ham

# malformed settings: one error naming the setting, nothing retrieved
seed_remote s93-src "$(make_msg s93-2 "Hostile scanner two")"
for bad in retrieve_spam_scanner=clamd:127.0.0.1:3310 \
	retrieve_spam_scanner=spamd:spamd.example.org:783 \
	retrieve_spam_scanner=spamd:127.0.0.1:99999 \
	retrieve_spam_failure=maybe retrieve_spam_timeout=0 \
	retrieve_spam_max_size=huge; do
	spam_conf local-spam93-bad "retrieve_spam_scanner=spamd:127.0.0.1:1" "$bad"
	retrieve_run s93-dst
	assert_run_failed
	assert_contains "$(cat "$RUN_ERR")" "${bad%%=*}: " "$bad: error names the setting"
	assert_eq 1 "$(remote_count s93-src)" "$bad: remote count"
done

# a userdb field can't set the scanner (the administrator's only): the
# run goes on without one, with a warning
local_user s93-userdb $(acct retrieve s93-src pop3) retrieve_keep=yes \
	retrieve_spam_scanner=spamd:127.0.0.1:1
RUN_CONF=$LOCAL_CONF retrieve_run s93-userdb
assert_run_ok
assert_message_once s93-userdb INBOX s93-2
grep -q "retrieve_spam_scanner" "$RUN_ERR" || fail "userdb field: no warning"

case_pass
