#!/usr/bin/env bash
# Case 30: a full local mailbox (Dovecot's quota plugin, count backend,
# a rule of 2 messages) is a local failure: keep=no with 4 remote
# messages delivers 2, then stops with local_tempfail naming the quota
# (exit non-zero); QUIT commits the deletion of the 2 delivered ones, the
# other 2 stay on the server. With the quota raised (the user's userdb
# field rewritten) the next run brings the rest: all 4 locally exactly
# once, the server empty.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

# Version-specific: the quota settings. 2.3: plugin {} and a userdb
# quota_rule; 2.4: a named quota root and a userdb quota_message_count
# over the global one, which the root inherits.
if [[ $DOVECOT_API == 2.4 ]]; then
	RUN_CONF=$(local_conf_variant local-quota <<'CONF'
mail_plugins = $mail_plugins quota
quota_message_count = 1000
quota "User quota" {
  driver = count
}
CONF
	) || exit 1
	quota_limit() { echo "quota_message_count=$1"; }
else
	RUN_CONF=$(local_conf_variant local-quota <<'CONF'
mail_plugins = $mail_plugins quota
plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:messages=1000
}
CONF
	) || exit 1
	quota_limit() { echo "quota_rule=*:messages=$1"; }
fi

remote_user quota-src
seed_remote quota-src "$(make_msg quota-1 "Quota one")" "$(make_msg quota-2 "Quota two")" \
	"$(make_msg quota-3 "Quota three")" "$(make_msg quota-4 "Quota four")"
local_user quota-dst $(acct retrieve quota-src pop3) "$(quota_limit 2)"

# The rule is in force for this user (through the same config).
doveadm -c "$RUN_CONF" -f tab quota get -u quota-dst >"$CASE_OUT/quota-get.out" 2>&1 ||
	fail "harness: doveadm quota get failed: $(cat "$CASE_OUT/quota-get.out")"
awk -F'\t' '$2 == "MESSAGE" && $4 == 2 { ok = 1 } END { exit !ok }' "$CASE_OUT/quota-get.out" ||
	fail "harness: message limit 2 not in force: $(cat "$CASE_OUT/quota-get.out")"

retrieve_run quota-dst
assert_run_failed
assert_result retrieve local_tempfail
assert_match "$(run_field retrieve error)" "quota" "error column"
assert_error_logged quota-dst retrieve "quota"
assert_eq 2 "$(run_field retrieve messages)" "first run: messages column"
assert_eq 2 "$(run_field retrieve deleted)" "first run: deleted column"
assert_eq 2 "$(local_count quota-dst INBOX)" "local count after the quota stop"
assert_eq 2 "$(local_file_count quota-dst)" "local message files after the quota stop"
assert_message_once quota-dst INBOX quota-1
assert_message_once quota-dst INBOX quota-2
assert_eq 2 "$(remote_count quota-src)" "remote count after the quota stop"
assert_eq $'Quota four\nQuota three' "$(doveadm -c "$REMOTE_CONF" -f tab fetch -u quota-src \
	hdr.subject mailbox INBOX all 2>/dev/null | tail -n +2 | sort)" "left on the server"

retrieve_cmd status quota-dst
assert_eq local_tempfail "$(run_field retrieve result)" "status result"
assert_match "$(run_field retrieve error)" "quota" "status error"

# Raise the quota.
local_user quota-dst $(acct retrieve quota-src pop3) "$(quota_limit 10)"
retrieve_run quota-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "second run: messages column"
assert_eq 4 "$(local_count quota-dst INBOX)" "local count after raising the quota"
for m in quota-1 quota-2 quota-3 quota-4; do
	assert_message_once quota-dst INBOX "$m"
done
assert_eq 0 "$(remote_count quota-src)" "remote count at the end"

case_pass
