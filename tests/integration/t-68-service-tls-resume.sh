#!/usr/bin/env bash
# Case 68: a worker that is reused for the next run (single-uid setup)
# resumes the TLS session it had with a remote instead of a full
# handshake, and only for the host name the session's certificate was
# verified for: the same server under a name its certificate does not
# carry still fails verification on every run.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

# A remote whose one pop3-login process is reused, so the session tickets
# it issues (keyed per process) can be resumed: like the service bench's
# remote. Listens on 127.0.0.2 too, a name its certificate lacks.
R=r68-$CASE
instance_dirs "$R"
port=$(free_ports 1)
{
	remote_conf_common "$R" yes server
	cat <<CONF
service pop3-login {
  inet_listener pop3s {
    address = 127.0.0.1, 127.0.0.2
    port = $port
    ssl = yes
  }
  service_count = 0
  process_min_avail = 1
  process_limit = 1
}
CONF
} >"$IT_WORK/$R/dovecot.conf"
sed -i "s/^protocols = .*/protocols = pop3/" "$IT_WORK/$R/dovecot.conf"
conf_check "$IT_WORK/$R/dovecot.conf"
instance_start --case "$R" "$IT_WORK/$R/dovecot.conf" "$port"

remote_user tlsres-src
pw=$(remote_password tlsres-src)
SVC_EXTRA_CONF="log_debug = category=retrieve-service OR category=retrieve
service retrieve-worker {
  user = $MAIL_USER
  process_min_avail = 1
  process_limit = 2
}
service auth {
  unix_listener auth-userdb {
    user = $MAIL_USER
  }
}"
svc_write_config
svc_user tlsres-dst retrieve="pop3s://tlsres-src@localhost:$port" \
	retrieve_password="$pw" retrieve_interval=1s
svc_user tlsres-bad retrieve="pop3s://tlsres-src@127.0.0.2:$port" \
	retrieve_password="$pw" retrieve_interval=1s
svc_start

resumed() { grep -c 'TLS handshake done, session resumed' "$SVC_LOG"; }
wait_until 20 eval '(( $(resumed) >= 2 ))' ||
	svc_fail "no resumed TLS session in 20 s ($(grep -c 'TLS handshake done' "$SVC_LOG") handshakes)"
seed_remote tlsres-src "$(make_msg tlsres-1 "Over a resumed session")"
wait_until 15 eval '[[ $(svc_count tlsres-dst) == 1 ]]' ||
	svc_fail "the message did not arrive"

# the other name: refused every time, never resumed (its runs back off
# after failures, so wait for two)
bad_err() { grep -F 'tlsres-bad' "$SVC_LOG" | grep -c "TLS certificate of 127.0.0.2 not trusted"; }
wait_until 30 eval '(( $(bad_err) >= 2 ))' ||
	svc_fail "$(bad_err) certificate errors for 127.0.0.2 in 30 s"
bad_ok=$(grep -F 'tlsres-bad' "$SVC_LOG" | grep -c 'TLS handshake done') || true
assert_eq 0 "$bad_ok" "handshakes accepted for 127.0.0.2"
grep -F 'tlsres-bad' "$SVC_LOG" | grep -q 'session resumed' &&
	svc_fail "a session was resumed for 127.0.0.2"
svc_stop
instance_stop "$R"
# the bad account's errors are expected: only panics and leaks count
svc_check_log
case_pass
