#!/usr/bin/env bash
# Case 17: the connection drops in the middle of a RETR (fake server): the
# run ends remote_tempfail, no partial message is delivered, nothing is
# deleted on the server; the next run (server well-behaved again) brings
# every message exactly once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

# Message 2 is large enough that half of it is well past any one read.
python3 - "$(make_msg lost-2 "Lost two")" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.write("LOST-2-BEGIN\n" + ("lost two filler line\n" * 10000) + "LOST-2-END\n")
PY
fake_pop3_start lost drop-retr:2,normal "$(make_msg lost-1 "Lost one")" \
	"$IT_WORK/msgs/lost-2" "$(make_msg lost-3 "Lost three")"
local_user lost-dst $(fake_acct retrieve)

retrieve_run lost-dst
assert_run_failed
assert_result retrieve remote_tempfail
assert_ne "" "$(run_field retrieve error)" "error column"
assert_error_logged lost-dst retrieve "."
assert_eq 0 "$(local_find_all lost-dst LOST-2-BEGIN | grep -c .)" "partial copies of message 2"
assert_eq 3 "$(fake_count lost)" "messages left on the server"

retrieve_run lost-dst
assert_run_ok
assert_result retrieve ok
for m in lost-1 lost-2 lost-3; do
	assert_message_once lost-dst INBOX "$m"
done
assert_eq 1 "$(local_find_all lost-dst LOST-2-END | grep -c .)" "complete copies of message 2"
assert_eq 0 "$(fake_count lost)" "messages left on the server"

case_pass
