#!/usr/bin/env bash
# Case 77 (issue 9, doc/design.md "Sieve run by us"): Sieve run by us only when
# the script's extensions behave the same without a user. mailboxexists
# would always be true there: a script using it goes through
# mail_deliver() for the run, where it gets the real answer. So does a
# script using editheader (off the list: Pigeonhole stores the edited
# message, we would store the original).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

home=$IT_WORK/local-home/alw-dst
mkdir -p "$home/sieve"
cat >"$home/sieve/alw.sieve" <<'SIEVE'
require ["fileinto", "mailbox"];
if mailboxexists "Nope" {
  fileinto :create "Wrong";
  stop;
}
if header :contains "subject" "junk" {
  fileinto :create "Junk";
}
SIEVE
ln -s sieve/alw.sieve "$home/.dovecot.sieve"
chown -R "$MAIL_USER:" "$home"

remote_user alw-src
seed_remote alw-src \
	"$(make_msg alw-ham "hello")" \
	"$(make_msg alw-junk "junk here")"
local_user alw-dst $(acct retrieve alw-src pop3)

RETRIEVE_DEBUG=1 retrieve_run alw-dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "messages column"
assert_eq "hello" "$(local_subjects alw-dst INBOX)" "INBOX subjects"
assert_eq "junk here" "$(local_subjects alw-dst Junk)" "Junk subjects"
[[ ! -e $home/Maildir/.Wrong ]] || fail "mailboxexists was true: .Wrong exists"
assert_contains "$(cat "$RUN_ERR")" "Sieve through mail_deliver(): " "fallback used"
assert_contains "$(cat "$RUN_ERR")" "uses mailboxexists" "fallback reason"

home=$IT_WORK/local-home/alw2-dst
mkdir -p "$home/sieve"
cat >"$home/sieve/alw2.sieve" <<'SIEVE'
require "editheader";
addheader "X-Alw-Edited" "yes";
SIEVE
ln -s sieve/alw2.sieve "$home/.dovecot.sieve"
chown -R "$MAIL_USER:" "$home"

remote_user alw2-src
seed_remote alw2-src "$(make_msg alw2-msg "edit me")"
# version-specific: 2.4's sieve_extensions is a boollist
if [[ $DOVECOT_API == 2.4 ]]; then
	editheader=sieve_extensions/editheader=yes
else
	editheader=sieve_extensions=+editheader
fi
local_user alw2-dst $(acct retrieve alw2-src pop3) "$editheader"

RETRIEVE_DEBUG=1 retrieve_run alw2-dst
assert_run_ok
assert_result retrieve ok
assert_eq "edit me" "$(local_subjects alw2-dst INBOX)" "editheader: INBOX subjects"
assert_contains "$(cat "$RUN_ERR")" "uses the Sieve extension editheader" "editheader: fallback reason"
hdr=$(doveadm -c "$LOCAL_BASE_CONF" -f tab fetch -u alw2-dst hdr \
	mailbox INBOX all 2>/dev/null)
assert_contains "$hdr" "X-Alw-Edited: yes" "editheader: the edited message stored"

case_pass
