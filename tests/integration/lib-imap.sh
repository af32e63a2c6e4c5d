# shellcheck shell=bash
# lib-imap.sh - IMAP helpers of the integration suite; sourced by the
# t-4X-imap-*.sh cases after lib.sh (and after case_begin).
#
# "imapremote" is one more real Dovecot, started at the first IMAP case and
# shared by the later ones: IMAP (STARTTLS) and IMAPS, hierarchy separator
# '.', special-use folders Sent, Drafts, Junk, Trash, Archive. Its master
# pid is registered among the fake servers, so world_teardown stops it.
#
# The local side of IMAP cases uses $LOCAL_IMAP_CONF: separator '/' (so the
# two sides differ) and its own special-use names: "Sent Items" (\Sent),
# Drafts, Spam (\Junk), Deleted (\Trash), Archive.

IMAPR_DIR=$IT_WORK/imapremote
IMAPR_CONF=$ETC/imapremote.conf
LOCAL_IMAP_BASE_CONF=$ETC/local-imap-base.conf
LOCAL_IMAP_CONF=$ETC/local-imap.conf

imapr_running() {
	[[ -s $IMAPR_DIR/run/master.pid ]] && kill -0 "$(cat "$IMAPR_DIR/run/master.pid")" 2>/dev/null
}

imapr_write_configs() {
	local ports
	ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))') || fail "harness: no ports"
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
	local i
	if imapr_running; then
		# shellcheck disable=SC1091
		source "$IMAPR_DIR/env.sh"
		return 0
	fi
	mkdir -p "$IMAPR_DIR"/{run,state,log}
	touch "$IMAPR_DIR/log/dovecot.log"
	chmod 666 "$IMAPR_DIR/log/dovecot.log"
	imapr_write_configs
	doveconf -c "$IMAPR_CONF" -n >/dev/null 2>"$IMAPR_DIR/doveconf.err" ||
		fail "harness: bad $IMAPR_CONF: $(cat "$IMAPR_DIR/doveconf.err")"
	doveconf -c "$LOCAL_IMAP_CONF" -n >/dev/null 2>"$IMAPR_DIR/doveconf.err" ||
		fail "harness: bad $LOCAL_IMAP_CONF: $(cat "$IMAPR_DIR/doveconf.err")"
	dovecot -c "$IMAPR_CONF" 2>>"$IMAPR_DIR/log/dovecot.log" ||
		fail "harness: imapremote failed to start"
	for i in $(seq 100); do
		imapr_running && break
		sleep 0.1
	done
	imapr_running || fail "harness: imapremote did not come up"
	cp "$IMAPR_DIR/run/master.pid" "$IT_WORK/fake/imapremote.pid"
	wait_port "$IMAPR_PORT" && wait_port "$IMAPRS_PORT" ||
		fail "harness: imapremote does not listen"
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
	grep -F "Login: user=<$1>," "$IMAPR_DIR/log/dovecot.log" | grep -qE -- "$2" ||
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
# IMAPR2_PORT.
IMAPR2_DIR=$IT_WORK/imapremote2
imapr2_start() {
	local i conf=$ETC/imapremote2.conf
	imapr_start
	if [[ -s $IMAPR2_DIR/run/master.pid ]] &&
		kill -0 "$(cat "$IMAPR2_DIR/run/master.pid")" 2>/dev/null; then
		# shellcheck disable=SC1091
		source "$IMAPR2_DIR/env.sh"
		return 0
	fi
	mkdir -p "$IMAPR2_DIR"/{run,state,log}
	touch "$IMAPR2_DIR/log/dovecot.log"
	chmod 666 "$IMAPR2_DIR/log/dovecot.log"
	IMAPR2_PORT=$(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	echo "IMAPR2_PORT=$IMAPR2_PORT" >"$IMAPR2_DIR/env.sh"
	sed -e "s|^instance_name = .*|instance_name = retrieve-it-imapremote2|" \
		-e "s|$IMAPR_DIR/|$IMAPR2_DIR/|g" \
		-e "s|port = $IMAPRS_PORT\$|port = 0|" \
		-e "s|port = $IMAPR_PORT\$|port = $IMAPR2_PORT|" \
		"$IMAPR_CONF" >"$conf"
	cat >>"$conf" <<'CONF'
protocol imap {
  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE LIST-EXTENDED SPECIAL-USE
}
CONF
	doveconf -c "$conf" -n >/dev/null 2>"$IMAPR2_DIR/doveconf.err" ||
		fail "harness: bad $conf: $(cat "$IMAPR2_DIR/doveconf.err")"
	dovecot -c "$conf" 2>>"$IMAPR2_DIR/log/dovecot.log" ||
		fail "harness: imapremote2 failed to start"
	for i in $(seq 100); do
		[[ -s $IMAPR2_DIR/run/master.pid ]] && break
		sleep 0.1
	done
	cp "$IMAPR2_DIR/run/master.pid" "$IT_WORK/fake/imapremote2.pid"
	wait_port "$IMAPR2_PORT" || fail "harness: imapremote2 does not listen"
}

# imapr2_acct KEY USER: userdb fields of an account on imapremote2
# (imap://, STARTTLS).
imapr2_acct() {
	echo "$1=imap://$2@127.0.0.1:$IMAPR2_PORT $1_password=$(remote_password "$2")"
}
