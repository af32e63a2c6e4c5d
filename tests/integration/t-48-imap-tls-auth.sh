#!/usr/bin/env bash
# IMAP failures with the same results as POP3 (cases 7, 8, 9):
# - untrusted certificate (imaps:// and imap:// STARTTLS): remote_error,
#   the error names the certificate problem, no credentials sent; with
#   ssl_verify=no both work.
# - a server without STARTTLS: remote_error naming STARTTLS, no
#   credentials sent; ssl=no works only with retrieve_allow_plaintext.
# - a wrong password: auth_failed while the user's good account still
#   retrieves.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user i48a
remote_user i48b
remote_user i48c
imapr_py i48c <<'PY'
append("INBOX", "i48c-1", "third")
PY
imapr_py i48a <<'PY'
append("INBOX", "i48a-1", "first")
PY
imapr_py i48b <<'PY'
append("INBOX", "i48b-1", "second")
PY

# untrusted certificate
accounts="$(acct retrieve i48a imaps untrusted) $(acct retrieve2 i48b imap untrusted)"
local_user i48u $accounts
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run i48u
assert_run_failed
for a in retrieve retrieve2; do
	assert_result $a remote_error
	assert_match "$(run_field $a error)" "certif|verif|trust|self.signed|issuer" "account $a: error column"
	assert_error_logged i48u $a "certif|verif|trust|self.signed|issuer"
done
[[ -z $(remote_logins i48a)$(remote_logins i48b) ]] ||
	fail "credentials were sent to the untrusted server"
# one error line per failed account, not imapc's own on top
assert_eq 2 "$(grep -c 'Error:' "$RUN_ERR")" "error lines of the run"
local_user i48u $accounts retrieve_ssl_verify=no retrieve2_ssl_verify=no retrieve_keep=yes retrieve2_keep=yes
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run i48u
assert_run_ok
assert_result retrieve ok
assert_result retrieve2 ok
assert_message_once i48u INBOX i48a-1
assert_message_once i48u INBOX i48b-1

# no STARTTLS
account=$(acct retrieve i48c imap plain)
local_user i48p $account
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run i48p
assert_run_failed
assert_result retrieve remote_error
assert_match "$(run_field retrieve error)" "STARTTLS" "error column"
assert_error_logged i48p retrieve "STARTTLS"
[[ -z $(remote_logins i48c) ]] || fail "credentials were sent without TLS"
local_user i48p $account retrieve_ssl=no retrieve_keep=yes
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run i48p
assert_run_failed
assert_result retrieve config_error
plain_conf=$ETC/local-imap-plaintext.conf
printf '!include %s\nplugin {\n  retrieve_allow_plaintext = yes\n}\n' "$LOCAL_IMAP_CONF" >"$plain_conf"
RUN_CONF=$plain_conf retrieve_run i48p
assert_run_ok
assert_result retrieve ok
assert_message_once i48p INBOX i48c-1

# wrong password, next to a good account
local_user i48w "retrieve=$(url imap i48a)" "retrieve_password=Pw-Wrong-$RANDOM$RANDOM" \
	$(imapr_acct retrieve2 i48b) retrieve2_keep=yes
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run i48w
assert_run_failed
assert_result retrieve auth_failed
assert_match "$(run_field retrieve error)" "auth|password|login|credential|denied" "error column"
assert_error_logged i48w retrieve "auth|password|login|credential|denied"
assert_result retrieve2 ok
assert_message_once i48w INBOX i48b-1
case_pass
