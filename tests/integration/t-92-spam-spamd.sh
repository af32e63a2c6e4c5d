#!/usr/bin/env bash
# Case 92: a real spamd scans filter=yes deliveries. retrieve_spam_folder
# files the GTUBE message into Junk without any Sieve rule (its own
# "X-Spam-Flag: NO" changes nothing: ours is the first), the clean one
# reaches INBOX byte-identical below the added headers, the spam column
# counts 1. Without retrieve_spam_folder a Sieve rule on X-Spam-Flag
# files it. A message over retrieve_spam_max_size is delivered unscanned
# (logged, marked "Unscanned").
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
spamd_start s91

remote_user s91-src
seed_remote s91-src "$(make_msg s91-ham "Spam case ham")" \
	"$(make_gtube_msg s91-gtube "Spam case gtube" "X-Spam-Flag: NO")"

# retrieve_spam_folder, the standard Sieve script (subject rule only)
local_user s91-folder $(acct retrieve s91-src pop3) retrieve_keep=yes
spam_conf local-spam91 "retrieve_spam_scanner=spamd:127.0.0.1:$SPAMD_PORT" \
	retrieve_spam_folder=Junk
retrieve_run s91-folder
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "messages column"
assert_eq 1 "$(run_field retrieve spam)" "spam column"
assert_message_once s91-folder INBOX s91-ham
assert_message_once s91-folder Junk s91-gtube
assert_eq 1 "$(local_count s91-folder Junk)" "only the GTUBE message in Junk"
assert_eq "X-Spam-Flag: YES" "$(spam_header s91-folder Junk s91-gtube X-Spam-Flag)" "GTUBE's flag"
assert_match "$(spam_header s91-folder Junk s91-gtube X-Spam-Status)" \
	'^X-Spam-Status: Yes, score=[0-9.]+ required=5\.0 tests=.*GTUBE' "GTUBE's status"
assert_match "$(spam_header s91-folder Junk s91-gtube X-Spam-Score)" \
	'^X-Spam-Score: [0-9]{3,}' "GTUBE's score"
assert_eq "X-Spam-Flag: NO" "$(spam_header s91-folder INBOX s91-ham X-Spam-Flag)" "ham's flag"
crlf_to_lf "$IT_WORK/msgs/s91-ham" >"$CASE_OUT/ham.expected"
ADDED_HEADERS=$SPAM_ADDED_HEADERS strip_added_headers \
	"$(local_find s91-folder INBOX "Message-ID: <s91-ham@retrieve-it>")" >"$CASE_OUT/ham.got"
assert_file_same "$CASE_OUT/ham.expected" "$CASE_OUT/ham.got" "ham below the added headers"
crlf_to_lf "$IT_WORK/msgs/s91-gtube" >"$CASE_OUT/gtube.expected"
ADDED_HEADERS=$SPAM_ADDED_HEADERS strip_added_headers \
	"$(local_find s91-folder Junk "Message-ID: <s91-gtube@retrieve-it>")" >"$CASE_OUT/gtube.got"
assert_file_same "$CASE_OUT/gtube.expected" "$CASE_OUT/gtube.got" \
	"GTUBE below the added headers (its own X-Spam-Flag kept)"
grep -q 'marked as spam' "$RUN_ERR" || fail "the spam verdict was not logged"
retrieve_cmd status s91-folder
assert_eq 1 "$(run_field retrieve last_spam)" "status: last_spam"
assert_eq 1 "$(run_field retrieve total_spam)" "status: total_spam"
retrieve_run s91-folder
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "second run: messages column"
retrieve_cmd status s91-folder
assert_eq 0 "$(run_field retrieve last_spam)" "second status: last_spam"
assert_eq 1 "$(run_field retrieve total_spam)" "second status: total_spam"

# no retrieve_spam_folder: the user's Sieve acts on our header
local_user s91-sieve $(acct retrieve s91-src pop3) retrieve_keep=yes
cat >"$IT_WORK/local-home/s91-sieve/sieve/junk.sieve" <<'SIEVE'
require ["fileinto", "mailbox"];
if header :is "X-Spam-Flag" "YES" {
  fileinto :create "Spam";
  stop;
}
SIEVE
spam_conf local-spam91-sieve "retrieve_spam_scanner=spamd:127.0.0.1:$SPAMD_PORT"
retrieve_run s91-sieve
assert_run_ok
assert_eq 1 "$(run_field retrieve spam)" "Sieve: spam column"
assert_message_once s91-sieve INBOX s91-ham
assert_message_once s91-sieve Spam s91-gtube
assert_eq 0 "$(local_count s91-sieve Junk)" "Sieve: nothing in Junk"

# over retrieve_spam_max_size: delivered unscanned, into INBOX
local_user s91-big $(acct retrieve s91-src pop3) retrieve_keep=yes
spam_conf local-spam91-big "retrieve_spam_scanner=spamd:127.0.0.1:$SPAMD_PORT" \
	retrieve_spam_folder=Junk retrieve_spam_max_size=300
retrieve_run s91-big
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "max size: messages column"
assert_eq 0 "$(run_field retrieve spam)" "max size: spam column"
assert_message_once s91-big INBOX s91-gtube
assert_eq "X-Spam-Status: Unscanned (too large)" \
	"$(spam_header s91-big INBOX s91-gtube X-Spam-Status)" "max size: status header"
grep -q 'retrieve_spam_max_size' "$RUN_ERR" || fail "the unscanned message was not logged"

spamd_stop s91
case_pass
