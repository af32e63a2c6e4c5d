#!/usr/bin/env bash
# Case 95: IMAP with a spam scanner (fake-scanner.py calling everything
# spam): the remote INBOX goes through the scanner and Sieve and lands in
# retrieve_spam_folder; another folder of folders=merge is saved directly,
# not scanned (no request, no X-Spam headers). A filter=no account is
# never scanned.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
imapr_start

remote_user s94src
imapr_py s94src <<'PY'
typ, data = M.create("Work")
if typ != "OK":
    raise SystemExit("CREATE Work: %s" % data)
append("INBOX", "s94-in", "inbox message")
append("Work", "s94-work", "work message")
PY
fake_start spamd-94 fake-scanner.py "unused-$RANDOM" --protocol spamd --script spam
SPAM_BASE_CONF=$LOCAL_IMAP_CONF spam_conf local-imap-spam94 \
	"retrieve_spam_scanner=spamd:127.0.0.1:$FAKE_PORT" retrieve_spam_folder=Junk

local_user s94dst $(imapr_acct retrieve s94src) retrieve_folders=merge retrieve_keep=yes
retrieve_run s94dst
assert_run_ok
assert_result retrieve ok
assert_eq 2 "$(run_field retrieve messages)" "messages column"
assert_eq 1 "$(run_field retrieve spam)" "spam column"
assert_eq 1 "$(fake_log spamd-94 | grep -c '^request SYMBOLS')" "scan requests"
assert_eq 1 "$(local_imap_count s94dst Junk)" "Junk count"
assert_eq 1 "$(local_imap_count s94dst INBOX)" "INBOX count"
assert_eq "X-Spam-Flag: YES" "$(spam_header s94dst Junk s94-in X-Spam-Flag)" "INBOX message's flag"
f=$(local_find s94dst INBOX "Message-ID: <s94-work@retrieve-it>")
[[ -n $f ]] || fail "the Work message is not in INBOX"
grep -qi '^X-Spam-' "$f" && fail "the Work message was scanned: $(grep -i '^X-Spam-' "$f")"

local_user s94nof $(imapr_acct retrieve s94src) retrieve_filter=no retrieve_keep=yes
retrieve_run s94nof
assert_run_ok
assert_eq 1 "$(run_field retrieve messages)" "filter=no: messages column"
assert_eq 0 "$(run_field retrieve spam)" "filter=no: spam column"
assert_eq 1 "$(fake_log spamd-94 | grep -c '^request SYMBOLS')" "filter=no: scan requests"
f=$(local_find s94nof INBOX "Message-ID: <s94-in@retrieve-it>")
[[ -n $f ]] || fail "filter=no: the message is not in INBOX"
grep -qi '^X-Spam-' "$f" && fail "filter=no: the message was scanned"

fake_pop3_stop spamd-94
case_pass
