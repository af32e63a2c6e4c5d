#!/usr/bin/env bash
# Case 22: retrieve_run_timeout (admin setting, 2 s here) ends a run whose
# server stalls (retrieve_timeout, the per-step limit, is 60 s): the run
# ends remote_tempfail "Run timeout after 2 s" within a few seconds, no
# panic, nothing delivered or deleted, and the next run (timeout lifted)
# retrieves everything once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

conf=$(local_conf_variant run-timeout <<'EOF2'
plugin {
  retrieve_run_timeout = 2s
}
EOF2
)
for script in stall-retr stall-half-retr; do
	name=rt-$script
	rm -f "$IT_WORK/fake/$name.release"
	fake_pop3_start "$name" "$script" "$(make_msg "$name-1" "Run timeout one")" \
		"$(make_msg "$name-2" "Run timeout two")"
	local_user "$name-dst" $(fake_acct retrieve)
	start=$(date +%s%N)
	RUN_CONF=$conf retrieve_run "$name-dst"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[[ -e $IT_WORK/fake/$name.stalled ]] || fail "$script: the server never stalled"
	assert_run_failed
	assert_result retrieve remote_tempfail
	assert_match "$(run_field retrieve error)" "Run timeout after 2 s" "$script: error column"
	assert_error_logged "$name-dst" retrieve "Run timeout"
	((elapsed >= 1500)) || fail "$script: run ended after ${elapsed} ms, before the 2 s deadline"
	((elapsed <= 8000)) || fail "$script: run took ${elapsed} ms with retrieve_run_timeout=2s"
	assert_eq 0 "$(local_file_count "$name-dst")" "$script: local messages"
	assert_eq 2 "$(fake_count "$name")" "$script: messages left on the server"

	touch "$IT_WORK/fake/$name.release"
	retrieve_run "$name-dst"
	assert_run_ok
	assert_eq 2 "$(run_field retrieve messages)" "$script: next run's messages"
	assert_message_once "$name-dst" INBOX "$name-1"
	assert_message_once "$name-dst" INBOX "$name-2"
	fake_pop3_stop "$name"
done

case_pass
