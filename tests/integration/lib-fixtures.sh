# shellcheck shell=bash
# lib-fixtures.sh - what cases set up and look at (sourced by lib.sh):
# remote and local users, accounts, messages, the fake POP3 server, and
# the contents of mailboxes and state directories.

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
	login_lines "$1" "$IT_WORK"/{remote,untrusted,plain}/log/dovecot.log
}

# login_lines USER LOG...: the login lines of USER in the Dovecot logs
# (2.3 "Login: user=<U>,", 2.4 "Logged in: user=<U>,").
login_lines() {
	local user=$1
	shift
	grep -hF -e "Login: user=<$user>," -e "Logged in: user=<$user>," "$@" || true
}

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

# make_big_msg NAME SUBJECT MIB: a message of MIB MiB of random bytes
# (seeded: the same each run) as a base64 attachment, 76-column lines
# (about 1.35 times MIB MiB); prints its path.
make_big_msg() {
	local f=$IT_WORK/msgs/$1
	python3 - "$f" "$1" "$2" "$3" <<'PY'
import base64, random, sys
path, name, subject, mib = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rnd = random.Random(mib)
with open(path, "wb") as f:
    f.write(("From: Sender <sender@example.org>\nTo: rcpt@example.org\n"
             "Subject: %s\nDate: Mon, 1 Jan 2024 12:00:00 +0000\n"
             "Message-ID: <%s@retrieve-it>\nMIME-Version: 1.0\n"
             "Content-Type: application/octet-stream\n"
             "Content-Transfer-Encoding: base64\n\n"
             % (subject, name)).encode())
    f.write(base64.encodebytes(rnd.randbytes(mib * 1024 * 1024)))
PY
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

# fake_pop3_start NAME SCRIPT MSGFILE...: the scripted server for faults a
# real one does not produce (see fake-pop3.py for SCRIPT), with STLS.
# Sets FAKE_PORT and FAKE_PASSWORD (a fresh one); messages stay on it until
# DELE + QUIT. fake_count NAME tells how many it still holds.
fake_pop3_start() {
	local name=$1 script=$2
	shift 2
	fake_start "$name" fake-pop3.py "Pw-Zq8v-fake-$name-$RANDOM$RANDOM" \
		--script "$script" "$@"
}

# fake_start NAME PROGRAM PASSWORD [ARG...]: one of the scripted fake
# servers (PROGRAM in this directory) with the test certificate, its
# files fake/NAME.* (log, port, state; its pid, so world_teardown stops
# it). Sets FAKE_PORT, and FAKE_PASSWORD, the one it accepts.
fake_start() {
	local name=$1 prog=$2 dir=$IT_WORK/fake
	FAKE_PASSWORD=$3
	shift 3
	rm -f "$dir/$name".{port,stalled,release,reload,expunged}
	note_password "$FAKE_PASSWORD"
	FAKE_POP3_PASSWORD=$FAKE_PASSWORD FAKE_IMAP_PASSWORD=$FAKE_PASSWORD \
		python3 "$IT_DIR/$prog" --name "$name" --dir "$dir" \
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

# status_files USER: the user's status files (*.status: an empty run's
# status), one a line.
status_files() {
	find "$IT_WORK/local-home/$1/.dovecot-retrieve" -name '*.status' 2>/dev/null
}

# fake_log NAME: the fake server's log so far.
fake_log() { cat "$IT_WORK/fake/$1.log" 2>/dev/null; }
