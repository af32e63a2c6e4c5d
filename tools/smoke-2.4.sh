#!/bin/sh
# smoke-2.4.sh: the first proof on Dovecot 2.4 until the suite runs there.
# Builds the core, the mail and the doveadm plugin against 2.4 (tools/build-2.4.sh),
# installs them under build-2.4/smoke/inst and, in the chroot, starts a
# private Dovecot 2.4 (no protocols, base_dir in build-2.4/smoke/run,
# stopped on exit) whose userdb gives a user 2.3-style flat retrieve
# fields. "doveadm mailbox list" must load the plugin, read one valid
# and one malformed account, and refuse the administrator-only
# retrieve_state_dir from userdb; "doveadm retrieve list" and "run" must
# work as far as 2.4 allows yet. Prints "smoke-2.4: ok" or fails.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${RETRIEVE_SMOKE_IN_CHROOT:-}" ]; then
	tools/build-2.4.sh >/dev/null
	tools/build-2.4.sh -C src/plugins >/dev/null
	tools/build-2.4.sh -C src/doveadm >/dev/null
	exec tools/in-2.4.sh env RETRIEVE_SMOKE_IN_CHROOT=1 sh tools/smoke-2.4.sh
fi

S=$(pwd)/build-2.4/smoke
rm -rf "$S"
mkdir -p "$S/home/u1" "$S/run"
# the user's uid must reach its home
chmod -R 1777 "$S/home"
make -s -C build-2.4/src/src/lib-retrieve install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/plugins install DESTDIR="$S/inst" >/dev/null 2>&1
make -s -C build-2.4/src/src/doveadm install DESTDIR="$S/inst" >/dev/null 2>&1
# doveadm loads its plugins from its own module directory only: our
# install laid over it, in in-2.4.sh's private mount namespace
mount -t overlay overlay \
	-o lowerdir="$S/inst/usr/lib/dovecot:/usr/lib/dovecot" /usr/lib/dovecot
cat >"$S/dovecot.conf" <<EOC
dovecot_config_version = 2.4.1
dovecot_storage_version = 2.4.1
base_dir = $S/run
state_dir = $S/run
log_path = /dev/stderr
listen = 127.0.0.1
protocols {
}
mail_driver = maildir
mail_path = $S/home/%{user}/Maildir
mail_home = $S/home/%{user}
mail_plugins {
  retrieve = yes
}
userdb static {
  fields {
    uid = 65534
    gid = 65534
    retrieve = pop3s://bob@127.0.0.1:1
    retrieve_password = smoke-secret
    retrieve2 = bogus://x
    retrieve_state_dir = /tmp/evil
  }
}
passdb static {
  password = x
}
EOC
dovecot -c "$S/dovecot.conf"
trap 'doveadm -c "$S/dovecot.conf" stop; umount /usr/lib/dovecot' EXIT
doveadm -D -c "$S/dovecot.conf" mailbox list -u u1 >"$S/out" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve list -u u1 >"$S/out-list" 2>&1 || true
doveadm -c "$S/dovecot.conf" retrieve run -u u1 -a retrieve >"$S/out-run" 2>&1 || true

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
# the doveadm plugin: the accounts, the password never shown; a run that
# ends on the default deny of 127.0.0.0/8 (administrator-only settings
# are not readable on 2.4 yet)
check "retrieve  *pop3s://bob@127.0.0.1:1 .*<hidden>" out-list
check "Malformed account of user u1: retrieve2" out-list
check "config_error Connecting to 127.0.0.1 is not allowed" out-run
if grep -q smoke-secret "$S/out-list" "$S/out-run"; then
	echo "smoke-2.4: the password was printed" >&2
	fail=1
fi
if [ $fail -ne 0 ]; then
	echo "smoke-2.4: see $S/out" >&2
	exit 1
fi
echo "smoke-2.4: ok"
