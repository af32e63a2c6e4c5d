#!/usr/bin/env bash
# Case 74: memory and size bounds of IMAP retrieval.
# - a literal announced as {99999999999} (fake server): the connection
#   ends, nothing is delivered or expunged, RSS stays under 64 MB;
# - a 500 MiB body where a few KiB were announced: received in pieces,
#   given up once over the size cap (retrieve_max_message_size), left on
#   the server, doveadm's peak RSS under 64 MB;
# - a message announced above the cap is left on the server (skipped);
# - a 40 MB message from real Dovecot: delivered intact, peak RSS under
#   64 MB.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
MAX_RSS_KB=$((64 * 1024))

# the endless literal: imapc's line limit ends it
imap_hostile_msgs i74h
fake_imap_start i74h literal-huge,normal "${HOSTILE_FILES[@]}"
local_user i74h-dst $(fake_imap_acct retrieve retrieve_keep=no)
retrieve_run_rss i74h-dst
assert_match "$(run_field retrieve result)" "remote_(tempfail|error)" "endless literal: result"
assert_eq 0 "$(local_find_all i74h-dst "Message-ID: <i74h" | grep -c .)" "endless literal: delivered"
assert_eq 3 "$(fake_count i74h)" "endless literal: messages left"
rss_ok "$RUN_RSS" "$MAX_RSS_KB" || fail "endless literal: peak RSS ${RUN_RSS} KiB"
echo "scenario literal-huge: $(run_field retrieve result), peak RSS ${RUN_RSS} KiB" >&2
retrieve_run i74h-dst
assert_result retrieve ok
assert_all_once i74h-dst i74h

# a 500 MiB body where RFC822.SIZE said a few KiB (admin cap 400M):
# received chunk by chunk into a temp file, given up once over the cap
# (left on the server, counted skipped); RSS stays flat
RUN_CONF=$(local_conf_variant i74-400m <<'CONF'
plugin {
  retrieve_max_message_size = 400M
}
CONF
)
imap_hostile_msgs i74l
fake_imap_start i74l size-lie:500,normal "${HOSTILE_FILES[@]}"
local_user i74l-dst $(fake_imap_acct retrieve retrieve_keep=no)
start=$(date +%s)
RUN_CONF=$RUN_CONF retrieve_run_rss i74l-dst
elapsed=$(($(date +%s) - start))
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve skipped)" "500 MiB body: skipped column"
assert_eq 0 "$(local_find_all i74l-dst "Message-ID: <i74l-1@" | grep -c .)" "500 MiB body: delivered"
grep -qx i74l-1 "$IT_WORK/fake/i74l.state" || fail "500 MiB body: expunged"
rss_ok "$RUN_RSS" "$MAX_RSS_KB" || fail "500 MiB body: peak RSS ${RUN_RSS} KiB"
echo "scenario size-lie 500 MiB: left at the cap in ${elapsed}s, peak RSS ${RUN_RSS} KiB" >&2
RUN_CONF=$RUN_CONF retrieve_run i74l-dst
assert_result retrieve ok
assert_all_once i74l-dst i74l

# announced above an admin cap of 100k: left, counted as skipped
RUN_CONF=$(local_conf_variant i74-cap <<'CONF'
plugin {
  retrieve_max_message_size = 100k
}
CONF
)
imap_hostile_msgs i74c
fake_imap_start i74c normal "${HOSTILE_FILES[@]}"
local_user i74c-dst $(fake_imap_acct retrieve retrieve_keep=no)
RUN_CONF=$RUN_CONF retrieve_run i74c-dst
assert_result retrieve ok
assert_eq 1 "$(run_field retrieve skipped)" "over the cap: skipped column"
assert_eq 1 "$(fake_count i74c)" "over the cap: messages left"
grep -qx i74c-2 "$IT_WORK/fake/i74c.state" || fail "over the cap: the big one was expunged"
assert_message_once i74c-dst INBOX i74c-1
assert_message_once i74c-dst INBOX i74c-3
echo "scenario over the admin cap: left, skipped" >&2

# 40 MB from real Dovecot
imapr_start
remote_user i74src
imapr_seed_maildir i74src INBOX 1 i74big $((40 * 1024 * 1024))
local_user i74dst $(imapr_acct retrieve i74src)
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run_rss i74dst
assert_result retrieve ok
assert_eq 1 "$(local_find_all i74dst "Message-ID: <i74big-1@" | grep -c .)" "40 MB: copies"
size=$(stat -c %s "$(local_find_all i74dst "Message-ID: <i74big-1@")")
((size > 40 * 1000 * 1000)) || fail "40 MB: the local copy has $size bytes"
rss_ok "$RUN_RSS" "$MAX_RSS_KB" || fail "40 MB: peak RSS ${RUN_RSS} KiB"
echo "scenario 40 MB from Dovecot: peak RSS ${RUN_RSS} KiB" >&2

# bodies of exactly one and two pieces, and one byte more, from real
# Dovecot: each delivered once, whole
remote_user i74edge
imapr_py i74edge <<'PY'
for n, target in ((1, 2097152), (2, 2097153), (3, 4194304), (4, 2097151)):
    head = ("From: a@example.org\r\nSubject: edge %d\r\n"
            "Message-ID: <i74edge-%d@retrieve-it>\r\n\r\n" % (n, n)).encode()
    tail = ("END-OF-i74edge-%d\r\n" % n).encode()
    fill = target - len(head) - len(tail)
    body = (b"z" * 98 + b"\r\n") * (fill // 100)
    body += b"z" * (fill - len(body) - 2) + b"\r\n"
    data = head + body + tail
    assert len(data) == target, len(data)
    typ, resp = M.append("INBOX", None, None, data)
    assert typ == "OK", resp
PY
local_user i74edge-dst $(imapr_acct retrieve i74edge)
RUN_CONF=$LOCAL_IMAP_CONF retrieve_run i74edge-dst
assert_result retrieve ok
assert_eq 0 "$(run_field retrieve errors)" "piece edges: errors column"
for n in 1 2 3 4; do
	assert_message_once i74edge-dst INBOX "i74edge-$n"
	assert_eq 1 "$(local_find_all i74edge-dst "END-OF-i74edge-$n" | grep -c .)" "piece edges: message $n whole"
done
echo "scenario piece edges (2 MiB -1, 0, +1, 4 MiB): all whole" >&2

case_pass
