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
# applies). RETRIEVE_SMOKE_VALGRIND=1 runs u2's retrieval under
# valgrind. Prints "smoke-2.4: ok" or fails.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${RETRIEVE_SMOKE_IN_CHROOT:-}" ]; then
	tools/build-2.4.sh >/dev/null
	tools/build-2.4.sh -C src/plugins >/dev/null
	tools/build-2.4.sh -C src/doveadm >/dev/null
	tools/build-2.4.sh -C src/settings >/dev/null
	exec tools/in-2.4.sh env RETRIEVE_SMOKE_IN_CHROOT=1 \
		RETRIEVE_SMOKE_VALGRIND="${RETRIEVE_SMOKE_VALGRIND:-}" \
		sh tools/smoke-2.4.sh
fi

S=$(pwd)/build-2.4/smoke
PORT=${RETRIEVE_SMOKE_PORT:-24110}
rm -rf "$S"
mkdir -p "$S/home/u1" "$S/home/u2" "$S/run"
# bob's one message, on the remote side
mkdir -p "$S/home/bob/Maildir/new" "$S/home/bob/Maildir/cur" \
	"$S/home/bob/Maildir/tmp"
printf 'From: alice@example.com\r\nTo: bob@example.com\r\nSubject: smoke-2.4 message\r\nMessage-ID: <smoke24@example.com>\r\n\r\nHello from 2.4.\r\n' \
	>"$S/home/bob/Maildir/new/1700000000.M1P1.smoke"
# the user's uid must reach its home
chmod -R 1777 "$S/home"
make -s -C build-2.4/src/src/lib-retrieve install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/plugins install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/doveadm install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/settings install DESTDIR="$S/inst" >/dev/null 2>&1
# doveadm loads its plugins from its own module directory only: our
# install laid over it, in in-2.4.sh's private mount namespace
mount -t overlay overlay \
	-o lowerdir="$S/inst/usr/lib/dovecot:/usr/lib/dovecot" /usr/lib/dovecot
cat >"$S/dovecot.conf" <<EOC
dovecot_config_version = 2.4.1
dovecot_storage_version = 2.4.1
base_dir = $S/run
state_dir = $S/run
log_path = $S/dovecot.log
listen = 127.0.0.1
protocols {
  pop3 = yes
}
ssl = no
auth_allow_cleartext = yes
service pop3-login {
  inet_listener pop3 {
    port = $PORT
  }
}
# the administrator's typed settings (the settings module)
retrieve_allow_networks = 127.0.0.1/32
retrieve_allow_plaintext = yes
mail_driver = maildir
mail_path = $S/home/%{user}/Maildir
mail_home = $S/home/%{user}
mail_plugins {
  retrieve = yes
}
passdb passwd-file {
  passwd_file_path = $S/users
}
userdb passwd-file {
  passwd_file_path = $S/users
}
EOC
# 2.3-style flat userdb fields: the compatibility path
cat >"$S/users" <<EOU
bob:{PLAIN}smoke-secret:65534:65534::$S/home/bob::userdb_retrieve_on_login=no
u1:{PLAIN}x:65534:65534::$S/home/u1::userdb_retrieve=pop3://bob@127.0.0.1:$PORT userdb_retrieve_password=smoke-secret userdb_retrieve_ssl=no userdb_retrieve_keep=yes userdb_retrieve2=bogus://x userdb_retrieve_state_dir=/tmp/evil userdb_retrieve_on_login=no
u2:{PLAIN}x:65534:65534::$S/home/u2::userdb_retrieve=pop3://bob@127.0.0.1:$PORT userdb_retrieve_password=smoke-secret userdb_retrieve_ssl=no userdb_retrieve_keep=yes userdb_retrieve_allow_plaintext=no userdb_retrieve_on_login=no
EOU
dovecot -c "$S/dovecot.conf"
# RETRIEVE_SMOKE_VALGRIND=1: u2's run under valgrind (its report in
# out-run2 fails the smoke)
VG=
if [ -n "${RETRIEVE_SMOKE_VALGRIND:-}" ]; then
	VG="valgrind -q --vgdb=no --trace-children=yes --leak-check=full --error-exitcode=1"
fi
trap 'doveadm -c "$S/dovecot.conf" stop; umount /usr/lib/dovecot' EXIT
doveadm -D -c "$S/dovecot.conf" mailbox list -u u1 >"$S/out" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve list -u u1 >"$S/out-list" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve run -u u1 -a retrieve >"$S/out-run" 2>&1 || true
$VG doveadm -c "$S/dovecot.conf" retrieve run -u u2 -a retrieve >"$S/out-run2" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u1 hdr.subject mailbox INBOX all >"$S/out-fetch" 2>&1 || true
doveadm -c "$S/dovecot.conf" fetch -u u2 hdr.subject mailbox INBOX all >"$S/out-fetch2" 2>&1 || true

fail=0
check() {
	f=$S/${2:-out}
	grep -q "$1" "$f" || { echo "smoke-2.4: missing in $f: $1" >&2; fail=1; }
}
check "Module loaded: .*/lib20_retrieve_plugin.so"
check "retrieve: 1 retrieval account(s) configured"
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
if grep -q "^==[0-9]*==" "$S/out-run2"; then
	echo "smoke-2.4: valgrind reported on u2's run" >&2
	fail=1
fi
if grep -q smoke-secret "$S/out-list" "$S/out-run" "$S/out-run2"; then
	echo "smoke-2.4: the password was printed" >&2
	fail=1
fi
if [ $fail -ne 0 ]; then
	echo "smoke-2.4: see $S/out" >&2
	exit 1
fi
echo "smoke-2.4: ok"
