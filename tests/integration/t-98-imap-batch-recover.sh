#!/usr/bin/env bash
# Case 98: IMAP, a mirrored folder other than INBOX: an interrupted batch
# of its direct saves is recovered in its local folder. A crash came
# after the batch's "pending" records (remote folder Work, the local
# folder it maps to), during the local commit: two of its four messages
# were committed, two were not. The next run records the two it finds
# there by GUID, fetches only the other two, and nothing is duplicated.
# The crash is staged from a completed run, as in case 91.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin
imapr_start

remote_user i92src
imapr_py i92src <<'PY'
M.create("Work")
for i in range(1, 5):
    append("Work", "i92-%d" % i, "work %d" % i, "\\Seen")
PY
local_user i92dst $(imapr_acct retrieve i92src) retrieve_folders=mirror \
	retrieve_folder=Imp retrieve_keep=yes retrieve_filter=no
imap_retrieve_run i92dst
assert_run_ok
assert_result retrieve ok
assert_eq 4 "$(run_field retrieve messages)" "first run: messages column"

local_folder=$(local_imap_folders i92dst | grep -E '^Imp.Work$') ||
	fail "harness: no local Work folder in: $(local_imap_folders i92dst | tr '\n' ' ')"
assert_eq 4 "$(local_imap_count i92dst "$local_folder")" "harness: local $local_folder"
declare -A uid guid
while IFS=$'\t' read -r u msgid; do
	uid[$msgid]=$u
done < <(doveadm -c "$IMAPR_CONF" -f tab fetch -u i92src 'uid hdr.message-id' \
	mailbox Work all | tail -n +2)
while IFS=$'\t' read -r g msgid; do
	guid[$msgid]=$g
done < <(doveadm -c "$LOCAL_IMAP_BASE_CONF" -f tab fetch -u i92dst 'guid hdr.message-id' \
	mailbox "$local_folder" all | tail -n +2)
((${#uid[@]} == 4 && ${#guid[@]} == 4)) ||
	fail "harness: ${#uid[@]} UIDs and ${#guid[@]} GUIDs, not 4"

# The crash: no uid record, messages 3 and 4 never committed locally.
state=$(state_files i92dst)
[[ $(grep -c . <<<"$state") == 1 ]] || fail "harness: want one state file, got: $state"
journal=${state%.state}.log
rm -f "$state" "$journal"
{
	printf 'dovecot-retrieve-journal\t0\n'
	for i in 1 2 3 4; do
		id="<i92-$i@retrieve-it>"
		[[ -n ${uid[$id]:-} && -n ${guid[$id]:-} ]] || fail "harness: no UID or GUID for $id"
		printf 'pending\tWork\t%s\t\t%s\t%s\t1\n' "${uid[$id]}" "$local_folder" "${guid[$id]}"
	done
} >"$journal"
chown "$MAIL_USER:" "$journal"
for i in 3 4; do
	doveadm -c "$LOCAL_IMAP_BASE_CONF" expunge -u i92dst mailbox "$local_folder" \
		header Message-ID "<i92-$i@retrieve-it>" ||
		fail "harness: local expunge of i92-$i failed"
done
assert_eq 2 "$(local_imap_count i92dst "$local_folder")" "harness: local count after the staged crash"

imap_retrieve_run i92dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "recovery run: messages column"
assert_eq 2 "$(folder_field retrieve Work messages)" "recovery run: Work row"
grep -q "interrupted while committing 4 messages: 2 of them were saved" "$RUN_ERR" ||
	fail "no recovery warning: $(cat "$RUN_ERR")"
assert_eq 4 "$(local_imap_count i92dst "$local_folder")" "local $local_folder after recovery"
assert_eq "" "$(local_msgid_dups i92dst)" "duplicates after recovery"
# the flags came along with the two fetched again
assert_eq 4 "$(doveadm -c "$LOCAL_IMAP_BASE_CONF" search -u i92dst mailbox "$local_folder" seen | grep -c .)" \
	"\\Seen messages in $local_folder"

imap_retrieve_run i92dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "third run: messages column"
case_pass
