# shellcheck shell=bash
# lib-spam.sh - the spam scanner cases (t-92..t-97), sourced by lib.sh: a
# real spamd (SpamAssassin from Debian) on a loopback port with a private
# configuration (the packaged rules, no network tests, no Bayes, no user
# preferences, no sa-update), a real rspamd likewise, and fake-scanner.py
# (both protocols) for hostile replies.

# GTUBE: every SpamAssassin scores it 1000
SPAM_GTUBE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
# what delivery adds on top with a scanner
SPAM_ADDED_HEADERS="Return-Path Received X-Spam-Flag X-Spam-Score X-Spam-Status"

# spamd_start NAME: start (or restart, on the same port) spamd NAME; waits
# until it answers PING. Sets SPAMD_PORT. Its files are in spamd/NAME/,
# its pid in fake/spamd-NAME.pid, so world_teardown stops it whatever
# becomes of the case.
spamd_start() {
	local name=$1 dir=$IT_WORK/spamd/$1 user_opt=()
	command -v spamd >/dev/null ||
		fail "harness: spamd is not installed (apt-get install spamassassin, see tools/setup.sh)"
	mkdir -p "$dir/home" "$dir/site"
	[[ -s $dir/port ]] || free_ports 1 >"$dir/port"
	SPAMD_PORT=$(cat "$dir/port")
	# the packaged rules and plugin loaders (not the rules compiled for
	# sa-update's); nothing learns or looks anything up
	cp /etc/spamassassin/v*.pre /etc/spamassassin/init.pre "$dir/site/" ||
		fail "harness: no SpamAssassin plugin loaders in /etc/spamassassin"
	cat >"$dir/site/local.cf" <<'EOF2'
use_bayes 0
bayes_auto_learn 0
EOF2
	# spamd refuses to scan as root
	((EUID == 0)) && user_opt=(-u nobody)
	chmod 777 "$dir" "$dir/home"
	spamd -L -x "${user_opt[@]}" --listen="127.0.0.1:$SPAMD_PORT" \
		--min-children=1 --max-children=2 \
		--configpath=/usr/share/spamassassin --siteconfigpath="$dir/site" \
		--helper-home-dir="$dir/home" -s "$dir/spamd.log" \
		>>"$dir/stderr.log" 2>&1 &
	echo $! >"$IT_WORK/fake/spamd-$name.pid"
	scanner_wait "spamd $name" $! spamd_ping "$SPAMD_PORT" 60 \
		"$dir/stderr.log" "$dir/spamd.log"
}

# scanner_wait WHAT PID PING PORT SECS LOG...: wait until PING PORT
# succeeds; fail the case when PID exits first (with the LOGs' tails) or
# after SECS seconds.
scanner_wait() {
	local what=$1 pid=$2 ping=$3 port=$4 secs=$5 i
	shift 5
	for i in $(seq $((secs * 10))); do
		"$ping" "$port" && return 0
		kill -0 "$pid" 2>/dev/null ||
			fail "harness: $what exited: $(tail -n 5 "$@" 2>/dev/null)"
		sleep 0.1
	done
	fail "harness: $what did not answer within $secs s"
}

# spamd_ping PORT: true when a spamd answers PING on PORT
spamd_ping() {
	python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"PING SPAMC/1.5\r\n\r\n")
sys.exit(0 if s.recv(100).startswith(b"SPAMD/") else 1)
PY
}

# spamd_stop NAME: stop spamd NAME (its port stays free for a restart).
spamd_stop() {
	local pidfile=$IT_WORK/fake/spamd-$1.pid
	[[ -e $pidfile ]] && kill_pid "$(cat "$pidfile")"
	rm -f "$pidfile"
}

# spam_conf NAME [SETTING=VALUE...]: $ETC/NAME.conf, the retrieval config
# ($SPAM_BASE_CONF, default local.conf) plus the given plugin settings;
# sets RUN_CONF to it.
spam_conf() {
	local name=$1 kv
	shift
	RUN_CONF=$ETC/$name.conf
	{
		echo "!include ${SPAM_BASE_CONF:-$LOCAL_CONF}"
		echo "plugin {"
		for kv in "$@"; do
			echo "  ${kv%%=*} = ${kv#*=}"
		done
		echo "}"
	} >"$RUN_CONF"
	conf_check "$RUN_CONF"
}

# make_gtube_msg NAME SUBJECT [EXTRA_HEADER]: a message with GTUBE in
# its body (and EXTRA_HEADER after its From: line, so strip_added_headers
# can't take it for ours); prints its path.
make_gtube_msg() {
	local f
	f=$(make_msg "$1" "$2" "Buy now.
$SPAM_GTUBE
End of $1.")
	if [[ -n ${3:-} ]]; then
		{ head -1 "$f"; printf '%s\n' "$3"; tail -n +2 "$f"; } >"$f.tmp" &&
			mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# spam_header USER FOLDER MSGID HEADER: the first HEADER line of the
# local copy of <MSGID@retrieve-it> in FOLDER (CR removed)
spam_header() {
	local f
	f=$(local_find "$1" "$2" "Message-ID: <$3@retrieve-it>" | head -1)
	[[ -n $f ]] || fail "no local copy of $3 in $2"
	grep -m1 -i "^$4:" "$f" | tr -d '\r'
}

# rspamd_start NAME: start (or restart, on the same port) rspamd NAME with
# Debian's configuration, its normal worker alone on a loopback port, no
# controller, proxy or fuzzy worker, its files and a DNS server that
# answers nothing (no lookup leaves the machine) in rspamd/NAME/; waits
# until /ping answers. Sets RSPAMD_PORT; pid in fake/rspamd-NAME.pid.
rspamd_start() {
	local name=$1 dir=$IT_WORK/rspamd/$1 user_opt=() w
	command -v rspamd >/dev/null ||
		fail "harness: rspamd is not installed (apt-get install rspamd, see tools/setup.sh)"
	mkdir -p "$dir"/{local/override.d,db,run,log}
	[[ -s $dir/port ]] || free_ports 1 >"$dir/port"
	RSPAMD_PORT=$(cat "$dir/port")
	cat >"$dir/local/override.d/worker-normal.inc" <<EOF2
bind_socket = "127.0.0.1:$RSPAMD_PORT";
count = 1;
EOF2
	for w in controller proxy fuzzy; do
		echo "enabled = false;" >"$dir/local/override.d/worker-$w.inc"
	done
	cat >"$dir/local/override.d/logging.inc" <<EOF2
type = "file";
filename = "$dir/log/rspamd.log";
level = "warning";
EOF2
	cat >"$dir/local/override.d/options.inc" <<EOF2
pidfile = "$dir/run/rspamd.pid";
dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 1; }
EOF2
	((EUID == 0)) && user_opt=(-u nobody -g nogroup)
	chmod -R a+rwX "$dir"
	rspamd -f "${user_opt[@]}" -c /etc/rspamd/rspamd.conf \
		--var "LOCAL_CONFDIR=$dir/local" --var "DBDIR=$dir/db" \
		--var "RUNDIR=$dir/run" --var "LOGDIR=$dir/log" \
		>>"$dir/stderr.log" 2>&1 &
	echo $! >"$IT_WORK/fake/rspamd-$name.pid"
	scanner_wait "rspamd $name" $! rspamd_ping "$RSPAMD_PORT" 120 \
		"$dir/stderr.log" "$dir/log/rspamd.log"
}

rspamd_ping() {
	python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/ping" % sys.argv[1], timeout=2)
sys.exit(0 if r.read().strip() == b"pong" else 1)
PY
}

# rspamd_stop NAME: stop rspamd NAME (its port stays free for a restart).
rspamd_stop() {
	local pidfile=$IT_WORK/fake/rspamd-$1.pid
	[[ -e $pidfile ]] && kill_pid "$(cat "$pidfile")"
	rm -f "$pidfile"
}
