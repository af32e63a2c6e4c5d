# shellcheck shell=bash
# lib-service.sh - helpers for the automatic retrieval service cases
# (t-5X-service-*.sh); sourced by lib.sh.
#
# Each case starts its own Dovecot instance "svc-CASE" (svc_start, by
# instance_start; stopped when the case ends): the local instances' common
# config plus the shipped snippet 95-retrieve-service.conf, so the
# master runs the retrieve scheduler and its workers exactly as an
# administrator's would. It has its own single passwd-file (the scheduler
# iterates the userdb, and per-user files cannot be iterated) and its own
# homes, so it never polls the other cases' users.

# The snippet in the syntax of the Dovecot under test (DOVECOT_API, set by
# lib.sh): conf_for_version never rewrites it, as it is no file of $IT_WORK.
svc_snippet=95-retrieve-service.conf
[[ ${DOVECOT_API:-} == 2.4 ]] && svc_snippet=95-retrieve-service-2.4.conf
# A build under test (BUILD_DIR, as wt-test and CI set it) brings its own
# copy: the installed one may be older.
if [[ -z ${SERVICE_CONF_SNIPPET:-} && -n ${BUILD_DIR:-} &&
	-e $BUILD_DIR/../src/service/$svc_snippet ]]; then
	SERVICE_CONF_SNIPPET=$(cd "$BUILD_DIR/../src/service" && pwd)/$svc_snippet
fi
# Else this tree's copy ("make install" puts it nowhere Dovecot reads).
SERVICE_CONF_SNIPPET=${SERVICE_CONF_SNIPPET:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../src/service" && pwd)/$svc_snippet}
unset svc_snippet

# svc_init: this case's directories and config paths.
svc_init() {
	SVC_NAME=svc-$CASE
	SVC_DIR=$IT_WORK/$SVC_NAME
	SVC_CONF=$SVC_DIR/dovecot.conf
	# with the passwords: under etc/, like the harness's own users files
	SVC_USERS=$IT_WORK/etc/svc-$CASE.users
	SVC_LOG=$SVC_DIR/log/dovecot.log
	rm -rf "$SVC_DIR"
	instance_dirs "$SVC_NAME"
	mkdir -p "$SVC_DIR/home"
	chmod 755 "$SVC_DIR" "$SVC_DIR/home"
	: >"$SVC_USERS"
	chgrp dovecot "$SVC_USERS"
	chmod 640 "$SVC_USERS"
	[[ -e $SERVICE_CONF_SNIPPET ]] ||
		NO_DUMP=1 fail "service snippet not installed: $SERVICE_CONF_SNIPPET"
	CASE_FAKES=${CASE_FAKES:-}
}

# svc_write_config [PLUGIN_SETTING=VALUE...]: the instance's config, with
# short test intervals; settings given override the defaults below.
svc_write_config() {
	local kv
	{
		local_instance_conf "$SVC_NAME" "$SVC_USERS"
		cat <<EOF
mail_plugins = \$mail_plugins retrieve
log_debug = category=retrieve-service
!include $SERVICE_CONF_SNIPPET
plugin {
  retrieve_min_interval = 1s
  retrieve_default_interval = 5s
  retrieve_userdb_scan_interval = 1h
EOF
		for kv in "$@"; do
			printf '  %s = %s\n' "${kv%%=*}" "${kv#*=}"
		done
		echo "}"
		# more configuration, verbatim (e.g. a metric {} block)
		printf '%s\n' "${SVC_EXTRA_CONF:-}"
	} >"$SVC_CONF"
	conf_check "$SVC_CONF"
}

# svc_user NAME [FIELD=VALUE...]: add or replace NAME in the instance's
# userdb (fields as for local_user). Waits until auth sees the change.
svc_user() {
	local name=$1 home=$SVC_DIR/home/$1 fields uid gid
	shift
	uid=$(id -u "$MAIL_USER"); gid=$(id -g "$MAIL_USER")
	fields=$(userdb_fields "$@") || exit 1
	user_home_create "$home"
	svc_users_edit "$name" "$name:{PLAIN}local-login-pw:$uid:$gid::$home::$fields"
}

# svc_user_remove NAME: remove NAME from the instance's userdb.
svc_user_remove() { svc_users_edit "$1" ""; }

# svc_users_edit NAME LINE: replace NAME's line (none when LINE is empty);
# the file's mtime moves to a new second so auth re-reads it.
svc_users_edit() {
	local name=$1 line=$2 tmp=$SVC_USERS.new
	grep -v "^$name:" "$SVC_USERS" >"$tmp" || true
	[[ -n $line ]] && printf '%s\n' "$line" >>"$tmp"
	chgrp dovecot "$tmp"; chmod 640 "$tmp"
	# a running auth notices a change only in a later second
	instance_running "$SVC_NAME" && sleep 1.1
	mv "$tmp" "$SVC_USERS"
}

# svc_start: start the instance and wait for the scheduler's socket.
svc_start() { instance_start --case "$SVC_NAME" "$SVC_CONF" retrieve; }

# svc_stop: stop the instance (and its services); no-op when stopped.
svc_stop() { instance_stop "$SVC_NAME"; }

svc_restart() {
	svc_stop
	svc_start
}

# svc_login USER: an IMAP session of USER on the instance (preauth via
# doveadm exec), which makes the mail plugin notify the scheduler.
svc_login() {
	printf 'a logout\r\n' | timeout 30 doveadm -c "$SVC_CONF" exec imap -u "$1" \
		>"$CASE_OUT/imap-$1.out" 2>&1 ||
		fail "imap session of $1 failed: $(tail -3 "$CASE_OUT/imap-$1.out")"
}

# svc_count USER [FOLDER]: messages in USER's folder on the instance.
svc_count() {
	mailbox_count "$SVC_CONF" "$1" "${2:-INBOX}"
}

# svc_state_file USER: USER's state directory.
svc_state_dir() { echo "$SVC_DIR/home/$1/.dovecot-retrieve"; }

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s until it
# succeeds; returns 1 on timeout. Quote expansions that must be redone
# each time: wait_until 10 eval '[[ $(svc_count u) == 1 ]]'.
wait_until() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 5))); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# fake_conns NAME FIELD: open|max|total connections of a fake server.
fake_conns() {
	local open max total
	read -r open max total <"$IT_WORK/fake/$1.conns" 2>/dev/null || { echo 0; return; }
	case $2 in
	open) echo "$open" ;;
	max) echo "$max" ;;
	*) echo "$total" ;;
	esac
}

# fake_logins NAME: PASS commands the fake server received.
fake_logins() {
	grep -c 'C: PASS' "$IT_WORK/fake/$1.log" 2>/dev/null || true
}

# fake_login_times NAME: epoch-free HH:MM:SS of each PASS, one a line.
fake_login_times() {
	grep 'C: PASS' "$IT_WORK/fake/$1.log" 2>/dev/null | awk '{ print $1 }'
}

# svc_check_log: the instance logged no panic, fatal or leak.
svc_check_log() {
	local bad
	bad=$(grep -aE 'Panic:|Fatal:|(Timeout|IO wait timer) leak:|Leaked |fd leak|Assertion' "$SVC_LOG" | head -1)
	[[ -z $bad ]] || fail "service instance logged: $bad"
}

# svc_dump: the instance's log tail, for failures.
svc_dump() {
	echo "  --- service instance log (last lines)"
	tail -n 30 "$SVC_LOG" | sed 's/^/  | /'
}

# svc_fail REASON: fail with the instance's log.
svc_fail() {
	{ svc_dump; } >&3 2>/dev/null
	fail "$*"
}

# fake_user_logins NAME USER: sessions of remote USER on a fake server.
fake_user_logins() {
	grep -c "C: USER $2\$" "$IT_WORK/fake/$1.log" 2>/dev/null || true
}

# svc_master_pid: the instance's master process.
svc_master_pid() { cat "$SVC_DIR/run/master.pid"; }

# svc_procs NAME: pids of the instance's processes whose command is NAME
# (retrieve, retrieve-worker), one a line.
svc_procs() {
	local pid
	for pid in $(pgrep -P "$(svc_master_pid)"); do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$1" ]] && echo "$pid"
	done
	return 0
}

# proc_uids PID: the real, effective, saved and fs uid of PID.
proc_uids() { awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null; }

# proc_cpu_ticks PID: user + system CPU time of PID in clock ticks.
proc_cpu_ticks() {
	# the command may hold spaces: fields count from after ")"
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# hms_secs HH:MM:SS: seconds since midnight.
hms_secs() {
	local h m s
	IFS=: read -r h m s <<<"$1"
	echo $((10#$h * 3600 + 10#$m * 60 + 10#$s))
}

# svc_notify_login UID USER...: send the scheduler login notices for the
# USERs, as a process with uid (and gid) UID would (the mail plugin's
# protocol), over one connection.
svc_notify_login() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		/usr/bin/python3 - "$SVC_DIR/run/retrieve" "$@" 2>>"$CASE_OUT/notify.err" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"VERSION\tretrieve\t1\t0\n" +
          b"".join(b"LOGIN\t" + u.encode() + b"\n" for u in sys.argv[2:]))
s.shutdown(socket.SHUT_WR)
s.recv(1024)
s.close()
EOF
}

# fake_client_pid NAME: the process with a connection to fake server NAME.
# Read from /proc, not ss: the 2.4 chroot has no iproute2.
fake_client_pid() {
	local port inode fd
	port=$(printf '%04X' "$(cat "$IT_WORK/fake/$1.port")")
	# established (01) sockets whose remote port is the fake server's
	while read -r inode; do
		# one find: a readlink per fd takes seconds, past a run's timeout
		fd=$(find /proc/[0-9]*/fd -lname "socket:\[$inode\]" 2>/dev/null | head -1)
		fd=${fd#/proc/}
		[[ -n $fd ]] && { echo "${fd%%/*}"; return 0; }
	done < <(awk -v p=":$port" 'FNR > 1 && $4 == "01" &&
		substr($3, length($3) - 4) == p { print $10 }' /proc/net/tcp /proc/net/tcp6)
	return 0
}
