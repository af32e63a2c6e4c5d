#!/usr/bin/env bash
# Case 63: sizes and lengths without bound (fake server, keep=no). LIST
# announcing 2^64-1 octets: the message is skipped (over
# retrieve_max_message_size), the others retrieved; so is one that
# would never end (it used to lift the limit on bytes received: spooled
# until the server stops). A message without end: aborted, nothing of it delivered. A message announced below the
# account's max_size that grows beyond it while being received: aborted
# at the cap on bytes received. A LIST line without end, a CAPA response
# without end: a clear error, not a growing buffer.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

H_SKIPPED=1 H_WARN="over retrieve_max_message_size" \
	hostile_scenario h-hugelist list-size:2:18446744073709551615 ok
H_SKIPPED=1 H_WARN="over retrieve_max_message_size" \
	hostile_scenario h-endlesshuge endless-huge:2 ok
H_ERROR="far more than the [0-9]+ bytes it announced" \
	hostile_scenario h-endless endless-retr:2 remote_error
H_ERROR="grew beyond 61440 bytes while being received \(max_size\)" \
	hostile_scenario h-growcap endless-retr:2 remote_error retrieve_max_size=60k
H_ERROR="too long line in the LIST response" \
	hostile_scenario h-endlessline endless-line remote_error
H_ERROR="endless CAPA response" \
	hostile_scenario h-endlesscapa endless-capa remote_error

case_pass
