#!/usr/bin/env python3
"""Scripted IMAP server for faults a real server does not produce.

Listens on 127.0.0.1 (a free port, written to DIR/NAME.port) with one
folder, INBOX, holding the given message files under UIDs 1..N
(UIDVALIDITY from --uidvalidity). Supports CAPABILITY, STARTTLS (with
--cert/--key), LOGIN and AUTHENTICATE PLAIN (password from
$FAKE_IMAP_PASSWORD), LIST, SELECT/EXAMINE, UID FETCH (UID, RFC822.SIZE,
INTERNALDATE, FLAGS, BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)], BODY.PEEK[]
with or without <0.N>), UID STORE, UID SEARCH DELETED, UID EXPUNGE,
EXPUNGE, NOOP, LOGOUT. Expunges take effect at once; DIR/NAME.state lists
the messages it still holds, DIR/NAME.expunged every expunged one. When
DIR/NAME.reload exists at a SELECT, the folder is recreated from the
message files it lists (UIDs from 1, UIDVALIDITY one higher).

--script is a comma-separated list of per-connection modes; the last one
repeats for later connections:
  normal            a well-behaved server
  login-bad         answer LOGIN/AUTHENTICATE "BAD" quoting the command
  login-no          the same with "NO [AUTHENTICATIONFAILED]"
  login-bye         the same as an untagged BYE, then close
  reset-STAGE       close the connection at STAGE: greeting (before it),
                    capability, starttls, login, select, fetch-header (in
                    the middle of the first body FETCH reply's line),
                    fetch-mid (in the middle of the first body literal),
                    store, expunge
  tls-fail          answer the TLS handshake with plain text
  stall-fetch       send half of the first body literal, then stall
  trickle-fetch     send the first body literal one byte a second
  garbage           answer SELECT with binary garbage
  bye-fetch         an untagged BYE instead of the first body
  literal-short     BODY[] literals of half the RFC822.SIZE
  size-estimate     RFC822.SIZE 8% above the real size (Exchange's
                    estimates without EnableExactRFC822Size)
  literal-huge      the first body literal announced as {99999999999},
                    streamed until the client goes
  size-lie:MB       the first message's body is MB MiB (served in the
                    pieces asked for), whatever RFC822.SIZE says
  uid-zero          bodies FETCHed with UID 0
  uid-steal         the body of UID 1 is sent as UID 2 as well (when
                    both are asked for), before UID 2's own
  uid-dup           every UID twice in listings and bodies sent twice
  uid-unrequested   a body is sent under the UID of a message that was
                    not asked for (the last one of the folder)
  exists-lie        SELECT says 1000 EXISTS
  exists-zero       SELECT says 0 EXISTS and listings are empty
  fetch-no          body UID FETCH answered NO
  fetch-bad         body UID FETCH answered BAD
  long-line         a 16 MiB line in the listing
  uid-flood         200,000 more messages in the listing than EXISTS
The log (stdout) never shows LOGIN/AUTHENTICATE arguments.
"""
import argparse
import base64
import os
import re
import socket
import socketserver
import ssl
import sys
import threading
import time

args = None
lock = threading.Lock()
messages = []          # [[uid, name, bytes, flags]]
next_uid = 1


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def save_state():
    path = os.path.join(args.dir, args.name + ".state")
    with open(path + ".tmp", "w") as f:
        for m in messages:
            f.write(m[1] + "\n")
    os.replace(path + ".tmp", path)


def crlf(data):
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def parse_set(text, maxuid):
    uids = set()
    for part in text.split(","):
        a, _, b = part.partition(":")
        lo = maxuid if a == "*" else int(a)
        hi = lo if not b else (maxuid if b == "*" else int(b))
        if lo > hi:
            lo, hi = hi, lo
        uids.update(range(lo, hi + 1))
    return uids


class Gone(Exception):
    pass


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        with lock:
            args.conns += 1
            n = args.conns
        script = args.script.split(",")
        self.mode = script[min(n, len(script)) - 1]
        self.cid = n
        self.fired = False
        log(f"[{n}] connect, mode {self.mode}")

    def send(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            raise Gone()

    def line(self, text, shown=None):
        log(f"[{self.cid}] S: {(shown or text)[:100]}")
        self.send(text.encode("latin-1") + b"\r\n")

    def close(self, why):
        log(f"[{self.cid}] closing: {why}")
        try:
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise Gone()

    def once(self, mode):
        """TRUE the first time this connection meets its fault"""
        if self.mode != mode or self.fired:
            return False
        self.fired = True
        return True

    def caps(self):
        c = "IMAP4rev1 LITERAL+ UIDPLUS SASL-IR AUTH=PLAIN"
        if args.cert and not self.tls:
            c += " STARTTLS"
        return c

    def handle(self):
        self.tls = False
        try:
            self.session()
        except (Gone, OSError, ssl.SSLError) as e:
            log(f"[{self.cid}] gone: {e!r}")

    def readline(self):
        raw = self.rfile.readline(65536)
        if not raw:
            raise Gone()
        return raw.decode("latin-1").rstrip("\r\n")

    def read_literal_arg(self, cmdline):
        """LOGIN with a {N+} literal password: read it"""
        m = re.search(r"\{(\d+)\+?\}$", cmdline)
        while m:
            if not cmdline.endswith("+}"):
                self.line("+ OK")
            data = self.rfile.read(int(m.group(1))).decode("latin-1")
            rest = self.readline()
            cmdline = cmdline[:m.start()] + '"' + data + '"' + rest
            m = re.search(r"\{(\d+)\+?\}$", cmdline)
        return cmdline

    def session(self):
        if self.mode.startswith("slow:"):
            time.sleep(float(self.mode.split(":", 1)[1]))
        if self.once("reset-greeting"):
            self.close("before the greeting")
        self.line(f"* OK [CAPABILITY {self.caps()}] fake IMAP ready")
        authed = False
        selected = False
        while True:
            cmdline = self.read_literal_arg(self.readline())
            parts = cmdline.split(" ")
            tag = parts[0]
            cmd = parts[1].upper() if len(parts) > 1 else ""
            shown = f"{tag} {cmd} <hidden>" \
                if cmd in ("LOGIN", "AUTHENTICATE") else cmdline
            log(f"[{self.cid}] C: {shown[:200]}")
            if cmd == "CAPABILITY":
                if self.once("reset-capability"):
                    self.close("at CAPABILITY")
                self.line(f"* CAPABILITY {self.caps()}")
                self.line(f"{tag} OK done")
            elif cmd == "STARTTLS" and args.cert and not self.tls:
                if self.once("reset-starttls"):
                    self.close("at STARTTLS")
                self.line(f"{tag} OK Begin TLS")
                if self.once("tls-fail"):
                    self.send(b"this is no TLS handshake\r\n" * 20)
                    self.close("instead of a TLS handshake")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(args.cert, args.key)
                self.request = ctx.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
                self.tls = True
            elif cmd in ("LOGIN", "AUTHENTICATE"):
                authed = self.login(tag, cmd, cmdline)
            elif cmd == "LOGOUT":
                self.line("* BYE Logging out")
                self.line(f"{tag} OK Logout completed.")
                return
            elif cmd in ("NOOP", "ID", "ENABLE", "CLOSE", "UNSELECT"):
                self.line(f"{tag} OK done")
            elif not authed:
                self.line(f"{tag} BAD not logged in")
            elif cmd == "LIST":
                self.line('* LIST (\\HasNoChildren) "/" INBOX')
                self.line(f"{tag} OK done")
            elif cmd in ("SELECT", "EXAMINE"):
                selected = self.select(tag, cmd)
            elif not selected:
                self.line(f"{tag} BAD no folder selected")
            elif cmd == "UID" and len(parts) > 2:
                self.uid_cmd(tag, parts[2].upper(), parts[3:], cmdline)
            elif cmd == "EXPUNGE":
                self.expunge(tag, None)
            else:
                self.line(f"{tag} BAD unknown command")

    def login(self, tag, cmd, cmdline):
        if self.once("reset-login"):
            self.close("at the login")
        echo = cmdline[len(tag) + 1:]
        if cmd == "AUTHENTICATE" and len(cmdline.split(" ")) == 3:
            # no SASL-IR: ask for the response, quote it as well
            self.line("+ ")
            echo += " " + self.readline()
        if self.mode == "login-bad":
            self.line(f"{tag} BAD Error in IMAP command {echo}: invalid",
                      f"{tag} BAD <the command quoted>")
            return False
        if self.mode == "login-no":
            self.line(f"{tag} NO [AUTHENTICATIONFAILED] {echo} is wrong",
                      f"{tag} NO <the command quoted>")
            return False
        if self.mode == "login-bye":
            self.line(f"* BYE {echo} is not welcome",
                      "* BYE <the command quoted>")
            self.close("after BYE to the login")
        pw = os.environ.get("FAKE_IMAP_PASSWORD", "")
        ok = False
        if cmd == "LOGIN":
            m = re.match(r'^\S+ LOGIN ("(?:[^"\\]|\\.)*"|\S+) '
                         r'("(?:[^"\\]|\\.)*"|\S+)$', cmdline)
            if m:
                given = m.group(2)
                if given.startswith('"'):
                    given = re.sub(r'\\(.)', r'\1', given[1:-1])
                ok = given == pw
        else:
            resp = echo.split(" ")[-1]
            try:
                ok = base64.b64decode(resp).split(b"\0")[-1] == \
                    pw.encode("utf-8")
            except ValueError:
                ok = False
        if ok:
            self.line(f"{tag} OK [CAPABILITY {self.caps()}] Logged in")
            return True
        self.line(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed.")
        return False

    def select(self, tag, cmd):
        if self.once("reset-select"):
            self.close("at SELECT")
        if self.mode == "garbage":
            self.send(b"\x00\x01\xff garbage \r\n)))(((\r\n" +
                      os.urandom(256) + b"\r\n")
            self.close("after garbage")
        reload_path = os.path.join(args.dir, args.name + ".reload")
        with lock:
            if os.path.exists(reload_path):
                # the folder was recreated: new UIDs, new UIDVALIDITY
                global next_uid
                files = open(reload_path).read().split()
                os.unlink(reload_path)
                messages[:] = []
                next_uid = 1
                for f in files:
                    with open(f, "rb") as fh:
                        messages.append([next_uid, os.path.basename(f),
                                         fh.read(), []])
                    next_uid += 1
                args.uidvalidity += 1
                save_state()
                log(f"[{self.cid}] reloaded, UIDVALIDITY {args.uidvalidity}")
            count = len(messages)
        if self.mode == "exists-lie":
            count = 1000
        if self.mode == "exists-zero":
            count = 0
        self.line(f"* {count} EXISTS")
        self.line("* 0 RECENT")
        self.line("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
        self.line(f"* OK [UIDVALIDITY {args.uidvalidity}] UIDs valid")
        self.line(f"* OK [UIDNEXT {next_uid}] Predicted next UID")
        rw = "READ-ONLY" if cmd == "EXAMINE" else "READ-WRITE"
        self.line(f"{tag} OK [{rw}] Select completed.")
        return True

    def view(self):
        with lock:
            return [list(m) for m in messages]

    def uid_cmd(self, tag, sub, rest, cmdline):
        view = self.view()
        maxuid = view[-1][0] if view else 0
        if sub == "FETCH":
            self.fetch(tag, parse_set(rest[0], maxuid) if maxuid else set(),
                       " ".join(rest[1:]).upper(), view)
        elif sub == "STORE":
            if self.once("reset-store"):
                self.close("at STORE")
            uids = parse_set(rest[0], maxuid) if maxuid else set()
            with lock:
                for m in messages:
                    if m[0] in uids and "\\Deleted" not in m[3]:
                        m[3].append("\\Deleted")
            self.line(f"{tag} OK Store completed.")
        elif sub == "SEARCH":
            found = [str(m[0]) for m in view if "\\Deleted" in m[3]]
            self.line("* SEARCH" + "".join(" " + u for u in found))
            self.line(f"{tag} OK Search completed.")
        elif sub == "EXPUNGE":
            self.expunge(tag, parse_set(rest[0], maxuid) if maxuid else set())
        else:
            self.line(f"{tag} BAD unknown UID command")

    def expunge(self, tag, uids):
        if self.once("reset-expunge"):
            self.close("at EXPUNGE")
        gone = []
        with lock:
            keep = []
            for i, m in enumerate(messages):
                if "\\Deleted" in m[3] and (uids is None or m[0] in uids):
                    gone.append((i + 1, m))
                else:
                    keep.append(m)
            messages[:] = keep
            save_state()
            with open(os.path.join(args.dir, args.name + ".expunged"),
                      "a") as f:
                for _, m in gone:
                    f.write(m[1] + "\n")
        for seq, _ in reversed(gone):
            self.line(f"* {seq} EXPUNGE")
        self.line(f"{tag} OK Expunge completed.")

    def fetch(self, tag, uids, items, view):
        body = "BODY.PEEK[]" in items
        hdr = "HEADER.FIELDS" in items
        if body and self.mode in ("fetch-no", "fetch-bad"):
            self.line(f"{tag} {self.mode[6:].upper()} no bodies today")
            return
        if self.mode == "exists-zero":
            self.line(f"{tag} OK Fetch completed.")
            return
        m = re.search(r"BODY\.PEEK\[\]<(\d+)\.(\d+)>", items)
        offset, partial = (int(m.group(1)), int(m.group(2))) if m \
            else (0, None)
        out = b""
        for seq, (uid, name, data, flags) in enumerate(view, 1):
            if uid not in uids:
                continue
            data = crlf(data)
            size = len(data)
            if self.mode == "size-estimate":
                size += len(data) * 8 // 100
            shown_uid = uid
            if body and self.mode == "uid-zero":
                shown_uid = 0
            if body and self.mode == "uid-unrequested" and \
                    view[-1][0] not in uids:
                shown_uid = view[-1][0]
            if body and self.mode == "uid-steal" and uid == 1 and 2 in uids:
                shown_uid = 2
            head = f"* {seq} FETCH (UID {shown_uid} RFC822.SIZE {size}"
            if not body:
                if hdr:
                    mid = re.search(rb"(?im)^Message-ID:[^\r\n]*\r\n", data)
                    value = (mid.group(0) if mid else b"") + b"\r\n"
                    out += head.encode() + \
                        b" BODY[HEADER.FIELDS (MESSAGE-ID)] {%d}\r\n" % \
                        len(value) + value + b")\r\n"
                else:
                    out += head.encode() + b")\r\n"
                if self.mode == "uid-dup" and not hdr:
                    out += head.encode() + b")\r\n"
                if self.mode == "uid-flood" and not hdr and \
                        uid == view[-1][0]:
                    # far more messages than EXISTS said
                    out += b"".join(
                        b"* %d FETCH (UID %d RFC822.SIZE 100)\r\n" %
                        (i, i + 1000) for i in range(len(view) + 1, 200000))
                if self.mode == "long-line" and not hdr:
                    out += b"* 1 FETCH (UID 1 X-JUNK " + \
                        b"x" * (16 << 20) + b")\r\n"
                continue
            # a body
            self.send(out)
            out = b""
            if self.mode.startswith("size-lie:") and seq == 1:
                # the body is that many MiB, RFC822.SIZE says otherwise
                total = int(self.mode.split(":")[1]) << 20
                end = total if partial is None else \
                    min(total, offset + partial)
                n = max(0, end - offset)
                line = b"y" * 1023 + b"\n"
                data = line * (n // 1024) + line[:n % 1024]
            elif partial is not None:
                data = data[offset:offset + partial]
            key = f"BODY[]<{offset}>" if partial is not None else "BODY[]"
            flagstr = " ".join(flags)
            head += f' INTERNALDATE "01-Feb-2023 10:20:30 +0100"' \
                f" FLAGS ({flagstr}) {key} "
            if self.once("reset-fetch-header"):
                self.send(head.encode()[:len(head) // 2])
                self.close("in the middle of a FETCH line")
            if self.once("bye-fetch"):
                self.line("* BYE shutting down now")
                self.close("after an untagged BYE")
            if self.mode == "literal-short":
                data = data[:len(data) // 2]
            if self.once("literal-huge"):
                self.send(head.encode() + b"{99999999999}\r\n")
                chunk = b"x" * 65535 + b"\n"
                while True:
                    self.send(chunk)
            self.send(head.encode() + b"{%d}\r\n" % len(data))
            if self.once("reset-fetch-mid"):
                self.send(data[:len(data) // 2])
                self.close("in the middle of a literal")
            if self.once("stall-fetch"):
                self.send(data[:len(data) // 2])
                open(os.path.join(args.dir, args.name + ".stalled"),
                     "w").close()
                log(f"[{self.cid}] stalling in a literal")
                time.sleep(args.lifetime)
                raise Gone()
            if self.once("trickle-fetch"):
                open(os.path.join(args.dir, args.name + ".stalled"),
                     "w").close()
                for i in range(len(data)):
                    self.send(data[i:i + 1])
                    time.sleep(1)
            else:
                self.send(data)
            self.send(b")\r\n")
            if self.mode == "uid-dup":
                self.send(head.encode() + b"{%d}\r\n" % len(data) + data +
                          b")\r\n")
        self.send(out)
        self.line(f"{tag} OK Fetch completed.")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global args, next_uid
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--script", default="normal")
    p.add_argument("--uidvalidity", type=int, default=1234)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--lifetime", type=int, default=600,
                   help="exit after this many seconds")
    p.add_argument("files", nargs="*")
    args = p.parse_args()
    args.conns = 0
    for f in args.files:
        with open(f, "rb") as fh:
            messages.append([next_uid, os.path.basename(f), fh.read(), []])
            next_uid += 1
    save_state()
    srv = Server(("127.0.0.1", 0), Handler)
    timer = threading.Timer(args.lifetime, srv.shutdown)
    timer.daemon = True
    timer.start()
    port_file = os.path.join(args.dir, args.name + ".port")
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    log(f"listening on 127.0.0.1:{srv.server_address[1]}, script {args.script}")
    srv.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
