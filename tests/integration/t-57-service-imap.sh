#!/usr/bin/env bash
# Case 57: the service runs an IMAP account (imap://, STARTTLS to the IMAP
# remote, the test CA trusted): mail appended to the remote INBOX appears
# locally within one interval without any doveadm call, filed by Sieve
# ([SPAM] -> Junk); a message arriving later is picked up on the next
# interval, and nothing is delivered twice.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init
imapr_start

remote_user svcimap-src
svc_write_config
svc_user svcimap-dst $(imapr_acct retrieve svcimap-src imap) \
	retrieve_keep=yes retrieve_interval=3s
svc_start

# the service's sessions: over STARTTLS (the harness's own are plaintext)
svc_imap_polls() {
	login_lines svcimap-src "$IMAPR_DIR/log/dovecot.log" |
		grep -c ', TLS' || true
}
# USER FOLDER: Message-IDs of the local folder, sorted, one a line
svc_msgids() {
	imap_dump "$SVC_CONF" "$1" "$2" | cut -f1
}
# arrives_within_interval WHAT INBOX JUNK: wait until svcimap-dst holds
# INBOX and JUNK messages, no later than one interval (3 s) plus the time
# a run takes after the mail reached the remote
arrives_within_interval() {
	# shellcheck disable=SC2034 # used in the eval
	local t0 elapsed want_inbox=$2 want_junk=$3
	t0=$(date +%s)
	# (wait_until evals in its own scope: no $2, but these locals)
	wait_until 15 eval '[[ $(svc_count svcimap-dst) == "$want_inbox" &&
		$(svc_count svcimap-dst Junk) == "$want_junk" ]]' ||
		svc_fail "$1 did not arrive (INBOX $(svc_count svcimap-dst), Junk $(svc_count svcimap-dst Junk))"
	elapsed=$(($(date +%s) - t0))
	((elapsed <= 6)) || svc_fail "$1 arrived after ${elapsed}s, interval is 3s"
}

# never ran: the first run comes at once (an empty INBOX)
wait_until 20 eval '(($(svc_imap_polls) >= 1))' ||
	svc_fail "the service did not poll the IMAP account"
imapr_py svcimap-src <<'PY'
append("INBOX", "svcimap-1", "Hello IMAP service")
append("INBOX", "svcimap-2", "[SPAM] IMAP service junk")
PY
arrives_within_interval "the first messages" 1 1
assert_eq "<svcimap-1@retrieve-it>" "$(svc_msgids svcimap-dst INBOX)" "INBOX"
assert_eq "<svcimap-2@retrieve-it>" "$(svc_msgids svcimap-dst Junk)" "Junk (Sieve)"
assert_eq 2 "$(imapr_count svcimap-src INBOX)" "remote INBOX (keep=yes)"

# a later message: the next interval fetches it, and only it
polls=$(svc_imap_polls)
wait_until 10 eval '(($(svc_imap_polls) > polls))' ||
	svc_fail "no poll after the first delivery"
imapr_py svcimap-src <<'PY'
append("INBOX", "svcimap-3", "Second IMAP arrival")
PY
arrives_within_interval "the later message" 2 1
# two more intervals: still polling, still no duplicates
polls=$(svc_imap_polls)
sleep 7
n=$(($(svc_imap_polls) - polls))
((n >= 1 && n <= 4)) || svc_fail "$n polls in 7s at interval 3s"
assert_eq "<svcimap-1@retrieve-it>
<svcimap-3@retrieve-it>" "$(svc_msgids svcimap-dst INBOX)" "INBOX after later polls"
assert_eq "<svcimap-2@retrieve-it>" "$(svc_msgids svcimap-dst Junk)" "Junk after later polls"
doveadm_run status "$SVC_CONF" -f tab retrieve status -u svcimap-dst
assert_eq ok "$(field retrieve result "$RUN_OUT")" "status result column"
assert_eq scheduled "$(field retrieve schedule "$RUN_OUT")" "status schedule column"
svc_check_log
case_pass
