#!/usr/bin/env bash
# Case 11: retrieved messages are byte-identical to what was seeded: lines
# starting with "." / ".." (POP3 dot-stuffing), raw 8-bit Latin-1 and UTF-8
# in body and headers, LF and CRLF sources, a 5000-byte line, trailing blank
# lines. Both delivery paths: filter=yes (mail_deliver + Sieve; delivery
# puts Return-Path: and Received: on top) and filter=no (direct save). Compared after
# removing the headers local delivery added on top ($ADDED_HEADERS) and
# CRLF->LF (Dovecot stores LF); dots and 8-bit bytes are compared as is.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin

python3 - "$IT_WORK/msgs" <<'PY'
import os, sys
out = sys.argv[1]

def msg(name, subject, body, ctype="text/plain; charset=us-ascii", cte="7bit", eol=b"\n"):
    head = [b"From: Sender <sender@example.org>", b"To: rcpt@example.org",
            b"Subject: " + subject, b"Date: Mon, 1 Jan 2024 12:00:00 +0000",
            b"Message-ID: <" + name.encode() + b"@retrieve-it>", b"MIME-Version: 1.0",
            b"Content-Type: " + ctype.encode(), b"Content-Transfer-Encoding: " + cte.encode()]
    data = b"\n".join(head) + b"\n\n" + body
    with open(os.path.join(out, name), "wb") as f:
        f.write(data.replace(b"\n", eol))

dots = (b"Dot lines follow.\n.\n..\n...\n.leading dot\n..two leading dots\n"
        b" .space dot\nA line with a . in it\n.\n")
msg("bx-dots-lf", b"Dots LF", dots)
msg("bx-dots-crlf", b"Dots CRLF", dots, eol=b"\r\n")
latin1 = bytes(range(0xa0, 0x100)) + b"\n" + "Gr\u00fc\u00dfe, d\u00e9j\u00e0 vu, \u00e6\u00f8\u00e5\n".encode("latin-1")
msg("bx-latin1", "Latin-1 \u00e9t\u00e9".encode("latin-1"), latin1 + b".\xe9\n",
    "text/plain; charset=iso-8859-1", "8bit")
utf8 = "Gr\u00fc\u00dfe \u2014 \u65e5\u672c\u8a9e \u0416 \U0001F600 \u00e9\n".encode()
msg("bx-utf8", "UTF-8 \u65e5\u672c \U0001F600".encode(), utf8 * 3 + b"..\xf0\x9f\x98\x80\n",
    "text/plain; charset=utf-8", "8bit", eol=b"\r\n")
msg("bx-longline", b"Long line", b"x" * 5000 + b"\n." + b"y" * 3000 + b"\nend\n")
msg("bx-blanks", b"Trailing blanks", b"Text\n \n\t\n\n\n\n")
PY
names="bx-dots-lf bx-dots-crlf bx-latin1 bx-utf8 bx-longline bx-blanks"

remote_user bx-src
for n in $names; do
	seed_remote bx-src "$IT_WORK/msgs/$n"
done
local_user bx-sieve $(acct retrieve bx-src pop3) retrieve_keep=yes
local_user bx-direct $(acct retrieve bx-src pop3) retrieve_keep=yes retrieve_filter=no

for n in $names; do
	crlf_to_lf "$IT_WORK/msgs/$n" >"$CASE_OUT/$n.expected"
done
for user in bx-sieve bx-direct; do
	retrieve_run $user
	assert_run_ok
	assert_result retrieve ok
	assert_eq 6 "$(run_field retrieve messages)" "$user: messages column"
	for n in $names; do
		assert_message_once $user INBOX "$n"
		got=$(local_find $user INBOX "Message-ID: <$n@retrieve-it>")
		strip_added_headers "$got" >"$CASE_OUT/$user-$n.got"
		assert_file_same "$CASE_OUT/$n.expected" "$CASE_OUT/$user-$n.got" \
			"$user: message $n (local file $got)"
	done
done

case_pass
