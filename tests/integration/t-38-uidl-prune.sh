#!/usr/bin/env bash
# Case 38: keep=yes remembers the UIDLs it retrieved; when a message
# disappears from the server (expunged by another client), the next run
# marks its UIDL absent and the run after it (still absent: not a server
# glitch) drops it from the state, keeps the others, and fetches nothing
# again.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

remote_user prune-src
seed_remote prune-src "$(make_msg prune-1 "Prune one")" "$(make_msg prune-2 "Prune two")" \
	"$(make_msg prune-3 "Prune three")"
local_user prune-dst $(acct retrieve prune-src pop3) retrieve_keep=yes

# Dovecot's POP3 UIDL of each message: pop3_uidl_format's default
# %08Xu%08Xv, where Dovecot's %X modifier writes lowercase hex.
uidvalidity=$(doveadm -c "$REMOTE_CONF" -f tab mailbox status -u prune-src uidvalidity INBOX |
	awk -F'\t' 'NR == 2 { print $NF }')
[[ $uidvalidity =~ ^[0-9]+$ ]] || fail "harness: uidvalidity '$uidvalidity'"
declare -A uidl
while IFS=$'\t' read -r uid msgid; do
	uidl[$msgid]=$(printf '%08x%08x' "$uid" "$uidvalidity")
done < <(doveadm -c "$REMOTE_CONF" -f tab fetch -u prune-src 'uid hdr.message-id' \
	mailbox INBOX all | tail -n +2)
((${#uidl[@]} == 3)) || fail "harness: UIDLs of ${#uidl[@]} messages, not 3"
id1='<prune-1@retrieve-it>' id2='<prune-2@retrieve-it>' id3='<prune-3@retrieve-it>'
[[ -n ${uidl[$id2]:-} ]] || fail "harness: no UIDL for $id2: ${!uidl[*]}"

state_uids() { # the uid records of the user's single state file, sorted
	local files
	files=$(state_files prune-dst)
	[[ $(grep -c . <<<"$files") == 1 ]] || fail "want one state file, got: $files"
	awk -F'\t' '$1 == "uid" { print $2 }' "$files" | sort
}

retrieve_run prune-dst
assert_run_ok
assert_result retrieve ok
assert_eq 3 "$(run_field retrieve messages)" "first run: messages column"
assert_eq "$(printf '%s\n' "${uidl[$id1]}" "${uidl[$id2]}" "${uidl[$id3]}" | sort)" \
	"$(state_uids)" "first run: UIDLs in the state"

doveadm -c "$REMOTE_CONF" expunge -u prune-src mailbox INBOX header Message-ID "$id2" ||
	fail "harness: expunge on the remote failed"
assert_eq 2 "$(remote_count prune-src)" "remote count after the expunge"

retrieve_run prune-dst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "second run: messages column"
assert_eq 0 "$(run_field retrieve deleted)" "second run: deleted column"
# absent once: only marked
assert_eq "$(printf '%s\n' "${uidl[$id1]}" "${uidl[$id2]}" "${uidl[$id3]}" | sort)" \
	"$(state_uids)" "second run: UIDLs in the state"
retrieve_run prune-dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "second run (b): messages column"
assert_eq "$(printf '%s\n' "${uidl[$id1]}" "${uidl[$id3]}" | sort)" \
	"$(state_uids)" "second run (b): UIDLs in the state"
grep -rqF "${uidl[$id2]}" "$IT_WORK/local-home/prune-dst/.dovecot-retrieve/" &&
	fail "UIDL ${uidl[$id2]} of the expunged message is still in the state dir"
assert_eq 3 "$(local_count prune-dst INBOX)" "local count after the second run"
for m in prune-1 prune-2 prune-3; do
	assert_message_once prune-dst INBOX "$m"
done

# A third run still fetches nothing and the state stays pruned.
retrieve_run prune-dst
assert_run_ok
assert_eq 0 "$(run_field retrieve messages)" "third run: messages column"
assert_eq "$(printf '%s\n' "${uidl[$id1]}" "${uidl[$id3]}" | sort)" \
	"$(state_uids)" "third run: UIDLs in the state"
assert_eq 3 "$(local_count prune-dst INBOX)" "local count after the third run"

case_pass
