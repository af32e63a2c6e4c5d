#!/usr/bin/env bash
# Case 64: time without bound (fake server, retrieve_timeout=3s,
# retrieve_message_timeout=4s). A server trickling a message one byte
# every 0.2 s (the step timeout never fires), or only its "+OK" line so,
# ends at the per-message deadline; a server that stops in the middle of the UIDL listing or
# before answering LIST ends at the step timeout. Nothing partial is
# delivered, nothing deleted that was not delivered.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

H_ERROR="Timed out after 4 seconds receiving message 2 .*retrieve_message_timeout" \
	hostile_scenario h-trickle trickle-retr:2 remote_tempfail
H_ERROR="Timed out after 4 seconds receiving message 2 .*retrieve_message_timeout" \
	hostile_scenario h-tricklehead trickle-head:2 remote_tempfail
H_ERROR="Timed out after 3 seconds" \
	hostile_scenario h-stalluidl stall:uidl remote_tempfail
H_ERROR="Timed out after 3 seconds" \
	hostile_scenario h-stalllist stall:list remote_tempfail

case_pass
