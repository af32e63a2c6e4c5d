#!/usr/bin/env bash
# Case 76 (issue 9, doc/design.md "Sieve run by us"): Sieve run by us. A
# fileinto into a folder that can't exist (an invalid name) is a
# permanent error: the message goes into the account's folder instead,
# as Pigeonhole's implicit keep does, with a warning; with fileinto+keep
# it is there once. The run is ok and nothing stays on the remote. A
# runtime error (a folder name that isn't UTF-8) fails the script: its
# implicit keep stores the message, the error goes to the user's log,
# and so does the fallback of the invalid name.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

home=$IT_WORK/local-home/kfb-dst
mkdir -p "$home/sieve"
cat >"$home/sieve/kfb.sieve" <<'SIEVE'
require ["fileinto", "mailbox", "variables", "encoded-character"];
if header :contains "subject" "notutf8" {
  set "name" "x${hex:ff}";
  fileinto "${name}";
  stop;
}
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
	"$(make_msg kfb-good "good one")" \
	"$(make_msg kfb-utf "notutf8 name")"
local_user kfb-dst $(acct retrieve kfb-src pop3)

RETRIEVE_DEBUG=1 retrieve_run kfb-dst
assert_run_ok
assert_result retrieve ok
assert_eq 4 "$(run_field retrieve messages)" "messages column"
assert_eq $'badkeep here\nbadname here\nnotutf8 name' "$(local_subjects kfb-dst INBOX)" "INBOX subjects"
assert_eq "good one" "$(local_subjects kfb-dst Good)" "Good subjects"
assert_contains "$(cat "$RUN_ERR")" "Running Sieve ourselves" "Sieve run by us"
assert_contains "$(cat "$RUN_ERR")" "can't store into a..b" "fallback logged"
assert_contains "$(cat "$RUN_ERR")" "keeping it in INBOX instead" "fallback folder logged"
[[ -f $home/.dovecot.sieve.log ]] || fail "no user log"
assert_contains "$(cat -v "$home/.dovecot.sieve.log")" "invalid folder name" "runtime error in the user log"
assert_contains "$(cat "$home/.dovecot.sieve.log")" "failed to store into mailbox a..b" "fallback in the user log"

case_pass
