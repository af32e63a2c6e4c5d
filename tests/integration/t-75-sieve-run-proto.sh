#!/usr/bin/env bash
# Case 75 (issue 9, doc/design.md "Sieve run by us"): Sieve run by us, its
# stores saved in batches. fileinto with imap4flags flags and keywords,
# fileinto plus keep (two copies), discard, implicit keep.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

home=$IT_WORK/local-home/proto-dst
mkdir -p "$home/sieve"
cat >"$home/sieve/proto.sieve" <<'SIEVE'
require ["fileinto", "mailbox", "imap4flags"];
if header :contains "subject" "[SPAM]" {
  fileinto :create "Junk";
  stop;
}
if header :contains "subject" "flagme" {
  addflag "\\Flagged";
  addflag "$Proto";
  fileinto :create "Flagged";
}
if header :contains "subject" "both" {
  fileinto :create "Other";
  keep;
}
if header :contains "subject" "drop" {
  discard;
  stop;
}
SIEVE
ln -s sieve/proto.sieve "$home/.dovecot.sieve"
chown -R "$MAIL_USER:" "$home"

remote_user proto-src
seed_remote proto-src \
	"$(make_msg proto-ham "Hello one")" \
	"$(make_msg proto-spam "[SPAM] Cheap pills")" \
	"$(make_msg proto-flag "please flagme")" \
	"$(make_msg proto-both "both places")" \
	"$(make_msg proto-drop "drop this")"
local_user proto-dst $(acct retrieve proto-src pop3)

RETRIEVE_DEBUG=1 retrieve_run proto-dst
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(run_field retrieve messages)" "messages column"
assert_eq $'Hello one\nboth places' "$(local_subjects proto-dst INBOX)" "INBOX subjects"
assert_eq "[SPAM] Cheap pills" "$(local_subjects proto-dst Junk)" "Junk subjects"
assert_eq "both places" "$(local_subjects proto-dst Other)" "Other subjects"
assert_eq "please flagme" "$(local_subjects proto-dst Flagged)" "Flagged subjects"
flags=$(doveadm -c "$LOCAL_BASE_CONF" -f tab fetch -u proto-dst flags \
	mailbox Flagged all 2>/dev/null | tail -n +2)
assert_contains "$flags" '\Flagged' "imap4flags flag"
assert_contains "$flags" '$Proto' "imap4flags keyword"
assert_contains "$(cat "$RUN_ERR")" "Running Sieve ourselves" "Sieve run by us"
[[ -f $home/.dovecot.svbin ]] || fail "the compiled binary was not saved"

case_pass
