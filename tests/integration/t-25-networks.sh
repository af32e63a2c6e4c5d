#!/usr/bin/env bash
# Case 25: SSRF guard. Without retrieve_allow_networks, an account pointing
# at 127.0.0.1 (POP3 and IMAP, by address and by the name localhost, and
# the IPv4-mapped ::ffff:127.0.0.1) is refused with config_error naming the
# address and the denied network, and nothing reaches the server;
# retrieve_deny_networks adds networks (allow wins only where it lists the
# address); a malformed list disables retrieval with an error naming the
# setting; the test world's retrieve_allow_networks = 127.0.0.0/8 permits
# the loopback servers.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

conf_variant() { # NAME: LOCAL_IMAP_CONF plus stdin
	local f=$ETC/$1.conf
	{ echo "!include $LOCAL_IMAP_CONF"; cat; } >"$f"
	conf_check "$f"
	echo "$f"
}

remote_user n25src
seed_remote n25src "$(make_msg n25-1 "Network one")"
imapr_py n25src <<'PY'
append("INBOX", "n25-i1", "network imap")
PY
pw=$(remote_password n25src)
local_user n25dst \
	"retrieve=pop3s://n25src@127.0.0.1:$REMOTE_POP3S_PORT" "retrieve_password=$pw" \
	"retrieve2=imap://n25src@127.0.0.1:$IMAPR_PORT" "retrieve2_password=$pw" \
	"retrieve3=pop3s://n25src@localhost:$REMOTE_POP3S_PORT" "retrieve3_password=$pw" \
	"retrieve4=imap://n25src@localhost:$IMAPR_PORT" "retrieve4_password=$pw" \
	"retrieve5=pop3s://n25src@[::ffff:127.0.0.1]:$REMOTE_POP3S_PORT" "retrieve5_password=$pw" \
	retrieve_keep=yes retrieve2_keep=yes retrieve3_keep=yes retrieve4_keep=yes \
	retrieve5_keep=yes

# the built-in defaults: the test world's allow line emptied
deny_conf=$(conf_variant deny-default <<'EOF2'
plugin {
  retrieve_allow_networks =
}
EOF2
)
imapr_log_mark
log_mark remote
RUN_CONF=$deny_conf retrieve_run n25dst
assert_run_failed
for a in retrieve retrieve2 retrieve3 retrieve4 retrieve5; do
	assert_result $a config_error
	assert_match "$(run_field $a error)" \
		"Connecting to [:f]*127\.0\.0\.1 is not allowed.*127\.0\.0\.0/8" "$a error"
	assert_error_logged n25dst "retrieve($a)" "not allowed"
done
sleep 0.3
assert_eq "" "$(log_since remote | grep -F n25src)" "remote POP3 log while denied"
assert_eq "" "$(imapr_log_since | grep -F n25src)" "remote IMAP log while denied"
assert_eq 0 "$(local_file_count n25dst)" "local messages while denied"

# retrieve_deny_networks adds to the built-in list; allow wins only for
# the addresses it lists
conf=$(conf_variant deny-extra <<'EOF2'
plugin {
  retrieve_allow_networks = 127.0.0.2/32
  retrieve_deny_networks = 192.0.2.0/24, 127.0.0.0/8
}
EOF2
)
RUN_CONF=$conf retrieve_run n25dst -a retrieve
assert_result retrieve config_error
assert_match "$(run_field retrieve error)" "not allowed" "deny list over a narrower allow"

# a malformed list: retrieval disabled, the error names the setting
conf=$(conf_variant deny-bad <<'EOF2'
plugin {
  retrieve_deny_networks = 10.0.0.0/99
}
EOF2
)
RUN_CONF=$conf retrieve_run n25dst -a retrieve
assert_run_failed
grep -q "retrieve_deny_networks" "$RUN_ERR" || fail "the malformed list is not named"

# the test world's allow list permits loopback, by address and name
for a in retrieve retrieve2 retrieve4; do
	imap_retrieve_run n25dst -a $a
	assert_run_ok
	assert_result $a ok
	assert_eq 2 "$(run_field $a messages)" "$a: allowed run's messages"
done

case_pass
