#!/bin/sh
# smoke-2.4.sh: the first proof on Dovecot 2.4 until the suite runs there.
# Builds the core, the mail and the doveadm plugin and the settings
# module against 2.4 (tools/build-2.4.sh), installs them under
# build-2.4/smoke/inst and, in the chroot, starts a private Dovecot 2.4
# (POP3 on 127.0.0.1:$PORT, base_dir in build-2.4/smoke/run, stopped on
# exit). Its dovecot.conf sets the administrator's typed retrieve_*
# settings (allowing 127.0.0.1 and plaintext); its passwd-file gives the
# users 2.3-style flat retrieve fields: u1 and u2 retrieve bob's mail
# over POP3 from the same Dovecot. "doveadm mailbox list" must load the
# plugin, read one valid and one malformed account, and refuse the
# administrator-only retrieve_state_dir from userdb; "doveadm retrieve
# list" must hide the password; "doveadm retrieve run" must deliver
# bob's message into u1's INBOX, and into u2's although u2's userdb
# says retrieve_allow_plaintext=no (only the administrator's value
# applies). The named account list, the 2.4 way: dovecot.conf declares
# retrieve_account conf (carol's mailbox, into Conf) for every user;
# u3's userdb lists its own retrieve_account work (bob's, into Work),
# u4's a named account retrieve2 that replaces its flat retrieve2;
# retrieve_account broken (a %{...} that can't expand) must be one
# malformed account of u1 naming the cause. The OAuth2 provider
# retrieve_oauth2 example in dovecot.conf makes u5's flat and named
# auth=oauth2 accounts parse (listed, never run: no token endpoint), and
# u5's userdb cannot change the provider's token URL. u6 is the upgrade:
# a flat account retrieves, then moves into the named list (userdb
# rewritten, auth reloaded) and keeps its state: nothing twice. -a
# selects u3's work by name; -a 0 selects no named account.
# The shipped conf snippets (90-retrieve.conf, 95-retrieve-service.conf
# as "make install" puts them into the docdir) must load with 2.4's
# doveconf -n, as shipped and with every example setting uncommented.
# The service: a second private Dovecot 2.4 includes the installed
# 95-retrieve-service.conf; with no doveadm run, its scheduler and
# workers must retrieve s1's named account (dave's mailbox, keep=yes,
# interval 2s) on their own, and a message added to dave's mailbox
# afterwards on the account's next interval; "doveadm retrieve status"
# must show those runs. s3's account is POP3S from the same Dovecot
# (a CA of the smoke's own, verified). s2, added to the userdb after the scan with an
# hourly account, is retrieved at its IMAP login (doveadm exec imap: the
# mail plugin's notice to the scheduler). First with the snippet's root workers (the fork
# server: the run in a child of a root worker, as the user), then
# restarted with the workers as the users' uid (the unprivileged mode,
# auth-userdb opened to it) for a third message.
# RETRIEVE_SMOKE_VALGRIND=1 runs u2's and u3's retrievals, u5's list and
# the service's processes under valgrind.
# Prints "smoke-2.4: ok" or fails.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${RETRIEVE_SMOKE_IN_CHROOT:-}" ]; then
	tools/build-2.4.sh >/dev/null
	tools/build-2.4.sh -C src/plugins >/dev/null
	tools/build-2.4.sh -C src/doveadm >/dev/null
	tools/build-2.4.sh -C src/settings >/dev/null
	tools/build-2.4.sh -C src/service >/dev/null
	exec tools/in-2.4.sh env RETRIEVE_SMOKE_IN_CHROOT=1 \
		RETRIEVE_SMOKE_VALGRIND="${RETRIEVE_SMOKE_VALGRIND:-}" \
		sh tools/smoke-2.4.sh
fi

S=$(pwd)/build-2.4/smoke
PORT=${RETRIEVE_SMOKE_PORT:-24110}
rm -rf "$S"
mkdir -p "$S/home/u1" "$S/home/u2" "$S/home/u3" "$S/home/u4" \
	"$S/home/u5" "$S/home/u6" "$S/run"
# bob's one message, on the remote side
mkdir -p "$S/home/bob/Maildir/new" "$S/home/bob/Maildir/cur" \
	"$S/home/bob/Maildir/tmp"
printf 'From: alice@example.com\r\nTo: bob@example.com\r\nSubject: smoke-2.4 message\r\nMessage-ID: <smoke24@example.com>\r\n\r\nHello from 2.4.\r\n' \
	>"$S/home/bob/Maildir/new/1700000000.M1P1.smoke"
# carol's, for the account declared in dovecot.conf
mkdir -p "$S/home/carol/Maildir/new" "$S/home/carol/Maildir/cur" \
	"$S/home/carol/Maildir/tmp"
printf 'From: alice@example.com\r\nTo: carol@example.com\r\nSubject: smoke-2.4 conf message\r\nMessage-ID: <smoke24c@example.com>\r\n\r\nHello from dovecot.conf.\r\n' \
	>"$S/home/carol/Maildir/new/1700000000.M2P1.smoke"
# the user's uid must reach its home
chmod -R 1777 "$S/home"
make -s -C build-2.4/src/src/lib-retrieve install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/plugins install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/doveadm install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/settings install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/service install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/doc install DESTDIR="$S/inst" >/dev/null 2>&1
# doveadm loads its plugins from its own module directory only: our
# install laid over it, in in-2.4.sh's private mount namespace
mount -t overlay overlay \
	-o lowerdir="$S/inst/usr/lib/dovecot:/usr/lib/dovecot" /usr/lib/dovecot
# The shipped snippets as installed, with 2.4's doveconf (an unknown key
# is fatal there): as shipped, and with every example uncommented ('#'
# then no space, or two spaces inside a block; prose is '# ').
DOC=$S/inst/usr/local/share/doc/dovecot-retrieve
mkdir -p "$S/conf-check"
for f in 90-retrieve.conf 95-retrieve-service.conf; do
	[ -f "$DOC/$f" ] || { echo "smoke-2.4: make install put no $DOC/$f" >&2; exit 1; }
	sed -E 's/^#(\S|  )/\1/' "$DOC/$f" >"$S/conf-check/all-$f"
	for snippet in "$DOC/$f" "$S/conf-check/all-$f"; do
		cat >"$S/conf-check/dovecot.conf" <<EOC
dovecot_config_version = 2.4.1
dovecot_storage_version = 2.4.1
base_dir = $S/run
!include $snippet
EOC
		doveconf -n -c "$S/conf-check/dovecot.conf" \
			>"$S/conf-check/out" 2>&1 || {
			echo "smoke-2.4: doveconf -n refused $snippet:" >&2
			cat "$S/conf-check/out" >&2
			exit 1
		}
	done
done
# the 2.4 ones, not 2.3's plugin {}
if grep -q "plugin {\|^  *user = \$default_internal_user" "$DOC/90-retrieve.conf" \
	"$DOC/95-retrieve-service.conf"; then
	echo "smoke-2.4: make install put the 2.3 snippets into $DOC" >&2
	exit 1
fi
# conf_head DIR PORT, conf_users DIR: what both private Dovecots'
# dovecot.conf files start and end with (POP3 on 127.0.0.1:PORT, the
# users in DIR/users, their homes in DIR/home)
conf_head() {
	cat <<EOC
dovecot_config_version = 2.4.1
dovecot_storage_version = 2.4.1
base_dir = $1/run
state_dir = $1/run
log_path = $1/dovecot.log
listen = 127.0.0.1
protocols {
  pop3 = yes
}
ssl = no
auth_allow_cleartext = yes
service pop3-login {
  inet_listener pop3 {
    port = $2
  }
}
# the administrator's typed settings (the settings module)
retrieve_allow_networks = 127.0.0.1/32
retrieve_allow_plaintext = yes
EOC
}
conf_users() {
	cat <<EOC
mail_driver = maildir
mail_path = $1/home/%{user}/Maildir
mail_home = $1/home/%{user}
mail_plugins {
  retrieve = yes
}
passdb passwd-file {
  passwd_file_path = $1/users
}
userdb passwd-file {
  passwd_file_path = $1/users
}
EOC
}
{
conf_head "$S" "$PORT"
cat <<EOC
# a named account of every user (its name joins retrieve_account)
retrieve_account conf {
  retrieve_account_url = pop3://carol@127.0.0.1:$PORT
  retrieve_account_password = smoke-secret
  retrieve_account_ssl = no
  retrieve_account_keep = yes
  retrieve_account_folder = Conf
}
# one that cannot be read: a malformed account of u1 and u2 (u3-u5 list
# their own accounts)
retrieve_account broken {
  retrieve_account_url = pop3://%{nosuchvariable}@127.0.0.1:$PORT
}
# an OAuth2 provider (administrator-only)
retrieve_oauth2 example {
  retrieve_oauth2_token_url = https://oauth.example.com/token
  retrieve_oauth2_client_id = smoke-client
  retrieve_oauth2_client_secret = smoke-client-secret
}
EOC
conf_users "$S"
} >"$S/dovecot.conf"
# 2.3-style flat userdb fields: the compatibility path
cat >"$S/users" <<EOU
bob:{PLAIN}smoke-secret:65534:65534::$S/home/bob::userdb_retrieve_on_login=no
u1:{PLAIN}x:65534:65534::$S/home/u1::userdb_retrieve=pop3://bob@127.0.0.1:$PORT userdb_retrieve_password=smoke-secret userdb_retrieve_ssl=no userdb_retrieve_keep=yes userdb_retrieve2=bogus://x userdb_retrieve_state_dir=/tmp/evil userdb_retrieve_on_login=no
u2:{PLAIN}x:65534:65534::$S/home/u2::userdb_retrieve=pop3://bob@127.0.0.1:$PORT userdb_retrieve_password=smoke-secret userdb_retrieve_ssl=no userdb_retrieve_keep=yes userdb_retrieve_allow_plaintext=no userdb_retrieve_on_login=no
carol:{PLAIN}smoke-secret:65534:65534::$S/home/carol::userdb_retrieve_on_login=no
u3:{PLAIN}x:65534:65534::$S/home/u3::userdb_retrieve_account=conf,work userdb_retrieve_account/work/retrieve_account_url=pop3://bob@127.0.0.1:$PORT userdb_retrieve_account/work/retrieve_account_password=smoke-secret userdb_retrieve_account/work/retrieve_account_ssl=no userdb_retrieve_account/work/retrieve_account_keep=yes userdb_retrieve_account/work/retrieve_account_folder=Work userdb_retrieve_on_login=no
u4:{PLAIN}x:65534:65534::$S/home/u4::userdb_retrieve_account=conf,retrieve2 userdb_retrieve_account/retrieve2/url=pop3://bob@127.0.0.1:$PORT userdb_retrieve_account/retrieve2/retrieve_account_password=smoke-secret userdb_retrieve_account/retrieve2/ssl=no userdb_retrieve_account/retrieve2/retrieve_account_keep=yes userdb_retrieve=pop3://bob@127.0.0.1:$PORT userdb_retrieve_password=smoke-secret userdb_retrieve_ssl=no userdb_retrieve_keep=yes userdb_retrieve_folder=Flat userdb_retrieve2=pop3://old@127.0.0.1:$PORT userdb_retrieve2_password=smoke-secret userdb_retrieve_on_login=no
u5:{PLAIN}x:65534:65534::$S/home/u5::userdb_retrieve=imaps://u5@imap.example.com userdb_retrieve_auth=oauth2 userdb_retrieve_oauth2_provider=example userdb_retrieve_oauth2_refresh_token=smoke-refresh userdb_retrieve_account=conf,o userdb_retrieve_account/o/url=imaps://u5o@imap.example.com userdb_retrieve_account/o/auth=oauth2 userdb_retrieve_account/o/oauth2_provider=example userdb_retrieve_account/o/oauth2_refresh_token=smoke-refresh userdb_retrieve_oauth2/example/retrieve_oauth2_token_url=http://evil.example userdb_retrieve_on_login=no
u6:{PLAIN}x:65534:65534::$S/home/u6::userdb_retrieve=pop3://bob@127.0.0.1:$PORT userdb_retrieve_password=smoke-secret userdb_retrieve_ssl=no userdb_retrieve_keep=yes userdb_retrieve_account= userdb_retrieve_on_login=no
EOU
dovecot -c "$S/dovecot.conf"
# RETRIEVE_SMOKE_VALGRIND=1: u2's and u3's runs and u5's list under valgrind
# (a report in out-run2, out-run3 or out-list5 fails the smoke)
VG=
if [ -n "${RETRIEVE_SMOKE_VALGRIND:-}" ]; then
	VG="valgrind -q --vgdb=no --trace-children=yes --leak-check=full --error-exitcode=1"
fi
svc_running=
smoke_stop() {
	doveadm -c "$S/dovecot.conf" stop 2>/dev/null || true
	[ -z "$svc_running" ] || doveadm -c "$S/svc/dovecot.conf" stop || true
	umount /usr/lib/dovecot
}
trap smoke_stop EXIT
# a signal (^C, a closed pipe) ends the smoke through the EXIT trap too
trap 'exit 1' INT TERM HUP PIPE
doveadm -D -c "$S/dovecot.conf" mailbox list -u u1 >"$S/out" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve list -u u1 >"$S/out-list" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve run -u u1 -a retrieve >"$S/out-run" 2>&1 || true
$VG doveadm -c "$S/dovecot.conf" retrieve run -u u2 -a retrieve >"$S/out-run2" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u1 hdr.subject mailbox INBOX all >"$S/out-fetch" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u2 hdr.subject mailbox INBOX all >"$S/out-fetch2" 2>&1 || true
# the named accounts: u3 runs all of its accounts, u4 lists its own
doveadm -c "$S/dovecot.conf" retrieve list -u u3 >"$S/out-list3" 2>&1 || true
$VG doveadm -c "$S/dovecot.conf" retrieve run -u u3 >"$S/out-run3" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u3 hdr.subject mailbox Work all >"$S/out-fetch3w" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u3 hdr.subject mailbox Conf all >"$S/out-fetch3c" 2>&1 || true
# -a selects a named account by its name, never by a number
doveadm -c "$S/dovecot.conf" retrieve status -u u3 -a work >"$S/out-status3" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve status -u u3 -a 0 >"$S/out-status3n" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve list -u u4 >"$S/out-list4" 2>&1 || true
$VG doveadm -c "$S/dovecot.conf" retrieve list -u u5 >"$S/out-list5" 2>&1 || true
# the upgrade: u6's flat account retrieves, then the administrator moves
# it into the named list; its state stays (named after the remote
# mailbox), so the second run retrieves nothing again
doveadm -c "$S/dovecot.conf" retrieve run -u u6 >"$S/out-run6a" 2>&1 || true
sed -i "s|^u6:.*|u6:{PLAIN}x:65534:65534::$S/home/u6::userdb_retrieve_account=moved userdb_retrieve_account/moved/url=pop3://bob@127.0.0.1:$PORT userdb_retrieve_account/moved/password=smoke-secret userdb_retrieve_account/moved/ssl=no userdb_retrieve_account/moved/keep=yes userdb_retrieve_on_login=no|" "$S/users"
# a new auth process reads the changed file
doveadm -c "$S/dovecot.conf" reload
sleep 1
doveadm -c "$S/dovecot.conf" retrieve run -u u6 >"$S/out-run6b" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u6 hdr.subject mailbox INBOX all >"$S/out-fetch6" 2>&1 || true

fail=0
check() {
	f=$S/${2:-out}
	grep -q "$1" "$f" || { echo "smoke-2.4: missing in $f: $1" >&2; fail=1; }
}
check "Module loaded: .*/lib20_retrieve_plugin.so"
# retrieve (flat) and conf (dovecot.conf's named account)
check "retrieve: 2 retrieval account(s) configured"
check "Ignoring malformed account: retrieve2: url: unsupported scheme"
check "Ignoring userdb field retrieve_state_dir"
check "^INBOX$"
# the doveadm plugin: the accounts, the password never shown; the first
# POP3 retrieval on 2.4, allowed by the administrator's typed settings
check "retrieve  *pop3://bob@127.0.0.1:$PORT .*<hidden>" out-list
check "Malformed account of user u1: retrieve2" out-list
check "smoke-2.4 message" out-fetch
# u2's userdb retrieve_allow_plaintext=no is ignored, with a warning
check "Ignoring userdb field retrieve_allow_plaintext" out-run2
check "smoke-2.4 message" out-fetch2
# the named list: from dovecot.conf and from userdb, both retrieved;
# the flat fields next to them; retrieve2 named replaces retrieve2 flat
check "^u1  *conf  *pop3://carol@127.0.0.1:$PORT .*<hidden>" out-list
check "^u3  *conf  *pop3://carol@127.0.0.1:$PORT " out-list3
check "^u3  *work  *pop3://bob@127.0.0.1:$PORT .*<hidden>" out-list3
check "smoke-2.4 message" out-fetch3w
check "^u3  *work  .*T.* ok " out-status3
if grep -q "^u3  *conf " "$S/out-status3" ||
   grep -q "^u3  *\(work\|conf\) " "$S/out-status3n"; then
	echo "smoke-2.4: -a selected the wrong named accounts" >&2
	fail=1
fi
check "smoke-2.4 conf message" out-fetch3c
check "^u4  *retrieve2  *pop3://bob@127.0.0.1:$PORT .*INBOX" out-list4
check "^u4  *retrieve  *pop3://bob@127.0.0.1:$PORT .*Flat" out-list4
check "Ignoring retrieve2: the retrieve_account retrieve2 replaces it" out-list4
# an account whose settings can't be read: one error naming the cause
check "Malformed account of user u1: broken: settings: .*Unknown variable 'nosuchvariable'" out-list
# the state of the named accounts: named after the remote mailbox
[ -f "$S/home/u3/.dovecot-retrieve/pop3-bob@127.0.0.1-$PORT.state" ] &&
[ -f "$S/home/u3/.dovecot-retrieve/pop3-carol@127.0.0.1-$PORT.state" ] || {
	echo "smoke-2.4: u3's state files are not named after the remote mailboxes" >&2
	fail=1
}
# u6's upgrade: the flat account retrieved bob's message, the named one
# kept its state and retrieved nothing: one copy in INBOX
check "^u6  *retrieve  *pop3  *127.0.0.1  *1  .* ok" out-run6a
check "^u6  *moved  *pop3  *127.0.0.1  *0  *0  .* ok" out-run6b
if [ "$(grep -c "smoke-2.4 message" "$S/out-fetch6")" != 1 ]; then
	echo "smoke-2.4: u6's INBOX does not hold bob's message once" >&2
	fail=1
fi
# the provider of the named list, the administrator's only
check "^u5  *retrieve  *imaps://u5@imap.example.com .*oauth2  *example  *<hidden>" out-list5
check "^u5  *o  *imaps://u5o@imap.example.com .*oauth2  *example  *<hidden>" out-list5
if grep -q "Malformed" "$S/out-list5"; then
	echo "smoke-2.4: u5's OAuth2 accounts are malformed" >&2
	fail=1
fi
if grep -q "old@" "$S/out-list4"; then
	echo "smoke-2.4: u4's flat retrieve2 was read" >&2
	fail=1
fi
if grep -q "^==[0-9]*==" "$S/out-run2" "$S/out-run3" "$S/out-list5"; then
	echo "smoke-2.4: valgrind reported on u2's, u3's or u5's run" >&2
	fail=1
fi
if grep -q smoke-secret "$S/out-list" "$S/out-run" "$S/out-run2" \
	"$S/out-list3" "$S/out-run3" "$S/out-list4" "$S/out-list5" ||
	grep -q "smoke-refresh\|smoke-client-secret" "$S/out-list5"; then
	echo "smoke-2.4: the password was printed" >&2
	fail=1
fi
# The service: a second private Dovecot (the first stopped, so that only
# this one's scheduler runs) with the installed 95-retrieve-service.conf.
# s1's named account polls dave's mailbox every 2 s; nothing here runs
# doveadm retrieve run.
doveadm -c "$S/dovecot.conf" stop
V=$S/svc
VPORT=${RETRIEVE_SMOKE_SERVICE_PORT:-24111}
mkdir -p "$V/run" "$V/home/s1" "$V/home/dave/Maildir/new" \
	"$V/home/dave/Maildir/cur" "$V/home/dave/Maildir/tmp"
svc_msg() {
	printf 'From: alice@example.com\r\nTo: dave@example.com\r\nSubject: smoke-2.4 service %s\r\nMessage-ID: <smoke24svc%s@example.com>\r\n\r\nRetrieved by the service.\r\n' \
		"$1" "$1" >"$V/home/dave/Maildir/new/170000000$1.M$1P1.svc"
}
svc_msg 1
# POP3S for s3's account: a CA of our own, a server certificate for
# localhost and 127.0.0.1 signed by it, the CA as the clients' ssl_client_ca_file
mkdir -p "$V/tls" "$V/home/s3"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$V/tls/ext"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=smoke-ca \
	-keyout "$V/tls/ca.key" -out "$V/tls/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
	-keyout "$V/tls/server.key" -out "$V/tls/server.csr" 2>/dev/null
openssl x509 -req -days 2 -in "$V/tls/server.csr" -CA "$V/tls/ca.pem" \
	-CAkey "$V/tls/ca.key" -CAcreateserial -extfile "$V/tls/ext" \
	-out "$V/tls/server.pem" 2>/dev/null
chmod -R 1777 "$V/home"
: >"$V/out-ps-root"
cat >"$V/users" <<EOU
dave:{PLAIN}smoke-secret:65534:65534::$V/home/dave::userdb_retrieve_on_login=no
s1:{PLAIN}x:65534:65534::$V/home/s1::userdb_retrieve_account=svc userdb_retrieve_account/svc/url=pop3://dave@127.0.0.1:$VPORT userdb_retrieve_account/svc/password=smoke-secret userdb_retrieve_account/svc/ssl=no userdb_retrieve_account/svc/keep=yes userdb_retrieve_account/svc/interval=2s userdb_retrieve_on_login=no
s3:{PLAIN}x:65534:65534::$V/home/s3::userdb_retrieve_account=tls userdb_retrieve_account/tls/url=pop3s://dave@127.0.0.1:$((VPORT + 1)) userdb_retrieve_account/tls/password=smoke-secret userdb_retrieve_account/tls/keep=yes userdb_retrieve_account/tls/interval=2s userdb_retrieve_on_login=no
EOU
# svc_conf [EXTRA]: the instance's dovecot.conf
svc_conf() {
	{
	conf_head "$V" "$VPORT"
	conf_users "$V"
	cat <<EOC
retrieve_min_interval = 1s
log_debug = category=retrieve-service
ssl = yes
ssl_server_cert_file = $V/tls/server.pem
ssl_server_key_file = $V/tls/server.key
ssl_client_ca_file = $V/tls/ca.pem
service pop3-login {
  inet_listener pop3s {
    port = $((VPORT + 1))
    ssl = yes
  }
}
!include $DOC/95-retrieve-service.conf
$1
EOC
	} >"$V/dovecot.conf"
}
# svc_procs: "uid name" of the instance's services (the master's
# children; other Dovecots on the machine run the same names)
svc_procs() {
	m=$(cat "$V/run/master.pid")
	for st in /proc/[0-9]*/status; do
		awk -v m="$m" '/^Name:/ { n = $2 } /^PPid:/ { p = $2 }
			/^Uid:/ { u = $2 } END { if (p == m) print u, n }' \
			"$st" 2>/dev/null || true	# it may be gone
	done
}
# svc_wait N [USER]: until USER's (s1's) INBOX holds N messages (20 s
# at most)
svc_wait() {
	i=0
	while [ $i -lt 100 ]; do
		doveadm -c "$V/dovecot.conf" mailbox status -u "${2:-s1}" \
			messages INBOX \
			>"$V/out-count" 2>&1 || true
		grep -q "messages=$1\$" "$V/out-count" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
# svc_expect N USER WHAT: svc_wait, or WHAT did not happen
svc_expect() {
	svc_wait "$1" "$2" || {
		echo "smoke-2.4: $3 ($2's $(cat "$V/out-count"))" >&2
		fail=1
	}
}
# RETRIEVE_SMOKE_VALGRIND=1: the scheduler and the workers (and the
# runs' children) under valgrind; a report is a log line, which fails
# the smoke below. A job's child ends with _exit() and leaves the fork
# server's memory unfreed on purpose: valgrind calls that "possibly
# lost", not reported here (a definite leak still is).
SVC_VG=
if [ -n "$VG" ]; then
	SVC_VG="service retrieve {
  executable = /usr/bin/$VG /usr/lib/dovecot/retrieve
}
service retrieve-worker {
  executable = /usr/bin/$VG --show-possibly-lost=no /usr/lib/dovecot/retrieve-worker
}"
fi
svc_conf "$SVC_VG"
dovecot -c "$V/dovecot.conf"
svc_running=1
svc_expect 1 s1 "the service did not retrieve s1's account"
svc_procs >"$V/out-ps-root"
svc_msg 2
svc_expect 2 s1 "the service did not retrieve dave's second message on the interval"
svc_expect 2 s3 "the service did not retrieve s3's POP3S account"
doveadm -c "$V/dovecot.conf" -f tab retrieve status -u s1 >"$V/out-status" 2>&1 || true
# the login trigger: s2 joins the userdb after the scan (next in 1h) with
# an hourly account; its IMAP login makes the mail plugin tell the
# scheduler, which learns the account and retrieves it at once
sleep 1.1	# auth re-reads the file when its mtime moves to a new second
cat >>"$V/users" <<EOU
s2:{PLAIN}x:65534:65534::$V/home/s2::userdb_retrieve_account=login userdb_retrieve_account/login/url=pop3://dave@127.0.0.1:$VPORT userdb_retrieve_account/login/password=smoke-secret userdb_retrieve_account/login/ssl=no userdb_retrieve_account/login/keep=yes userdb_retrieve_account/login/interval=1h
EOU
mkdir -p "$V/home/s2"
chmod 1777 "$V/home/s2"
i=0
until doveadm -c "$V/dovecot.conf" user s2 >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -le 50 ] || break
	sleep 0.2
done
printf 'a logout\r\n' | doveadm -c "$V/dovecot.conf" exec imap -u s2 \
	>"$V/out-imap" 2>&1 || true
svc_expect 2 s2 "s2's IMAP login did not make the service retrieve its account"
# the unprivileged mode: the workers as the users' uid
doveadm -c "$V/dovecot.conf" stop
svc_running=
svc_conf "$SVC_VG
service retrieve-worker {
  user = nobody
}
service auth {
  unix_listener auth-userdb {
    user = nobody
  }
}"
svc_msg 3
dovecot -c "$V/dovecot.conf"
svc_running=1
svc_expect 3 s1 "the unprivileged workers did not retrieve dave's third message"
svc_expect 3 s3 "the unprivileged workers did not retrieve s3's POP3S account"
svc_procs >"$V/out-ps-nobody"
doveadm -c "$V/dovecot.conf" -f tab retrieve status -u s1 >"$V/out-status2" 2>&1 || true
doveadm -c "$V/dovecot.conf" fetch -u s1 hdr.subject mailbox INBOX all >"$V/out-fetch" 2>&1 || true
for n in 1 2 3; do
	if [ "$(grep -c "smoke-2.4 service $n$" "$V/out-fetch")" != 1 ]; then
		echo "smoke-2.4: s1's INBOX does not hold dave's message $n once" >&2
		fail=1
	fi
done
# status: the service's runs (the last one ok, messages in total)
svc_status_check() {
	awk -F '\t' -v want="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["account"] == "svc" && $col["folder"] == "" &&
		$col["result"] == "ok" && $col["last_run"] ~ /T/ &&
		$col["total_messages"] == want && $col["runs"] >= want { ok = 1 }
		END { exit !ok }' "$V/$1" || {
		echo "smoke-2.4: $V/$1 does not show the service's runs ($2 messages)" >&2
		fail=1
	}
}
svc_status_check out-status 2
svc_status_check out-status2 3
# the snippet's workers are root (fork servers), the scheduler is not;
# then the workers are nobody's (under valgrind all are "memcheck")
nobody=$(id -u nobody)
if [ -z "$VG" ] && { ! grep -q "^0 retrieve-worker$" "$V/out-ps-root" ||
   grep -q "^0 retrieve$" "$V/out-ps-root" "$V/out-ps-nobody" ||
   ! grep -q "^$nobody retrieve-worker$" "$V/out-ps-nobody" ||
   grep -q "^0 retrieve-worker$" "$V/out-ps-nobody"; }; then
	echo "smoke-2.4: the services' uids are wrong (uid name):" >&2
	cat "$V/out-ps-root" "$V/out-ps-nobody" >&2
	fail=1
fi
if grep -q smoke-secret "$V/dovecot.log" "$V/out-status" "$V/out-status2"; then
	echo "smoke-2.4: the service logged the password" >&2
	fail=1
fi
# (the fork server's preload must work too). Between a stop and the
# next start only valgrind's reports count: a run cut by the stop fails
# (the remote is the same Dovecot).
awk '/master: Warning: Killed with signal 15/ { stopping = 1 }
	/master: Info: Dovecot .* starting up/ { stopping = 0 }
	/==[0-9]+==/ || (!stopping && /Fatal|Panic|Error:|Not preloading/)' \
	"$V/dovecot.log" >"$V/out-log-errors"
if [ -s "$V/out-log-errors" ]; then
	echo "smoke-2.4: errors in $V/dovecot.log:" >&2
	head -5 "$V/out-log-errors" >&2
	fail=1
fi
if [ $fail -ne 0 ]; then
	echo "smoke-2.4: see $S/out" >&2
	exit 1
fi
echo "smoke-2.4: ok"
