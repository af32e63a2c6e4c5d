#!/usr/bin/env bash
# Case 13 (runs last): no configured retrieval password appears anywhere
# the suite left output: Dovecot logs (remote and local), every doveadm
# stdout/stderr, fake server logs, "retrieve list"/"status" output, the
# state files and mail in the users' homes. Adds its own runs: a good and
# failing accounts, POP3 and IMAP, with doveadm -D (debug logging).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

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
leaks=$(OAUTH2_CORE_LINES=$OAUTH2_CORE_LINES python3 - "$IT_WORK" <<'PY'
import os, re, sys
top = sys.argv[1]
pws = [l.strip() for l in open(os.path.join(top, "passwords"), "rb") if l.strip()]
# Dovecot core's own lines (OAUTH2_CORE_LINES): auth-master's userdb
# replies and mail-storage-service's "Added userdb setting" of a refresh
# token (it hides only keys with "pass")
core = re.compile(os.environ["OAUTH2_CORE_LINES"].encode())
for d, dirs, files in os.walk(top):
    if d == top:
        dirs[:] = [x for x in dirs if x != "etc"]
    for name in files:
        path = os.path.join(d, name)
        # the token caches hold tokens by design (0600, like the state)
        if path == os.path.join(top, "passwords") or not os.path.isfile(path) \
                or os.path.islink(path) or name.endswith(".oauth2"):
            continue
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        if not any(pw in data for pw in pws):
            continue
        for no, line in enumerate(data.split(b"\n"), 1):
            if any(pw in line for pw in pws) and not core.search(line):
                for pw in pws:
                    line = line.replace(pw, b"<PASSWORD>")
                print("%s:%d: %s" % (os.path.relpath(path, top), no,
                                     line[:160].decode("utf-8", "replace")))
                break
PY
) || fail "harness: the password scan failed"
[[ -z $leaks ]] || fail "a password appears in:
$leaks"
# The scan means something only if the debug run really logged in.
assert_eq ok "$(field retrieve result "$run_out")" "the debug run's good account"
assert_eq auth_failed "$(field retrieve2 result "$run_out")" "the debug run's bad account"

case_pass
