#!/usr/bin/env bash
# Case 65: a server that echoes the password back (a hostile one can):
# PASS refused with the password in the -ERR text, PASS answered by a
# non-POP3 line holding it, AUTH PLAIN refused with its base64 argument
# and the base64 password, the connection closed after PASS. Under
# doveadm -D, neither the password nor its base64 forms appear in the
# run's output and log, "retrieve status" or the state; the error says
# "<hidden>" where the server put them. Then a healthy run.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

# no_secret NAME: no form of the fake server's password anywhere the
# user's runs left something
no_secret() {
	local name=$1 user=$1-dst pw b64 plain f
	hostile_skip "$name" && return 0
	pw=$(grep -o "retrieve_password=[^ ]*" <<<"$(fake_acct retrieve)" | cut -d= -f2)
	b64=$(printf '%s' "$pw" | base64 -w0)
	plain=$(printf '\0%s\0%s' fakeuser "$pw" | base64 -w0)
	retrieve_cmd status "$user"
	for f in "$CASE_OUT"/*-"$name"-* "$CASE_OUT"/*.out "$CASE_OUT"/*.err \
		$(state_files "$user") $(status_files "$user"); do
		[[ -f $f ]] || continue
		# (Dovecot's own auth-master debug line lists all userdb
		# fields: core, not the plugin; t-99 skips it too)
		! grep -aF -e "$pw" -e "$b64" -e "$plain" "$f" |
			grep -vE "$OAUTH2_CORE_LINES" >/dev/null ||
			fail "$name: a form of the password is in $f"
	done
}

RETRIEVE_DEBUG=1 H_ERROR="wrong password <hidden> for fakeuser" \
	hostile_scenario h-echopass echo-pass auth_failed
no_secret h-echopass
RETRIEVE_DEBUG=1 H_ERROR="Invalid reply to PASS: BAD password <hidden>" \
	hostile_scenario h-echogarbage echo-garbage remote_error
no_secret h-echogarbage
RETRIEVE_DEBUG=1 H_ERROR="bad credentials <hidden> \(<hidden>\)" \
	hostile_scenario h-echoauth echo-auth auth_failed
no_secret h-echoauth
RETRIEVE_DEBUG=1 H_ERROR="closed" \
	hostile_scenario h-resetpass reset:pass remote_tempfail
no_secret h-resetpass

case_pass
