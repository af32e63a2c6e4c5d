#!/usr/bin/env bash
# Case 62: deletions are committed only by QUIT's +OK (fake server,
# keep=no). QUIT answered -ERR, the connection closed instead of
# answering QUIT, closed at the second DELE: the deleted column says 0,
# the server keeps every message, the next run deletes them without
# delivering them twice.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

check_no_dup() { # NAME
	local n
	hostile_skip "$1" && return 0
	for n in 1 2 3; do
		assert_message_once "$1-dst" INBOX "$1-$n"
	done
}

H_DELETED=0 hostile_scenario h-quiterr quit-err remote_tempfail
check_no_dup h-quiterr
H_DELETED=0 hostile_scenario h-quitreset reset:quit remote_tempfail
check_no_dup h-quitreset
H_DELETED=0 hostile_scenario h-dele reset:dele remote_tempfail
check_no_dup h-dele

case_pass
