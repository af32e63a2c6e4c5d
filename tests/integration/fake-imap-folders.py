#!/usr/bin/env python3
"""Minimal IMAP server (implicit TLS) listing folder names a real Dovecot
will not serve: 8-bit and broken UTF-8, bad modified UTF-7, control
characters and CR/LF (sent as literals), '..' and empty levels, 300 levels,
1,200 and 5,000 characters ($FAKE_IMAP_HUGE: more lengths). Dovecot escapes or hides such names on disk, so the
folder-name cases need this for them; everything else uses real Dovecot.

Separator '/', no SPECIAL-USE. Every folder (and INBOX) holds one message,
Message-ID <PREFIX-N@retrieve-it> where N is the folder's index (INBOX 0).
Read-only: STORE/EXPUNGE are answered OK and change nothing.

Listens on 127.0.0.1 (a free port written to DIR/NAME.port); the password
is $FAKE_IMAP_PASSWORD. The log (stdout) never shows the password.
"""
import argparse
import os
import re
import socket
import socketserver
import ssl
import sys
import time

CAPS = b"IMAP4rev1 LITERAL+ NAMESPACE UIDPLUS"
args = None


def folder_names():
    deep = b"/".join([b"d"] * 300)
    return [
        b"Before",
        b"caf\xe9",                  # Latin-1
        b"x&Jjo",                    # unterminated modified UTF-7
        b"\xff\xfe\xc3(",            # no UTF-8 at all
        b"\xc3\x84rger",             # UTF-8 sent as 8-bit
        b"a/../b",
        b"~x",
        b"a//b/",
        b"ctl\x01\x7fz",
        b"cr\r\nlf",
        deep,
        b"L" * 1200,
        b"After",
        b"N" * 5000,                 # longer than Dovecot allows
    ] + [b"H" * int(n) for n in os.environ.get("FAKE_IMAP_HUGE", "").split()]


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def message(prefix, n):
    return ("From: Sender <sender@example.org>\r\nTo: rcpt@example.org\r\n"
            "Subject: folder %d\r\nDate: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
            "Message-ID: <%s-%d@retrieve-it>\r\n\r\nBody of folder %d.\r\n"
            % (n, prefix, n, n)).encode()


def imap_string(b):
    """A quoted string when that is safe, else a literal"""
    if re.fullmatch(rb"[\x20-\x7e]*", b) and b'"' not in b and b"\\" not in b:
        return b'"' + b + b'"'
    return b"{%d}\r\n" % len(b) + b


class Handler(socketserver.StreamRequestHandler):
    def send(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def read_command(self):
        """[tokens]: atoms and quoted strings as bytes, literals inlined"""
        tokens = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            line = line.rstrip(b"\r\n")
            m = re.search(rb"\{(\d+)(\+?)\}$", line)
            text = line[:m.start()] if m else line
            for q, a in re.findall(rb'"((?:[^"\\]|\\.)*)"|([^\s()"]+)', text):
                tokens.append(re.sub(rb"\\(.)", rb"\1", q) if a == b"" else a)
            if not m:
                return tokens
            if m.group(2) != b"+":
                self.send(b"+ go on\r\n")
            tokens.append(self.rfile.read(int(m.group(1))))

    def handle(self):
        names = folder_names()
        boxes = {b"INBOX": 0}
        for i, name in enumerate(names):
            boxes[name] = i + 1
        selected = None
        self.send(b"* OK [CAPABILITY " + CAPS + b"] fake-imap-folders ready\r\n")
        while True:
            cmd = self.read_command()
            if cmd is None:
                return
            if len(cmd) < 2:
                self.send(b"* BAD what\r\n")
                continue
            tag, verb = cmd[0], cmd[1].upper()
            rest = cmd[2:]
            if verb == b"UID" and rest:
                verb, rest = b"UID " + rest[0].upper(), rest[1:]
            log("%s %s" % (verb.decode(), "" if verb == b"LOGIN" else repr(rest)[:200]))
            if verb == b"CAPABILITY":
                self.send(b"* CAPABILITY " + CAPS + b"\r\n")
            elif verb == b"LOGIN":
                if len(rest) != 2 or rest[1].decode() != os.environ["FAKE_IMAP_PASSWORD"]:
                    self.send(tag + b" NO [AUTHENTICATIONFAILED] no\r\n")
                    continue
            elif verb == b"NAMESPACE":
                self.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
            elif verb in (b"LIST", b"LSUB"):
                self.send(b'* LIST () "/" INBOX\r\n')
                for name in names:
                    self.send(b'* LIST () "/" ' + imap_string(name) + b"\r\n")
            elif verb in (b"SELECT", b"EXAMINE"):
                if not rest or rest[0] not in boxes:
                    selected = None
                    self.send(tag + b" NO [NONEXISTENT] no such folder\r\n")
                    continue
                selected = boxes[rest[0]]
                self.send(b"* FLAGS (\\Seen \\Deleted)\r\n* 1 EXISTS\r\n"
                          b"* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n")
                self.send(tag + b" OK [READ-ONLY] selected\r\n")
                continue
            elif verb == b"UID FETCH" and selected is not None:
                body = message(args.prefix, selected)
                items = b" ".join(rest[1:]).upper()
                out = b"* 1 FETCH (UID 1 RFC822.SIZE %d" % len(body)
                if b"BODY" in items and b"HEADER" not in items:
                    out += (b' FLAGS () INTERNALDATE "01-Jan-2024 12:00:00 +0000"'
                            b" BODY[] {%d}\r\n" % len(body) + body)
                elif b"HEADER" in items:
                    hdr = body.split(b"\r\n\r\n")[0]
                    hdr = [h for h in hdr.split(b"\r\n") if h.startswith(b"Message-ID")]
                    h = hdr[0] + b"\r\n\r\n"
                    out += b" BODY[HEADER.FIELDS (MESSAGE-ID)] {%d}\r\n" % len(h) + h
                self.send(out + b")\r\n")
            elif verb == b"LOGOUT":
                self.send(b"* BYE bye\r\n" + tag + b" OK bye\r\n")
                return
            self.send(tag + b" OK done\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self):
        sock, addr = self.socket.accept()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        return ctx.wrap_socket(sock, server_side=True), addr

    def handle_error(self, request, client_address):
        log("connection error: %r" % (sys.exc_info()[1],))


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--prefix", default="fif")
    args = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    port = srv.socket.getsockname()[1]
    with open(os.path.join(args.dir, args.name + ".port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.replace(os.path.join(args.dir, args.name + ".port.tmp"),
               os.path.join(args.dir, args.name + ".port"))
    log("listening on %d" % port)
    srv.serve_forever()


if __name__ == "__main__":
    main()
