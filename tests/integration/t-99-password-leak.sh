#!/usr/bin/env bash
# Case 13 (runs last): no configured retrieval password appears anywhere
# the suite left output: Dovecot logs (remote and local), every doveadm
# stdout/stderr, fake server logs, "retrieve list"/"status" output, the
# state files and mail in the users' homes. Adds its own runs: a good and
# failing accounts, POP3 and IMAP, with doveadm -D (debug logging).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

# scan_passwords TOP: prints "path:line: text", one line per file, for
# each file under TOP (but TOP/etc, TOP/passwords and token caches) with
# a line holding a password of TOP/passwords, Dovecot core's lines
# (OAUTH2_CORE_LINES) left out. grep -F looks for all passwords in one
# pass over each file; a loop over the passwords per file took minutes.
scan_passwords() {
	local top=$1 rc=0 out err
	out=$(mktemp) err=$(mktemp)
	(
		cd "$top" || exit 2
		mapfile -t tops < <(ls -A | grep -vx -e etc -e passwords)
		((${#tops[@]} > 0)) || exit 1
		# (dovecot.conf.binary: Dovecot 2.4's compiled config in an
		# instance's run/, the config itself as etc/ holds it)
		grep -rFan -f passwords --exclude='*.oauth2' \
			--exclude=dovecot.conf.binary -- "${tops[@]}"
	) >"$out" 2>"$err" || rc=$?
	# 1: nothing found; 2 with output: a file that vanished meanwhile
	if ((rc > 1)) && [[ ! -s $out ]]; then
		cat "$err" >&2
		rm -f "$out" "$err"
		return 2
	fi
	OAUTH2_CORE_LINES=$OAUTH2_CORE_LINES python3 - "$top" "$out" <<'PY'
import os, re, sys
top = sys.argv[1]
pws = [l.strip() for l in open(os.path.join(top, "passwords"), "rb") if l.strip()]
# unset, nothing is taken for a core line
core = re.compile((os.environ.get("OAUTH2_CORE_LINES") or "(?!)").encode())
seen = set()
for hit in open(sys.argv[2], "rb"):
    path, no, line = hit.rstrip(b"\n").split(b":", 2)
    if path in seen or core.search(line):
        continue
    seen.add(path)
    for pw in pws:
        line = line.replace(pw, b"<PASSWORD>")
    print("%s:%s: %s" % (path.decode("utf-8", "replace"), no.decode(),
                         line[:160].decode("utf-8", "replace")))
PY
	rc=$?
	rm -f "$out" "$err"
	return $rc
}

remote_user pwscan-src
seed_remote pwscan-src "$(make_msg pwscan-1 "Scan one")"
local_user pwscan-dst $(acct retrieve pwscan-src pop3) retrieve_apop=yes \
	"retrieve2=$(url pop3s pwscan-src)" retrieve2_password=Pw-Zq8v-pwscan-wrong-$RANDOM \
	"retrieve3=$(url imap pwscan-src)" "retrieve3_password=$(remote_password pwscan-src)" \
	retrieve3_keep=yes \
	"retrieve4=$(url imaps pwscan-src)" retrieve4_password=Pw-Zq8v-pwscan-wrong4-$RANDOM
RETRIEVE_DEBUG=1 retrieve_run pwscan-dst
run_out=$RUN_OUT
retrieve_cmd list pwscan-dst
retrieve_cmd status pwscan-dst

# Dovecot's own auth-master debug line lists all userdb fields, the
# password field included: that is Dovecot core, not the plugin.
[[ -s $IT_WORK/passwords ]] || fail "harness: no passwords recorded"
leaks=$(scan_passwords "$IT_WORK") || fail "harness: the password scan failed"
[[ -z $leaks ]] || fail "a password appears in:
$leaks"
# The scan means something only if the debug run really logged in.
assert_eq ok "$(field retrieve result "$run_out")" "the debug run's good account"
assert_eq auth_failed "$(field retrieve2 result "$run_out")" "the debug run's bad account"

case_pass
