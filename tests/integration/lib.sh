# shellcheck shell=bash
# lib.sh - shared harness of the dovecot-retrieve integration suite.
#
# Sourced by every case file (t-*.sh) and by tests/run.sh. It builds a
# private world under a temporary directory, all on 127.0.0.1:
#
#   remote      real Dovecot serving POP3 (+STLS), POP3S, IMAP, IMAPS with a
#               certificate signed by a test CA; offers APOP
#   untrusted   real Dovecot, same users and mail, self-signed certificate
#   plain       real Dovecot, same users and mail, ssl = no (no STLS)
#   local       real Dovecot without inet listeners: the auth-userdb socket
#               that "doveadm -c local.conf" asks; users carry the retrieval
#               accounts as userdb extra fields, Sieve is configured
#
# run.sh sets the world up once (world_setup) and exports IT_WORK; a case
# file run alone sets up its own world and removes it at exit (kept when
# KEEP=1 and the case failed).
#
# A case: source lib.sh (never its parts), case_begin, then helpers and
# assertions; the first failing assertion prints "FAIL <case>: <reason>"
# with the relevant log tails and exits 1; case_pass prints "ok <case>".
#
# The harness, by concern (all sourced here):
#   lib-world.sh     the world: Dovecot instances (instance_start), ports,
#                    certificates, configs; a case joining or creating it
#   lib-assert.sh    verdicts, doveadm runs and assertions on them
#   lib-fixtures.sh  users, messages, accounts, the fake servers, and
#                    looking into mailboxes
#   lib-imap.sh      the IMAP remotes and the fake IMAP server's cases
#   lib-folders.sh   the IMAP folder-name cases
#   lib-service.sh   the automatic retrieval service's instance
#   lib-pop3-hostile.sh  the hostile POP3 scenarios
#   lib-spam.sh      the spam scanner cases: real spamd and rspamd, fakes
#   lib-oauth2.sh    the OAuth2 cases: the token endpoint, a remote with
#                    passdb oauth2

set -u
set -o pipefail

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

MAIL_USER=${MAIL_USER:-mail}            # system user owning all test mail
MODULE_DIR=${MODULE_DIR:-/usr/lib/dovecot/modules}
# Mail plugins of the local (retrieving) side, after $mail_plugins.
LOCAL_MAIL_PLUGINS=${LOCAL_MAIL_PLUGINS:-retrieve}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}         # seconds one doveadm call may take
# Headers the local delivery adds on top of a retrieved message; stripped
# (only at the very top) before comparing with what was seeded.
ADDED_HEADERS=${ADDED_HEADERS:-Return-Path Received}

INSTANCES="remote untrusted plain local"
# The Dovecot under test, 2.3 or 2.4: the harness writes 2.3 syntax and
# conf_for_version (lib-world.sh) rewrites it for 2.4.
DOVECOT_API=${DOVECOT_API:-$(dovecot --version 2>/dev/null | sed -n 's/^\(2\.[0-9]*\).*/\1/p')}
WORLD_PIDS=()

log() { printf '%s\n' "$*" >&2; }
die() { log "lib.sh: $*"; exit 2; }

# shellcheck source=tests/integration/lib-world.sh
source "$IT_DIR/lib-world.sh"
# shellcheck source=tests/integration/lib-assert.sh
source "$IT_DIR/lib-assert.sh"
# shellcheck source=tests/integration/lib-fixtures.sh
source "$IT_DIR/lib-fixtures.sh"
# shellcheck source=tests/integration/lib-imap.sh
source "$IT_DIR/lib-imap.sh"
# shellcheck source=tests/integration/lib-folders.sh
source "$IT_DIR/lib-folders.sh"
# shellcheck source=tests/integration/lib-service.sh
source "$IT_DIR/lib-service.sh"
# shellcheck source=tests/integration/lib-pop3-hostile.sh
source "$IT_DIR/lib-pop3-hostile.sh"
# shellcheck source=tests/integration/lib-spam.sh
source "$IT_DIR/lib-spam.sh"
# shellcheck source=tests/integration/lib-oauth2.sh
source "$IT_DIR/lib-oauth2.sh"
