#!/usr/bin/env bash
# Case 110: a run that retrieves nothing leaves the user's mail storage
# alone: no Maildir, no folder, no index is created for an account whose
# remote mailbox is empty, with Sieve (filter=yes) or without. Its status
# is still recorded. The first message creates (and subscribes) the
# account's folder, and goes where it would have gone.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin

remote_user e110src
local_user e110sieve $(acct retrieve e110src pop3) retrieve_keep=yes \
	retrieve_folder=Fetched
local_user e110direct $(acct retrieve e110src pop3) retrieve_keep=yes \
	retrieve_folder=Fetched retrieve_filter=no

for u in e110sieve e110direct; do
	retrieve_run $u
	assert_run_ok
	assert_result retrieve ok
	assert_eq 0 "$(run_field retrieve messages)" "$u: empty run"
	[[ -e $IT_WORK/local-home/$u/Maildir ]] &&
		fail "$u: the empty run created $(find "$IT_WORK/local-home/$u/Maildir" | head -5)"
	[[ -n $(status_files $u) ]] || fail "$u: the empty run recorded no status"
	retrieve_cmd status $u
	assert_eq 1 "$(run_field retrieve runs)" "$u: status runs"
done

seed_remote e110src "$(make_msg e110-1 "First news")" "$(make_msg e110-2 "[SPAM] Junk news")"
for u in e110sieve e110direct; do
	retrieve_run $u
	assert_run_ok
	assert_eq 2 "$(run_field retrieve messages)" "$u: first messages"
	assert_message_once $u Fetched e110-1
	doveadm -c "$LOCAL_BASE_CONF" mailbox list -s -u $u >"$CASE_OUT/$u.subscribed" 2>&1
	assert_contains "$(cat "$CASE_OUT/$u.subscribed")" "Fetched" "$u: subscribed"
done
# Sieve ran for one of them only
assert_eq "[SPAM] Junk news" "$(local_subjects e110sieve Junk)" "e110sieve: Junk"
assert_message_once e110direct Fetched e110-2
assert_eq 0 "$(local_count e110direct Junk)" "e110direct: Junk"

case_pass
