#!/usr/bin/env bash
# Case 66: a POP3 server that resets the connection at every stage
# (greeting, CAPA, STLS, USER, STAT, UIDL, in the middle of UIDL, LIST,
# after RETR's +OK, in the middle of a message), answers with garbage
# (STAT, LIST, RETR), or fails the TLS handshake after STLS +OK (fake
# server, keep=no). Each run ends in bounded time with one error line,
# loses and truncates nothing; the healthy run recovers everything.
# (Resets at PASS, DELE and QUIT: cases 65 and 62; stalls: 34 and 64.)
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
hostile_conf

for stage in greeting capa stls user stat uidl uidl-mid list retr-head; do
	H_ERROR="closed|lost" hostile_scenario "h-reset-$stage" "reset:$stage" remote_tempfail
done
H_ERROR="in the middle of a response" \
	hostile_scenario h-reset-retrmid drop-retr:2 remote_tempfail
for stage in stat list retr; do
	H_ERROR="Invalid reply to ${stage^^}" \
		hostile_scenario "h-garbage-$stage" "garbage:$stage" remote_error
done
H_ERROR="TLS|SSL|handshake" hostile_scenario h-badtls bad-tls remote_error

case_pass
