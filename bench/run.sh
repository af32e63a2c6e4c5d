#!/usr/bin/env bash
# bench/run.sh [N] [RUNS] - dovecot-retrieve side by side with the peers.
#
# One invocation: one loopback Dovecot (the shared sandbox.sh), one generated
# mail set of N messages (default 2000, the shared generator's size mix, ~5%
# "[SPAM]"), and RUNS rounds (default 1) over every contender. Before each
# contender src's INBOX is re-seeded with the same files and dst is emptied
# (mail and retrieval state); after it, dst is verified (counts, every
# message once, byte-identical modulo prepended trace headers, Sieve filing)
# and wall time, CPU (tool process tree + Dovecot server) and peak RSS are
# recorded, plus which of src's flags and INTERNALDATEs arrived
# (verify_props.py). Prints a table per protocol with ratios against ours
# from this run (POP3: r1, IMAP: i1) and writes JSONL to $BENCH_DIR/results/.
#
# Environment:
#   SHARED_BENCH  the shared peer harness (default /work/shared/bench)
#   BENCH_DIR     work dir (default /tmp/retrieve-bench); the generated mail
#                 is cached there per N
#   CASES         contender ids and/or groups (default: all): "pop3" (the
#                 POP3 contenders), "imap" (the IMAP ones), "floors", "ours",
#                 "big" (r9 i9: one large message), "all", and "spam"
#                 (r1s bs i1s cs: every message scanned by one rspamd;
#                 not in "all"); e.g. CASES="r1 imap"; see case_info
#   BIG_MB        size of the one message of the big cases in MiB (default
#                 200, issue 9's memory target); generated once per size
#   BENCH_LOCK    lock file held for the whole run (default
#                 /tmp/retrieve-install.lock, the one `make install` and
#                 test runs take), so the installed plugin stays put
#   CASE_TIMEOUT  seconds one contender may take (default 1800)
#   KEEP_DST=1    leave the last contender's delivered mail for inspection
#   WRAP          diagnosis only: a command prefix for every contender, e.g.
#                 WRAP="strace -f -c -o /tmp/st" (its timings are not comparable)
#
# Needs root (starts Dovecot, delivers as the mail user). Installs fetchmail,
# getmail6 and mpop with apt-get when they are missing; the spam cases need
# rspamd, curl and jq (tools/setup.sh installs them).
set -euo pipefail
# CONF, RUN, LDA, LMTP_SOCK, SRC_PASS come from the sandbox's env.sh
# shellcheck disable=SC2153
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${1:-2000}
RUNS=${2:-1}
SHARED_BENCH=${SHARED_BENCH:-/work/shared/bench}
export BENCH_DIR=${BENCH_DIR:-/tmp/retrieve-bench}
BENCH_LOCK=${BENCH_LOCK:-/tmp/retrieve-install.lock}
CASE_TIMEOUT=${CASE_TIMEOUT:-1800}
POP3_CASES="r1 r1d r2 r3 a b btls d1 d2 e f2 g3 g5 g5tls"
IMAP_CASES="i1 i1d i2 i3 c ctls h1 h2 f1 g6 g6tls"
# one BIG_MB message instead of the N: memory must not grow with message size
BIG_CASES="r9 i9"
BIG_MB=${BIG_MB:-200}
ALL_CASES="$POP3_CASES $IMAP_CASES $BIG_CASES"
# every message scanned by the same rspamd: ours, and fetchmail -> LMTP with
# a sieve_before filter calling rspamd (needs rspamd: not in "all")
SPAM_CASES="r1s bs i1s cs"
CASES=${CASES:-all}
# groups -> ids (first occurrence kept)
expand_cases() {
	local w out=() seen=" "
	for w in $1; do
		case $w in
		all) w=$ALL_CASES ;;
		pop3) w=$POP3_CASES ;;
		imap) w="$IMAP_CASES g3" ;;
		ours) w="r1 r2 r3 i1 i2 i3" ;;
		floors) w="f1 f2 g3 g5 g5tls g6 g6tls" ;;
		big) w=$BIG_CASES ;;
		spam) w=$SPAM_CASES ;;
		esac
		for x in $w; do
			[[ $seen == *" $x "* ]] || { out+=("$x"); seen+="$x "; }
		done
	done
	echo "${out[*]}"
}
CASES=$(expand_cases "$CASES")

die() { echo "bench: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "run as root"
[[ -x $SHARED_BENCH/sandbox.sh && -f $SHARED_BENCH/lib/common.sh ]] ||
	die "no shared bench harness at $SHARED_BENCH (set SHARED_BENCH)"
[[ $N =~ ^[0-9]+$ && $RUNS =~ ^[0-9]+$ ]] || die "usage: $0 [N] [RUNS]"
[[ $BIG_MB =~ ^[1-9][0-9]*$ ]] || die "BIG_MB must be a number of MiB"

# ------------------------------------------------------------ peers
missing=()
command -v fetchmail >/dev/null || missing+=(fetchmail)
command -v getmail >/dev/null || missing+=(getmail6)
command -v mpop >/dev/null || missing+=(mpop)
if ((${#missing[@]})); then
	echo "bench: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
fi

# ------------------------------------------------------------ lock
# Everything below runs with the install lock held (re-exec under flock).
if [[ ${RETRIEVE_BENCH_LOCKED:-} != "$BENCH_LOCK" ]]; then
	export RETRIEVE_BENCH_LOCKED=$BENCH_LOCK
	echo "bench: waiting for $BENCH_LOCK" >&2
	exec flock "$BENCH_LOCK" "$HERE/run.sh" "$@"
fi
PLUGIN_FILES=(/usr/lib/dovecot/libdovecot-retrieve.so /usr/lib/dovecot/modules/lib20_retrieve_plugin.so
	/usr/lib/dovecot/modules/doveadm/lib10_doveadm_retrieve_plugin.so)
for f in "${PLUGIN_FILES[@]}"; do
	[[ -e $f ]] || die "dovecot-retrieve is not installed ($f missing; make install)"
done
# What was measured: the installed build (it need not come from this clone).
PLUGIN_ID="$(cat "${PLUGIN_FILES[@]}" | sha256sum | cut -c1-12) installed $(date -u -r "${PLUGIN_FILES[0]}" +%FT%TZ)"
REPO_ID=$(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown)

# ------------------------------------------------------------ sandbox
# Free ports below the ephemeral range (so no outgoing connection takes
# them meanwhile), distinct, checked by binding.
read -r POP3_PORT POP3S_PORT IMAP_PORT IMAPS_PORT RSPAMD_PORT DNS_PORT < <(python3 - <<'EOF'
import random, socket
ports, socks = [], []
while len(ports) < 6:
    p = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    socks.append(s)
    ports.append(p)
print(*ports)
EOF
)
export POP3_PORT POP3S_PORT IMAP_PORT IMAPS_PORT

SANDBOX=$SHARED_BENCH/sandbox.sh
"$SANDBOX" stop >/dev/null          # a leftover of an interrupted run of ours
mkdir -p "$BENCH_DIR"
# tmpfs takes the disk out of the measurement (see README.md)
FS_ID=$(df --output=fstype "$BENCH_DIR" | tail -1)
stop_all() {
	local pid
	for pid in ${RSPAMD_PID:-} ${DNS_PID:-}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	"$SANDBOX" stop >/dev/null 2>&1 || true
}
trap 'stop_all' EXIT
"$SANDBOX" start >&2
# shellcheck disable=SC1091
source "$SHARED_BENCH/lib/common.sh"   # env.sh, seed_src, reset_dst, dst_counts

# Trust anchor for our client: the sandbox certificate is self-signed; it
# is its own CA when it has CA:TRUE (openssl's default v3_ca section).
# Otherwise put a CA-signed one in its place and restart.
SSL=$BENCH_DIR/etc/ssl
CA_FILE=$SSL/cert.pem
if ! openssl x509 -in "$CA_FILE" -noout -text | grep -q 'CA:TRUE'; then
	echo "bench: sandbox certificate is not a CA; using a generated CA" >&2
	(
		cd "$SSL"
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=retrieve bench CA" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
			-keyout ca.key -out ca.pem
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout key.pem -out server.csr
		printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
			"extendedKeyUsage=serverAuth" >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
			-extfile server.ext -out cert.pem
		chmod 600 key.pem ca.key
	) >/dev/null 2>&1 || die "CA generation failed"
	CA_FILE=$SSL/ca.pem
	"$SANDBOX" restart >&2
fi

# Our local side: the sandbox config plus the retrieve mail plugin (for
# doveadm only; lda/lmtp of the peers are untouched) and the trust anchor.
RCONF=$BENCH_DIR/etc/retrieve.conf
cat >"$RCONF" <<EOF
# Generated by bench/run.sh: doveadm retrieve on the sandbox.
# (mail_plugins first: the sandbox sets it only inside protocol filters)
mail_plugins = \$mail_plugins retrieve
!include $CONF
ssl_client_ca_file = $CA_FILE
plugin {
  # the peers are on loopback, which retrieval denies by default
  retrieve_allow_networks = 127.0.0.0/8
}
EOF
doveconf -c "$RCONF" -n >/dev/null || die "bad config $RCONF"
# r1d/i1d: Sieve through mail_deliver() per message (the environment
# switch of retrieve-deliver.c; doveadm passes only what this imports)
RCONF_D=$BENCH_DIR/etc/retrieve-deliver.conf
printf '!include %s\nimport_environment = TZ RETRIEVE_SIEVE_RUN=0\n' "$RCONF" >"$RCONF_D"
doveconf -c "$RCONF_D" -n >/dev/null || die "bad config $RCONF_D"

# dst's accounts as userdb extra fields (retrieve = STLS + Sieve, retrieve2 =
# STLS, filter=no, retrieve3 = POP3S + Sieve; retrieve4-6 the same over IMAP:
# STARTTLS + Sieve, STARTTLS filter=no, IMAPS + Sieve; folders=inbox and
# keep=no are the defaults), all the same remote mailbox.
DST_EXTRA=$(python3 - <<EOF
print(" ".join([
    "userdb_retrieve=pop3://src@127.0.0.1:$POP3_PORT", "userdb_retrieve_password=$SRC_PASS",
    "userdb_retrieve2=pop3://src@127.0.0.1:$POP3_PORT", "userdb_retrieve2_password=$SRC_PASS",
    "userdb_retrieve2_filter=no",
    "userdb_retrieve3=pop3s://src@127.0.0.1:$POP3S_PORT", "userdb_retrieve3_password=$SRC_PASS",
    "userdb_retrieve4=imap://src@127.0.0.1:$IMAP_PORT", "userdb_retrieve4_password=$SRC_PASS",
    "userdb_retrieve5=imap://src@127.0.0.1:$IMAP_PORT", "userdb_retrieve5_password=$SRC_PASS",
    "userdb_retrieve5_filter=no",
    "userdb_retrieve6=imaps://src@127.0.0.1:$IMAPS_PORT", "userdb_retrieve6_password=$SRC_PASS",
]))
EOF
)
# dst_userdb [FIELD...]: dst's userdb extra fields are DST_EXTRA plus FIELDs
# (a no-op when they already are)
DST_USERDB=
dst_userdb() {
	local want="$DST_EXTRA${*:+ $*}"
	[[ $want == "$DST_USERDB" ]] && return 0
	python3 - "$BENCH_DIR/etc/users" "$want" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
out = [":".join(l.split(":")[:7]) + ":" + sys.argv[2] if l.startswith("dst:") else l for l in lines]
with open(sys.argv[1], "w") as f:       # same inode: keeps group/mode for auth
    f.write("\n".join(out) + "\n")
EOF
	DST_USERDB=$want
	sleep 1.1                        # passwd-file is re-read at most once a second
}
dst_userdb
doveadm -c "$RCONF" -f tab retrieve list -u dst | grep -q 'retrieve6' ||
	die "dst's accounts not visible: $(doveadm -c "$RCONF" -f tab retrieve list -u dst 2>&1)"

# ------------------------------------------------------------ contenders
SEED=$(seed_dir "$N")
# src's INTERNALDATE is the file's mtime. The generator leaves the time of
# generation, which can fall in the same second as a delivery; give every
# file the time stamp of its name (2023-11-14 + i s) instead, so that
# verify_props.py can tell a kept INTERNALDATE from a new one.
python3 - "$SEED/cur" <<'EOF'
import os, sys
for fn in os.listdir(sys.argv[1]):
    p = os.path.join(sys.argv[1], fn)
    t = int(fn.split(".", 1)[0])
    if int(os.stat(p).st_mtime) != t:
        os.utime(p, (t, t))
EOF
MANIFEST=$SEED/manifest.json
# The big cases' seed: one message, cached per size like the N sets.
BIG_SEED=
if [[ " $CASES " == *" r9 "* || " $CASES " == *" i9 "* ]]; then
	BIG_SEED=$BENCH_DIR/seed/big${BIG_MB}-s$SEED_RNG
	if [[ ! -s $BIG_SEED/manifest.json ]]; then
		rm -rf "$BIG_SEED"
		python3 "$HERE/gen_big.py" --out "$BIG_SEED" --mb "$BIG_MB" --seed "$SEED_RNG" >&2 ||
			die "gen_big.py failed"
		chown -R "$MAIL_USER:" "$BIG_SEED"
	fi
fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
T=$BENCH_DIR/tools
LOGS=$BENCH_DIR/logs/$STAMP
RESULTS=$BENCH_DIR/results/bench-$STAMP.jsonl
mkdir -p "$T/getmail" "$LOGS" "$(dirname "$RESULTS")"
LDA_CMD="$LDA -c $CONF -d dst"

# Peer configurations: the same as the shared baseline.sh.
write_peer_configs() {
	local common="set no bouncemail
set no spambounce
set no syslog
" pop="poll 127.0.0.1 protocol POP3 port $POP3_PORT auth password timeout 300
  user \"src\" there with password \"$SRC_PASS\" is \"dst\" here"
	local pops="poll 127.0.0.1 protocol POP3 port $POP3S_PORT auth password timeout 300
  user \"src\" there with password \"$SRC_PASS\" is \"dst\" here"
	printf '%s%s\n  options fetchall no keep no rewrite sslproto ""\n  mda "%s"\n' \
		"$common" "$pop" "$LDA_CMD" >"$T/fetchmail-a.rc"
	printf '%s%s\n  options fetchall no keep no rewrite sslproto ""\n  lmtp smtphost "%s" smtpname "dst"\n' \
		"$common" "$pop" "$LMTP_SOCK" >"$T/fetchmail-b.rc"
	printf '%s%s\n  options fetchall no keep no rewrite ssl no sslcertck\n  lmtp smtphost "%s" smtpname "dst"\n' \
		"$common" "$pops" "$LMTP_SOCK" >"$T/fetchmail-btls.rc"
	local imap="poll 127.0.0.1 protocol IMAP port $IMAP_PORT auth password timeout 300
  user \"src\" there with password \"$SRC_PASS\" is \"dst\" here"
	local imaps="poll 127.0.0.1 protocol IMAP port $IMAPS_PORT auth password timeout 300
  user \"src\" there with password \"$SRC_PASS\" is \"dst\" here"
	printf '%s%s\n  options fetchall no keep no rewrite sslproto ""\n  lmtp smtphost "%s" smtpname "dst"\n' \
		"$common" "$imap" "$LMTP_SOCK" >"$T/fetchmail-c.rc"
	printf '%s%s\n  options fetchall no keep no rewrite ssl no sslcertck\n  lmtp smtphost "%s" smtpname "dst"\n' \
		"$common" "$imaps" "$LMTP_SOCK" >"$T/fetchmail-ctls.rc"
	chmod 600 "$T"/fetchmail-*.rc

	local retr="[retriever]
type = SimplePOP3Retriever
server = 127.0.0.1
port = $POP3_PORT
username = src
password = $SRC_PASS
" opts="[options]
verbose = 0
read_all = true
delete = true
message_log_syslog = false"
	printf '%s\n[destination]\ntype = MDA_lmtp\nhost = %s\noverride = dst\n\n%s\n' \
		"$retr" "$LMTP_SOCK" "$opts" >"$T/getmail/d1.rc"
	printf '%s\n[destination]\ntype = MDA_external\npath = %s\narguments = ("-c", "%s", "-d", "dst")\nallow_root_commands = true\n\n%s\n' \
		"$retr" "$LDA" "$CONF" "$opts" >"$T/getmail/d2.rc"
	# IMAP: record_mailbox off, else getmail adds the non-trace header
	# X-getmail-retrieved-from-mailbox at the end of the header
	local iretr="[retriever]
type = SimpleIMAPRetriever
server = 127.0.0.1
port = $IMAP_PORT
username = src
password = $SRC_PASS
mailboxes = (\"INBOX\",)
record_mailbox = false
"
	printf '%s\n[destination]\ntype = MDA_lmtp\nhost = %s\noverride = dst\n\n%s\n' \
		"$iretr" "$LMTP_SOCK" "$opts" >"$T/getmail/h1.rc"
	printf '%s\n[destination]\ntype = MDA_external\npath = %s\narguments = ("-c", "%s", "-d", "dst")\nallow_root_commands = true\n\n%s\n' \
		"$iretr" "$LDA" "$CONF" "$opts" >"$T/getmail/h2.rc"

	cat >"$T/mpop.rc" <<EOF
defaults
tls off
auth user
uidls_file $T/mpop.uidls
account bench
host 127.0.0.1
port $POP3_PORT
user src
password $SRC_PASS
pipelining on
keep off
only_new off
delivery mda "$LDA_CMD"
EOF
	chmod 600 "$T/mpop.rc"
}

POP3C_OPTS=(-o pop3c_host=127.0.0.1 -o pop3c_port="$POP3_PORT" -o pop3c_user=src
	-o pop3c_password="$SRC_PASS" -o pop3c_ssl=no)
# as the shared baseline.sh (f1)
IMAPC_OPTS=(-o imapc_host=127.0.0.1 -o imapc_port="$IMAP_PORT" -o imapc_user=src
	-o imapc_password="$SRC_PASS" -o imapc_ssl=no -o "imapc_features=rfc822.size fetch-headers")

# case_info ID -> "name|protocol|delivery|sieve (yes/no/-)|delivers (1/0)"
case_info() {
	case $1 in
	r1) echo "ours: doveadm retrieve|POP3+STLS|Sieve run by us, batches|yes|1" ;;
	r1d) echo "ours, RETRIEVE_SIEVE_RUN=0|POP3+STLS|in-process mail_deliver|yes|1" ;;
	r2) echo "ours: doveadm retrieve filter=no|POP3+STLS|in-process save|no|1" ;;
	r3) echo "ours: doveadm retrieve|POP3S|in-process mail_deliver|yes|1" ;;
	a) echo "fetchmail|POP3|dovecot-lda per msg|yes|1" ;;
	b) echo "fetchmail|POP3|LMTP|yes|1" ;;
	btls) echo "fetchmail|POP3S|LMTP|yes|1" ;;
	d1) echo "getmail6|POP3|LMTP|yes|1" ;;
	d2) echo "getmail6|POP3|dovecot-lda per msg|yes|1" ;;
	e) echo "mpop (pipelining)|POP3|dovecot-lda per msg|yes|1" ;;
	f2) echo "doveadm import pop3c (keeps src)|POP3|in-process save|no|1" ;;
	g3) echo "floor: LMTP batch of local files|none|LMTP|yes|1" ;;
	g5) echo "floor: raw POP3 RETR (poplib)|POP3|none|-|0" ;;
	g5tls) echo "floor: raw POP3S RETR (poplib)|POP3S|none|-|0" ;;
	i1) echo "ours: doveadm retrieve|IMAP+STARTTLS|Sieve run by us, batches|yes|1" ;;
	i1d) echo "ours, RETRIEVE_SIEVE_RUN=0|IMAP+STARTTLS|in-process mail_deliver|yes|1" ;;
	i2) echo "ours: doveadm retrieve filter=no|IMAP+STARTTLS|in-process save|no|1" ;;
	i3) echo "ours: doveadm retrieve|IMAPS|in-process mail_deliver|yes|1" ;;
	r9) echo "ours: doveadm retrieve, one ${BIG_MB} MiB message|POP3+STLS|in-process mail_deliver|yes|1" ;;
	r1s) echo "ours: doveadm retrieve, rspamd|POP3+STLS|in-process mail_deliver|yes|1" ;;
	bs) echo "fetchmail, sieve_before filter to rspamd|POP3|LMTP|yes|1" ;;
	i1s) echo "ours: doveadm retrieve, rspamd|IMAP+STARTTLS|in-process mail_deliver|yes|1" ;;
	cs) echo "fetchmail, sieve_before filter to rspamd|IMAP|LMTP|yes|1" ;;
	i9) echo "ours: doveadm retrieve, one ${BIG_MB} MiB message|IMAP+STARTTLS|in-process mail_deliver|yes|1" ;;
	c) echo "fetchmail|IMAP|LMTP|yes|1" ;;
	ctls) echo "fetchmail|IMAPS|LMTP|yes|1" ;;
	h1) echo "getmail6|IMAP|LMTP|yes|1" ;;
	h2) echo "getmail6|IMAP|dovecot-lda per msg|yes|1" ;;
	f1) echo "doveadm import imapc (keeps src)|IMAP|in-process save|no|1" ;;
	g6) echo "floor: raw IMAP FETCH (imaplib)|IMAP|none|-|0" ;;
	g6tls) echo "floor: raw IMAPS FETCH (imaplib)|IMAPS|none|-|0" ;;
	*) return 1 ;;
	esac
}

# case_cmd ID -> CMD array
case_cmd() {
	local fm=(fetchmail --nosyslog --pidfile "$T/fetchmail.pid" -i "$T/fetchids")
	case $1 in
	r1 | r9) CMD=(doveadm -c "$RCONF" -f tab retrieve run -a retrieve -u dst) ;;
	# Sieve through mail_deliver() per message, as before Sieve was run by
	# us: the before/after of the same build in the same bench run
	r1d) CMD=(doveadm -c "$RCONF_D" -f tab retrieve run -a retrieve -u dst) ;;
	i1d) CMD=(doveadm -c "$RCONF_D" -f tab retrieve run -a retrieve4 -u dst) ;;
	r2) CMD=(doveadm -c "$RCONF" -f tab retrieve run -a retrieve2 -u dst) ;;
	r1s) CMD=(doveadm -c "$RSCONF" -f tab retrieve run -a retrieve -u dst) ;;
	i1s) CMD=(doveadm -c "$RSCONF" -f tab retrieve run -a retrieve4 -u dst) ;;
	bs | cs) CMD=("${fm[@]}" -f "$T/fetchmail-${1%s}.rc") ;;
	r3) CMD=(doveadm -c "$RCONF" -f tab retrieve run -a retrieve3 -u dst) ;;
	i1 | i9) CMD=(doveadm -c "$RCONF" -f tab retrieve run -a retrieve4 -u dst) ;;
	i2) CMD=(doveadm -c "$RCONF" -f tab retrieve run -a retrieve5 -u dst) ;;
	i3) CMD=(doveadm -c "$RCONF" -f tab retrieve run -a retrieve6 -u dst) ;;
	a | b | btls | c | ctls) CMD=("${fm[@]}" -f "$T/fetchmail-$1.rc") ;;
	d1 | d2 | h1 | h2) CMD=(getmail --getmaildir "$T/getmail" --rcfile "$T/getmail/$1.rc") ;;
	e) CMD=(mpop -C "$T/mpop.rc" bench) ;;
	f2) CMD=(doveadm -c "$CONF" "${POP3C_OPTS[@]}" import -u dst pop3c: "" mailbox INBOX) ;;
	g3) CMD=(python3 "$SHARED_BENCH/lib/lmtp_batch.py" "$LMTP_SOCK" dst "$SEED/cur") ;;
	g5) CMD=(python3 "$SHARED_BENCH/lib/pop3_read.py" 127.0.0.1 "$POP3_PORT" src "$SRC_PASS") ;;
	g5tls) CMD=(python3 "$SHARED_BENCH/lib/pop3_read.py" 127.0.0.1 "$POP3S_PORT" src "$SRC_PASS" --ssl) ;;
	f1) CMD=(doveadm -c "$CONF" "${IMAPC_OPTS[@]}" import -u dst imapc: "" mailbox INBOX) ;;
	g6) CMD=(python3 "$SHARED_BENCH/lib/imap_read.py" 127.0.0.1 "$IMAP_PORT" src "$SRC_PASS") ;;
	g6tls) CMD=(python3 "$HERE/imaps_read.py" "$SHARED_BENCH/lib/imap_read.py" 127.0.0.1 "$IMAPS_PORT" src "$SRC_PASS") ;;
	esac
}

# nonzero JSON KEY... -> "key=value ..." for the keys with a non-zero value
nonzero() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1] or "{}")
print(" ".join(f"{k}={d[k]}" for k in sys.argv[2:] if d.get(k)))' "$@"
}

jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

run_case() {
	local id=$1 run=$2 info name proto path sieve delivers
	info=$(case_info "$id") || die "unknown case $id"
	IFS='|' read -r name proto path sieve delivers <<<"$info"
	case_cmd "$id"
	# The mail set of this case: the N generated messages, or the one big one.
	local N=$N SEED=$SEED MANIFEST=$MANIFEST
	if [[ $id == [ri]9 ]]; then
		N=1 SEED=$BIG_SEED MANIFEST=$BIG_SEED/manifest.json
	fi

	# Same start for everyone: src re-seeded with the same files, dst empty,
	# no tool state (UIDL caches, our state journal); the rspamd filter
	# only for the peers' spam cases.
	local scanned=no
	[[ " $SPAM_CASES " == *" $id "* ]] && scanned=yes
	if [[ $id == bs || $id == cs ]]; then
		dst_userdb "${SPAM_PEER_FIELDS[@]}"
	else
		dst_userdb
	fi
	reset_dst
	seed_src_from "$SEED" "$N"
	flag_src
	rm -rf "$T/fetchids" "$T/mpop.uidls" "$T"/getmail/oldmail-* "$T/fetchmail.pid" \
		"$BENCH_DIR/home/dst/.dovecot-retrieve"
	sync

	local log=$LOGS/$id-r$run.log json=$LOGS/$id-r$run.json
	echo "+ ${CMD[*]}" >"$log"
	echo "--- [$id] run $run: $name, $proto -> $path" >&2
	local scan0
	scan0=$(scanner_cpu)
	# shellcheck disable=SC2086 # WRAP is split into words on purpose
	python3 "$SHARED_BENCH/lib/measure.py" --out "$json" --log "$log" \
		--server-pid "$(cat "$RUN/master.pid")" -- timeout "$CASE_TIMEOUT" ${WRAP:-} "${CMD[@]}" 2>/dev/null
	local scanner_s
	scanner_s=$(python3 -c 'import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))' \
		"$scan0" "$(scanner_cpu)")

	# Verification.
	local counts inbox junk total left spam rc ok=yes why=() verify='{}' exact='{}' props='{}'
	counts=$(dst_counts)
	read -r inbox junk total < <(sed 's/INBOX=\([0-9]*\) Junk=\([0-9]*\) total=\([0-9]*\)/\1 \2 \3/' <<<"$counts")
	left=$(mailbox_count src INBOX)
	spam=$(jget "$MANIFEST" spam)
	rc=$(jget "$json" rc)
	[[ $rc == 0 ]] || { ok=no; why+=("exit $rc"); }
	if [[ $delivers == 1 ]]; then
		local vflag=()
		[[ $sieve == yes ]] && vflag=(--sieve)
		verify=$(python3 "$SHARED_BENCH/lib/verify.py" "${vflag[@]}" --manifest "$MANIFEST" \
			--maildir "$BENCH_DIR/home/dst/Maildir") ||
			{ ok=no; why+=("verify.py: $(nonzero "$verify" dups missing body_mismatch misfiled no_id)"); }
		local verdict=()
		[[ $scanned == yes ]] && verdict=(--verdict "X-Spam-Flag,X-Spam-Score,X-Spam-Status")
		exact=$(python3 "$HERE/verify_exact.py" --seed "$SEED" "${verdict[@]}" \
			--maildir "$BENCH_DIR/home/dst/Maildir") ||
			{ ok=no; why+=("not byte-identical: $(nonzero "$exact" altered extra_headers no_id unknown unscanned)"); }
		# Not a pass/fail check: which of src's flags and INTERNALDATEs survived.
		props=$(python3 "$HERE/verify_props.py" --seed "$SEED" \
			--maildir "$BENCH_DIR/home/dst/Maildir") || props='{}'
		[[ $total == "$N" ]] || { ok=no; why+=("dst has $total"); }
		if [[ $sieve == yes ]]; then
			[[ $junk == "$spam" ]] || { ok=no; why+=("Junk $junk != $spam [SPAM]"); }
		else
			[[ $junk == 0 ]] || { ok=no; why+=("Junk $junk without Sieve"); }
		fi
		# f2 copies (src kept), g3 delivers local files (src untouched)
		[[ $id == f1 || $id == f2 || $id == g3 || $left == 0 ]] || { ok=no; why+=("src still has $left"); }
	else
		grep -Eq "(retrieved|fetched) $N messages" "$log" || { ok=no; why+=("read != $N"); }
	fi
	if [[ $id == [ri]? || $id == [ri]1s ]]; then
		# Our own report: the account's tab row (empty folder column): result
		# ok, N messages, N deleted; IMAP: plus the INBOX row, ok, N messages.
		local row frow
		row=$(awk -F'\t' '
			$1 == "user" && $2 == "account" { for (i = 1; i <= NF; i++) col[$i] = i; next }
			("result" in col) && $col["account"] ~ /^retrieve/ && $col["folder"] == "" {
				print $col["messages"], $col["deleted"], $col["result"] }' "$log" | tail -1)
		[[ $row == "$N $N ok" ]] || { ok=no; why+=("doveadm row: '${row}'"); }
		if [[ $id == i? || $id == i1s ]]; then
			frow=$(awk -F'\t' '
				$1 == "user" && $2 == "account" { for (i = 1; i <= NF; i++) col[$i] = i; next }
				("result" in col) && $col["account"] ~ /^retrieve/ && $col["folder"] != "" {
					print $col["folder"], $col["messages"], $col["errors"], $col["result"] }' "$log")
			[[ $frow == "INBOX $N 0 ok" ]] || { ok=no; why+=("doveadm folder rows: '${frow//$'\n'/; }'"); }
		fi
		if grep -aqE 'Panic:|Fatal:|Error:|Warning:|leak' "$log"; then
			why+=("logged: $(grep -aE 'Panic:|Fatal:|Error:|Warning:|leak' "$log" | head -1 | cut -c1-200)")
			grep -aqE 'Panic:|Fatal:|Error:|leak' "$log" && ok=no
		fi
	fi
	echo "    $(cat "$json")" >&2
	echo "    dst: $counts spam=$spam src_left=$left verified=$ok ${why[*]:+(${why[*]})}" >&2
	echo "    exact: $exact" >&2
	echo "    kept: $props" >&2

	B_STAMP=$STAMP B_N=$N B_ID=$id B_RUN=$run B_NAME=$name B_PROTO=$proto B_PATH=$path \
	B_SIEVE=$sieve B_OK=$ok B_WHY="${why[*]:-}" B_INBOX=$inbox B_JUNK=$junk B_TOTAL=$total \
	B_SPAM=$spam B_LEFT=$left B_VERIFY=$verify B_EXACT=$exact B_PROPS=$props B_CMD="${CMD[*]}" \
	B_PLUGIN=$PLUGIN_ID B_REPO=$REPO_ID B_FS=$FS_ID B_SCANNER=$scanner_s \
	python3 - "$json" "$MANIFEST" "$RESULTS" <<'EOF'
import json, os, sys
e = os.environ
r = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
r.update(stamp=e["B_STAMP"], n=int(e["B_N"]), case=e["B_ID"], run=int(e["B_RUN"]),
         tool=e["B_NAME"], protocol=e["B_PROTO"], path=e["B_PATH"],
         sieve_expected=e["B_SIEVE"], verified=e["B_OK"], why=e["B_WHY"],
         inbox=int(e["B_INBOX"]), junk=int(e["B_JUNK"]), total=int(e["B_TOTAL"]),
         spam=int(e["B_SPAM"]), src_left=int(e["B_LEFT"]), bytes=m["bytes"],
         verify=json.loads(e["B_VERIFY"] or "{}"), exact=json.loads(e["B_EXACT"] or "{}"), kept=json.loads(e["B_PROPS"] or "{}"),
         cmd=e["B_CMD"], plugin=e["B_PLUGIN"], repo=e["B_REPO"], fs=e["B_FS"],
         scanner_cpu_s=float(e["B_SCANNER"]))
with open(sys.argv[3], "a") as f:
    f.write(json.dumps(r) + "\n")
EOF
}

# scanner_cpu: CPU seconds (user+sys) rspamd's processes (the main one
# and its workers) have used so far; 0 without it. The scan is work both
# sides of a spam case ask of it, outside either's process tree.
scanner_cpu() {
	[[ -n ${RSPAMD_PID:-} ]] || { echo 0; return; }
	python3 - "$RSPAMD_PID" <<'EOF'
import os, sys
main, tick, total = sys.argv[1], os.sysconf("SC_CLK_TCK"), 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    # fields after the name: state ppid ... utime(12) stime(13)
    if pid == main or st[1] == main:
        total += int(st[11]) + int(st[12])
print(total / tick)
EOF
}

# seed_src_from DIR N: the shared seed_src, for a seed dir that is not the
# shared one of N messages (the big cases' one).
seed_src_from() {
	local dir=$1 n=$2 mb=$BENCH_DIR/home/src/Maildir got
	"${DOVEADM[@]}" kick src >/dev/null 2>&1 || true
	rm -rf "$mb"
	mkdir -p "$mb/new" "$mb/tmp"
	cp -al "$dir/cur" "$mb/cur"
	chown -R "$MAIL_USER:" "$BENCH_DIR/home/src"
	"${DOVEADM[@]}" force-resync -u src INBOX
	got=$(mailbox_count src INBOX)
	[[ $got == "$n" ]] || { echo "seed_src_from: src INBOX has $got, expected $n" >&2; return 1; }
}

# flag_src: after seeding, give 2% of src's messages \Flagged plus the
# keyword $Bench and another 2% \Seen (by X-Bench-Id: i % 50 == 7 / 32), so
# verify_props.py can tell which contenders keep flags. POP3 does not see
# them; the mail set is the same for every contender.
flag_src() {
	local uids
	read -r -a uids < <(python3 - "$BENCH_DIR/home/src/Maildir/dovecot-uidlist" <<'EOF'
import re, sys
flagged, seen = [], []
for line in open(sys.argv[1]).read().splitlines()[1:]:
    uid, _, name = line.partition(" ")
    m = re.search(r"\.M(\d+)P", name)
    if m:
        i = int(m.group(1))
        (flagged if i % 50 == 7 else seen if i % 50 == 32 else []).append(uid)
print(",".join(flagged) or "-", ",".join(seen) or "-")
EOF
	)
	# "-": none to flag (the big cases' one message); doveadm rejects uid 0
	# shellcheck disable=SC2016 # $Bench is an IMAP keyword, not a variable
	[[ ${uids[0]} == - ]] || "${DOVEADM[@]}" flags add -u src '\Flagged $Bench' mailbox INBOX uid "${uids[0]}"
	[[ ${uids[1]} == - ]] || "${DOVEADM[@]}" flags add -u src '\Seen' mailbox INBOX uid "${uids[1]}"
}

# spam_setup: for the spam cases, a private rspamd (the integration
# tests' configuration, lib-spam.sh) on RSPAMD_PORT, its DNS dns_nx.py
# on DNS_PORT (NXDOMAIN at once: no timeouts, nothing leaves the
# machine); our config with it as
# retrieve_spam_scanner ($RSCONF); and the peers' equivalent: a
# sieve_before script for dst that pipes every message through
# vnd.dovecot.filter (Pigeonhole extprograms) to rspamd-scan, which posts
# it to the same rspamd's /checkv2 with the request headers ours sends and
# prepends the same three verdict fields. Enabled per case by dst's userdb
# fields (SPAM_PEER_FIELDS), so it never runs for the other contenders.
RSPAMD_PID='' DNS_PID=
spam_setup() {
	local c dir=$BENCH_DIR/rspamd sdir=$T/spam-sieve i
	for c in rspamd curl jq; do
		command -v $c >/dev/null || die "the spam cases need $c (tools/setup.sh installs it)"
	done
	# shellcheck source=tests/integration/lib-spam.sh
	source "$HERE/../tests/integration/lib-spam.sh"
	rm -rf "$dir"
	python3 "$HERE/dns_nx.py" "$DNS_PORT" &
	DNS_PID=$!
	rspamd_config_write "$dir" "$RSPAMD_PORT" "127.0.0.1:$DNS_PORT"
	rspamd_spawn "$dir"
	RSPAMD_PID=$!
	for i in $(seq 1200); do
		rspamd_ping "$RSPAMD_PORT" && break
		kill -0 "$RSPAMD_PID" 2>/dev/null || die "rspamd exited: $(tail -n 5 "$dir/stderr.log" "$dir/log/rspamd.log")"
		((i < 1200)) || die "rspamd did not answer within 120 s"
		sleep 0.1
	done
	# its first scan loads maps and Lua: not anyone's measurement
	curl -sS --max-time 60 --data-binary @"$(find "$SEED/cur" -type f | head -n 1)" \
		"http://127.0.0.1:$RSPAMD_PORT/checkv2" >/dev/null || die "rspamd does not scan"

	RSCONF=$BENCH_DIR/etc/retrieve-spam.conf
	cat >"$RSCONF" <<EOF
# Generated by bench/run.sh: doveadm retrieve scanning with rspamd.
!include $RCONF
plugin {
  retrieve_spam_scanner = rspamd:http://127.0.0.1:$RSPAMD_PORT
}
EOF
	doveconf -c "$RSCONF" -n >/dev/null || die "bad config $RSCONF"

	rm -rf "$sdir"
	mkdir -p "$sdir/bin"
	# as ours: Rcpt and Deliver-To the local user as ours names it,
	# dst@localhost (user@hostname; rspamd takes a bare "dst" for a broken
	# message: BROKEN_HEADERS, 8 points), From the envelope
	# sender, IP the one of the retrieved message's first Received line
	# (the first that names an address outside 127/8: fetchmail's and
	# LMTP's own are on top), one request per message; the verdict as ours
	# formats it (score and symbols; YES for add header, rewrite subject,
	# reject). A failure exits non-zero: Sieve keeps the message unscanned
	# and verify_exact.py counts it.
	cat >"$sdir/bin/rspamd-scan" <<EOF
#!/bin/sh
# generated by bench/run.sh: stdin a message, \$1 its envelope sender
set -e
tmp=\$(mktemp)
trap 'rm -f "\$tmp"' EXIT
cat >"\$tmp"
ip=\$(sed -n -e '/^\r\?\$/q' -e '/^Received:.*\[[0-9.]*\]/{/\[127\./b;s/.*\[\([0-9.]*\)\].*/\1/p;q}' "\$tmp")
curl -sS --fail --max-time 30 -H 'Rcpt: dst@localhost' -H 'Deliver-To: dst@localhost' \
	\${1:+-H "From: \$1"} \${ip:+-H "IP: \$ip"} --data-binary @"\$tmp" \
	http://127.0.0.1:$RSPAMD_PORT/checkv2 >"\$tmp.json"
jq -r '
	(if (.action == "add header" or .action == "rewrite subject" or .action == "reject")
	 then ["YES", "Yes"] else ["NO", "No"] end) as \$f |
	"X-Spam-Flag: \(\$f[0])",
	"X-Spam-Score: \(.score)",
	"X-Spam-Status: \(\$f[1]), score=\(.score) required=\(.required_score) tests=\(.symbols | keys | .[:100] | join(","))"
' "\$tmp.json"
rm -f "\$tmp.json"
cat "\$tmp"
EOF
	chmod 755 "$sdir/bin/rspamd-scan"
	cat >"$sdir/rspamd.sieve" <<'EOF'
require ["vnd.dovecot.filter", "envelope", "variables"];
set "from" "";
if envelope :matches "from" "*" { set "from" "${1}"; }
filter "rspamd-scan" ["${from}"];
EOF
	# compiled at the first delivery (sievec would need the fields too)
	chown -R "$MAIL_USER:" "$sdir"
	SPAM_PEER_FIELDS=("userdb_sieve_plugins=sieve_extprograms"
		"userdb_sieve_global_extensions=+vnd.dovecot.filter"
		"userdb_sieve_filter_bin_dir=$sdir/bin" "userdb_sieve_before=$sdir/rspamd.sieve")
}

write_peer_configs
for id in $CASES; do
	if [[ " $SPAM_CASES " == *" $id "* ]]; then
		spam_setup
		break
	fi
done
read -r -a order <<<"$CASES"
echo "bench: N=$N runs=$RUNS cases: ${order[*]}  seed: $SEED" >&2
echo "bench: results $RESULTS, logs $LOGS" >&2
echo "bench: plugin $PLUGIN_ID; bench from $REPO_ID; BENCH_DIR on $FS_ID" >&2
for run in $(seq 1 "$RUNS"); do
	# Odd rounds in the given order, even rounds reversed (position effects).
	ids=("${order[@]}")
	if ((run % 2 == 0)); then
		ids=()
		for ((i = ${#order[@]} - 1; i >= 0; i--)); do ids+=("${order[i]}"); done
	fi
	for id in "${ids[@]}"; do
		run_case "$id" "$run"
	done
done
[[ -n ${KEEP_DST:-} ]] || reset_dst     # KEEP_DST=1: leave the last contender's mail

python3 "$HERE/report.py" "$RESULTS" | tee "${RESULTS%.jsonl}.md"
echo "results: $RESULTS (table: ${RESULTS%.jsonl}.md)" >&2
