#!/usr/bin/env bash
# Case 35: max_size (retrieve_max_size=10k), keep=no: the two small
# messages are retrieved and deleted, the 50 KB one stays on the server,
# is counted in the "skipped" column and logged; the run is ok (exit 0).
# A second run leaves it there again and fetches nothing twice.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

python3 - "$(make_msg ms-big "Max size big")" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.write("MS-BIG-BEGIN\n" + ("max size filler line, fifty bytes of text here.\n" * 1040) + "MS-BIG-END\n")
PY
size=$(stat -c %s "$IT_WORK/msgs/ms-big")
((size > 50000)) || fail "harness: big message is only $size bytes"

remote_user ms-src
seed_remote ms-src "$(make_msg ms-1 "Max size one")" "$IT_WORK/msgs/ms-big" \
	"$(make_msg ms-2 "Max size two")"
local_user ms-dst $(acct retrieve ms-src pop3) retrieve_max_size=10k

retrieve_run ms-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "messages column"
assert_eq 1 "$(run_field retrieve skipped)" "skipped column"
assert_eq 2 "$(run_field retrieve deleted)" "deleted column"
assert_message_once ms-dst INBOX ms-1
assert_message_once ms-dst INBOX ms-2
assert_eq 0 "$(local_find_all ms-dst MS-BIG-BEGIN | grep -c .)" "local copies of the big message"
assert_eq 1 "$(remote_count ms-src)" "remote count"
assert_eq "Max size big" "$(doveadm -c "$REMOTE_CONF" -f tab fetch -u ms-src hdr.subject \
	mailbox INBOX all 2>/dev/null | tail -n +2)" "the message left on the server"
grep -qiE 'max_size' "$RUN_ERR" || fail "the skipped message was not logged (no max_size warning)"

retrieve_run ms-dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run: messages column"
assert_eq 1 "$(run_field retrieve skipped)" "second run: skipped column"
assert_eq 2 "$(local_count ms-dst INBOX)" "second run: local count"
assert_eq 1 "$(remote_count ms-src)" "second run: remote count"

case_pass
