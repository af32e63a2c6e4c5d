#!/usr/bin/env bash
# Case 16: "doveadm retrieve status" shows each account's last result and
# totals after runs; "doveadm retrieve list" shows the accounts' settings
# with the password as <hidden>.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user stat-src1
remote_user stat-src2
seed_remote stat-src1 "$(make_msg stat-1 "Stat one")" "$(make_msg stat-2 "Stat two")"
local_user stat-dst $(acct retrieve stat-src1 pop3) \
	"retrieve2=$(url pop3s stat-src2)" retrieve2_password=Pw-Zq8v-stat-wrong-$RANDOM \
	retrieve2_folder=Archive retrieve2_keep=yes retrieve2_apop=yes retrieve2_filter=no

retrieve_cmd status stat-dst
[[ $RUN_RC == 0 ]] || fail "status before any run exited $RUN_RC"

retrieve_run stat-dst
seed_remote stat-src1 "$(make_msg stat-3 "Stat three")"
retrieve_run stat-dst
assert_result retrieve ok
assert_result retrieve2 auth_failed

retrieve_cmd status stat-dst
[[ $RUN_RC == 0 ]] || fail "status exited $RUN_RC"
header=$(head -1 "$RUN_OUT")
for col in user account last_run result error last_messages total_messages total_bytes runs; do
	assert_match "$header" "(^|	)$col(	|$)" "status header has $col"
done
assert_eq stat-dst "$(run_field retrieve user)" "status: user"
assert_eq ok "$(run_field retrieve result)" "status: retrieve result"
assert_eq "" "$(run_field retrieve error)" "status: retrieve error"
assert_eq 1 "$(run_field retrieve last_messages)" "status: retrieve last_messages"
assert_eq 3 "$(run_field retrieve total_messages)" "status: retrieve total_messages"
assert_eq 2 "$(run_field retrieve runs)" "status: retrieve runs"
total_bytes=$(run_field retrieve total_bytes)
((total_bytes > 0)) || fail "status: total_bytes '$total_bytes'"
assert_ne "" "$(run_field retrieve last_run)" "status: last_run"
assert_eq auth_failed "$(run_field retrieve2 result)" "status: retrieve2 result"
assert_ne "" "$(run_field retrieve2 error)" "status: retrieve2 error"
# POP3 accounts have no per-folder rows
assert_eq "" "$(run_field retrieve folder)" "status: retrieve folder"
assert_eq 2 "$(tail -n +2 "$RUN_OUT" | wc -l)" "status: rows of two POP3 accounts"

retrieve_cmd list stat-dst
[[ $RUN_RC == 0 ]] || fail "list exited $RUN_RC"
assert_eq "$(url pop3 stat-src1)" "$(run_field retrieve url)" "list: url"
assert_eq pop3 "$(run_field retrieve protocol)" "list: protocol"
assert_eq 127.0.0.1 "$(run_field retrieve host)" "list: host"
assert_eq "$REMOTE_POP3_PORT" "$(run_field retrieve port)" "list: port"
assert_eq stat-src1 "$(run_field retrieve username)" "list: username"
assert_eq "<hidden>" "$(run_field retrieve password)" "list: password"
assert_eq INBOX "$(run_field retrieve folder)" "list: folder"
assert_eq starttls "$(run_field retrieve ssl)" "list: ssl"
assert_eq yes "$(run_field retrieve ssl_verify)" "list: ssl_verify"
assert_eq no "$(run_field retrieve keep)" "list: keep"
assert_eq yes "$(run_field retrieve filter)" "list: filter"
assert_eq pop3 "$(run_field retrieve2 protocol)" "list: retrieve2 protocol"
assert_eq "$REMOTE_POP3S_PORT" "$(run_field retrieve2 port)" "list: retrieve2 port"
assert_eq "<hidden>" "$(run_field retrieve2 password)" "list: retrieve2 password"
assert_eq Archive "$(run_field retrieve2 folder)" "list: retrieve2 folder"
assert_eq yes "$(run_field retrieve2 ssl)" "list: retrieve2 ssl"
assert_eq yes "$(run_field retrieve2 keep)" "list: retrieve2 keep"
assert_eq yes "$(run_field retrieve2 apop)" "list: retrieve2 apop"
assert_eq no "$(run_field retrieve2 filter)" "list: retrieve2 filter"
assert_not_contains "$(cat "$RUN_OUT" "$RUN_ERR")" "Pw-Zq8v" "list output"

case_pass
