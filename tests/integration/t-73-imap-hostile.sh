#!/usr/bin/env bash
# Case 73: a hostile or broken IMAP server (fake server), one fault per
# scenario on the first connection, well-behaved after: connection resets
# at each stage, a failed TLS handshake, a stall and a one-byte-a-second
# trickle inside a literal, garbage, an untagged BYE, EXISTS lies, NO and
# BAD to UID FETCH, an endless line. Each run ends in bounded time with
# one error line at most, loses nothing, delivers nothing truncated, and
# the next run recovers every message exactly once.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

for stage in greeting capability starttls login select fetch-header fetch-mid; do
	imap_hostile_scenario "i73-$stage" "reset-$stage" "remote_tempfail|remote_error"
done
# the connection lost after delivery: flagged/expunged by the next run
imap_hostile_scenario i73-store reset-store "remote_tempfail"
imap_hostile_scenario i73-expunge reset-expunge "remote_tempfail"
imap_hostile_scenario i73-tls tls-fail "remote_error|remote_tempfail"
imap_hostile_scenario i73-garbage garbage "remote_error|remote_tempfail"
imap_hostile_scenario i73-bye bye-fetch "remote_tempfail"
imap_hostile_scenario i73-exists exists-lie "ok"
imap_hostile_scenario i73-zero exists-zero "ok"
imap_hostile_scenario i73-fno fetch-no "ok|remote_error"
imap_hostile_scenario i73-fbad fetch-bad "remote_tempfail|remote_error"
imap_hostile_scenario i73-long long-line "remote_tempfail|remote_error"
# 200,000 listed messages more than EXISTS: ignored, never fetched
HOSTILE_MAX_SECS=15 imap_hostile_scenario i73-flood uid-flood "ok"
grep -q "UID FETCH 1:3 (UID RFC822.SIZE INTERNALDATE" "$IT_WORK/fake/i73-flood.log" ||
	fail "uid-flood: not just the real messages were fetched"
grep -q "more messages than EXISTS" "$CASE_OUT/run-$((RUN_SEQ - 1)).err" ||
	fail "uid-flood: not logged"
# imapc's command timeout (retrieve_timeout)
RUN_CONF=$(local_conf_variant i73-timeout <<'CONF'
plugin {
  retrieve_timeout = 3s
}
CONF
)
RUN_CONF=$RUN_CONF imap_hostile_scenario i73-stall stall-fetch "remote_tempfail"
# a trickle resets imapc's timeout on every byte: the per-message
# deadline (retrieve_message_timeout, an admin setting) ends it
RUN_CONF=$(local_conf_variant i73-msgtimeout <<'CONF'
plugin {
  retrieve_message_timeout = 4s
}
CONF
)
HOSTILE_MAX_SECS=12 RUN_CONF=$RUN_CONF imap_hostile_scenario i73-trickle trickle-fetch "remote_tempfail"
grep -q "retrieve_message_timeout" "$CASE_OUT/run-$((RUN_SEQ - 1)).err" ||
	fail "trickle: the error does not name retrieve_message_timeout"

case_pass
