#!/usr/bin/env bash
# IMAP keep=no against real Dovecot:
# - retrieved mail is expunged with UID EXPUNGE (UIDPLUS) only after it is
#   stored locally; a message that arrives in the remote INBOX while the
#   run goes on is never lost: it stays on the remote (or is retrieved
#   and then expunged), and the next run retrieves it.
# - without UIDPLUS (a remote that does not advertise it): UID SEARCH
#   DELETED first; when another message is flagged \Deleted too, nothing is
#   expunged (ours stay flagged, the folder row says why); once that flag
#   is gone the next run expunges ours.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

# enough that the run is still going when the late message is saved: with
# Sieve run by us the first files appear only at the first batch commit
# (100 messages), and the rest takes well under a second at 150
N=400
remote_user i44src
imapr_seed_maildir i44src INBOX $N i44big 200000
late=$(make_msg i44-late "Arrived during the run")
local_user i44dst $(imapr_acct retrieve i44src)

imapr_log_mark
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run_bg i44dst
for i in $(seq 300); do
	(($(local_file_count i44dst) >= 3)) && break
	sleep 0.1
done
(($(local_file_count i44dst) >= 3)) || fail "the run delivered nothing in 30 s"
doveadm -c "$IMAPR_CONF" save -u i44src <"$late" || fail "harness: saving the late message failed"
kill -0 "$BG_PID" 2>/dev/null || fail "harness: the run ended before the late message arrived"
retrieve_wait_bg
assert_run_ok
assert_result retrieve ok
n_late_local=$(local_find_all i44dst i44-late@retrieve-it | grep -c .)
n_late_remote=$(imapr_dump i44src INBOX | grep -c i44-late)
assert_eq 1 "$((n_late_local + n_late_remote))" "the late message (local $n_late_local, remote $n_late_remote)"
assert_eq "$n_late_remote" "$(imapr_count i44src INBOX)" "remote INBOX: only the late message may be left"
assert_eq $((N + n_late_local)) "$(run_field retrieve messages)" "messages"
assert_eq $((N + n_late_local)) "$(run_field retrieve deleted)" "deleted"
assert_eq $((N + n_late_local)) "$(local_imap_count i44dst INBOX)" "local INBOX"
cmds=$(imapr_commands i44src)
grep -q '^SELECT' <<<"$cmds" || fail "keep=no did not SELECT: $(head -3 <<<"$cmds")"
grep -q '^UID EXPUNGE' <<<"$cmds" || fail "no UID EXPUNGE: $(tail -5 <<<"$cmds")"
grep -q '^EXPUNGE' <<<"$cmds" && fail "plain EXPUNGE with UIDPLUS"
# STORE \Deleted of a batch follows its FETCH, never precedes it
first_store=$(grep -n '^UID STORE' <<<"$cmds" | head -1 | cut -d: -f1)
first_fetch=$(grep -n '^UID FETCH.*BODY' <<<"$cmds" | head -1 | cut -d: -f1)
((first_store > first_fetch)) || fail "STORE before the first body FETCH"

imap_retrieve_run i44dst
assert_run_ok
assert_eq 0 "$(imapr_count i44src INBOX)" "remote INBOX after the second run"
assert_eq $((N + 1)) "$(local_imap_count i44dst INBOX)" "local INBOX after the second run"
assert_eq "" "$(local_msgid_dups i44dst)" "duplicates"

# --- no UIDPLUS
imapr2_start
remote_user i44b
imapr_py i44b <<'PY'
for i in range(1, 6):
    append("INBOX", "i44b-%d" % i, "small %d" % i)
M.append("INBOX", "(\\Deleted)", None, msg("i44b-big", "someone else's", "y" * 50000))
PY
local_user i44bdst $(imapr2_acct retrieve i44b) retrieve_max_size=10k
mark=$(stat -c %s "$IMAPR2_DIR/log/dovecot.log")
imap_retrieve_run i44bdst
assert_run_ok
assert_result retrieve ok
assert_eq 5 "$(run_field retrieve messages)" "no UIDPLUS: messages"
assert_eq 0 "$(run_field retrieve deleted)" "no UIDPLUS: deleted with a foreign \\Deleted"
assert_eq error "$(folder_field retrieve INBOX result)" "no UIDPLUS: INBOX row"
assert_match "$(folder_field retrieve INBOX error)" "UIDPLUS" "no UIDPLUS: INBOX row error"
cmds=$(tail -c +$((mark + 1)) "$IMAPR2_DIR/log/dovecot.log" | grep -F 'imap(i44b)' | sed -n 's/.*Command finished: //p')
grep -q '^UID SEARCH DELETED' <<<"$cmds" || fail "no UID SEARCH DELETED: $(tail -5 <<<"$cmds")"
grep -qE '^(UID )?EXPUNGE|^CLOSE' <<<"$cmds" && fail "expunged without UIDPLUS despite a foreign \\Deleted"
assert_eq 6 "$(mailbox_count "$IMAPR_CONF" i44b INBOX)" "remote keeps all six"
assert_eq 5 "$(local_imap_count i44bdst INBOX)" "local"

imapr_py i44b <<'PY'
M.select("INBOX")
M.store("6", "-FLAGS", "(\\Deleted)")
PY
imap_retrieve_run i44bdst
assert_run_ok
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve messages)" "no UIDPLUS, second run: messages"
assert_eq 5 "$(run_field retrieve deleted)" "no UIDPLUS, second run: deleted"
assert_eq 1 "$(mailbox_count "$IMAPR_CONF" i44b INBOX)" "remote keeps only the big one"
assert_eq 5 "$(local_imap_count i44bdst INBOX)" "local after the second run"
case_pass
