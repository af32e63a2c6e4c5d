#!/usr/bin/env bash
# Case 20: every doveadm formatter (flow, tab, table, json, pager) prints
# `retrieve run` and `retrieve status` for a POP3 account, an IMAP account
# (with its folder rows) and a malformed account without a panic; json is
# valid JSON whose numeric columns are numbers.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user f20pop
seed_remote f20pop "$(make_msg f20-p1 "Formatter pop")"
remote_user f20imap
imapr_py f20imap <<'PY'
append("INBOX", "f20-i1", "formatter imap")
PY
local_user f20dst $(acct retrieve f20pop pop3) retrieve_keep=yes \
	$(imapr_acct retrieve2 f20imap imap) retrieve2_keep=yes \
	retrieve3=bogus://nowhere retrieve3_password=Pw-Zq8v-f20-bogus-$RANDOM

check_json() { # FILE WHAT
	python3 - "$1" <<'PY' || fail "$2: not valid JSON with numeric columns: $(head -c 400 "$1")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list) and rows, "no rows"
for r in rows:
    for k in ("messages", "bytes", "skipped", "deleted", "errors",
              "last_messages", "total_messages", "total_bytes", "runs"):
        if k in r:
            assert isinstance(r[k], (int, float)), (k, r[k])
PY
}

for cmd in run status; do
	for fmt in flow tab table json pager; do
		doveadm_run "$cmd-$fmt" "$LOCAL_IMAP_CONF" -f "$fmt" retrieve "$cmd" -u f20dst
		# the malformed account makes the exit code non-zero
		((RUN_RC < 128)) || fail "$cmd -f $fmt died of signal $((RUN_RC - 128))"
		[[ -s $RUN_OUT ]] || fail "$cmd -f $fmt printed nothing"
		grep -q retrieve2 "$RUN_OUT" || fail "$cmd -f $fmt: no IMAP account row"
		[[ $fmt == json ]] && check_json "$RUN_OUT" "$cmd -f json"
	done
done
assert_eq 2 "$(local_imap_count f20dst INBOX)" "messages retrieved"

case_pass
