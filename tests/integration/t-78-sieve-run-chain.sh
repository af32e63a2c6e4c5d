#!/usr/bin/env bash
# Case 78 (issue 9, doc/design.md "Sieve run by us"): Sieve run by us over the
# sieve_before, personal, sieve_after chain and sieve_discard, as
# lda-sieve runs them: the next script runs only while the implicit keep
# is still wanted, and the discard script only when the message would be
# stored nowhere.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

home=$IT_WORK/local-home/chain-dst
global=$IT_WORK/chain-global
mkdir -p "$home/sieve" "$global"
cat >"$global/before.sieve" <<'SIEVE'
require ["fileinto", "copy"];
if header :contains "subject" "audit" {
  fileinto :copy "Audit";
}
SIEVE
cat >"$global/after.sieve" <<'SIEVE'
require "fileinto";
if header :contains "subject" "late" {
  fileinto "Late";
}
SIEVE
cat >"$global/discard.sieve" <<'SIEVE'
require "fileinto";
fileinto "Discarded";
SIEVE
cat >"$home/sieve/chain.sieve" <<'SIEVE'
require "fileinto";
if header :contains "subject" "work" {
  fileinto "Work";
}
if header :contains "subject" "drop" {
  discard;
}
SIEVE
ln -s sieve/chain.sieve "$home/.dovecot.sieve"
chown -R "$MAIL_USER:" "$home" "$global"

remote_user chain-src
seed_remote chain-src \
	"$(make_msg chain-1 "audit late")" \
	"$(make_msg chain-2 "work audit")" \
	"$(make_msg chain-3 "late work")" \
	"$(make_msg chain-4 "plain")" \
	"$(make_msg chain-5 "drop it")"
# version-specific: 2.4 names the scripts in the sieve_script list (the
# userdb's replaces the config's, so personal is named too)
if [[ $DOVECOT_API == 2.4 ]]; then
	chain=(sieve_script=personal,before,after,discard)
	for t in before after discard; do
		chain+=("sieve_script/$t/sieve_script_type=$t"
			"sieve_script/$t/sieve_script_path=$global/$t.sieve")
	done
else
	chain=(sieve_before=$global/before.sieve sieve_after=$global/after.sieve
		sieve_discard=$global/discard.sieve)
fi
local_user chain-dst $(acct retrieve chain-src pop3) "${chain[@]}"

RETRIEVE_DEBUG=1 retrieve_run chain-dst
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(run_field retrieve messages)" "messages column"
assert_eq "plain" "$(local_subjects chain-dst INBOX)" "INBOX subjects"
assert_eq $'audit late\nwork audit' "$(local_subjects chain-dst Audit)" "Audit subjects"
assert_eq "audit late" "$(local_subjects chain-dst Late)" "Late subjects"
assert_eq $'late work\nwork audit' "$(local_subjects chain-dst Work)" "Work subjects"
assert_eq "drop it" "$(local_subjects chain-dst Discarded)" "Discarded subjects"
assert_contains "$(cat "$RUN_ERR")" "Running Sieve ourselves" "Sieve run by us"
assert_contains "$(cat "$RUN_ERR")" "Sieve chain script 3: " "three scripts in the chain"
assert_contains "$(cat "$RUN_ERR")" "running the discard script" "discard script run"

case_pass
