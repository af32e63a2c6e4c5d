#!/usr/bin/env bash
# A real retrieval on this machine: a throwaway Dovecot on 127.0.0.1 is the
# remote POP3S server, a second one is the local host; doveadm retrieve
# pulls the remote mailbox through the user's Sieve script. Needs
# tools/setup.sh first. Everything is removed at the end (KEEP=1 keeps it).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/integration/lib.sh
source "$top/tests/integration/lib.sh"

plugin_installed || { echo "demo: run tools/setup.sh first" >&2; exit 1; }
CASE=demo
exec 3>&1
world_setup
world_env
trap 'world_teardown ${KEEP:+keep}' EXIT

show() { printf '\n$ %s\n' "$*"; "$@"; }

remote_user demo-remote
seed_remote demo-remote \
	"$(make_msg demo-1 "Welcome to the remote mailbox")" \
	"$(make_msg demo-2 "[SPAM] You have won")" \
	"$(make_msg demo-3 "Minutes of Monday's meeting")" >/dev/null
# shellcheck disable=SC2046
local_user demo $(acct retrieve demo-remote pop3s)

echo "demo: remote POP3S server 127.0.0.1 holds $(remote_count demo-remote) messages for demo-remote;"
echo "demo: local user 'demo' has it as a retrieval account (userdb extra fields),"
echo "demo: and a Sieve script that files [SPAM] into Junk."
show doveadm -c "$IT_WORK/etc/local.conf" retrieve list -u demo
show doveadm -c "$IT_WORK/etc/local.conf" retrieve run -u demo
rc=$?
for folder in INBOX Junk; do
	printf '\nlocal %s:\n' "$folder"
	local_subjects demo "$folder" | sed 's/^/  /'
done
echo
echo "remote now holds $(remote_count demo-remote) messages (keep=no)"
show doveadm -c "$IT_WORK/etc/local.conf" retrieve status -u demo
exit $rc
