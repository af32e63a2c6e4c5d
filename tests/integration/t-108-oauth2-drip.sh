#!/usr/bin/env bash
# Case 108: a token endpoint that sends its reply's body a byte every
# half second (each read within http-client's per-read timeouts) is
# bounded by retrieve_timeout for the whole exchange: with 3 s the run
# ends remote_tempfail within ~10 s saying it timed out, nothing logs in,
# nothing is retrieved or logged secret; the next run, the endpoint
# healthy again, retrieves the message once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
oauth2_start

conf=$(local_conf_variant oauth2-timeout-3s "$OAUTH2_CONF" <<'EOF2'
plugin {
  retrieve_timeout = 3s
}
EOF2
)

remote_user oa-drip
seed_remote oa-drip "$(make_msg oa-drip-1 "Drip one")"
rt=$(oauth2_grant oa-drip)
local_user oa-drip-dst $(oauth2_acct retrieve pop3 oa-drip test "$rt")

oauth2_ctl set "drip=0.5" >/dev/null
start=$(date +%s%N)
RUN_CONF=$conf retrieve_run oa-drip-dst
elapsed=$((($(date +%s%N) - start) / 1000000))
oauth2_ctl set "drip=0" >/dev/null
assert_run_failed
assert_result retrieve remote_tempfail
assert_match "$(run_field retrieve error)" "no complete reply in 3 s" "error column"
assert_error_logged oa-drip-dst "retrieve(retrieve)" "token endpoint of provider test: no complete reply"
((elapsed >= 2500)) || fail "the run ended after $elapsed ms, before the 3 s timeout"
((elapsed <= 10000)) || fail "the run took $elapsed ms with retrieve_timeout=3s"
[[ -z $(oauth2_remote_logins oa-drip) ]] || fail "a login without a complete token reply"
assert_eq 0 "$(local_count oa-drip-dst INBOX)" "local INBOX after the timeout"
oauth2_assert_no_secret "$RUN_OUT" "$RUN_ERR"

RUN_CONF=$conf retrieve_run oa-drip-dst
assert_run_ok
assert_result retrieve ok
assert_eq 1 "$(local_count oa-drip-dst INBOX)" "local INBOX after the healthy run"

case_pass
