#!/usr/bin/env bash
# Case 34: retrieve_timeout limits every protocol step. A fake server that
# stops answering (first before the RETR reply, then in the middle of a
# message body, never released) with retrieve_timeout=3s (plugin setting):
# the run ends remote_tempfail within ~10 s, the error says it timed out,
# no partial message is delivered and nothing is deleted on the server.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

python3 - "$(make_msg to-big "Timeout big")" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.write("TIMEOUT-BIG-BEGIN\n" + ("timeout filler line\n" * 20000) + "TIMEOUT-BIG-END\n")
PY

conf=$(local_conf_variant timeout-3s <<'EOF2'
plugin {
  retrieve_timeout = 3s
}
EOF2
)

check_stall() { # SCRIPT
	local script=$1 name=to-$1 start elapsed
	rm -f "$IT_WORK/fake/$name.release"
	fake_pop3_start "$name" "$script" "$IT_WORK/msgs/to-big" \
		"$(make_msg "$name-2" "Timeout two")"
	local_user "$name-dst" $(fake_acct retrieve)
	start=$(date +%s%N)
	RUN_CONF=$conf retrieve_run "$name-dst"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[[ -e $IT_WORK/fake/$name.stalled ]] || fail "$script: the server never stalled"
	assert_run_failed
	assert_result retrieve remote_tempfail
	assert_match "$(run_field retrieve error)" "timed out" "$script: error column"
	assert_error_logged "$name-dst" retrieve "timed out"
	((elapsed >= 2500)) || fail "$script: run ended after ${elapsed} ms, before the 3 s timeout"
	((elapsed <= 10000)) || fail "$script: run took ${elapsed} ms with retrieve_timeout=3s"
	assert_eq 0 "$(run_field retrieve messages)" "$script: messages column"
	assert_eq 0 "$(local_file_count "$name-dst")" "$script: local messages"
	assert_eq 0 "$(local_find_all "$name-dst" TIMEOUT-BIG-BEGIN | grep -c .)" \
		"$script: partial copies"
	assert_eq 2 "$(fake_count "$name")" "$script: messages left on the server"
	fake_pop3_stop "$name"
}

check_stall stall-retr
check_stall stall-half-retr

case_pass
