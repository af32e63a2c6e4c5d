#!/usr/bin/env bash
# bench/service/run.sh - the automatic retrieval service under load.
#
# N users (default 10000) with one pop3s:// account each, all on one
# loopback remote (a real Dovecot) with existing, empty mailboxes.
# Measures, in one run and against the same remote:
#   * dovecot-retrieve's service: polls per second (TLS handshake, login,
#     UIDL, QUIT) with every account always due, and the scheduler's
#     memory (RSS) once it knows all N accounts;
#   * fetchmail in daemon mode polling the same accounts.
# Polls are counted from the remote's "Login:" log lines in a window of
# SECS seconds after a warm-up.
#
# Usage (as root, plugin and service installed):
#   bench/service/run.sh [-n USERS] [-s SECS] [-p PARALLEL] [-k] [-u] [-t]
#     -k  keep the work dir
#     -u  single-uid setup: the workers run as the users' uid (mail), not
#         root, so a run's process is reused for the next job
#     -t  keep the world in /tmp's file system, not on a fresh one
set -u
set -o pipefail
# the uid of every bench user (and of the workers with -u)
MAIL_USER_DEFAULT=mail

USERS=10000 SECS=60 PARALLEL=10 KEEP=no WORKER_USER= FRESH_FS=yes
while getopts n:s:p:kut opt; do
	case $opt in
	n) USERS=$OPTARG ;;
	s) SECS=$OPTARG ;;
	p) PARALLEL=$OPTARG ;;
	k) KEEP=yes ;;
	u) WORKER_USER=$MAIL_USER_DEFAULT ;;
	t) FRESH_FS=no ;;
	*) exit 2 ;;
	esac
done

# RETRIEVE_SNIPPET: another copy of the service config; by default this
# tree's (the one "make install" ships as an example, not enabled)
SNIPPET=${RETRIEVE_SNIPPET:-$(cd "$(dirname "$0")/../../src/service" && pwd)/95-retrieve-service.conf}
MAIL_USER=mail
W=$(mktemp -d /tmp/retrieve-bench.XXXXXX)
# The world lives on a fresh ext4 file system (a loop device over a sparse
# file): ext4 gives a new file no inode deleted in the last minutes, and
# after the deletions of earlier runs or test suites every create scanned
# long inode bitmaps, up to a third of a poll's CPU (perf), so results
# depended on what the disk had seen before.
if [[ $FRESH_FS == yes ]]; then
	truncate -s 4G "$W.img" &&
		mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$W.img" &&
		mount -o loop "$W.img" "$W" || { rm -f "$W.img"; rmdir "$W"; echo "bench: no loop-mounted file system (-t works without)" >&2; exit 1; }
fi
chmod 755 "$W"
PIDS=()
die() { echo "bench: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }
# the test harness's instances: instance_start, instance_stop (in $W)
IT_WORK=$W
# shellcheck source=tests/integration/lib-world.sh
source "$(dirname "$0")/../../tests/integration/lib-world.sh"
cleanup() {
	local pid
	instance_stop local
	instance_stop remote
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	sleep 1
	if [[ $KEEP == yes ]]; then
		echo "work dir kept: $W" >&2
		[[ $FRESH_FS == yes ]] && echo "(mounted from $W.img)" >&2
		return
	fi
	if [[ $FRESH_FS == yes ]]; then
		umount "$W" && rm -f "$W.img" && rmdir "$W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

[[ -e $SNIPPET ]] || die "service not installed ($SNIPPET)"
FETCHMAIL=yes
command -v fetchmail >/dev/null || { log "fetchmail not installed: measuring the service only"; FETCHMAIL=no; }
uid=$(id -u $MAIL_USER) gid=$(id -g $MAIL_USER)
port=$(free_ports 1) || die "no free port"

# ------------------------------------------------------------ certificates
mkdir -p "$W"/{etc,fake,remote/home,local/home,fetchmail}
instance_dirs remote
instance_dirs local
(
	cd "$W/etc" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 2 -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.pem &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=localhost" -keyout server.key -out server.csr &&
	printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
		"extendedKeyUsage=serverAuth" >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile server.ext -out server.pem
) >"$W/etc/openssl.log" 2>&1 || die "openssl failed"
chmod 644 "$W"/etc/*.pem

# ------------------------------------------------------------------ users
log "writing $USERS users"
python3 - "$W" "$USERS" "$uid" "$gid" "$port" <<'EOF'
import sys
w, n, uid, gid, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
with open(f"{w}/remote/users", "w") as r, open(f"{w}/local/users", "w") as l, \
        open(f"{w}/fetchmail/rc", "w") as f:
    f.write(f"set no syslog\nset logfile {w}/fetchmail/log\n")
    for i in range(n):
        u = f"bu{i:05d}"
        pw = f"Pw-bench-{i}"
        r.write(f"{u}:{{PLAIN}}{pw}:{uid}:{gid}::{w}/remote/home/{u}::\n")
        l.write(f"{u}:{{PLAIN}}x:{uid}:{gid}::{w}/local/home/{u}::"
                f"userdb_retrieve=pop3s://{u}@127.0.0.1:{port} "
                f"userdb_retrieve_password={pw} userdb_retrieve_interval=1s\n")
        f.write(f"poll 127.0.0.1 service {port} protocol pop3 user \"{u}\" "
                f"password \"{pw}\" ssl sslcertck sslcertfile {w}/etc/ca.pem sslcommonname localhost "
                f"mda \"/bin/true\"\n")
EOF
chgrp dovecot "$W/remote/users" "$W/local/users"
chmod 640 "$W/remote/users" "$W/local/users"
chmod 600 "$W/fetchmail/rc"
touch "$W/fetchmail/log"
chmod 777 "$W/remote/home" "$W/local/home"
# The local users are established mail users: their homes exist
python3 - "$W/local/home" "$USERS" "$uid" "$gid" <<'EOF'
import os, sys
home, n, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    d = f"{home}/bu{i:05d}"
    os.mkdir(d, 0o700)
    os.chown(d, uid, gid)
EOF

common() { # NAME
	cat <<EOF
instance_name = retrieve-bench-$1
base_dir = $W/$1/run
state_dir = $W/$1/state
log_path = $W/$1/log/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
ssl = yes
ssl_cert = <$W/etc/server.pem
ssl_key = <$W/etc/server.key
first_valid_uid = $uid
first_valid_gid = $gid
mail_location = maildir:~/Maildir
postmaster_address = postmaster@localhost
hostname = localhost
auth_cache_size = 10M
passdb {
  driver = passwd-file
  args = scheme=PLAIN $W/$1/users
}
userdb {
  driver = passwd-file
  args = $W/$1/users
}
EOF
}

# remote: POP3S, login processes reused, no per-user process spawn cost
# dominating (all users share one uid)
{
	common remote
	cat <<EOF
protocols = pop3
disable_plaintext_auth = no
mail_max_userip_connections = 1000
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $port
    ssl = yes
  }
  service_count = 0
  process_min_avail = 2
}
service pop3 {
  process_limit = 2000
}
EOF
} >"$W/remote/dovecot.conf"

{
	common local
	cat <<EOF
protocols = none
ssl_client_ca_file = $W/etc/ca.pem
mail_plugins = \$mail_plugins retrieve
!include $SNIPPET
log_debug = category=retrieve-service
service retrieve-worker {
  process_limit = $((PARALLEL + 6))
${WORKER_USER:+  user = $WORKER_USER}
}
plugin {
  retrieve_min_interval = 1s
  retrieve_allow_networks = 127.0.0.0/8
  retrieve_max_parallel = $PARALLEL
  retrieve_max_per_host = $PARALLEL
  retrieve_userdb_scan_interval = 1h
}
EOF
	# -u: the workers list the users (scans) as that uid
	[[ -n $WORKER_USER ]] && cat <<EOF
service auth {
  unix_listener auth-userdb {
    user = $WORKER_USER
  }
}
EOF
} >"$W/local/dovecot.conf"
for n in remote local; do
	doveconf -c "$W/$n/dovecot.conf" -n >/dev/null || die "bad $n config"
done

logins() { grep -c 'pop3-login: Info: Login:' "$W/remote/log/dovecot.log"; }

# measure NAME: polls per second over SECS seconds after a warm-up
measure() {
	local a b
	sleep 10
	a=$(logins)
	sleep "$SECS"
	b=$(logins)
	echo "$1 polls/s: $(python3 -c "print(round(($b - $a) / $SECS, 1))") ($((b - a)) in ${SECS}s)"
}

instance_start remote "$W/remote/dovecot.conf" "$port"
# A provider's users have mailboxes: each remote INBOX and its indexes
# exist before the first poll, so that neither contender pays (or, polling
# second, is spared) the remote's creating them at a user's first login.
log "creating the remote mailboxes"
t0=$(date +%s.%N)
doveadm -c "$W/remote/dovecot.conf" mailbox status -A messages INBOX >/dev/null ||
	die "creating the remote mailboxes failed"
log "remote mailboxes created in $(python3 -c "import time; print(round(time.time() - $t0, 1))") s"

# --------------------------------------------------------- dovecot-retrieve
log "dovecot-retrieve service: $USERS accounts, max_parallel $PARALLEL"
t0=$(date +%s.%N)
instance_start local "$W/local/dovecot.conf" retrieve
for i in $(seq 600); do
	grep -q 'Userdb scan done' "$W/local/log/dovecot.log" && break
	sleep 0.5
done
grep -q 'Userdb scan done' "$W/local/log/dovecot.log" ||
	die "the userdb scan did not finish: $(tail -3 "$W/local/log/dovecot.log")"
scan_secs=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
scan_line=$(grep 'Userdb scan done' "$W/local/log/dovecot.log" | head -1 | sed 's/.*Userdb scan done: //')
measure "dovecot-retrieve"
spid=$(pgrep -f -P "$(cat "$W/local/run/master.pid")" "dovecot/retrieve$" | head -1)
[[ -z $spid ]] && spid=$(pgrep -P "$(cat "$W/local/run/master.pid")" -x retrieve | head -1)
rss=$(ps -o rss= -p "$spid" 2>/dev/null | tr -d ' ')
echo "dovecot-retrieve scheduler RSS: ${rss:-?} KiB ($scan_line; first scan ${scan_secs}s after start)"
errors=$(grep -c 'Error:' "$W/local/log/dovecot.log")
echo "dovecot-retrieve errors logged: $errors"
instance_stop local
sleep 2

# ---------------------------------------------------------------- fetchmail
[[ $FETCHMAIL == yes ]] || exit 0
log "fetchmail -d 1: $USERS accounts"
HOME=$W/fetchmail fetchmail -f "$W/fetchmail/rc" -d 1 --pidfile "$W/fetchmail/pid" \
	>"$W/fetchmail/out" 2>&1 &
PIDS+=($!)
sleep 1
measure "fetchmail"
fpid=$(cat "$W/fetchmail/pid" 2>/dev/null | head -1)
echo "fetchmail RSS: $(ps -o rss= -p "${fpid:-0}" 2>/dev/null | tr -d ' ') KiB"
HOME=$W/fetchmail fetchmail -f "$W/fetchmail/rc" --pidfile "$W/fetchmail/pid" -q >/dev/null 2>&1
