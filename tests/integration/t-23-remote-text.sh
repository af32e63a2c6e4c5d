#!/usr/bin/env bash
# Case 23: remote text is sanitised and the password scrubbed centrally.
# A server answers PASS with "-ERR [AUTH<ESC>[31m<password><DEL>] bad
# <CR><password><SOH> <base64 of \0user\0password> <base64 of password>":
# the run is auth_failed with one error line, and neither doveadm's output,
# its log, nor the state file holds the password, its base64 forms or any
# control byte.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

fake_pop3_start echo-pass echo-pass-raw "$(make_msg echo-1 "Echo one")"
local_user echo-dst $(fake_acct retrieve)
retrieve_run echo-dst
assert_run_failed
assert_result retrieve auth_failed
assert_error_logged echo-dst retrieve "PASS failed"
retrieve_cmd status echo-dst
status_out=$RUN_OUT

status_file=$(status_files echo-dst)
[[ -n $status_file ]] || fail "harness: no status file"
leaks=$(python3 - "$FAKE_PASSWORD" fakeuser "$RUN_ERR" "$status_out" \
	$(state_files echo-dst) "$status_file" "$CASE_OUT"/run-*.out <<'PY'
import base64, re, sys
pw, user = sys.argv[1].encode(), sys.argv[2].encode()
secrets = [pw, base64.b64encode(pw), base64.b64encode(b"\0" + user + b"\0" + pw)]
for path in sys.argv[3:]:
    data = open(path, "rb").read()
    for s in secrets:
        if s in data:
            print("%s: holds a secret form" % path)
    # tab and newline are the formats' own separators
    bad = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", data)
    if bad:
        print("%s: control byte %r" % (path, bad.group()))
PY
) || fail "harness: the scan failed"
[[ -z $leaks ]] || fail "remote text leaked:
$leaks"
assert_contains "$(run_field retrieve error)" "<hidden>" "the error shows where the secret was"

# a status file edited by its user (ESC, DEL in the stored error, and
# the CRC made to match) does not reach doveadm's output raw either
python3 - "$status_file" <<'PY' || fail "harness: editing the status file failed"
import sys, zlib
path = sys.argv[1]
lines = open(path, "rb").read().split(b"\n")
for i, l in enumerate(lines):
    if l.startswith(b"status\t"):
        f = l.split(b"\t")
        f[4] = b"edited \x1b[31m\x7f error"
        lines[i] = b"\t".join(f)
    if l.startswith(b"end\t"):
        f = l.split(b"\t")
        f[2] = b"%x" % zlib.crc32(b"".join(x + b"\n" for x in lines[:i]))
        lines[i] = b"\t".join(f)
open(path, "wb").write(b"\n".join(lines))
PY
retrieve_cmd status echo-dst
assert_contains "$(run_field retrieve error)" "edited" "status shows the edited error"
grep -qaP '[\x1b\x7f]' "$RUN_OUT" && fail "status printed a control byte of the state file"
fake_pop3_stop echo-pass

case_pass
