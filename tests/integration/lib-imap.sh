# shellcheck shell=bash
# lib-imap.sh - IMAP helpers of the integration suite (sourced by lib.sh).
#
# "imapremote" is one more real Dovecot, started at the first IMAP case and
# shared by the later ones: IMAP (STARTTLS) and IMAPS, hierarchy separator
# '.', special-use folders Sent, Drafts, Junk, Trash, Archive. Like every
# instance it is started by instance_start, so world_teardown stops it.
# Its paths (IMAPR_DIR, IMAPR_CONF, LOCAL_IMAP_*) are set by world_env.
#
# The local side of IMAP cases uses $LOCAL_IMAP_CONF: separator '/' (so the
# two sides differ) and its own special-use names: "Sent Items" (\Sent),
# Drafts, Spam (\Junk), Deleted (\Trash), Archive.

imapr_write_configs() {
	local ports
	ports=$(free_ports 2) || fail "harness: no ports"
	read -r IMAPR_PORT IMAPRS_PORT <<<"$ports"
	echo "IMAPR_PORT=$IMAPR_PORT IMAPRS_PORT=$IMAPRS_PORT" >"$IMAPR_DIR/env.sh"
	{
		remote_conf_common imapremote yes server
		cat <<CONF
protocols = imap
# every IMAP command the remote finished, with its arguments (batching,
# EXAMINE vs SELECT, UID EXPUNGE): "Command finished: UID FETCH 1:100 ..."
log_debug = event=imap_command_finished
namespace inbox {
  inbox = yes
  separator = .
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Archive {
    special_use = \\Archive
  }
}
CONF
		echo "service imap-login {"
		listener_block imap-login imap "$IMAPR_PORT"
		listener_block imap-login imaps "$IMAPRS_PORT" ssl
		echo "}"
		echo "service pop3-login {"
		echo "}"
	} >"$IMAPR_CONF"
	cat >"$LOCAL_IMAP_BASE_CONF" <<CONF
!include $LOCAL_BASE_CONF
namespace inbox {
  inbox = yes
  separator = /
  mailbox "Sent Items" {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Spam {
    special_use = \\Junk
  }
  mailbox Deleted {
    special_use = \\Trash
  }
  mailbox Archive {
    special_use = \\Archive
  }
}
CONF
	cat >"$LOCAL_IMAP_CONF" <<CONF
!include $LOCAL_IMAP_BASE_CONF
mail_plugins = \$mail_plugins $LOCAL_MAIL_PLUGINS
CONF
}

# imapr_start: start the IMAP remote unless it runs already.
imapr_start() {
	if instance_running imapremote; then
		# shellcheck disable=SC1091
		source "$IMAPR_DIR/env.sh"
		return 0
	fi
	instance_dirs imapremote
	imapr_write_configs
	conf_check "$IMAPR_CONF"
	conf_check "$LOCAL_IMAP_CONF"
	instance_start imapremote "$IMAPR_CONF" "$IMAPR_PORT" "$IMAPRS_PORT"
}

# imapr_acct KEY USER [imap|imaps]: userdb fields of an account on it.
imapr_acct() {
	local port=$IMAPR_PORT
	[[ ${3:-imap} == imaps ]] && port=$IMAPRS_PORT
	echo "$1=${3:-imap}://$2@127.0.0.1:$port $1_password=$(remote_password "$2")"
}

# imapr_py USER: run python code from stdin with M, an imaplib.IMAP4
# logged in as USER on the IMAP remote (plaintext on loopback), and
# msg(name, subject), an RFC 5322 message like make_msg's.
imapr_py() {
	local code
	code=$(cat)
	python3 - "$IMAPR_PORT" "$1" "$(remote_password "$1")" "$code" <<'PY'
import imaplib, sys, time
port, user, pw, code = sys.argv[1:5]
M = imaplib.IMAP4("127.0.0.1", int(port))
M.login(user, pw)
def msg(name, subject, body=None):
    return ("From: Sender <sender@example.org>\r\nTo: rcpt@example.org\r\n"
            "Subject: %s\r\nDate: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
            "Message-ID: <%s@retrieve-it>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n%s\r\n"
            % (subject, name, body or "Body of %s." % name)).encode()
def append(box, name, subject, flags="", date="01-Feb-2023 10:20:30 +0100"):
    typ, data = M.append(box, flags and "(%s)" % flags or None, '"%s"' % date,
                         msg(name, subject))
    if typ != "OK":
        raise SystemExit("APPEND %s failed: %s" % (box, data))
exec(code)
M.logout()
PY
}

# imapr_dump CONF USER FOLDER: "message-id<TAB>flags<TAB>internaldate" of
# every message, sorted (\Recent left out).
imap_dump() {
	doveadm -c "$1" -f tab fetch -u "$2" "hdr.message-id flags date.received" \
		mailbox "$3" all 2>/dev/null | tail -n +2 |
		sed 's/\\Recent//; s/  */ /g; s/\t /\t/; s/ \t/\t/' | sort
}
imapr_dump() { imap_dump "$IMAPR_CONF" "$@"; }
local_imap_dump() { imap_dump "$LOCAL_IMAP_BASE_CONF" "$@"; }

local_imap_count() { mailbox_count "$LOCAL_IMAP_BASE_CONF" "$1" "$2"; }
imapr_count() { mailbox_count "$IMAPR_CONF" "$1" "$2"; }
local_imap_folders() {
	doveadm -c "$LOCAL_IMAP_BASE_CONF" mailbox list -u "$1" 2>/dev/null | sort
}

# imap_retrieve_run USER [ARGS]: retrieve_run with the IMAP local config.
imap_retrieve_run() {
	RUN_CONF=$LOCAL_IMAP_CONF retrieve_run "$@"
}

# folder_field ACCOUNT FOLDER COLUMN: a per-folder row of the last run.
folder_field() {
	awk -F'\t' -v acct="$1" -v folder="$2" -v col="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$idx["account"] == acct && $idx["folder"] == folder { print $idx[col]; found = 1; exit }
		END { if (!found) exit 1 }' "$RUN_OUT"
}

# imapr_assert_login USER ERE: USER logged in to the IMAP remote with a
# login line matching ERE (e.g. ", TLS"); the harness's own seeding logs
# in without TLS, so not every line has to.
imapr_assert_login() {
	login_lines "$1" "$IMAPR_DIR/log/dovecot.log" | grep -E -- "$2" >/dev/null ||
		fail "no IMAP remote login of $1 matching /$2/"
}

# imapr_seed_maildir USER FOLDER COUNT PREFIX [BODY_BYTES]: COUNT messages
# straight into the remote folder's Maildir/new (fast: thousands in a
# second; the remote indexes them when the folder is next opened).
# Message-IDs are <PREFIX-N@retrieve-it>, N = 1..COUNT; the folder (a
# remote name with '.' separators, INBOX for the inbox) must exist unless
# it is INBOX.
imapr_seed_maildir() {
	local user=$1 folder=$2 dir=$IT_WORK/remote-home/$1/Maildir
	[[ $folder != INBOX ]] && dir=$dir/.$folder
	python3 - "$dir" "$3" "$4" "${5:-0}" <<'PY' || fail "harness: seeding $user/$folder failed"
import os, sys, time
d, count, prefix, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for sub in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
now = int(time.time())
filler = ("x" * 75 + "\n") * (body // 76)
for i in range(1, count + 1):
    name = "%d.M%dP%d.seed" % (now, i, os.getpid())
    data = ("From: Sender <sender@example.org>\nTo: rcpt@example.org\n"
            "Subject: %s %d\nDate: Mon, 1 Jan 2024 12:00:00 +0000\n"
            "Message-ID: <%s-%d@retrieve-it>\n\nBody of %s %d.\n%s"
            % (prefix, i, prefix, i, prefix, i, filler))
    with open(os.path.join(d, "tmp", name), "w") as f:
        f.write(data)
    os.rename(os.path.join(d, "tmp", name), os.path.join(d, "new", name))
PY
	chown -R "$MAIL_USER:" "$IT_WORK/remote-home/$user/Maildir"
}

# imapr_log_mark / imapr_log_since: the IMAP remote's log from the mark.
imapr_log_mark() { IMAPR_LOG_MARK=$(stat -c %s "$IMAPR_DIR/log/dovecot.log"); }
imapr_log_since() { tail -c +"$((${IMAPR_LOG_MARK:-0} + 1))" "$IMAPR_DIR/log/dovecot.log"; }

# imapr_commands USER: the IMAP commands USER's sessions finished on the
# remote since imapr_log_mark, one a line ("UID FETCH 1:100 (...)").
imapr_commands() {
	imapr_log_since | grep -F "imap($1)" | sed -n 's/.*Command finished: //p'
}

# local_msgid_dups USER: Message-IDs found more than once in USER's local
# message files, one a line ("COUNT MESSAGE-ID").
local_msgid_dups() {
	local_msgid_counts "$1" | awk '$1 > 1'
}

# imapr2_start: a second Dovecot serving the same remote users and mail
# that does not advertise UIDPLUS (imap_capability override). Sets
# IMAPR2_PORT. Its imaps listener gets port 0 (deleting it would bring
# back Dovecot's default, 993, which parallel runs fight over).
imapr2_start() {
	local conf=$ETC/imapremote2.conf
	imapr_start
	if instance_running imapremote2; then
		# shellcheck disable=SC1091
		source "$IMAPR2_DIR/env.sh"
		return 0
	fi
	instance_dirs imapremote2
	IMAPR2_PORT=$(free_ports 1) || fail "harness: no ports"
	echo "IMAPR2_PORT=$IMAPR2_PORT" >"$IMAPR2_DIR/env.sh"
	sed -e "s|^instance_name = .*|instance_name = retrieve-it-imapremote2|" \
		-e "s|$IMAPR_DIR/|$IMAPR2_DIR/|g" \
		-e "/inet_listener imaps/,/^  }/s|port = .*|port = 0|" \
		-e "s|port = $IMAPR_PORT\$|port = $IMAPR2_PORT|" \
		"$IMAPR_CONF" >"$conf"
	cat >>"$conf" <<'CONF'
protocol imap {
  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE LIST-EXTENDED SPECIAL-USE
}
CONF
	conf_check "$conf"
	instance_start imapremote2 "$conf" "$IMAPR2_PORT"
}

# imapr2_acct KEY USER: userdb fields of an account on imapremote2
# (imap://, STARTTLS).
imapr2_acct() {
	echo "$1=imap://$2@127.0.0.1:$IMAPR2_PORT $1_password=$(remote_password "$2")"
}

# ------------------------------------------------------- fake IMAP server

# fake_imap_start NAME SCRIPT MSGFILE...: the scripted IMAP server (see
# fake-imap.py for SCRIPT), with STARTTLS. Sets FAKE_PORT and
# FAKE_PASSWORD (a fresh one, or $FAKE_IMAP_PW when set); fake_count NAME
# tells how many messages it still holds. Extra options of fake-imap.py
# go in FAKE_IMAP_OPTS.
fake_imap_start() {
	local name=$1 script=$2
	shift 2
	# shellcheck disable=SC2086
	fake_start "$name" fake-imap.py \
		"${FAKE_IMAP_PW:-Pw-Zq8v-fakeimap-$name-$RANDOM$RANDOM}" \
		--script "$script" ${FAKE_IMAP_OPTS:-} "$@"
}

# fake_imap_acct KEY [FIELD=VALUE...]: userdb fields of an account on the
# last started fake IMAP server (imap://, so STARTTLS).
fake_imap_acct() {
	local key=$1
	shift
	echo "$key=imap://fakeuser@127.0.0.1:$FAKE_PORT ${key}_password=$FAKE_PASSWORD $*"
}

# assert_no_secret FILE...: none of the files holds the fake's password
# or its base64 forms (SASL PLAIN with and without authzid).
assert_no_secret() {
	local hit
	hit=$(python3 - "$FAKE_PASSWORD" "$@" <<'PY'
import base64, sys
pw = sys.argv[1].encode()
forms = [pw, base64.b64encode(pw), base64.b64encode(b"\0fakeuser\0" + pw),
         base64.b64encode(b"fakeuser\0fakeuser\0" + pw)]
for path in sys.argv[2:]:
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    for f in forms:
        if f in data:
            print(path)
            break
PY
)
	[[ -z $hit ]] || fail "the password (or a base64 form) appears in: $hit"
}

# imap_hostile_msgs PREFIX [BIG_KB]: three messages for the fake IMAP server
# (the second of BIG_KB KiB, 200 by default, so spooled by imapc), each
# ending in "END-OF-<name>"; their files in HOSTILE_FILES, names in
# HOSTILE_NAMES.
imap_hostile_msgs() {
	local p=$1 kb=${2:-200} f
	HOSTILE_NAMES=("$p-1" "$p-2" "$p-3")
	HOSTILE_FILES=()
	for f in "${HOSTILE_NAMES[@]}"; do
		HOSTILE_FILES+=("$(make_msg "$f" "Hostile $f" "Body of $f.")")
	done
	python3 - "${HOSTILE_FILES[1]}" "$kb" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.write("big filler line of 31 bytes...\n" * (int(sys.argv[2]) * 1024 // 31))
PY
	for f in "${!HOSTILE_NAMES[@]}"; do
		echo "END-OF-${HOSTILE_NAMES[$f]}" >>"${HOSTILE_FILES[$f]}"
	done
}

# assert_nothing_lost FAKE USER WHAT: every hostile message is still on
# the fake server or delivered locally; every local copy is complete
# (has its END marker); at most one copy of each.
assert_nothing_lost() {
	local fake=$1 user=$2 what=$3 n copies ends
	for n in "${HOSTILE_NAMES[@]}"; do
		copies=$(local_find_all "$user" "Message-ID: <$n@retrieve-it>" | grep -c .)
		ends=$(local_find_all "$user" "END-OF-$n" | grep -c .)
		[[ $copies == "$ends" ]] || fail "$what: $n delivered truncated ($copies copies, $ends complete)"
		((copies <= 1)) || fail "$what: $n delivered $copies times"
		if ((copies == 0)) && ! grep -qx "$n" "$IT_WORK/fake/$fake.state"; then
			fail "$what: $n lost (neither delivered nor on the server)"
		fi
	done
}

# assert_all_once USER FAKE: every hostile message delivered once, none
# left on the fake server.
assert_all_once() {
	local n
	for n in "${HOSTILE_NAMES[@]}"; do
		assert_message_once "$1" INBOX "$n"
	done
	assert_eq 0 "$(fake_count "$2")" "messages left on $2"
}

# imap_hostile_scenario NAME MODE RESULT_ERE [FIELD=VALUE...]: one fault of
# the fake IMAP server (MODE on the first connection, well-behaved after):
# the first run ends with a result matching RESULT_ERE within
# HOSTILE_MAX_SECS (30), logs at most one error line, loses nothing and
# delivers nothing truncated; a second run recovers every message, once.
imap_hostile_scenario() {
	local name=$1 mode=$2 want=$3 start elapsed errors got
	shift 3
	imap_hostile_msgs "$name"
	fake_imap_start "$name" "$mode,normal" "${HOSTILE_FILES[@]}"
	local_user "$name-dst" $(fake_imap_acct retrieve retrieve_keep=no "$@")
	start=$(date +%s)
	retrieve_run "$name-dst"
	elapsed=$(($(date +%s) - start))
	((elapsed <= ${HOSTILE_MAX_SECS:-30})) ||
		fail "$mode: the run took ${elapsed}s"
	got=$(run_field retrieve result)
	[[ $got =~ ^($want)$ ]] ||
		fail "$mode: result '$got', expected /$want/ (error: $(run_field retrieve error))"
	errors=$(grep -c "Error:" "$RUN_ERR")
	((errors <= 1)) || fail "$mode: $errors error lines"
	assert_nothing_lost "$name" "$name-dst" "$mode"
	retrieve_run "$name-dst"
	assert_result retrieve ok
	assert_all_once "$name-dst" "$name"
	echo "scenario $mode: $got in ${elapsed}s, nothing lost, recovered" >&2
}

# retrieve_run_rss USER [ARGS]: retrieve_run, also measuring the peak RSS
# of doveadm (KiB, in RUN_RSS).
retrieve_run_rss() {
	local user=$1 rss_file
	shift
	require_plugin
	RUN_SEQ=$((RUN_SEQ + 1))
	RUN_OUT=$CASE_OUT/run-$RUN_SEQ.out
	RUN_ERR=$CASE_OUT/run-$RUN_SEQ.err
	rss_file=$CASE_OUT/run-$RUN_SEQ.rss
	RUN_CMD="doveadm -c $(basename "${RUN_CONF:-$LOCAL_CONF}") retrieve run -u $user"
	RUN_RC=0
	conf_for_version "${RUN_CONF:-$LOCAL_CONF}"
	(timeout "$RUN_TIMEOUT" /usr/bin/time -f %M -o "$rss_file" \
		doveadm -c "${RUN_CONF:-$LOCAL_CONF}" -f tab retrieve run -u "$user" "$@" \
		>"$RUN_OUT" 2>"$RUN_ERR"; exit $?) 2>/dev/null || RUN_RC=$?
	[[ $RUN_RC == 124 ]] && fail "'$RUN_CMD' did not finish in ${RUN_TIMEOUT}s"
	check_run_log
	RUN_RSS=$(tail -1 "$rss_file")
}
