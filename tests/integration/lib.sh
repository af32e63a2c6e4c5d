# shellcheck shell=bash
# lib.sh - shared harness of the dovecot-retrieve integration suite.
#
# Sourced by every case file (t-*.sh) and by tests/run.sh. It builds a
# private world under a temporary directory, all on 127.0.0.1:
#
#   remote      real Dovecot serving POP3 (+STLS), POP3S, IMAP, IMAPS with a
#               certificate signed by a test CA; offers APOP
#   untrusted   real Dovecot, same users and mail, self-signed certificate
#   plain       real Dovecot, same users and mail, ssl = no (no STLS)
#   local       real Dovecot without inet listeners: the auth-userdb socket
#               that "doveadm -c local.conf" asks; users carry the retrieval
#               accounts as userdb extra fields, Sieve is configured
#
# run.sh sets the world up once (world_setup) and exports IT_WORK; a case
# file run alone sets up its own world and removes it at exit (kept when
# KEEP=1 and the case failed).
#
# A case: source lib.sh, case_begin, then helpers and assertions; the first
# failing assertion prints "FAIL <case>: <reason>" with the relevant log
# tails and exits 1; case_pass prints "ok <case>".

set -u
set -o pipefail

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

MAIL_USER=${MAIL_USER:-mail}            # system user owning all test mail
MODULE_DIR=${MODULE_DIR:-/usr/lib/dovecot/modules}
# Mail plugins of the local (retrieving) side, after $mail_plugins.
LOCAL_MAIL_PLUGINS=${LOCAL_MAIL_PLUGINS:-retrieve}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}         # seconds one doveadm call may take
# Headers the local delivery adds on top of a retrieved message; stripped
# (only at the very top) before comparing with what was seeded.
ADDED_HEADERS=${ADDED_HEADERS:-Return-Path Received}

INSTANCES="remote untrusted plain local"
WORLD_PIDS=()

# ---------------------------------------------------------------- output

log() { printf '%s\n' "$*" >&2; }
die() { log "lib.sh: $*"; exit 2; }

# ------------------------------------------------------------ world setup

# world_setup: create the work dir, certificates, configs, and start all
# Dovecot instances. Exports IT_WORK.
world_setup() {
	IT_WORK=$(mktemp -d /tmp/retrieve-it.XXXXXX) || die "mktemp failed"
	export IT_WORK
	chmod 755 "$IT_WORK"
	mkdir -p "$IT_WORK"/{etc,out,msgs,fake,verdicts,remote-home,local-home}
	: >"$IT_WORK/passwords"
	world_pick_ports
	world_make_certs
	world_write_users_files
	world_write_configs
	remote_start
	local_start
	world_record_pids
}

# world_record_pids: remember the master pids in WORLD_PIDS, so teardown
# can stop them even if the work dir were removed under us.
world_record_pids() {
	local name
	WORLD_PIDS=()
	for name in $INSTANCES; do
		dovecot_running "$name" && WORLD_PIDS+=("$(cat "$IT_WORK/$name/run/master.pid")")
	done
}

# world_teardown [keep]: stop everything this world started; remove the
# work dir unless keep is "keep".
world_teardown() {
	local keep=${1:-} f name pids=("${WORLD_PIDS[@]}")
	[[ -n ${IT_WORK:-} && -d $IT_WORK ]] || { kill_pids "${pids[@]}"; return 0; }
	for f in "$IT_WORK"/fake/*.pid; do
		[[ -e $f ]] && pids+=("$(cat "$f")")
	done
	for name in $INSTANCES; do
		dovecot_running "$name" && pids+=("$(cat "$IT_WORK/$name/run/master.pid")")
	done
	kill_pids "${pids[@]}"
	if [[ $keep == keep ]]; then
		log "work dir kept: $IT_WORK"
	else
		rm -rf "$IT_WORK"
	fi
}

# kill_pids PID...: TERM them all, wait up to 10 s, then KILL the rest.
kill_pids() {
	local pid i alive
	(($# > 0)) || return 0
	kill -TERM "$@" 2>/dev/null
	for i in $(seq 100); do
		alive=
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[[ -z $alive ]] && return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null
	return 0
}

kill_pid() { kill_pids "$1"; }

# world_pick_ports: free loopback ports for every listener, into env.sh.
world_pick_ports() {
	local names="REMOTE_POP3 REMOTE_POP3S REMOTE_IMAP REMOTE_IMAPS
		UNTRUSTED_POP3 UNTRUSTED_POP3S UNTRUSTED_IMAP UNTRUSTED_IMAPS
		PLAIN_POP3 PLAIN_IMAP" ports n i=0
	n=$(wc -w <<<"$names")
	# Bind them all at once so they are distinct; the kernel will not hand
	# them out as ephemeral ports again soon.
	ports=$(python3 - "$n" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
) || die "cannot pick ports"
	read -r -a ports <<<"$ports"
	for name in $names; do
		echo "${name}_PORT=${ports[i]}"
		i=$((i + 1))
	done >"$IT_WORK/env.sh"
}

world_env() {
	# shellcheck disable=SC1091
	source "$IT_WORK/env.sh"
	ETC=$IT_WORK/etc
	REMOTE_CONF=$ETC/remote.conf
	LOCAL_BASE_CONF=$ETC/local-base.conf          # inspection: no retrieve plugin
	LOCAL_CONF=$ETC/local.conf                    # retrieval
	LOCAL_PLAINTEXT_CONF=$ETC/local-plaintext.conf  # + retrieve_allow_plaintext
	CA_PEM=$ETC/ca.pem
}

# world_make_certs: a test CA, a server certificate for localhost /
# 127.0.0.1 signed by it, and a self-signed "untrusted" one.
world_make_certs() {
	local d=$IT_WORK/etc ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	local san="subjectAltName=DNS:localhost,IP:127.0.0.1"
	{
		openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=dovecot-retrieve test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout "$d/ca.key" -out "$d/ca.pem" &&
		openssl req "${ec[@]}" -subj "/CN=localhost" \
			-keyout "$d/server.key" -out "$d/server.csr" &&
		printf '%s\n' "$san" "basicConstraints=CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" >"$d/server.ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.pem" &&
		openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=localhost" -addext "$san" \
			-keyout "$d/untrusted.key" -out "$d/untrusted.pem"
	} >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; die "certificate generation failed"; }
	chmod 644 "$d"/*.pem
	chmod 600 "$d"/*.key
}

# One passwd-file per user (etc/remote-users/NAME, etc/local-users/NAME):
# Dovecot's auth looks at a passwd-file at most once a second, so a user
# added to a shared file could stay unknown for that second; a new file is
# read at its first lookup.
world_write_users_files() {
	local d
	for d in remote-users local-users; do
		mkdir -p "$IT_WORK/etc/$d"
		chgrp dovecot "$IT_WORK/etc/$d"   # auth runs as default_internal_user
		chmod 750 "$IT_WORK/etc/$d"
	done
}

# remote_conf_common NAME SSL(yes|no) CERT_BASENAME
remote_conf_common() {
	local name=$1 ssl=$2 cert=$3 uid gid
	uid=$(id -u "$MAIL_USER"); gid=$(id -g "$MAIL_USER")
	cat <<EOF
# Generated by tests/integration/lib.sh: the "$name" test server.
instance_name = retrieve-it-$name
base_dir = $IT_WORK/$name/run
state_dir = $IT_WORK/$name/state
log_path = $IT_WORK/$name/log/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
protocols = imap pop3
listen = 127.0.0.1
ssl = $ssl
ssl_cert = <$IT_WORK/etc/$cert.pem
ssl_key = <$IT_WORK/etc/$cert.key
disable_plaintext_auth = no
# apop: pop3-login puts the APOP timestamp into its greeting when the
# mechanism is enabled; it needs plaintext-retrievable passwords ({PLAIN}).
auth_mechanisms = plain login apop
auth_verbose = yes
auth_username_format = %Lu
first_valid_uid = $uid
first_valid_gid = $gid
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100
hostname = localhost
passdb {
  driver = passwd-file
  args = scheme=PLAIN $IT_WORK/etc/remote-users/%Lu
}
userdb {
  driver = passwd-file
  args = $IT_WORK/etc/remote-users/%Lu
}
EOF
}

# listener_block SERVICE NAME PORT [ssl]
listener_block() {
	printf '  inet_listener %s {\n    address = 127.0.0.1\n    port = %s\n' "$2" "$3"
	[[ ${4:-} == ssl ]] && printf '    ssl = yes\n'
	printf '  }\n'
}

world_write_configs() {
	local uid gid etc=$IT_WORK/etc name
	world_env
	uid=$(id -u "$MAIL_USER"); gid=$(id -g "$MAIL_USER")
	for name in $INSTANCES; do
		mkdir -p "$IT_WORK/$name"/{run,state,log}
		touch "$IT_WORK/$name/log/dovecot.log"
		chmod 666 "$IT_WORK/$name/log/dovecot.log"
	done

	# remote (CA-signed) and untrusted (self-signed): all four listeners.
	local inst cert up
	for inst in remote untrusted; do
		cert=server; up=REMOTE
		[[ $inst == untrusted ]] && { cert=untrusted; up=UNTRUSTED; }
		local p3=${up}_POP3_PORT p3s=${up}_POP3S_PORT im=${up}_IMAP_PORT ims=${up}_IMAPS_PORT
		{
			remote_conf_common "$inst" yes "$cert"
			echo "service pop3-login {"
			listener_block pop3-login pop3 "${!p3}"
			listener_block pop3-login pop3s "${!p3s}" ssl
			echo "}"
			echo "service imap-login {"
			listener_block imap-login imap "${!im}"
			listener_block imap-login imaps "${!ims}" ssl
			echo "}"
		} >"$etc/$inst.conf"
	done

	# plain: no TLS at all, so no STLS / STARTTLS capability.
	{
		remote_conf_common plain no server
		echo "service pop3-login {"
		listener_block pop3-login pop3 "$PLAIN_POP3_PORT"
		echo "}"
		echo "service imap-login {"
		listener_block imap-login imap "$PLAIN_IMAP_PORT"
		echo "}"
	} >"$etc/plain.conf"

	# local: the retrieving side. No inet listeners; doveadm needs only its
	# auth-userdb socket. ssl_client_ca_file makes the test CA (and nothing
	# else) trusted for outgoing TLS.
	cat >"$LOCAL_BASE_CONF" <<EOF
# Generated by tests/integration/lib.sh: the local (retrieving) host.
instance_name = retrieve-it-local
base_dir = $IT_WORK/local/run
state_dir = $IT_WORK/local/state
log_path = $IT_WORK/local/log/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
protocols = none
ssl = yes
ssl_cert = <$IT_WORK/etc/server.pem
ssl_key = <$IT_WORK/etc/server.key
ssl_client_ca_file = $CA_PEM
auth_username_format = %Lu
first_valid_uid = $uid
first_valid_gid = $gid
mail_location = maildir:~/Maildir
postmaster_address = postmaster@localhost
hostname = localhost
passdb {
  driver = passwd-file
  args = scheme=PLAIN $IT_WORK/etc/local-users/%Lu
}
# passwd-file userdb: the retrieval accounts are extra fields in the 8th
# column, each "userdb_"-prefixed (userdb_retrieve=pop3://...).
userdb {
  driver = passwd-file
  args = $IT_WORK/etc/local-users/%Lu
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  # t-08 and t-48 test ssl_verify=no accounts
  retrieve_allow_ssl_verify_no = yes
  # every server of the test world is on loopback, denied by default
  retrieve_allow_networks = 127.0.0.0/8
}
EOF
	# e.g. tests/run.sh --sanitize's import_environment
	[[ -n ${IT_LOCAL_CONF_EXTRA:-} ]] && printf '%s\n' "$IT_LOCAL_CONF_EXTRA" >>"$LOCAL_BASE_CONF"
	cat >"$LOCAL_CONF" <<EOF
!include $LOCAL_BASE_CONF
mail_plugins = \$mail_plugins $LOCAL_MAIL_PLUGINS
EOF
	cat >"$LOCAL_PLAINTEXT_CONF" <<EOF
!include $LOCAL_CONF
plugin {
  retrieve_allow_plaintext = yes
}
EOF
	local f
	for f in "$etc"/*.conf; do
		doveconf -c "$f" -n >/dev/null 2>"$IT_WORK/out/doveconf.err" ||
			{ cat "$IT_WORK/out/doveconf.err" >&2; die "bad config $f"; }
	done
}

# dovecot_start NAME: start the instance with $ETC/NAME.conf (local uses
# local-base.conf) and wait for its master and auth-userdb socket.
dovecot_start() {
	local name=$1 conf=$ETC/$1.conf i
	[[ $name == local ]] && conf=$LOCAL_BASE_CONF
	dovecot -c "$conf" 2>>"$IT_WORK/$name/log/dovecot.log" ||
		die "dovecot $name failed to start: $(tail -5 "$IT_WORK/$name/log/dovecot.log")"
	for i in $(seq 100); do
		dovecot_running "$name" && [[ -S $IT_WORK/$name/run/auth-userdb ]] && return 0
		sleep 0.1
	done
	die "dovecot $name did not come up: $(tail -5 "$IT_WORK/$name/log/dovecot.log")"
}

dovecot_running() {
	local pidfile=$IT_WORK/$1/run/master.pid
	[[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

dovecot_stop() {
	local pidfile=$IT_WORK/$1/run/master.pid
	dovecot_running "$1" && kill_pid "$(cat "$pidfile")"
	return 0
}

# remote_start: the three remote servers; waits until every port listens.
remote_start() {
	local name port
	for name in remote untrusted plain; do
		dovecot_start "$name"
	done
	for port in $REMOTE_POP3_PORT $REMOTE_POP3S_PORT $REMOTE_IMAP_PORT \
		$REMOTE_IMAPS_PORT $UNTRUSTED_POP3_PORT $UNTRUSTED_POP3S_PORT \
		$PLAIN_POP3_PORT $PLAIN_IMAP_PORT; do
		wait_port "$port" || die "nothing listens on 127.0.0.1:$port"
	done
}

local_start() { dovecot_start local; }

# wait_port PORT: up to 10 s for a listener on 127.0.0.1:PORT.
wait_port() {
	local i
	for i in $(seq 100); do
		(exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --------------------------------------------------------------- cases

# case_begin: name the case after its file, join or create the world.
case_begin() {
	CASE=$(basename "$0" .sh)
	CASE=${CASE#t-}
	if [[ -z ${IT_WORK:-} ]]; then
		trap 'case_exit_trap' EXIT
		world_setup
	fi
	world_env
	exec 3>&1                   # fail() reports here, even from $(...)
	trap 'exit 1' USR1
	RUN_SEQ=0
	RUN_OUT=/dev/null RUN_ERR=/dev/null RUN_RC=
	CASE_OUT=$IT_WORK/out/$CASE
	mkdir -p "$CASE_OUT"
	rm -f "$IT_WORK/verdicts/$CASE"
	# Remember where each log was, to show only this case's part.
	local name
	for name in $INSTANCES; do
		eval "LOG_OFFSET_$name=$(stat -c %s "$IT_WORK/$name/log/dovecot.log")"
	done
}

case_exit_trap() {
	local rc=$? keep=
	[[ ${KEEP:-0} == 1 && $rc != 0 ]] && keep=keep
	world_teardown "$keep"
	exit "$rc"
}

# rss_ok KIB LIMIT_KIB: whether a peak RSS is under its limit. Under
# --sanitize ASan's shadow memory and quarantine make RSS say nothing
# about ours, so there it always holds: the plain suite's run is the
# one that measures.
rss_ok() {
	[[ -n ${SANITIZE_LOG_DIR:-} ]] || (($1 < $2))
}

case_pass() {
	echo "ok $CASE" >&3
	echo ok >"$IT_WORK/verdicts/$CASE"
	exit 0
}

# case_skip REASON: the case cannot run here (exit 77).
case_skip() {
	echo "skip $CASE: $*"
	echo skip >"$IT_WORK/verdicts/$CASE"
	exit 77
}

# fail REASON: report, dump what helps, end the case - also when called
# inside a command substitution (the subshell signals the case's shell).
fail() {
	{
		echo "FAIL $CASE: $*"
		dump_context
	} >&3
	echo fail >"$IT_WORK/verdicts/$CASE"
	[[ $BASHPID != "$$" ]] && kill -USR1 $$
	exit 1
}

# dump_context: the last doveadm run and this case's part of every log
# (not when NO_DUMP is set).
dump_context() {
	local name off
	[[ -n ${NO_DUMP:-} ]] && return 0
	{
		if [[ -n $RUN_RC ]]; then
			echo "  --- last run: ${RUN_CMD:-} (exit $RUN_RC)"
			sed 's/^/  | /' "$RUN_OUT" | tail -n 20
			echo "  --- its stderr"
			sed 's/^/  | /' "$RUN_ERR" | tail -n 30
		fi
		for name in $INSTANCES; do
			off=LOG_OFFSET_$name
			[[ -s $IT_WORK/$name/log/dovecot.log ]] || continue
			if [[ $(stat -c %s "$IT_WORK/$name/log/dovecot.log") -gt ${!off:-0} ]]; then
				echo "  --- $name dovecot.log (this case, last lines)"
				tail -c +"$((${!off:-0} + 1))" "$IT_WORK/$name/log/dovecot.log" |
					tail -n 15 | sed 's/^/  | /'
			fi
		done
		for name in ${CASE_FAKES:-}; do
			echo "  --- fake server $name (last lines)"
			tail -n 15 "$IT_WORK/fake/$name.log" | sed 's/^/  | /'
		done
	} 2>/dev/null
}

# ---------------------------------------------------------- assertions

assert_eq() { # EXPECTED ACTUAL WHAT
	[[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
}

assert_ne() { # UNEXPECTED ACTUAL WHAT
	[[ $1 != "$2" ]] || fail "$3: got '$2'"
}

assert_contains() { # HAYSTACK NEEDLE WHAT (fixed string)
	[[ $1 == *"$2"* ]] || fail "$3: '$2' not in '$(head -c 400 <<<"$1")'"
}

assert_not_contains() { # HAYSTACK NEEDLE WHAT
	[[ $1 != *"$2"* ]] || fail "$3: '$2' found"
}

assert_match() { # STRING ERE WHAT (case-insensitive)
	grep -qiE -- "$2" <<<"$1" || fail "$3: '$(head -c 400 <<<"$1")' does not match /$2/"
}

assert_file_same() { # EXPECTED_FILE ACTUAL_FILE WHAT
	cmp -s "$1" "$2" && return 0
	fail "$3: $(cmp "$1" "$2" 2>&1 | head -1); first differing bytes:
$(cmp -l "$1" "$2" 2>&1 | head -5)"
}

# ------------------------------------------------------------- users

# users_file_set DIR NAME LINE: NAME's passwd-file line. Replacing an
# existing one waits into the next second, when auth looks at the file
# again; its mtime is made unique so the change is never missed.
users_file_set() {
	local file=$1/$2 line=$3 existed=no stamp_file=$IT_WORK/etc/.mtime last now
	[[ -e $file ]] && existed=yes
	printf '%s\n' "$line" >"$file.new"
	chgrp dovecot "$file.new"; chmod 640 "$file.new"
	last=$(cat "$stamp_file" 2>/dev/null || echo 0)
	now=$(date +%s)
	((now > last)) || now=$((last + 1))
	echo "$now" >"$stamp_file"
	touch -d "@$now" "$file.new"
	mv "$file.new" "$file"
	if [[ $existed == yes ]]; then
		local ms=$((1050 - 10#$(date +%N) / 1000000))
		sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	fi
}

# remote_user NAME [PASSWORD]: a mailbox on the remote servers. The
# password defaults to a distinctive one (see remote_password).
remote_user() {
	local name=$1 pw=${2:-Pw-Zq8v-$1-$RANDOM$RANDOM} home=$IT_WORK/remote-home/$1
	local uid gid
	uid=$(id -u "$MAIL_USER"); gid=$(id -g "$MAIL_USER")
	[[ -e $IT_WORK/etc/remote-users/$name ]] && fail "harness: remote user $name exists"
	mkdir -p "$home"
	chown "$MAIL_USER:" "$home"
	users_file_set "$IT_WORK/etc/remote-users" "$name" \
		"$name:{PLAIN}$pw:$uid:$gid::$home::"
	note_password "$pw"
}

remote_password() {
	cut -d: -f2 "$IT_WORK/etc/remote-users/$1" | sed 's/^{PLAIN}//'
}

# note_password PW: the password-leak case greps for every one of these.
note_password() { printf '%s\n' "$1" >>"$IT_WORK/passwords"; }

# userdb_fields FIELD=VALUE...: the passwd-file extra-fields column for
# the given settings (each noted as a password when it is one).
userdb_fields() {
	local kv fields=''
	for kv in "$@"; do
		[[ $kv == *[[:space:]%]* ]] && fail "harness: '$kv' has a space or % (passwd-file)"
		fields+=" userdb_$kv"
		[[ $kv == *password=* ]] && note_password "${kv#*=}"
	done
	echo "${fields# }"
}

# user_home_create DIR: a local user's home with the standard Sieve
# script ("[SPAM]" in Subject -> Junk), unless it exists.
user_home_create() {
	local home=$1
	[[ -d $home ]] && return 0
	mkdir -p "$home/sieve"
	cat >"$home/sieve/junk.sieve" <<'EOF'
require ["fileinto", "mailbox"];
if header :contains "subject" "[SPAM]" {
  fileinto :create "Junk";
  stop;
}
EOF
	ln -s sieve/junk.sieve "$home/.dovecot.sieve"
	chown -R "$MAIL_USER:" "$home"
}

# local_user NAME [FIELD=VALUE...]: a local user whose userdb extra fields
# are the given settings (e.g. retrieve=pop3://... retrieve_password=...).
# Gets the standard Sieve script ("[SPAM]" in Subject -> Junk).
local_user() {
	local name=$1 home=$IT_WORK/local-home/$1 fields uid gid
	shift
	uid=$(id -u "$MAIL_USER"); gid=$(id -g "$MAIL_USER")
	fields=$(userdb_fields "$@") || exit 1
	user_home_create "$home"
	users_file_set "$IT_WORK/etc/local-users" "$name" \
		"$name:{PLAIN}local-login-pw:$uid:$gid::$home::$fields"
}

# url SCHEME REMOTE_USER [SERVER]: account URL of REMOTE_USER on SERVER
# (remote, untrusted or plain); SCHEME pop3, pop3s, imap or imaps.
url() {
	local scheme=$1 user=$2 server=${3:-remote} var
	var=$(tr '[:lower:]' '[:upper:]' <<<"${server}_${scheme}")_PORT
	[[ -n ${!var:-} ]] || fail "harness: no $scheme listener on $server"
	echo "$scheme://$user@127.0.0.1:${!var}"
}

# acct KEY REMOTE_USER SCHEME [SERVER]: the two userdb fields of an
# account (KEY=URL KEY_password=PW), to expand unquoted into local_user.
acct() {
	echo "$1=$(url "$3" "$2" "${4:-remote}") $1_password=$(remote_password "$2")"
}

# remote_logins USER: the remote servers' "Login:" lines for USER.
remote_logins() {
	cat "$IT_WORK"/{remote,untrusted,plain}/log/dovecot.log |
		grep -F "Login: user=<$1>," || true
}

# assert_remote_login USER ERE: USER logged in to a remote server, every
# login line matching ERE (e.g. "method=APOP", ", TLS,").
assert_remote_login() {
	local lines
	lines=$(remote_logins "$1")
	[[ -n $lines ]] || fail "no remote login of $1 logged"
	grep -vqE -- "$2" <<<"$lines" && fail "remote login of $1 not /$2/: $(grep -vE -- "$2" <<<"$lines" | head -1)"
	return 0
}

# ------------------------------------------------------------- messages

# make_msg NAME SUBJECT [BODY]: write a small message to $IT_WORK/msgs/NAME,
# print its path. Its Message-ID is <NAME@retrieve-it>.
make_msg() {
	local f=$IT_WORK/msgs/$1
	{
		printf 'From: Sender <sender@example.org>\n'
		printf 'To: rcpt@example.org\n'
		printf 'Subject: %s\n' "$2"
		printf 'Date: Mon, 1 Jan 2024 12:00:00 +0000\n'
		printf 'Message-ID: <%s@retrieve-it>\n' "$1"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n'
		printf '\n%s\n' "${3:-Body of $1.}"
	} >"$f"
	echo "$f"
}

# seed_remote USER FILE...: append messages to USER's remote INBOX as
# they are (doveadm save), verifying the count grows by one each.
seed_remote() {
	local user=$1 f before after
	shift
	for f in "$@"; do
		before=$(remote_count "$user")
		doveadm -c "$REMOTE_CONF" save -u "$user" <"$f" 2>"$IT_WORK/out/seed.err" ||
			fail "harness: seeding $f to $user failed: $(cat "$IT_WORK/out/seed.err")"
		after=$(remote_count "$user")
		[[ $after == $((before + 1)) ]] ||
			fail "harness: seeding $f to $user: count $before -> $after"
	done
}

# remote_count USER [FOLDER]: messages in USER's remote folder (INBOX).
remote_count() {
	mailbox_count "$REMOTE_CONF" "$1" "${2:-INBOX}"
}

# local_count USER FOLDER: messages in USER's local folder, 0 if missing.
local_count() {
	mailbox_count "$LOCAL_BASE_CONF" "$1" "$2"
}

mailbox_count() { # CONF USER FOLDER
	local out
	out=$(doveadm -c "$1" -f tab mailbox status -u "$2" messages "$3" 2>/dev/null |
		awk -F'\t' 'NR == 2 { print $NF }')
	echo "${out:-0}"
}

# local_folders USER: the user's local folder names, sorted, one a line.
local_folders() {
	doveadm -c "$LOCAL_BASE_CONF" mailbox list -u "$1" 2>/dev/null | sort
}

# local_subjects USER FOLDER: Subject of every message, sorted, one a line.
local_subjects() {
	doveadm -c "$LOCAL_BASE_CONF" -f tab fetch -u "$1" hdr.subject \
		mailbox "$2" all 2>/dev/null | tail -n +2 | sort
}

# local_mailbox_messages USER FOLDER: message texts, each followed by a
# form feed line (doveadm fetch text).
local_mailbox_messages() {
	doveadm -c "$LOCAL_BASE_CONF" -f flow fetch -u "$1" text mailbox "$2" all 2>/dev/null
}

# local_maildir USER FOLDER: the maildir directory of a local folder.
local_maildir() {
	if [[ $2 == INBOX ]]; then
		echo "$IT_WORK/local-home/$1/Maildir"
	else
		echo "$IT_WORK/local-home/$1/Maildir/.$2"
	fi
}

# local_find USER FOLDER STRING: paths of the local message files that
# contain STRING (fixed), one a line.
local_find() {
	local dir
	dir=$(local_maildir "$1" "$2")
	[[ -d $dir ]] || return 0
	grep -lF -- "$3" "$dir"/cur/* "$dir"/new/* 2>/dev/null || true
}

# local_find_all USER STRING: like local_find, over every local folder.
local_find_all() {
	local maildir=$IT_WORK/local-home/$1/Maildir
	[[ -d $maildir ]] || return 0
	find "$maildir" -path '*/tmp' -prune -o -type f \( -path '*/cur/*' -o -path '*/new/*' \) \
		-print0 | xargs -0 -r grep -lF -- "$2" 2>/dev/null || true
}

# assert_message_once USER FOLDER MSGID: exactly one copy of a message
# in the folder and none elsewhere.
assert_message_once() {
	local n_here n_all
	n_here=$(local_find "$1" "$2" "Message-ID: <$3@retrieve-it>" | grep -c .)
	n_all=$(local_find_all "$1" "Message-ID: <$3@retrieve-it>" | grep -c .)
	[[ $n_here == 1 && $n_all == 1 ]] ||
		fail "message $3: $n_here copies in $1/$2, $n_all in all folders (want 1, 1)"
}

# strip_added_headers FILE: the message without the header lines local
# delivery put on top ($ADDED_HEADERS, with continuation lines), CRLF->LF.
strip_added_headers() {
	python3 - "$1" "$ADDED_HEADERS" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
names = [n.lower().encode() for n in sys.argv[2].split()]
lines = data.split(b"\n")
i = 0
while i < len(lines):
    name = lines[i].split(b":", 1)[0].lower()
    if b":" not in lines[i] or name not in names:
        break
    i += 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
sys.stdout.buffer.write(b"\n".join(lines[i:]))
EOF
}

# crlf_to_lf FILE: print FILE with CRLF line ends turned into LF.
crlf_to_lf() {
	python3 -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n"))' "$1"
}

# ------------------------------------------------------------ doveadm runs

plugin_installed() {
	[[ -e $MODULE_DIR/doveadm/lib10_doveadm_retrieve_plugin.so ]]
}

# doveadm_run NAME CONF ARGS...: run doveadm (bounded), capture output in
# $CASE_OUT/NAME-<seq>.{out,err}; sets RUN_OUT, RUN_ERR, RUN_RC, RUN_CMD.
doveadm_run() {
	local name=$1 conf=$2
	shift 2
	RUN_SEQ=$((RUN_SEQ + 1))
	RUN_OUT=$CASE_OUT/$name-$RUN_SEQ.out
	RUN_ERR=$CASE_OUT/$name-$RUN_SEQ.err
	RUN_CMD="doveadm -c $(basename "$conf") $*"
	RUN_RC=0
	# (in a subshell that reports a crash by its exit code, not on stderr)
	(timeout "$RUN_TIMEOUT" doveadm -c "$conf" "$@" >"$RUN_OUT" 2>"$RUN_ERR"; exit $?) \
		2>/dev/null || RUN_RC=$?
	[[ $RUN_RC == 124 ]] && fail "'$RUN_CMD' did not finish in ${RUN_TIMEOUT}s"
	check_run_log
}

# check_run_log: Dovecot reports a panic, a fatal error or a leaked
# resource (fd, timeout, memory pool) on stderr: always a bug.
check_run_log() {
	local bad
	bad=$(grep -aE 'Panic:|Fatal:|(Timeout|IO wait timer) leak:|Leaked |fd leak' "$RUN_ERR" | head -1)
	((RUN_RC < 128)) || fail "'$RUN_CMD' died of signal $((RUN_RC - 128))${bad:+, after: $bad}"
	[[ -z $bad ]] || fail "'$RUN_CMD' logged: $bad"
	return 0
}

require_plugin() {
	plugin_installed || NO_DUMP=1 fail "plugin not installed: $MODULE_DIR/doveadm/lib10_doveadm_retrieve_plugin.so"
}

# retrieve_run USER [ARGS]: doveadm retrieve run -u USER (tab output).
# The config is $RUN_CONF when set (e.g. $LOCAL_PLAINTEXT_CONF).
retrieve_run() {
	local user=$1
	shift
	require_plugin
	doveadm_run run "${RUN_CONF:-$LOCAL_CONF}" ${RETRIEVE_DEBUG:+-D} -f tab \
		retrieve run -u "$user" "$@"
}

# retrieve_cmd SUBCOMMAND USER: doveadm retrieve status|list -u USER.
retrieve_cmd() {
	require_plugin
	doveadm_run "$1" "${RUN_CONF:-$LOCAL_CONF}" -f tab retrieve "$1" -u "$2"
}

# retrieve_run_bg USER [ARGS]: retrieve_run in the background; sets
# BG_PID, BG_OUT, BG_ERR. Collect with retrieve_wait_bg.
retrieve_run_bg() {
	local user=$1
	shift
	require_plugin
	RUN_SEQ=$((RUN_SEQ + 1))
	BG_OUT=$CASE_OUT/bg-$RUN_SEQ.out
	BG_ERR=$CASE_OUT/bg-$RUN_SEQ.err
	(timeout "$RUN_TIMEOUT" doveadm -c "${RUN_CONF:-$LOCAL_CONF}" -f tab \
		retrieve run -u "$user" "$@" >"$BG_OUT" 2>"$BG_ERR"; exit $?) 2>/dev/null &
	BG_PID=$!
}

# retrieve_wait_bg: wait for the background run; it becomes the "last
# run" (RUN_OUT, RUN_ERR, RUN_RC) for the assertions.
retrieve_wait_bg() {
	RUN_RC=0
	wait "$BG_PID" || RUN_RC=$?
	RUN_OUT=$BG_OUT RUN_ERR=$BG_ERR RUN_CMD="(background) retrieve run"
	[[ $RUN_RC == 124 ]] && fail "background run did not finish in ${RUN_TIMEOUT}s"
	check_run_log
}

# wait_file PATH [SECONDS]: until PATH exists (default 30 s).
wait_file() {
	local i
	for i in $(seq $((${2:-30} * 10))); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# field ACCOUNT COLUMN [FILE]: the COLUMN value of ACCOUNT's row in a tab
# output (header line + rows); default the last run's output.
field() {
	local file=${3:-$RUN_OUT}
	awk -F'\t' -v acct="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		!(col in idx) || !("account" in idx) { exit 2 }
		$idx["account"] == acct { print $idx[col]; found = 1; exit }
		END { if (!found) exit 1 }' "$file"
}

# run_field ACCOUNT COLUMN: like field, failing the case when absent.
run_field() {
	local v rc=0
	v=$(field "$1" "$2") || rc=$?
	case $rc in
	0) echo "$v" ;;
	2) fail "no column '$2' in the output header: $(head -1 "$RUN_OUT")" ;;
	*) fail "no row for account '$1' in the output" ;;
	esac
}

# assert_result ACCOUNT RESULT: the last run's result column.
assert_result() {
	local got
	got=$(run_field "$1" result) || exit 1
	[[ $got == "$2" ]] ||
		fail "account $1: result '$got', expected '$2' (error: $(field "$1" error))"
}

assert_run_ok() {
	((RUN_RC < 128)) || fail "'$RUN_CMD' died of signal $((RUN_RC - 128))"
	[[ $RUN_RC == 0 ]] || fail "'$RUN_CMD' exited $RUN_RC, expected 0"
}

assert_run_failed() {
	[[ $RUN_RC != 0 ]] || fail "'$RUN_CMD' exited 0, expected non-zero"
	((RUN_RC < 128)) || fail "'$RUN_CMD' died of signal $((RUN_RC - 128))"
}

# assert_error_logged USER ACCOUNT ERE: the last run logged one line
# naming user, account and a cause matching ERE.
assert_error_logged() {
	grep -F -- "$1" "$RUN_ERR" | grep -F -- "$2" | grep -qiE -- "$3" ||
		fail "no stderr line naming user $1, account $2 and /$3/"
}

# ------------------------------------------------------- fake POP3 server

# fake_pop3_start NAME SCRIPT MSGFILE...: the scripted server for faults a
# real one does not produce (see fake-pop3.py for SCRIPT), with STLS.
# Sets FAKE_PORT and FAKE_PASSWORD (a fresh one); messages stay on it until
# DELE + QUIT. fake_count NAME tells how many it still holds.
fake_pop3_start() {
	local name=$1 script=$2 dir=$IT_WORK/fake
	shift 2
	rm -f "$dir/$name".{port,stalled,release}
	FAKE_PASSWORD=Pw-Zq8v-fake-$name-$RANDOM$RANDOM
	note_password "$FAKE_PASSWORD"
	FAKE_POP3_PASSWORD=$FAKE_PASSWORD python3 "$IT_DIR/fake-pop3.py" \
		--name "$name" --dir "$dir" --script "$script" \
		--cert "$ETC/server.pem" --key "$ETC/server.key" "$@" \
		>>"$dir/$name.log" 2>&1 &
	echo $! >"$dir/$name.pid"
	CASE_FAKES="${CASE_FAKES:-} $name"
	wait_file "$dir/$name.port" 10 || fail "harness: fake server $name did not start"
	FAKE_PORT=$(cat "$dir/$name.port")
}

# fake_acct KEY: userdb fields of an account on the last started fake
# server (plain pop3://, so STLS).
fake_acct() {
	echo "$1=pop3://fakeuser@127.0.0.1:$FAKE_PORT $1_password=$FAKE_PASSWORD"
}

fake_pop3_stop() {
	local pidfile=$IT_WORK/fake/$1.pid
	[[ -e $pidfile ]] && kill_pid "$(cat "$pidfile")"
	rm -f "$pidfile"
}

# fake_count NAME: messages the fake server still holds.
fake_count() {
	local n
	n=$(grep -c . "$IT_WORK/fake/$1.state" 2>/dev/null)
	echo "${n:-0}"
}

# ------------------------------------------- helpers of cases t-30..t-39

# local_conf_variant NAME: write $ETC/NAME.conf, the retrieval config
# (local.conf) plus the lines read from stdin; print its path.
local_conf_variant() {
	local f=$ETC/$1.conf
	{
		echo "!include $LOCAL_CONF"
		cat
	} >"$f"
	doveconf -c "$f" -n >/dev/null 2>"$IT_WORK/out/doveconf-$1.err" ||
		fail "harness: bad config $f: $(cat "$IT_WORK/out/doveconf-$1.err")"
	echo "$f"
}

# user_field USER ACCOUNT COLUMN [FILE]: like field, for output with one
# row per user and account (-A, -F: doveadm's "Username" column).
user_field() {
	awk -F'\t' -v user="$1" -v acct="$2" -v col="$3" '
		NR == 1 {
			for (i = 1; i <= NF; i++) idx[$i] = i
			u = ("Username" in idx) ? idx["Username"] : \
				("username" in idx) ? idx["username"] : idx["user"]
			next
		}
		!(col in idx) || !("account" in idx) || !u { exit 2 }
		$u == user && $idx["account"] == acct { print $idx[col]; found = 1; exit }
		END { if (!found) exit 1 }' "${4:-$RUN_OUT}"
}

# assert_user_result USER ACCOUNT RESULT: the last run's result for one
# user's account (multi-user output).
assert_user_result() {
	local got rc=0
	got=$(user_field "$1" "$2" result) || rc=$?
	((rc == 0)) || fail "no result for user $1 account $2 in: $(head -c 600 "$RUN_OUT")"
	[[ $got == "$3" ]] ||
		fail "user $1 account $2: result '$got', expected '$3' (error: $(user_field "$1" "$2" error))"
}

# seed_remote_maildir USER FILE...: put messages straight into USER's
# remote Maildir/new (fast for hundreds; Dovecot picks them up as new
# mail). Each file name becomes part of the maildir file name.
seed_remote_maildir() {
	local user=$1 dir=$IT_WORK/remote-home/$1/Maildir f n=0 now
	shift
	mkdir -p "$dir"/{new,cur,tmp}
	now=$(date +%s)
	for f in "$@"; do
		n=$((n + 1))
		cp "$f" "$dir/tmp/$now.M${n}P$$.$(basename "$f")"
		mv "$dir/tmp/$now.M${n}P$$.$(basename "$f")" "$dir/new/"
	done
	chown -R "$MAIL_USER:" "$dir"
}

# local_msg_files USER: every message file of USER's local maildirs
# (new/ and cur/ of every folder), one a line.
local_msg_files() {
	local maildir=$IT_WORK/local-home/$1/Maildir
	[[ -d $maildir ]] || return 0
	find "$maildir" -path '*/tmp' -prune -o -type f \
		\( -path '*/cur/*' -o -path '*/new/*' \) -print
}

# local_file_count USER: how many message files USER has locally (cheap,
# no doveadm: for polling while a run goes on).
local_file_count() {
	local_msg_files "$1" | grep -c . || true
}

# local_msgid_counts USER: "COUNT MESSAGE-ID" for every Message-ID found
# in USER's local message files, sorted by Message-ID.
local_msgid_counts() {
	local_msg_files "$1" | xargs -r -d '\n' grep -h -i -m1 '^Message-ID:' |
		tr -d '\r' | awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }'
}

# state_files USER: the user's retrieval state files (*.state), one a line.
state_files() {
	find "$IT_WORK/local-home/$1/.dovecot-retrieve" -name '*.state' 2>/dev/null
}

# log_mark NAME: remember the current end of instance NAME's log;
# log_since NAME: what it logged since.
log_mark() {
	eval "LOG_MARK_$1=$(stat -c %s "$IT_WORK/$1/log/dovecot.log")"
}
log_since() {
	local off=LOG_MARK_$1
	tail -c +"$((${!off:-0} + 1))" "$IT_WORK/$1/log/dovecot.log"
}

# fake_log NAME: the fake server's log so far.
fake_log() { cat "$IT_WORK/fake/$1.log" 2>/dev/null; }

# extra_local_start NAME USERS_FILE: another local (retrieving) Dovecot,
# like "local" but its passdb/userdb is the single passwd-file
# USERS_FILE, so it can list its users (doveadm -A; the world's local
# instance has one file per user, which Dovecot cannot iterate). Sets
# EXTRA_CONF (its retrieval config). Stopped by extra_local_stop, and in
# any case when the case ends.
extra_local_start() {
	local name=$1 users=$2 base=$ETC/$1-base.conf i
	mkdir -p "$IT_WORK/$name"/{run,state,log}
	touch "$IT_WORK/$name/log/dovecot.log"
	chmod 666 "$IT_WORK/$name/log/dovecot.log"
	chgrp dovecot "$users"; chmod 640 "$users"
	sed -e "s|^instance_name = .*|instance_name = retrieve-it-$name|" \
		-e "s|$IT_WORK/local/|$IT_WORK/$name/|g" \
		-e "s|$IT_WORK/etc/local-users/%Lu|$users|g" \
		"$LOCAL_BASE_CONF" >"$base"
	grep -q "args = scheme=PLAIN $users\$" "$base" || fail "harness: $base: passdb not rewritten"
	printf '!include %s\nmail_plugins = $mail_plugins %s\n' "$base" "$LOCAL_MAIL_PLUGINS" \
		>"$ETC/$name.conf"
	EXTRA_CONF=$ETC/$name.conf
	if [[ $(trap -p EXIT) == *case_exit_trap* ]]; then
		EXTRA_STANDALONE=1
	fi
	EXTRA_INSTANCES="${EXTRA_INSTANCES:-} $name"
	trap 'extra_exit_trap' EXIT
	dovecot -c "$base" 2>>"$IT_WORK/$name/log/dovecot.log" ||
		fail "harness: dovecot $name failed to start: $(tail -5 "$IT_WORK/$name/log/dovecot.log")"
	for i in $(seq 100); do
		if dovecot_running "$name" && [[ -S $IT_WORK/$name/run/auth-userdb ]]; then
			# the world's teardown stops it too, should this shell be killed
			cp "$IT_WORK/$name/run/master.pid" "$IT_WORK/fake/dovecot-$name.pid"
			return 0
		fi
		sleep 0.1
	done
	fail "harness: dovecot $name did not come up: $(tail -5 "$IT_WORK/$name/log/dovecot.log")"
}

extra_local_stop() {
	dovecot_stop "$1"
	rm -f "$IT_WORK/fake/dovecot-$1.pid"
}

extra_exit_trap() {
	local rc=$? name
	for name in ${EXTRA_INSTANCES:-}; do
		extra_local_stop "$name"
	done
	if [[ -n ${EXTRA_STANDALONE:-} ]]; then
		(exit "$rc")
		case_exit_trap
	fi
	exit "$rc"
}

# retrieve_start_killable USER [ARGS]: doveadm retrieve run in the
# background, as a direct child (no timeout wrapper), so that KILL_PID is
# doveadm itself. Output into KILL_OUT / KILL_ERR.
retrieve_start_killable() {
	local user=$1
	shift
	require_plugin
	RUN_SEQ=$((RUN_SEQ + 1))
	KILL_OUT=$CASE_OUT/killable-$RUN_SEQ.out
	KILL_ERR=$CASE_OUT/killable-$RUN_SEQ.err
	doveadm -c "${RUN_CONF:-$LOCAL_CONF}" -f tab retrieve run -u "$user" "$@" \
		>"$KILL_OUT" 2>"$KILL_ERR" &
	KILL_PID=$!
}
