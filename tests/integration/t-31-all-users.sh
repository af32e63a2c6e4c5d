#!/usr/bin/env bash
# Case 31: many users in one command. "doveadm retrieve run -F FILE"
# retrieves only for the users the file names; "-A" (on a local instance
# whose userdb can list its users) retrieves for every user with
# accounts, one row per user and account, while a user without accounts
# gives no row and no error; "list -A" shows just those accounts.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin

remote_user all-src1
remote_user all-src2
seed_remote all-src1 "$(make_msg all-1 "All one")"
seed_remote all-src2 "$(make_msg all-2 "All two")"
local_user all-a $(acct retrieve all-src1 pop3)
local_user all-b $(acct retrieve all-src2 pop3)
local_user all-c

# -F: only all-a.
printf 'all-a\n' >"$CASE_OUT/users"
doveadm_run run-F "$LOCAL_CONF" -f tab retrieve run -F "$CASE_OUT/users"
assert_run_ok
assert_user_result all-a retrieve ok
assert_eq 1 "$(user_field all-a retrieve messages)" "-F: all-a messages column"
user_field all-b retrieve result >/dev/null && fail "-F: a row for all-b, who is not in the file"
assert_eq 2 "$(grep -c . "$RUN_OUT")" "-F: output lines (header + one row)"
assert_message_once all-a INBOX all-1
assert_eq 0 "$(remote_count all-src1)" "-F: all-src1 remote count"
assert_eq 1 "$(remote_count all-src2)" "-F: all-src2 remote count (not retrieved)"
assert_eq 0 "$(local_file_count all-b)" "-F: all-b local messages"

# -A, on an instance with one iterable users file.
seed_remote all-src1 "$(make_msg all-3 "All three")"
cat "$IT_WORK"/etc/local-users/all-{a,b,c} >"$ETC/local-all-users"
extra_local_start local-all "$ETC/local-all-users"
doveadm_run run-A "$EXTRA_CONF" -f tab retrieve run -A
assert_run_ok
assert_user_result all-a retrieve ok
assert_user_result all-b retrieve ok
assert_eq 1 "$(user_field all-a retrieve messages)" "-A: all-a messages column"
assert_eq 1 "$(user_field all-b retrieve messages)" "-A: all-b messages column"
grep -q 'all-c' "$RUN_OUT" && fail "-A: a row for all-c, who has no accounts: $(grep all-c "$RUN_OUT")"
assert_eq 3 "$(grep -c . "$RUN_OUT")" "-A: output lines (header + two rows)"
grep -qiE 'error|warning' "$RUN_ERR" && fail "-A logged: $(grep -iE 'error|warning' "$RUN_ERR" | head -1)"
assert_message_once all-a INBOX all-1
assert_message_once all-a INBOX all-3
assert_message_once all-b INBOX all-2
assert_eq 0 "$(local_file_count all-c)" "-A: all-c local messages"
assert_eq 0 "$(remote_count all-src1)" "-A: all-src1 remote count"
assert_eq 0 "$(remote_count all-src2)" "-A: all-src2 remote count"

doveadm_run list-A "$EXTRA_CONF" -f tab retrieve list -A
assert_run_ok
assert_eq "$(url pop3 all-src1)" "$(user_field all-a retrieve url)" "list -A: all-a url"
assert_eq "$(url pop3 all-src2)" "$(user_field all-b retrieve url)" "list -A: all-b url"
assert_eq 3 "$(grep -c . "$RUN_OUT")" "list -A: output lines (header + two rows)"
extra_local_stop local-all

case_pass
