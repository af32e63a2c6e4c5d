# shellcheck shell=bash
# lib-oauth2.sh - the OAuth2 cases (t-100..t-106; sourced by lib.sh).
#
# Started at the first OAuth2 case and shared by the later ones:
#   oauth2        fake-oauth2.py over HTTPS (test CA): the providers' token
#                 endpoint and the introspection endpoint; every token it
#                 issues goes into $IT_WORK/passwords (the leak scan)
#   oauthremote   a real Dovecot serving the remote users' mail over POP3
#                 (STLS), POP3S, IMAP (STARTTLS) and IMAPS, logging in with
#                 passdb oauth2 only (AUTH/AUTHENTICATE XOAUTH2 and
#                 OAUTHBEARER), each token checked at the introspection
#                 endpoint (introspection_mode = post)
# The local side uses $OAUTH2_CONF: local.conf plus the administrator's
# providers ($ETC/oauth2-providers.conf, also for a service instance): "test" (XOAUTH2), "bearer" (OAUTHBEARER), "down" (a token
# endpoint nothing listens on) and "badclient" (a wrong client secret).

# under etc/ with the configs: it holds the client secret
OAUTH2_DIR_ENV() { echo "$ETC/oauthremote-env.sh"; }

oauth2_write_configs() {
	local ports ext=$ETC/oauthremote-oauth2.conf.ext
	ports=$(free_ports 5) || fail "harness: no ports"
	read -r OAR_POP3_PORT OAR_POP3S_PORT OAR_IMAP_PORT OAR_IMAPS_PORT OAUTH2_DOWN_PORT <<<"$ports"
	note_password "$OAUTH2_CLIENT_SECRET"
	note_password "$OAUTH2_REMOTE_SECRET"
	cat >"$(OAUTH2_DIR_ENV)" <<ENV
OAR_POP3_PORT=$OAR_POP3_PORT OAR_POP3S_PORT=$OAR_POP3S_PORT
OAR_IMAP_PORT=$OAR_IMAP_PORT OAR_IMAPS_PORT=$OAR_IMAPS_PORT
OAUTH2_DOWN_PORT=$OAUTH2_DOWN_PORT OAUTH2_PORT=$OAUTH2_PORT
OAUTH2_CLIENT_SECRET=$OAUTH2_CLIENT_SECRET
ENV
	cat >"$ext" <<CONF
introspection_url = https://127.0.0.1:$OAUTH2_PORT/introspect
introspection_mode = post
force_introspection = yes
client_id = dovecot-remote
client_secret = $OAUTH2_REMOTE_SECRET
username_attribute = username
active_attribute = active
active_value = true
tls_ca_cert_file = $CA_PEM
CONF
	chgrp dovecot "$ext"; chmod 640 "$ext"
	{
		remote_conf_common oauthremote yes server |
			sed -e '/^passdb {/,/^}/d' -e 's/^auth_mechanisms = .*/auth_mechanisms = xoauth2 oauthbearer/'
		cat <<CONF
# only OAuth2: a password can't log in here
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $ext
}
CONF
		echo "service pop3-login {"
		listener_block pop3-login pop3 "$OAR_POP3_PORT"
		listener_block pop3-login pop3s "$OAR_POP3S_PORT" ssl
		echo "}"
		echo "service imap-login {"
		listener_block imap-login imap "$OAR_IMAP_PORT"
		listener_block imap-login imaps "$OAR_IMAPS_PORT" ssl
		echo "}"
	} >"$ETC/oauthremote.conf"
	local p=https://127.0.0.1:$OAUTH2_PORT/token
	# the providers, with the client secret: under etc/ (never scanned),
	# included by the local config and by a case's service instance
	cat >"$ETC/oauth2-providers.conf" <<CONF
plugin {
  retrieve_oauth2_test_token_url = $p
  retrieve_oauth2_test_client_id = retrieve-test
  retrieve_oauth2_test_client_secret = $OAUTH2_CLIENT_SECRET
  retrieve_oauth2_test_scope = mail
  retrieve_oauth2_bearer_token_url = $p
  retrieve_oauth2_bearer_client_id = retrieve-test
  retrieve_oauth2_bearer_client_secret = $OAUTH2_CLIENT_SECRET
  retrieve_oauth2_bearer_mechanism = oauthbearer
  retrieve_oauth2_down_token_url = https://127.0.0.1:$OAUTH2_DOWN_PORT/token
  retrieve_oauth2_down_client_id = retrieve-test
  retrieve_oauth2_badclient_token_url = $p
  retrieve_oauth2_badclient_client_id = retrieve-test
  retrieve_oauth2_badclient_client_secret = wrong-$RANDOM
}
CONF
	printf '!include %s\n!include %s\n' "$LOCAL_CONF" "$ETC/oauth2-providers.conf" \
		>"$ETC/local-oauth2.conf"
	conf_check "$ETC/local-oauth2.conf"
	conf_check "$ETC/oauthremote.conf"
}

# oauth2_start: the token endpoint and the OAuth2 remote, unless they run
# already. Sets OAUTH2_CONF (the local config with the providers).
oauth2_start() {
	local dir=$IT_WORK/fake
	OAUTH2_CONF=$ETC/local-oauth2.conf
	if instance_running oauthremote; then
		# shellcheck disable=SC1090
		source "$(OAUTH2_DIR_ENV)"
		return 0
	fi
	instance_dirs oauthremote
	# an endpoint whose remote did not come up (an earlier case failed
	# there): stopped, or its pid file would be overwritten and it would
	# outlive the run
	[[ -s $dir/oauth2.pid ]] && kill_pid "$(cat "$dir/oauth2.pid")"
	rm -f "$dir/oauth2.port"
	# the secrets first: the endpoint must know them, the configs
	# (written after, they need its port) hold them
	OAUTH2_CLIENT_SECRET=Cs-Zq8v-oauth2-$RANDOM$RANDOM
	OAUTH2_REMOTE_SECRET=Cs-Zq8v-remote-$RANDOM$RANDOM
	python3 "$IT_DIR/fake-oauth2.py" --name oauth2 --dir "$dir" \
		--cert "$ETC/server.pem" --key "$ETC/server.key" \
		--secrets "$IT_WORK/passwords" \
		--client "retrieve-test:$OAUTH2_CLIENT_SECRET" \
		--client "dovecot-remote:$OAUTH2_REMOTE_SECRET" \
		>>"$dir/oauth2.err" 2>&1 &
	echo $! >"$dir/oauth2.pid"
	wait_file "$dir/oauth2.port" 10 || fail "harness: fake-oauth2.py did not start: $(cat "$dir/oauth2.err")"
	OAUTH2_PORT=$(cat "$dir/oauth2.port")
	oauth2_write_configs
	instance_start oauthremote "$ETC/oauthremote.conf" "$OAR_POP3_PORT" \
		"$OAR_POP3S_PORT" "$OAR_IMAP_PORT" "$OAR_IMAPS_PORT"
}

# oauth2_ctl OP [QUERY]: the token endpoint's admin operation; prints
# its JSON answer.
oauth2_ctl() {
	python3 - "$OAUTH2_PORT" "$CA_PEM" "$1" "${2:-}" <<'PY'
import ssl, sys, urllib.request
port, ca, op, query = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
url = "https://127.0.0.1:%s/admin/%s?%s" % (port, op, query)
print(urllib.request.urlopen(url, context=ctx, timeout=10).read().decode())
PY
}

# oauth2_stat NAME: a counter of the token endpoint (refreshes,
# introspections, active_rejected).
oauth2_stat() {
	oauth2_ctl stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

# oauth2_grant USER: a new refresh token for remote USER (as a user's
# authorisation in the provider's consent screen would give).
oauth2_grant() {
	oauth2_ctl grant "user=$1" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['refresh_token'])"
}

# oauth2_url SCHEME USER: the account URL of USER on the OAuth2 remote.
oauth2_url() {
	local var=OAR_$(tr '[:lower:]' '[:upper:]' <<<"$1")_PORT
	echo "$1://$2@127.0.0.1:${!var}"
}

# oauth2_acct KEY SCHEME USER PROVIDER REFRESH_TOKEN: the userdb fields of
# an auth=oauth2 account.
oauth2_acct() {
	echo "$1=$(oauth2_url "$2" "$3") $1_auth=oauth2 $1_oauth2_provider=$4 $1_oauth2_refresh_token=$5"
}

# oauth2_cache USER: the user's token cache files, one a line.
oauth2_cache() {
	find "$IT_WORK/local-home/$1/.dovecot-retrieve" -name '*.oauth2' 2>/dev/null
}

# oauth2_run USER [ARGS]: retrieve_run with the providers' config.
oauth2_run() { RUN_CONF=$OAUTH2_CONF retrieve_run "$@"; }
oauth2_cmd() { RUN_CONF=$OAUTH2_CONF retrieve_cmd "$@"; }

# oauth2_remote_logins USER: the OAuth2 remote's "Login:" lines for USER.
oauth2_remote_logins() {
	login_lines "$1" "$IT_WORK/oauthremote/log/dovecot.log"
}

# Dovecot core's own debug lines that print userdb fields: auth-master's
# userdb reply, and mail-storage-service's "Added userdb setting" (it
# hides only keys containing "pass"). Not the plugin's output.
# (2.4: "auth-master: conn unix:...: auth input: USER<tab>fields" and no
# plugin/ prefix)
OAUTH2_CORE_LINES='auth-master: userdb lookup\(.*\): (Finished userdb lookup|auth USER input)|auth-master: conn [^ ]* \(pid=[0-9]*,uid=[0-9]*\): auth input: |Added userdb setting: (plugin/)?retrieve[0-9]*_oauth2_refresh_token='

# oauth2_assert_no_secret FILE...: no password, token or client secret
# the suite noted appears in the files, outside Dovecot core's lines.
oauth2_assert_no_secret() {
	local f secret
	for f in "$@"; do
		[[ -f $f ]] || continue
		while read -r secret; do
			[[ -n $secret ]] || continue
			grep -F -- "$secret" "$f" | grep -vE "$OAUTH2_CORE_LINES" >/dev/null &&
				fail "a token or secret in $(basename "$f"): $(grep -F -- "$secret" "$f" | grep -vE "$OAUTH2_CORE_LINES" | head -1 | sed "s/$secret/<SECRET>/g" | cut -c1-200)"
		done <"$IT_WORK/passwords"
	done
	return 0
}
