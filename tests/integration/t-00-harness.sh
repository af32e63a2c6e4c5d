#!/usr/bin/env bash
# The harness itself: all Dovecot instances run, TLS verifies against the
# test CA (and fails against the untrusted server), the remote POP3
# greeting offers APOP, plain offers no STLS, seeding and remote_count
# work, and the local userdb returns the retrieval extra fields.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

for name in $INSTANCES; do
	instance_running "$name" || fail "dovecot instance $name is not running"
done

# s_client PORT [ARGS]: TLS handshake result on 127.0.0.1:PORT, verified
# against the test CA.
s_client() {
	local port=$1
	shift
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -CAfile "$CA_PEM" \
		-verify_return_error -verify_ip 127.0.0.1 "$@" </dev/null 2>&1
}
out=$(s_client "$REMOTE_POP3S_PORT") || fail "TLS to remote POP3S failed: $(tail -3 <<<"$out")"
assert_contains "$out" "Verify return code: 0 (ok)" "remote POP3S verification"
out=$(s_client "$REMOTE_POP3_PORT" -starttls pop3) ||
	fail "STLS to remote POP3 failed: $(tail -3 <<<"$out")"
out=$(s_client "$REMOTE_IMAPS_PORT") || fail "TLS to remote IMAPS failed: $(tail -3 <<<"$out")"
if out=$(s_client "$UNTRUSTED_POP3S_PORT"); then
	fail "TLS to the untrusted POP3S verified against the test CA"
fi
assert_match "$out" "self.signed|unable to get local issuer|verify error" "untrusted POP3S"
if out=$(s_client "$UNTRUSTED_POP3_PORT" -starttls pop3); then
	fail "STLS to the untrusted POP3 verified against the test CA"
fi

# pop3_chat PORT COMMAND...: the server's replies to a plaintext session.
pop3_chat() {
	local port=$1
	shift
	python3 - "$port" "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
print(f.readline().decode().rstrip())
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b"\r\n")
    line = f.readline().decode().rstrip()
    print(line)
    if line.startswith("+OK") and cmd.split()[0].upper() in ("CAPA", "UIDL", "LIST"):
        while True:
            line = f.readline().decode().rstrip()
            print(line)
            if line == ".":
                break
PY
}
greeting=$(pop3_chat "$REMOTE_POP3_PORT" | head -1)
assert_match "$greeting" '^\+OK .*<[^>]+@[^>]+>$' "remote POP3 greeting offers APOP"
capa=$(pop3_chat "$REMOTE_POP3_PORT" CAPA QUIT)
assert_contains "$capa" "STLS" "remote POP3 CAPA"
capa=$(pop3_chat "$PLAIN_POP3_PORT" CAPA QUIT)
assert_contains "$capa" "UIDL" "plain POP3 CAPA"
assert_not_contains "$capa" "STLS" "plain POP3 CAPA"

# Seeding and counting, and a real POP3 login sees the mail.
remote_user harness-src
pw=$(remote_password harness-src)
assert_eq 0 "$(remote_count harness-src)" "remote count before seeding"
seed_remote harness-src "$(make_msg harness-1 "one")" "$(make_msg harness-2 "two")"
assert_eq 2 "$(remote_count harness-src)" "remote count after seeding"
stat=$(pop3_chat "$PLAIN_POP3_PORT" "USER harness-src" "PASS $pw" STAT QUIT | sed -n 4p)
assert_match "$stat" '^\+OK 2 [0-9]+$' "POP3 STAT after seeding"
# APOP login against the real server (digest of timestamp + password).
apop=$(python3 - "$REMOTE_POP3_PORT" harness-src "$pw" <<'PY'
import hashlib, re, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
ts = re.search(rb"<[^>]+>", f.readline()).group(0)
s.sendall(b"APOP %s %s\r\n" % (sys.argv[2].encode(),
          hashlib.md5(ts + sys.argv[3].encode()).hexdigest().encode()))
print(f.readline().decode().rstrip())
PY
)
assert_match "$apop" '^\+OK' "APOP login to the remote"

# The local userdb hands the account settings to doveadm.
local_user harness-dst "retrieve=$(url pop3 harness-src)" "retrieve_password=$pw" \
	retrieve_keep=yes
# userdb_field NAME: one field of harness-dst's userdb lookup (one field at
# a time, so the password field is never printed).
userdb_field() {
	doveadm -c "$LOCAL_BASE_CONF" user -f "$1" harness-dst 2>&1 ||
		fail "doveadm user -f $1 harness-dst failed"
}
assert_eq "pop3://harness-src@127.0.0.1:$REMOTE_POP3_PORT" "$(userdb_field retrieve)" "userdb retrieve field"
assert_eq yes "$(userdb_field retrieve_keep)" "userdb retrieve_keep field"
assert_eq "$IT_WORK/local-home/harness-dst" "$(userdb_field home)" "userdb home"
[[ $(userdb_field retrieve_password) == "$pw" ]] || fail "userdb retrieve_password field is not the password"

# Local inspection helpers on an empty user.
assert_eq 0 "$(local_count harness-dst INBOX)" "local INBOX count of a new user"

# The fake POP3 server, with STLS.
fake_pop3_start harness normal "$IT_WORK/msgs/harness-1"
out=$(s_client "$FAKE_PORT" -starttls pop3) || fail "STLS to the fake server failed: $(tail -3 <<<"$out")"
out=$(pop3_chat "$FAKE_PORT" "USER x" "PASS $FAKE_PASSWORD" UIDL QUIT)
assert_contains "$out" "1 fake-harness-1" "fake server UIDL"
assert_eq 1 "$(fake_count harness)" "fake server message count"
fake_pop3_stop harness

case_pass
