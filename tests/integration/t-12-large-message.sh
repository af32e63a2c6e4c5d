#!/usr/bin/env bash
# Case 12: a 20 MB message arrives intact (SHA-256 of the message without
# the headers added on delivery, CRLF->LF).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

big=$(make_big_msg big-1 "Twenty megabytes" 15) # ~20.2 MB
size=$(stat -c %s "$big")
((size >= 20000000)) || fail "harness: test message is only $size bytes"

remote_user big-src
seed_remote big-src "$big"
local_user big-dst $(acct retrieve big-src pop3)

retrieve_run big-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve messages)" "messages column"
bytes=$(run_field retrieve bytes)
((bytes >= size)) || fail "bytes column $bytes < message size $size"
assert_message_once big-dst INBOX big-1
got=$(local_find big-dst INBOX "Message-ID: <big-1@retrieve-it>")
want_sum=$(crlf_to_lf "$big" | sha256sum | cut -d' ' -f1)
got_sum=$(strip_added_headers "$got" | sha256sum | cut -d' ' -f1)
assert_eq "$want_sum" "$got_sum" "SHA-256 of the 20 MB message"
assert_eq 0 "$(remote_count big-src)" "remote count"

case_pass
