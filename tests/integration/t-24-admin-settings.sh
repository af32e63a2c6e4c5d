#!/usr/bin/env bash
# Case 24: administrator-wide settings are not the user's to change. A
# userdb field (a user's SQL/LDAP row) carrying such a name is ignored with
# a warning and the administrator's plugin {} value (or the default) is
# used:
# - retrieve_allow_plaintext=yes from the userdb does not enable ssl=no
#   (config_error, nothing reaches the server);
# - retrieve_state_dir from the userdb does not move the state: it stays in
#   the default place, or in the administrator's retrieve_state_dir.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user a24-src
seed_remote a24-src "$(make_msg a24-1 "Admin one")"

local_user a24-dst $(acct retrieve a24-src pop3 plain) retrieve_ssl=no \
	retrieve_allow_plaintext=yes
log_mark plain
retrieve_run a24-dst
assert_run_failed
assert_result retrieve config_error
assert_contains "$(run_field retrieve error)" "retrieve_allow_plaintext" "error column"
grep -q "Ignoring userdb field retrieve_allow_plaintext" "$RUN_ERR" ||
	fail "no warning about the ignored userdb field"
sleep 0.3
assert_eq "" "$(log_since plain)" "the plain server's log"
assert_eq "" "$(remote_logins a24-src)" "remote logins"
assert_eq 1 "$(remote_count a24-src)" "remote count"

# retrieve_state_dir from the userdb: ignored, default used
home=$IT_WORK/local-home/a24-st
local_user a24-st $(acct retrieve a24-src pop3) retrieve_keep=yes \
	"retrieve_state_dir=$home/user-chosen"
retrieve_run a24-st
assert_run_ok
assert_result retrieve ok
grep -q "Ignoring userdb field retrieve_state_dir" "$RUN_ERR" ||
	fail "no warning about the ignored retrieve_state_dir"
[[ -e $home/user-chosen ]] && fail "the userdb's retrieve_state_dir was used"
[[ -n $(state_files a24-st) ]] || fail "no state in the default ~/.dovecot-retrieve"

# the administrator's own value still applies (with %h expanded)
conf=$(local_conf_variant admin-state <<'EOF2'
plugin {
  retrieve_state_dir = %h/admin-state
}
EOF2
)
RUN_CONF=$conf retrieve_run a24-st
assert_run_ok
[[ -e $home/user-chosen ]] && fail "the userdb's retrieve_state_dir was used (admin conf)"
compgen -G "$home/admin-state/*.state" >/dev/null ||
	fail "no state in the administrator's retrieve_state_dir"
assert_eq 1 "$(run_field retrieve messages)" "a fresh state dir retrieves again"

case_pass
