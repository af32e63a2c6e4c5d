#!/usr/bin/env bash
# IMAP: a 5,000-message folder is retrieved completely, in pipelined
# batches: the remote sees UID FETCH commands of UID ranges (never one
# command per message, never one for the whole folder), with the next
# batch sent before the previous one is answered; within a time limit.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

N=5000
remote_user i46src
imapr_py i46src <<'PY'
M.create("Bulk")
PY
imapr_seed_maildir i46src Bulk $N i46
# let the remote index them now, so the run is what is timed
doveadm -c "$IMAPR_CONF" mailbox status -u i46src messages Bulk >/dev/null
assert_eq $N "$(imapr_count i46src Bulk)" "harness: seeded"

local_user i46dst $(imapr_acct retrieve i46src) retrieve_folders=merge retrieve_folder=Bulk \
	retrieve_filter=no retrieve_keep=yes
imapr_log_mark
start=$(date +%s)
imap_retrieve_run i46dst
secs=$(($(date +%s) - start))
assert_run_ok
assert_result retrieve ok
assert_eq $N "$(run_field retrieve messages)" "messages"
assert_eq $N "$(folder_field retrieve Bulk messages)" "Bulk row"
assert_eq $N "$(local_imap_count i46dst Bulk)" "local Bulk"
assert_eq $N "$(local_msgid_counts i46dst | grep -c .)" "distinct messages"
assert_eq "" "$(local_msgid_dups i46dst)" "duplicates"
((secs <= 90)) || fail "5000 messages took ${secs}s"

fetches=$(imapr_commands i46src | grep -E '^UID FETCH [0-9:,]+ \(UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK\[\](<0\.[0-9]+>)?\)')
n=$(grep -c . <<<"$fetches")
((n >= 10 && n <= 500)) || fail "$n body UID FETCH commands for $N messages: $(head -3 <<<"$fetches")"
grep -qE '^UID FETCH [0-9]+:[0-9]+ ' <<<"$fetches" || fail "no UID range in: $(head -3 <<<"$fetches")"
# every UID fetched exactly once
covered=$(sed -E 's/^UID FETCH ([0-9:,]+) .*/\1/' <<<"$fetches" | tr ',' '\n' |
	awk -F: '{ if (NF == 1) n += 1; else n += $2 - $1 + 1 } END { print n }')
assert_eq $N "$covered" "UIDs covered by the body fetches"
log "5000 messages in ${secs}s, $n batches"
case_pass
