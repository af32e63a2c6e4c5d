#!/usr/bin/env bash
# Case 36: ssl=no without retrieve_allow_plaintext is a config_error that
# names ssl and retrieve_allow_plaintext, and nothing at all reaches the
# server (not even a connection); a userdb field retrieve_allow_plaintext
# does not allow it (administrator-only, case 24). Allowed by the plugin
# setting, it retrieves from the "plain" server (no TLS) with a plaintext
# login.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user pt-src
seed_remote pt-src "$(make_msg pt-1 "Plaintext one")"
account=$(acct retrieve pt-src pop3 plain)

# Control: the plain server logs even a connection that never logs in, so
# an empty log below means no connection.
log_mark plain
(exec 9<>"/dev/tcp/127.0.0.1/$PLAIN_POP3_PORT"; sleep 0.2) 2>/dev/null ||
	fail "harness: cannot connect to the plain server"
for i in $(seq 50); do
	[[ -n $(log_since plain) ]] && break
	sleep 0.1
done
[[ -n $(log_since plain) ]] || fail "harness: the plain server does not log bare connections"

local_user pt-dst $account retrieve_ssl=no
log_mark plain
retrieve_run pt-dst
assert_run_failed
assert_result retrieve config_error
err=$(run_field retrieve error)
assert_match "$err" "(^|[^a-z_])ssl" "error column names ssl"
assert_contains "$err" "retrieve_allow_plaintext" "error column names the setting"
assert_error_logged pt-dst retrieve "retrieve_allow_plaintext"
sleep 0.5
since=$(log_since plain)
[[ -z $since ]] || fail "the refused account reached the server: $(head -3 <<<"$since")"
assert_eq "" "$(remote_logins pt-src)" "remote logins"
assert_eq 1 "$(remote_count pt-src)" "remote count"
assert_eq 0 "$(local_file_count pt-dst)" "local messages"

# Allowed by the user's own userdb field (as any plugin setting).
# Allowed by the administrator's plugin setting.
seed_remote pt-src "$(make_msg pt-2 "Plaintext two")"
local_user pt-dst $account retrieve_ssl=no
RUN_CONF=$LOCAL_PLAINTEXT_CONF retrieve_run pt-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "messages column (plugin setting)"
assert_message_once pt-dst INBOX pt-1
assert_message_once pt-dst INBOX pt-2
assert_remote_login pt-src ', lip=127\.0\.0\.1,'
remote_logins pt-src | grep ', TLS' >/dev/null && fail "the plain server login used TLS?"
assert_eq 0 "$(remote_count pt-src)" "remote count after the second plaintext run"

case_pass
