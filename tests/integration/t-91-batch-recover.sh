#!/usr/bin/env bash
# Case 91: an interrupted batch of direct saves (filter=no) is recovered
# by GUID, or by the id of the Received: header where maildir lost it. A crash came after a batch's "pending" records, during its
# local commit: three of its five messages were committed (saved, not
# recorded; one of them not even indexed yet), two were not. The next run finds the three by their GUIDs
# and records them without fetching them again, retrieves the other two,
# and says so in one warning; no message is lost or duplicated, also
# when a run failing before the recovery came in between.
# The crash is staged from a completed run: the journal is what the
# batch writes before its commit, and two local copies are removed.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin

remote_user b91src
files=()
for i in 1 2 3 4 5; do
	files+=("$(make_msg "b91-$i" "Batch $i")")
done
seed_remote b91src "${files[@]}"
local_user b91dst $(acct retrieve b91src pop3) retrieve_keep=yes retrieve_filter=no

retrieve_run b91dst
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(run_field retrieve messages)" "first run: messages column"

# Dovecot's POP3 UIDLs (%08Xu%08Xv, lowercase hex) and the local GUIDs
uidvalidity=$(doveadm -c "$REMOTE_CONF" -f tab mailbox status -u b91src uidvalidity INBOX |
	awk -F'\t' 'NR == 2 { print $NF }')
[[ $uidvalidity =~ ^[0-9]+$ ]] || fail "harness: uidvalidity '$uidvalidity'"
declare -A uidl guid
while IFS=$'\t' read -r uid msgid; do
	uidl[$msgid]=$(printf '%08x%08x' "$uid" "$uidvalidity")
done < <(doveadm -c "$REMOTE_CONF" -f tab fetch -u b91src 'uid hdr.message-id' \
	mailbox INBOX all | tail -n +2)
while IFS=$'\t' read -r g msgid; do
	guid[$msgid]=$g
done < <(doveadm -c "$LOCAL_BASE_CONF" -f tab fetch -u b91dst 'guid hdr.message-id' \
	mailbox INBOX all | tail -n +2)
((${#uidl[@]} == 5 && ${#guid[@]} == 5)) ||
	fail "harness: ${#uidl[@]} UIDLs and ${#guid[@]} GUIDs, not 5"

# The crash: no uid record for any of the five, and messages 4 and 5
# never committed locally.
state=$(state_files b91dst)
[[ $(grep -c . <<<"$state") == 1 ]] || fail "harness: want one state file, got: $state"
journal=${state%.state}.log
rm -f "$state" "$journal"
{
	printf 'dovecot-retrieve-journal\t0\n'
	for i in 1 2 3 4 5; do
		id="<b91-$i@retrieve-it>"
		[[ -n ${uidl[$id]:-} && -n ${guid[$id]:-} ]] || fail "harness: no UIDL or GUID for $id"
		printf 'pending\t\t%s\t\tINBOX\t%s\t1\n' "${uidl[$id]}" "${guid[$id]}"
	done
} >"$journal"
chown "$MAIL_USER:" "$journal"
# Message 3's commit was cut off after its file reached new/ but before
# the uidlist had it: the file is there under another name, unindexed,
# and the GUID it was saved with (a maildir uidlist field) is gone; its
# Received: header's id still names it.
m3=$(grep -l -m1 '^Message-ID: <b91-3@retrieve-it>' $(local_msg_files b91dst)) ||
	fail "harness: no local file of b91-3"
cp "$m3" "$CASE_OUT/m3"
grep -q "^	by .* with POP3 id ${guid[<b91-3@retrieve-it>]} (dovecot-retrieve account retrieve)" "$m3" ||
	fail "harness: b91-3's Received: header has no id: $(head -3 "$m3")"
for i in 3 4 5; do
	doveadm -c "$LOCAL_BASE_CONF" expunge -u b91dst mailbox INBOX \
		header Message-ID "<b91-$i@retrieve-it>" ||
		fail "harness: local expunge of b91-$i failed"
done
new3=$IT_WORK/local-home/b91dst/Maildir/new/1700000000.M91P91.torn
cp "$CASE_OUT/m3" "$new3"
chown "$MAIL_USER:" "$new3"
assert_eq 3 "$(local_file_count b91dst)" "harness: local files after the staged crash"

# A run that fails before its recovery (its folder can't be created: a
# file stands where the Maildir++ directory would be) commits its
# status; the pending records must survive that commit (before, they
# were dropped and all five messages were fetched again: 3 duplicates).
local_user b91dst $(acct retrieve b91src pop3) retrieve_keep=yes retrieve_filter=no \
	retrieve_folder=Blocked
echo "not a folder" >"$IT_WORK/local-home/b91dst/Maildir/.Blocked"
chown "$MAIL_USER:" "$IT_WORK/local-home/b91dst/Maildir/.Blocked"
retrieve_run b91dst
assert_run_failed
assert_result retrieve local_tempfail
grep -q "^pending" "$state" || fail "the failed run's commit dropped the pending records"
local_user b91dst $(acct retrieve b91src pop3) retrieve_keep=yes retrieve_filter=no

retrieve_run b91dst
assert_run_ok
assert_result retrieve ok
# only the two that were not committed are fetched again
assert_eq 2 "$(run_field retrieve messages)" "recovery run: messages column"
grep -q "interrupted while committing 5 messages: 3 of them were saved" "$RUN_ERR" ||
	fail "no recovery warning: $(cat "$RUN_ERR")"
assert_eq 5 "$(local_count b91dst INBOX)" "local count after recovery"
assert_eq "" "$(local_msgid_dups b91dst)" "duplicates after recovery"
assert_eq "$(printf '%s\n' "${uidl[@]}" | sort)" \
	"$(awk -F'\t' '$1 == "uid" { print $2 }' "$state" | sort)" \
	"UIDLs in the state after recovery"

# and the recovered state is complete: nothing more is fetched
retrieve_run b91dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "third run: messages column"
case_pass
