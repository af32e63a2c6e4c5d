#!/usr/bin/env bash
# Case 89: a 50 MB message through a real spamd (retrieve_spam_max_size
# raised above it) is scanned, streamed from its spool: doveadm's peak
# RSS stays under 32 MB (about 13 MB here), well below the message's
# size, and the message arrives intact below the added headers with
# spamd's verdict.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
MAX_RSS_KB=$((32 * 1024))
spamd_start s89

big=$(make_big_msg s89-big "Fifty megabytes" 38) # ~52.6 MB
size=$(stat -c %s "$big")
((size >= 50 * 1024 * 1024)) || fail "harness: test message is only $size bytes"

remote_user s89-src
seed_remote s89-src "$big"
local_user s89-dst $(acct retrieve s89-src pop3)
spam_conf local-spam89 "retrieve_spam_scanner=spamd:127.0.0.1:$SPAMD_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_max_size=60M retrieve_spam_timeout=100s
retrieve_run_rss s89-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "messages column"
assert_eq 0 "$(run_field retrieve spam)" "spam column"
rss_ok "$RUN_RSS" "$MAX_RSS_KB" || fail "50 MB scanned: peak RSS ${RUN_RSS} KiB"
assert_message_once s89-dst INBOX s89-big
# scanned, not skipped for its size
assert_match "$(spam_header s89-dst INBOX s89-big X-Spam-Status)" \
	'^X-Spam-Status: No, score=[0-9.-]+ required=5\.0' "spamd's verdict"
assert_eq "X-Spam-Flag: NO" "$(spam_header s89-dst INBOX s89-big X-Spam-Flag)" "flag"
got=$(local_find s89-dst INBOX "Message-ID: <s89-big@retrieve-it>")
want_sum=$(crlf_to_lf "$big" | sha256sum | cut -d' ' -f1)
got_sum=$(ADDED_HEADERS=$SPAM_ADDED_HEADERS strip_added_headers "$got" | sha256sum | cut -d' ' -f1)
assert_eq "$want_sum" "$got_sum" "SHA-256 of the 50 MB message"
assert_eq 0 "$(remote_count s89-src)" "remote count"

spamd_stop s89
case_pass
