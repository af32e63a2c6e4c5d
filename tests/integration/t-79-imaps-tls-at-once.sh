#!/usr/bin/env bash
# imaps:// whose TLS handshake fails at once, inside imapc's connect
# (Dovecot 2.3.19 then flushes the stream its disconnect freed: signal
# 11). A plain-text IMAP server answers on the imaps port; the run is
# pinned to the server's CPU at idle priority, so the greeting is there
# before the run's handshake reads. Every run ends remote_error naming
# TLS, one error line, no crash; the case fails unless some runs hit the
# at-once path (imapc's "SSL handshake failed").
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
fake_imap_start f79 normal
taskset -a -p -c 0 "$(cat "$IT_WORK/fake/f79.pid")" >/dev/null ||
	case_skip "taskset failed"
local_user i79 "retrieve=imaps://fakeuser@127.0.0.1:$FAKE_PORT" \
	"retrieve_password=$FAKE_PASSWORD"
at_once=0
for ((i = 0; i < 6; i++)); do
	RUN_SEQ=$((RUN_SEQ + 1))
	RUN_OUT=$CASE_OUT/run-$RUN_SEQ.out
	RUN_ERR=$CASE_OUT/run-$RUN_SEQ.err
	RUN_CMD="doveadm retrieve run -u i79 (pinned, idle)"
	RUN_RC=0
	(timeout "$RUN_TIMEOUT" taskset -c 0 chrt --idle 0 \
		doveadm -c "$LOCAL_CONF" -f tab retrieve run -u i79 \
		>"$RUN_OUT" 2>"$RUN_ERR"; exit $?) 2>/dev/null || RUN_RC=$?
	[[ $RUN_RC == 124 ]] && fail "'$RUN_CMD' did not finish in ${RUN_TIMEOUT}s"
	check_run_log
	assert_run_failed
	assert_result retrieve remote_error
	assert_match "$(run_field retrieve error)" "SSL|TLS" "error column"
	assert_eq 1 "$(grep -c 'Error:' "$RUN_ERR")" "error lines of the run"
	[[ $(run_field retrieve error) == *"SSL handshake failed"* ]] &&
		at_once=$((at_once + 1))
done
((at_once > 0)) || fail "no run's handshake failed at once: the case tests nothing"
! grep -qE "C: [^ ]+ (LOGIN|AUTHENTICATE)" "$IT_WORK/fake/f79.log" ||
	fail "credentials were sent"
case_pass
