#!/usr/bin/env bash
# Case 37: an RFC 1939-only server (fake, CAPA answered -ERR: no STLS, no
# SASL, no PIPELINING). With ssl=no (allowed) retrieval works, logging in
# with USER/PASS (no AUTH) and one command at a time. With the default
# ssl=starttls the client gives up after CAPA: no STLS attempt succeeds,
# no USER, no PASS - the password never travels in clear.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

fake_pop3_start np1 no-capa "$(make_msg np-1 "No pipelining one")" \
	"$(make_msg np-2 "No pipelining two")" "$(make_msg np-3 "No pipelining three")"

# Control: the fake server notices a client that does not wait for replies.
python3 - "$FAKE_PORT" <<'PY' || fail "harness: control connection failed"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.recv(1024)
s.sendall(b"NOOP\r\nNOOP\r\nQUIT\r\n")
time.sleep(0.5)
s.close()
PY
fake_log np1 | grep 'pipelined input after NOOP' >/dev/null ||
	fail "harness: the fake server did not notice pipelined commands"
ctl_lines=$(fake_log np1 | grep -c .)

RUN_CONF=$LOCAL_PLAINTEXT_CONF
local_user np-dst $(fake_acct retrieve) retrieve_ssl=no
retrieve_run np-dst
unset RUN_CONF
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "messages column"
for m in np-1 np-2 np-3; do
	assert_message_once np-dst INBOX "$m"
done
assert_eq 0 "$(fake_count np1)" "messages left on the server"
session=$(fake_log np1 | tail -n +"$((ctl_lines + 1))")
grep -q 'C: CAPA' <<<"$session" || fail "the client did not ask CAPA"
grep -q 'C: USER fakeuser' <<<"$session" || fail "no USER command: $(grep 'C:' <<<"$session" | head -5)"
grep -q 'C: PASS <hidden>' <<<"$session" || fail "no PASS command"
grep -qE 'C: (AUTH|APOP|STLS)' <<<"$session" && fail "the client used a command the server never offered: $(grep -E 'C: (AUTH|APOP|STLS)' <<<"$session" | head -1)"
grep -q 'pipelined input' <<<"$session" &&
	fail "the client pipelined without PIPELINING: $(grep 'pipelined input' <<<"$session" | head -1)"
assert_eq 3 "$(grep -c 'C: RETR' <<<"$session")" "RETR commands"
assert_eq 3 "$(grep -c 'C: DELE' <<<"$session")" "DELE commands"
grep -q 'C: QUIT' <<<"$session" || fail "no QUIT"
fake_pop3_stop np1

# The default for pop3:// is STLS; this server has no CAPA at all.
fake_pop3_start np2 no-capa "$(make_msg np-4 "No pipelining four")"
local_user np-dst2 $(fake_acct retrieve)
retrieve_run np-dst2
assert_run_failed
assert_result retrieve remote_error
assert_match "$(run_field retrieve error)" "STLS|STARTTLS|TLS" "error column"
assert_error_logged np-dst2 retrieve "STLS|STARTTLS|TLS"
session=$(fake_log np2)
grep -q 'C: CAPA' <<<"$session" || fail "starttls: the client did not ask CAPA"
grep -qE 'C: (USER|PASS|AUTH|APOP)' <<<"$session" &&
	fail "starttls: credentials offered without TLS: $(grep -E 'C: (USER|PASS|AUTH|APOP)' <<<"$session" | head -1)"
assert_eq 1 "$(fake_count np2)" "starttls: messages left on the server"
assert_eq 0 "$(local_file_count np-dst2)" "starttls: local messages"
fake_pop3_stop np2

case_pass
