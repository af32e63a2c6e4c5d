#!/usr/bin/env bash
# IMAP mirror of folders a real remote Dovecot holds but the local one
# refuses as they are: "~x" (begins with '~'), "a..b" (an empty level),
# "c." (a trailing separator), "ctl<0x01>x" (a control character; the
# remote sends ctl&AAE-x), all seeded straight into the remote Maildir,
# and "Public.Leak", whose local name Public/Leak would land in the local
# public namespace. With folder=INBOX the tree is mirrored at the top level
# of INBOX's namespace. Each name is mapped into a valid local folder of
# that namespace (before: the first refused name ended the run on every
# run, and Public.Leak was filed into the public namespace). The remote
# Dovecot itself then refuses to SELECT the four odd names it listed:
# each is an error on its own row, and the others go on.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start
folders_public_confs

remote_user i81src
imapr_py i81src <<'PY'
for box in ("Work", "Public.Leak"):
    typ, data = M.create(box)
    if typ != "OK":
        raise SystemExit("CREATE %s: %s" % (box, data))
append("INBOX", "i81-in", "inbox")
append("Work", "i81-work", "work")
append("Public.Leak", "i81-leak", "leak")
PY
imapr_seed_maildir i81src "~x" 1 i81-tilde
imapr_seed_maildir i81src "a..b" 1 i81-empty
imapr_seed_maildir i81src "c." 1 i81-trail
imapr_seed_maildir i81src "$(printf 'ctl\001x')" 1 i81-ctl
expected=$(printf '<%s@retrieve-it>\n' i81-in i81-work i81-leak | sort)

local_user i81dst $(imapr_acct retrieve i81src imaps) retrieve_folders=mirror retrieve_keep=yes
RUN_CONF=$FOLDERS_PUBLIC_CONF retrieve_run i81dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "messages retrieved"
assert_eq 4 "$(run_field retrieve errors)" "folder errors"
for f in '~x' a..b c. 'ctl?x'; do
	assert_eq error "$(folder_field retrieve "$f" result)" "row of $f"
	assert_match "$(folder_field retrieve "$f" error)" "can't be selected" "row of $f: the remote's refusal"
done
assert_eq 1 "$(folder_field retrieve Public.Leak messages)" "row of Public.Leak"
assert_message_once i81dst Public_.Leak i81-leak  # (maildir++ name)
assert_eq "$expected" "$(local_msgid_list i81dst)" "every message, once"
folders=$(doveadm -c "$FOLDERS_PUBLIC_BASE_CONF" mailbox list -u i81dst 2>/dev/null | sort)
for f in _x a/_/b c/_ ctl_x Public_/Leak Work; do
	grep -qxF -- "$f" <<<"$folders" || fail "no local folder $f in: $(tr '\n' ' ' <<<"$folders")"
done
grep -q '^Public/' <<<"$folders" && fail "a remote folder landed in the public namespace: $(grep '^Public/' <<<"$folders")"
[[ -z $(find "$IT_WORK/public-ns" -path '*/new/*' -o -path '*/cur/*' -type f) ]] ||
	fail "messages in the public namespace"

RUN_CONF=$FOLDERS_PUBLIC_CONF retrieve_run i81dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run"
assert_eq 4 "$(run_field retrieve errors)" "second run: folder errors"
case_pass
