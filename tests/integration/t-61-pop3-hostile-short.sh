#!/usr/bin/env bash
# Case 61: a message that arrives cut short (fake server, keep=no): RETR
# ended by "." after a third of the message, a lone "." inside the
# message left unstuffed (the rest follows as garbage), "+OK" and "." at
# once. The part is never delivered, the original never deleted; the
# error names the message; the healthy run brings it whole.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

H_ERROR="Message 2 .* ended after [0-9]+ of [0-9]+ announced bytes" H_SKIPPED=1 \
	hostile_scenario h-short short-retr:2 remote_error
# the rest of the message then arrives as replies to later commands
H_WARN="ended after [0-9]+ of [0-9]+ announced bytes" \
	hostile_scenario h-unstuffed unstuffed:2 remote_error
H_ERROR="Message 1 .* ended after 0 of [0-9]+ announced bytes" \
	hostile_scenario h-emptyretr empty-retr:1 remote_error

case_pass
