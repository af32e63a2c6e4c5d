# shellcheck shell=bash
# lib-folders.sh - helpers of the IMAP folder-name cases (t-80..t-84);
# sourced by lib.sh.

# fake_imap_folders_start NAME PREFIX: the minimal IMAP server of hostile
# folder names (fake-imap-folders.py), IMAPS; Message-IDs
# <PREFIX-N@retrieve-it>. Sets FAKE_PORT and FAKE_PASSWORD.
fake_imap_folders_start() {
	fake_start "$1" fake-imap-folders.py "Pw-Fold-fake-$1-$RANDOM$RANDOM" \
		--prefix "$2"
}

# fake_folders_acct KEY: userdb fields of an account on the last started
# fake IMAP server.
fake_folders_acct() {
	echo "$1=imaps://fakeuser@127.0.0.1:$FAKE_PORT $1_password=$FAKE_PASSWORD"
}

# assert_clean_output FILE ROWS: FILE (doveadm -f tab output) has no
# control bytes but tab and newline, ROWS lines, and every line the
# header's number of fields: no remote name broke a row.
assert_clean_output() {
	local file=$1 rows=$2
	LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$file" &&
		fail "control bytes in $(basename "$file"): $(LC_ALL=C grep -naP '[\x00-\x08\x0b-\x1f\x7f]' "$file" | head -3 | cat -A)"
	assert_eq "$rows" "$(wc -l <"$file")" "lines of $(basename "$file")"
	awk -F'\t' 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$file" ||
		fail "rows of $(basename "$file") with a wrong number of fields"
}

# local_msgid_list USER: the Message-IDs of all USER's local messages, one
# a line, sorted (repeats kept).
local_msgid_list() {
	local_msg_files "$1" | xargs -r -d '\n' grep -h -i -m1 '^Message-ID:' |
		tr -d '\r' | awk '{ print $2 }' | sort
}

# folders_public_confs: local IMAP configs with one more namespace, a
# public one with prefix "Public/" ($ETC/local-imap-public.conf for runs,
# $FOLDERS_PUBLIC_BASE_CONF without the plugin, for inspection).
folders_public_confs() {
	local dir=$IT_WORK/public-ns
	FOLDERS_PUBLIC_BASE_CONF=$ETC/local-imap-public-base.conf
	FOLDERS_PUBLIC_CONF=$ETC/local-imap-public.conf
	mkdir -p "$dir"
	chown "$MAIL_USER:" "$dir"
	cat >"$FOLDERS_PUBLIC_BASE_CONF" <<CONF
!include $LOCAL_IMAP_BASE_CONF
namespace public {
  type = public
  separator = /
  prefix = Public/
  location = maildir:$dir:INDEX=~/public-index
  list = yes
  subscriptions = no
}
CONF
	cat >"$FOLDERS_PUBLIC_CONF" <<CONF
!include $FOLDERS_PUBLIC_BASE_CONF
mail_plugins = \$mail_plugins $LOCAL_MAIL_PLUGINS
CONF
	conf_check "$FOLDERS_PUBLIC_CONF"
}

# imapr_prefix_start: one more Dovecot serving the IMAP remote's users and
# mail (STARTTLS only) with the personal namespace prefix "INBOX." and
# separator '.', as Courier names folders: INBOX, INBOX.Work, INBOX.Sent,
# and a public namespace "Public." holding Public.News (one message,
# <i82-public@retrieve-it>). Sets IMAPRP_PORT.
imapr_prefix_start() {
	local conf=$ETC/imapremote-prefix.conf
	imapr_start
	if instance_running imapremote-prefix; then
		# shellcheck disable=SC1091
		source "$IMAPRP_DIR/env.sh"
		return 0
	fi
	instance_dirs imapremote-prefix
	IMAPRP_PORT=$(free_ports 1) || fail "harness: no ports"
	echo "IMAPRP_PORT=$IMAPRP_PORT" >"$IMAPRP_DIR/env.sh"
	sed -e "s|^instance_name = .*|instance_name = retrieve-it-imapremote-prefix|" \
		-e "s|$IMAPR_DIR/|$IMAPRP_DIR/|g" \
		-e "/inet_listener imaps/,/^  }/s/port = .*/port = 0/" \
		-e "s|port = $IMAPR_PORT\$|port = $IMAPRP_PORT|" \
		-e "s|^  inbox = yes\$|  inbox = yes\n  prefix = INBOX.|" \
		"$IMAPR_CONF" >"$conf"
	grep -q '^  prefix = INBOX\.$' "$conf" || fail "harness: no prefix in $conf"
	# and a public namespace, which NAMESPACE lists as shared: its
	# folders are never the account's mail
	mkdir -p "$IMAPRP_DIR/public/.News"/{new,cur,tmp}
	cp "$(make_msg i82-public "public news")" "$IMAPRP_DIR/public/.News/new/1.M1P1.public"
	chown -R "$MAIL_USER:" "$IMAPRP_DIR/public"
	cat >>"$conf" <<CONF
namespace public {
  type = public
  separator = .
  prefix = Public.
  location = maildir:$IMAPRP_DIR/public:INDEX=~/public-index
  list = yes
  subscriptions = no
}
CONF
	conf_check "$conf"
	instance_start imapremote-prefix "$conf" "$IMAPRP_PORT"
}

# imapr_prefix_acct KEY USER: userdb fields of an account on
# imapremote-prefix (imap://, STARTTLS).
imapr_prefix_acct() {
	echo "$1=imap://$2@127.0.0.1:$IMAPRP_PORT $1_password=$(remote_password "$2")"
}
