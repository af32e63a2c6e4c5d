#!/usr/bin/env bash
# Case 60: lies in the POP3 listings (fake server, keep=no). A UIDL listed
# for two messages (on two runs, so that the first copy is gone by the
# second): neither is retrieved nor deleted, both reported as skipped.
# An invalid UIDL (71 characters), a message missing from UIDL or from
# LIST: that message is skipped and reported, the others retrieved. A
# message number above the STAT count (10,000,000: memory) or a STAT
# count of 10,000,000: the run fails cleanly. Each then recovers.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

H_SKIPPED=2 H_DELETED=1 H_WARN="lists this UIDL for 2 messages" \
	hostile_scenario h-dupuidl "same-uidl:2:1,same-uidl:2:1" ok
H_SKIPPED=1 H_WARN="UIDL is invalid" \
	hostile_scenario h-baduidl bad-uidl:2 ok
H_SKIPPED=1 H_WARN="in LIST but not in UIDL" \
	hostile_scenario h-nouidl no-uidl:2 ok
H_SKIPPED=1 H_WARN="in UIDL but not in LIST" \
	hostile_scenario h-nolist no-list:3 ok
H_ERROR="above the STAT count" \
	hostile_scenario h-sparse sparse remote_error
H_ERROR="10000000 messages" \
	hostile_scenario h-statlie stat-lie:10000000 remote_error

case_pass
