#!/usr/bin/env bash
# PROTOTYPE (issue 9, doc/sieve-store-study.md): Sieve run by us. A
# fileinto into a folder that can't exist (an invalid name) is a
# permanent error: the message goes into the account's folder instead,
# as Pigeonhole's implicit keep does, with a warning; with fileinto+keep
# it is there once. The run is ok and nothing stays on the remote.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

home=$IT_WORK/local-home/kfb-dst
mkdir -p "$home/sieve"
cat >"$home/sieve/kfb.sieve" <<'SIEVE'
require ["fileinto", "mailbox"];
if header :contains "subject" "badname" {
  fileinto :create "a..b";
  stop;
}
if header :contains "subject" "badkeep" {
  fileinto :create "a..b";
  keep;
  stop;
}
fileinto :create "Good";
SIEVE
ln -s sieve/kfb.sieve "$home/.dovecot.sieve"
chown -R "$MAIL_USER:" "$home"

remote_user kfb-src
seed_remote kfb-src \
	"$(make_msg kfb-bad "badname here")" \
	"$(make_msg kfb-keep "badkeep here")" \
	"$(make_msg kfb-good "good one")"
local_user kfb-dst $(acct retrieve kfb-src pop3)

RETRIEVE_DEBUG=1 retrieve_run kfb-dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "messages column"
assert_eq $'badkeep here\nbadname here' "$(local_subjects kfb-dst INBOX)" "INBOX subjects"
assert_eq "good one" "$(local_subjects kfb-dst Good)" "Good subjects"
assert_contains "$(cat "$RUN_ERR")" "Running Sieve ourselves" "prototype used"
assert_contains "$(cat "$RUN_ERR")" "can't store into a..b" "fallback logged"
assert_contains "$(cat "$RUN_ERR")" "keeping it in INBOX instead" "fallback folder logged"

case_pass
