# shellcheck shell=bash
# lib-world.sh - the integration suite's world (sourced by lib.sh): the
# work directory, free ports, certificates, configs, and every Dovecot
# instance the suite runs, each started by instance_start; a case joins
# the world (case_begin) or, run alone, creates and removes its own.

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
	local name
	for name in $INSTANCES; do
		world_instance_start "$name"
	done
	world_record_pids
}

# world_instance_start NAME: start one of the world's $INSTANCES.
world_instance_start() {
	case $1 in
	remote)
		instance_start remote "$REMOTE_CONF" "$REMOTE_POP3_PORT" \
			"$REMOTE_POP3S_PORT" "$REMOTE_IMAP_PORT" "$REMOTE_IMAPS_PORT" ;;
	untrusted)
		instance_start untrusted "$ETC/untrusted.conf" "$UNTRUSTED_POP3_PORT" \
			"$UNTRUSTED_POP3S_PORT" "$UNTRUSTED_IMAP_PORT" "$UNTRUSTED_IMAPS_PORT" ;;
	plain)
		instance_start plain "$ETC/plain.conf" "$PLAIN_POP3_PORT" "$PLAIN_IMAP_PORT" ;;
	local)
		instance_start local "$LOCAL_BASE_CONF" ;;
	*)
		die "no world instance $1" ;;
	esac
}

# world_record_pids: remember the master pids in WORLD_PIDS, so teardown
# can stop them even if the work dir were removed under us.
world_record_pids() {
	local name
	WORLD_PIDS=()
	for name in $INSTANCES; do
		instance_running "$name" && WORLD_PIDS+=("$(cat "$IT_WORK/$name/run/master.pid")")
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
		instance_running "$name" && pids+=("$(cat "$IT_WORK/$name/run/master.pid")")
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

# free_ports N: N free loopback ports, on one line. Bound all at once so
# they are distinct; the kernel will not hand them out as ephemeral ports
# again soon.
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# world_pick_ports: free loopback ports for every listener, into env.sh.
world_pick_ports() {
	local names="REMOTE_POP3 REMOTE_POP3S REMOTE_IMAP REMOTE_IMAPS
		UNTRUSTED_POP3 UNTRUSTED_POP3S UNTRUSTED_IMAP UNTRUSTED_IMAPS
		PLAIN_POP3 PLAIN_IMAP" ports n i=0
	n=$(wc -w <<<"$names")
	ports=$(free_ports "$n") || die "cannot pick ports"
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
	# what every retrieving instance shares (local, extra ones, service)
	LOCAL_COMMON_CONF=$ETC/local-common.conf
	CA_PEM=$ETC/ca.pem
	# the IMAP remotes (lib-imap.sh, lib-folders.sh), started on demand
	IMAPR_DIR=$IT_WORK/imapremote
	IMAPR_CONF=$ETC/imapremote.conf
	IMAPR2_DIR=$IT_WORK/imapremote2
	IMAPRP_DIR=$IT_WORK/imapremote-prefix
	LOCAL_IMAP_BASE_CONF=$ETC/local-imap-base.conf
	LOCAL_IMAP_CONF=$ETC/local-imap.conf
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
		instance_dirs "$name"
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
	cat >"$LOCAL_COMMON_CONF" <<EOF
# Generated by tests/integration/lib-world.sh: what every retrieving
# instance shares (local_instance_conf includes it).
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
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  # every server of the test world is on loopback, denied by default
  retrieve_allow_networks = 127.0.0.0/8
}
EOF
	# e.g. tests/run.sh --sanitize's import_environment
	[[ -n ${IT_LOCAL_CONF_EXTRA:-} ]] && printf '%s\n' "$IT_LOCAL_CONF_EXTRA" >>"$LOCAL_COMMON_CONF"
	local_base_conf local "$IT_WORK/etc/local-users/%Lu" >"$LOCAL_BASE_CONF"
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
		[[ $f == "$LOCAL_COMMON_CONF" ]] || conf_check "$f"
	done
}

# local_instance_conf NAME PASSWD_FILE: the config of a retrieving
# instance NAME (in $IT_WORK/NAME, see instance_dirs): the common
# settings, its directories, and its users in PASSWD_FILE (may hold %Lu).
local_instance_conf() {
	cat <<EOF
# Generated by tests/integration/lib-world.sh: the "$1" instance.
!include $LOCAL_COMMON_CONF
instance_name = retrieve-it-$1
base_dir = $IT_WORK/$1/run
state_dir = $IT_WORK/$1/state
log_path = $IT_WORK/$1/log/dovecot.log
passdb {
  driver = passwd-file
  args = scheme=PLAIN $2
}
# passwd-file userdb: the retrieval accounts are extra fields in the 8th
# column, each "userdb_"-prefixed (userdb_retrieve=pop3://...).
userdb {
  driver = passwd-file
  args = $2
}
EOF
}

# local_base_conf NAME PASSWD_FILE: the inspection config of a retrieving
# instance for doveadm (no retrieve plugin), e.g. local-base.conf.
local_base_conf() {
	local_instance_conf "$1" "$2"
	cat <<EOF
plugin {
  # t-08 and t-48 test ssl_verify=no accounts
  retrieve_allow_ssl_verify_no = yes
}
EOF
}

# conf_for_version FILE: on Dovecot 2.4, FILE and the files it includes
# rewritten into 2.4 syntax (conf-2.4.awk), in place (owner and mode
# kept); on 2.3 nothing. The rewrite leaves 2.4 syntax as it is. Only
# what the harness wrote ($IT_WORK) is rewritten, never an included
# file of the source tree (the service's snippet).
conf_for_version() {
	local inc
	[[ $DOVECOT_API == 2.4 && $1 == "$IT_WORK"/* ]] || return 0
	awk -f "$IT_DIR/conf-2.4.awk" "$1" >"$1.24" &&
		cat "$1.24" >"$1" && rm -f "$1.24" ||
		harness_fail "cannot rewrite $1 for Dovecot 2.4"
	for inc in $(sed -n 's/^!include //p' "$1"); do
		conf_for_version "$inc"
	done
}

# conf_check FILE: in the syntax of the Dovecot under test
# (conf_for_version), doveconf accepts it, else the case (or setup) fails.
conf_check() {
	local err=$IT_WORK/out/doveconf-$(basename "$1").err
	conf_for_version "$1"
	doveconf -c "$1" -n >/dev/null 2>"$err" ||
		harness_fail "bad config $1: $(cat "$err")"
}

# harness_fail REASON: the harness itself failed: fails the case, or
# (setting the world up, before any case) ends the program.
harness_fail() {
	[[ -n ${CASE_OUT:-} ]] && fail "harness: $*"
	die "$*"
}

# instance_dirs NAME: run/, state/ and log/ of the Dovecot instance NAME
# in $IT_WORK/NAME, and its log, which every process of it writes.
instance_dirs() {
	mkdir -p "$IT_WORK/$1"/{run,state,log}
	touch "$IT_WORK/$1/log/dovecot.log"
	chmod 666 "$IT_WORK/$1/log/dovecot.log"
}

# instance_start [--case] NAME CONF [WAIT...]: start Dovecot instance NAME
# (directories by instance_dirs) with CONF; wait until its master runs
# with its auth-userdb socket, and every WAIT is ready: a port (something
# listens on 127.0.0.1:PORT) or a socket in its run/ directory. Its pid
# goes to fake/, so world_teardown stops it whatever becomes of the case;
# --case: the case's own, stopped when the case ends (case_exit_trap).
instance_start() {
	local scope=world name conf dir w i up sockets=(auth-userdb) ports=()
	[[ $1 == --case ]] && { scope=case; shift; }
	name=$1 conf=$2 dir=$IT_WORK/$1
	shift 2
	for w in "$@"; do
		if [[ $w =~ ^[0-9]+$ ]]; then ports+=("$w"); else sockets+=("$w"); fi
	done
	dovecot -c "$conf" 2>>"$dir/log/dovecot.log" ||
		harness_fail "dovecot $name failed to start: $(tail -5 "$dir/log/dovecot.log")"
	for i in $(seq 100); do
		up=yes
		instance_running "$name" || up=no
		for w in "${sockets[@]}"; do
			[[ -S $dir/run/$w ]] || up=no
		done
		[[ $up == yes ]] && break
		sleep 0.1
	done
	[[ $up == yes ]] || harness_fail "dovecot $name did not come up (sockets: ${sockets[*]}): $(tail -5 "$dir/log/dovecot.log")"
	cp "$dir/run/master.pid" "$IT_WORK/fake/dovecot-$name.pid"
	if [[ $scope == case && " ${CASE_INSTANCES:-} " != *" $name "* ]]; then
		CASE_INSTANCES="${CASE_INSTANCES:-} $name"
	fi
	for w in "${ports[@]}"; do
		wait_port "$w" || harness_fail "dovecot $name: nothing listens on 127.0.0.1:$w"
	done
}

instance_running() {
	local pidfile=$IT_WORK/$1/run/master.pid
	[[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# instance_stop NAME: stop instance NAME; no-op when it is not running.
instance_stop() {
	local master pid
	if instance_running "$1"; then
		master=$(cat "$IT_WORK/$1/run/master.pid")
		# a process a case stopped (SIGSTOP) must hear the TERM too
		for pid in $(pgrep -P "$master"); do
			kill -CONT "$pid" 2>/dev/null
		done
		kill_pid "$master"
	fi
	rm -f "$IT_WORK/fake/dovecot-$1.pid"
	return 0
}

# wait_port PORT: up to 10 s for a listener on 127.0.0.1:PORT.
wait_port() {
	local i
	for i in $(seq 100); do
		(exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# case_begin: name the case after its file, join or create the world.
case_begin() {
	CASE=$(basename "$0" .sh)
	CASE=${CASE#t-}
	CASE_INSTANCES= CASE_OWNS_WORLD=
	trap 'case_exit_trap' EXIT
	if [[ -z ${IT_WORK:-} ]]; then
		CASE_OWNS_WORLD=1
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

# case_exit_trap: the case's own instances stop; a case run alone tears
# its world down (kept when KEEP=1 and it failed).
case_exit_trap() {
	local rc=$? keep= name
	for name in ${CASE_INSTANCES:-}; do
		instance_stop "$name"
	done
	if [[ -n ${CASE_OWNS_WORLD:-} ]]; then
		[[ ${KEEP:-0} == 1 && $rc != 0 ]] && keep=keep
		world_teardown "$keep"
	fi
	exit "$rc"
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

# local_conf_variant NAME [BASE]: write $ETC/NAME.conf, the retrieval
# config BASE (local.conf) plus the lines read from stdin; print its path.
local_conf_variant() {
	local f=$ETC/$1.conf
	{
		echo "!include ${2:-$LOCAL_CONF}"
		cat
	} >"$f"
	conf_check "$f"
	echo "$f"
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

# extra_local_start NAME USERS_FILE: another local (retrieving) Dovecot,
# like "local" but its passdb/userdb is the single passwd-file
# USERS_FILE, so it can list its users (doveadm -A; the world's local
# instance has one file per user, which Dovecot cannot iterate). Sets
# EXTRA_CONF (its retrieval config). Stopped by extra_local_stop, and in
# any case when the case ends.
extra_local_start() {
	local name=$1 users=$2 base=$ETC/$1-base.conf
	instance_dirs "$name"
	chgrp dovecot "$users"; chmod 640 "$users"
	local_base_conf "$name" "$users" >"$base"
	printf '!include %s\nmail_plugins = $mail_plugins %s\n' "$base" "$LOCAL_MAIL_PLUGINS" \
		>"$ETC/$name.conf"
	EXTRA_CONF=$ETC/$name.conf
	conf_check "$EXTRA_CONF"
	instance_start --case "$name" "$base"
}

extra_local_stop() { instance_stop "$1"; }
