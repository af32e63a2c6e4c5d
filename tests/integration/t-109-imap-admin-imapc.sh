#!/usr/bin/env bash
# Case 109: the administrator's own imapc settings (for imapc storage:
# imapc_master_user, imapc_password, imapc_features) never reach a user's
# remote login. With them in dovecot.conf an IMAP retrieval logs in as
# the account's own user with the account's password, not as the master
# user, and neither the master user nor that password shows in the
# remote's log or in our output. (2.3 builds imapc's settings from
# nothing; 2.4 overrides these in a copy of the settings instance.)
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

admin_pw=Admin-imapc-$RANDOM$RANDOM
echo "$admin_pw" >>"$IT_WORK/passwords"
conf=$(local_conf_variant admin-imapc "$LOCAL_IMAP_CONF" <<EOF2
imapc_master_user = retrieve-admin-master
imapc_password = $admin_pw
imapc_features = proxyauth
EOF2
)

remote_user i109src
imapr_py i109src <<'PY'
append("INBOX", "i109-a", "admin imapc one")
PY
local_user i109dst $(imapr_acct retrieve i109src imap)
RUN_CONF=$conf retrieve_run i109dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(local_count i109dst INBOX)" "local INBOX"
log=$IMAPR_DIR/log/dovecot.log
[[ -n $(login_lines i109src "$log") ]] || fail "no login of i109src on the remote"
grep -F "retrieve-admin-master" "$log" >/dev/null &&
	fail "the administrator's imapc master user reached the remote: $(grep -F retrieve-admin-master "$log" | head -1)"
grep -F -- "$admin_pw" "$log" "$RUN_OUT" "$RUN_ERR" >/dev/null &&
	fail "the administrator's imapc password shows in a log or the output"
case_pass
