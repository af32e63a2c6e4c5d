#!/usr/bin/env python3
"""Scripted POP3 server for faults a real server does not produce.

Listens on 127.0.0.1 (a free port, written to DIR/NAME.port), serves the
given message files (UIDL "fake-<file name>"), supports CAPA, STLS (with
--cert/--key), USER/PASS (password from $FAKE_POP3_PASSWORD), STAT, LIST,
UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT. Deletions take effect at QUIT;
DIR/NAME.state lists the messages it still holds.

--script is a comma-separated list of per-connection behaviours; the last
one repeats for later connections:
  normal           a well-behaved server
  drop-retr:N      during RETR of message N send half of it, then close
  long-uidl        the UIDL listing holds a 1 MiB line
  garbage-greeting greet with a line that is not POP3
  stall-retr       at the first RETR create DIR/NAME.stalled and wait
                   (at most 60 s) for DIR/NAME.release, then go on
  stall-half-retr  at the first RETR send "+OK" and half of the message,
                   create DIR/NAME.stalled, wait (at most 60 s) for
                   DIR/NAME.release, then send the rest
  no-capa          an RFC 1939-only server: CAPA is answered -ERR (so no
                   STLS, no PIPELINING); logs "pipelined input" when a
                   command arrives before the reply to the previous one
  login-err:CODE   answer PASS with "-ERR [CODE] ..." even when the
                   password is right (CODE e.g. IN-USE, LOGIN-DELAY, AUTH)
  login-err:CODE:SECS  the same, and CAPA announces "LOGIN-DELAY SECS"
  slow:SECS        wait SECS before the greeting (keeps sessions open
                   long enough to overlap)
  echo-pass-raw    answer PASS with -ERR echoing the password, its base64
                   forms and control bytes (CR, ESC, DEL) in the
                   resp-code and the text
  empty-listing    UIDL and LIST list no message (a server whose
                   maildrop is transiently unavailable)
Hostile behaviours (cases t-60..t-69). N names a message file by the
suffix after its last "-" (file "x-2" is 2); STAGE is a command name in
lower case (or "greeting"):
  reset:STAGE      close the connection instead of answering STAGE;
                   retr-head: after RETR's "+OK"; uidl-mid: after
                   half of the UIDL listing; dele: at the second DELE
  garbage:STAGE    answer STAGE with a line that is not POP3
  stall:STAGE      answer STAGE with nothing, keep the connection open
  same-uidl:N:M    message N is listed under message M's UIDL
  bad-uidl:N       message N's UIDL is 71 characters (RFC 1939: <= 70)
  no-uidl:N        message N is missing from the UIDL listing
  no-list:N        message N is missing from the LIST listing
  list-size:N:SIZE LIST announces SIZE octets for message N
  sparse           the UIDL listing numbers the last message 10000000
  stat-lie:COUNT   STAT announces COUNT messages
  short-retr:N     RETR N sends the first third of the message, then "."
  unstuffed:N      RETR N sends the message with a lone "." line in the
                   middle, not dot-stuffed (the rest follows as garbage)
  empty-retr:N     RETR N sends "+OK" and "." at once
  endless-retr:N   RETR N sends message N, then text without end
  endless-huge:N   endless-retr:N, and LIST announces 2^64-1 octets
  trickle-retr:N   RETR N sends one byte every 0.2 s
  trickle-head:N   RETR N's "+OK" line (700 bytes) comes a byte every 0.2 s
  endless-capa     CAPA lines without end
  endless-line     a LIST line without end (no line break, ever)
  bad-tls          STLS is answered "+OK", then garbage instead of TLS
  quit-err         QUIT is answered "-ERR" (nothing is deleted)
  echo-pass        PASS is refused with the password in the -ERR text
  echo-garbage     PASS is answered by a non-POP3 line with the password
  echo-auth        offers SASL PLAIN; AUTH is refused with its base64
                   argument and the base64 password in the -ERR text
--gen-size BYTES adds a message of BYTES octets (CRLF), generated while
it is sent (never held in memory), Message-ID <gen@retrieve-it>, name
"gen-0", its last line GEN-END.
DIR/NAME.conns holds "<open now> <most open at once> <total>" connections.
The log (stdout) never shows PASS arguments nor echoed passwords.
"""
import argparse
import base64
import os
import select
import socket
import socketserver
import ssl
import sys
import threading
import time

args = None
lock = threading.Lock()
messages = []          # [(name, bytes)], shared by all connections
conn_count = 0
conn_active = 0        # open connections now, and the most at once
conn_max = 0


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def save_state():
    path = os.path.join(args.dir, args.name + ".state")
    with open(path + ".tmp", "w") as f:
        for name, _ in messages:
            f.write(name + "\n")
    os.replace(path + ".tmp", path)


def save_conns():
    path = os.path.join(args.dir, args.name + ".conns")
    with open(path + ".tmp", "w") as f:
        f.write(f"{conn_active} {conn_max} {conn_count}\n")
    os.replace(path + ".tmp", path)


GEN_LINE = b"x" * 78 + b"\r\n"


def gen_header(size):
    return (b"From: Gen <gen@example.org>\r\nTo: rcpt@example.org\r\n"
            b"Subject: Generated %d\r\nMessage-ID: <gen@retrieve-it>\r\n"
            b"\r\n" % size)


def gen_chunks(size):
    """The generated message of exactly size octets, in pieces."""
    head = gen_header(size)
    tail = b"GEN-END\r\n"
    fill = size - len(head) - len(tail)
    yield head
    block = GEN_LINE * 800
    while fill >= len(block):
        yield block
        fill -= len(block)
    lines, rest = divmod(fill, len(GEN_LINE))
    yield GEN_LINE * lines + (b"y" * (rest - 2) + b"\r\n" if rest >= 2
                              else b" " * rest)
    yield tail


def msg_size(data):
    return data if isinstance(data, int) else len(crlf(data))


def fid(name):
    return name.rsplit("-", 1)[-1]


def crlf(data):
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def dot_stuff(data):
    lines = crlf(data).split(b"\r\n")
    return b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        global conn_count, conn_active, conn_max
        super().setup()
        with lock:
            conn_count += 1
            n = conn_count
            conn_active += 1
            conn_max = max(conn_max, conn_active)
            save_conns()
        script = args.script.split(",")
        self.mode = script[min(n, len(script)) - 1]
        self.cid = n
        log(f"[{n}] connect, mode {self.mode}")
        if self.mode == "no-capa":
            # unbuffered: input not yet read stays in the socket, where
            # select() sees it (pipelining detection)
            self.rfile = self.request.makefile("rb", buffering=0)

    def check_pipelined(self, shown):
        """no-capa: a further command already waiting means the client
        did not wait for the reply (the server offers no PIPELINING)."""
        if self.mode != "no-capa":
            return
        time.sleep(0.02)
        readable, _, _ = select.select([self.request], [], [], 0)
        if readable:
            log(f"[{self.cid}] pipelined input after {shown}")

    def finish(self):
        global conn_active
        try:
            super().finish()
        except OSError:
            pass
        with lock:
            conn_active -= 1
            save_conns()

    def send(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def line(self, text, shown=None):
        log(f"[{self.cid}] S: {(text if shown is None else shown)[:80]}")
        self.send(text.encode("latin-1") + b"\r\n")

    def starttls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        self.request = ctx.wrap_socket(self.request, server_side=True)
        self.rfile = self.request.makefile("rb")
        self.wfile = self.request.makefile("wb")

    def is_mode(self, kind, *margs):
        """The hostile behaviour of this connection is kind (with these
        leading arguments)."""
        parts = self.mode.split(":")
        return parts[0] == kind and tuple(parts[1:1 + len(margs)]) == margs

    def marg(self, i):
        return self.mode.split(":")[1 + i]

    def stage(self, stage):
        """reset/garbage/stall at stage: returns False when the
        connection is to end."""
        if self.is_mode("reset", stage):
            log(f"[{self.cid}] resetting at {stage}")
            self.drop()
            return False
        if self.is_mode("garbage", stage):
            self.line("* BAD this is \x01 not POP3")
            return None
        if self.is_mode("stall", stage):
            log(f"[{self.cid}] stalling at {stage}")
            self.stall()
            return False
        return True

    def drop(self):
        try:
            self.wfile.flush()
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def stall(self):
        for _ in range(600):
            if os.path.exists(os.path.join(args.dir, args.name + ".release")):
                break
            time.sleep(0.1)

    def handle(self):
        if self.mode.startswith("slow:"):
            time.sleep(float(self.mode.split(":", 1)[1]))
        if self.mode == "garbage-greeting":
            self.line("* OK this is not a POP3 server \x01\x02")
            time.sleep(2)
            return
        st = self.stage("greeting")
        if st is False:
            return
        if st:
            self.line("+OK fake POP3 ready")
        authed = False
        user = None
        self.dele_count = 0
        deleted = set()
        with lock:
            view = list(messages)   # this session's maildrop
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                log(f"[{self.cid}] client closed")
                return
            cmdline = raw.decode("latin-1").rstrip("\r\n")
            parts = cmdline.split(" ")
            cmd = parts[0].upper()
            shown = cmd + " <hidden>" if cmd in ("PASS", "APOP", "AUTH") \
                else cmdline
            log(f"[{self.cid}] C: {shown}")
            self.check_pipelined(shown)
            if cmd == "DELE":
                self.dele_count += 1
            if cmd != "DELE" or self.dele_count == 2:
                st = self.stage(cmd.lower())
                if st is False:
                    return
                if st is None:
                    continue
            if cmd == "CAPA" and self.mode == "no-capa":
                self.line("-ERR unknown command")
            elif cmd == "CAPA":
                self.line("+OK")
                for c in ["TOP", "UIDL", "USER", "RESP-CODES"] + \
                        (["STLS"] if args.cert else []) + \
                        (["SASL PLAIN"] if self.mode == "echo-auth" else []) + \
                        ([f"LOGIN-DELAY {self.marg(1)}"]
                         if self.is_mode("login-err", "LOGIN-DELAY") and
                         len(self.mode.split(":")) > 2 else []):
                    self.send(c.encode() + b"\r\n")
                if self.mode == "endless-capa":
                    n = 0
                    try:
                        while True:
                            n += 1
                            self.send(b"X-CAPABILITY-%d\r\n" % n)
                    except OSError:
                        log(f"[{self.cid}] endless CAPA ended after {n} lines")
                        return
                self.send(b".\r\n")
            elif cmd == "STLS" and args.cert and not authed:
                self.line("+OK Begin TLS")
                if self.mode == "bad-tls":
                    self.send(b"\x15\x03\x01\x00\x02garbage, not TLS\r\n")
                    time.sleep(1)
                    return
                self.starttls()
            elif cmd == "USER" and len(parts) == 2:
                user = parts[1]
                self.line("+OK")
            elif cmd == "AUTH" and self.mode == "echo-auth":
                pw = os.environ.get("FAKE_POP3_PASSWORD", "").encode()
                echo = parts[2] if len(parts) > 2 else ""
                self.line(f"-ERR [AUTH] bad credentials {echo} "
                          f"({base64.b64encode(pw).decode()})",
                          "-ERR [AUTH] bad credentials <echo>")
            elif cmd == "PASS" and user is not None and \
                    self.mode in ("echo-pass", "echo-garbage"):
                text = "-ERR [AUTH] wrong password" \
                    if self.mode == "echo-pass" else "BAD password"
                self.line(f"{text} {cmdline[5:]} for {user}",
                          f"{text} <echo> for {user}")
            elif cmd == "PASS" and user is not None and \
                    self.mode.startswith("login-err:"):
                code = self.mode.split(":")[1]
                self.line(f"-ERR [{code}] fake server refuses the login")
            elif cmd == "PASS" and user is not None and \
                    self.mode == "echo-pass-raw":
                pw = cmdline[5:]
                b64 = base64.b64encode(f"\0{user}\0{pw}".encode()).decode()
                log(f"[{self.cid}] S: -ERR <echoing the password>")
                self.send(f"-ERR [AUTH\x1b[31m{pw}\x7f] bad \r{pw}\x01 "
                          f"{b64} {base64.b64encode(pw.encode()).decode()}"
                          "\r\n".encode())
            elif cmd == "PASS" and user is not None:
                if cmdline[5:] == os.environ.get("FAKE_POP3_PASSWORD", ""):
                    authed = True
                    self.line("+OK logged in")
                else:
                    self.line("-ERR [AUTH] Authentication failed.")
            elif cmd == "QUIT":
                if self.mode == "quit-err":
                    self.line("-ERR [SYS/TEMP] could not commit")
                    return
                if authed:
                    with lock:
                        messages[:] = [m for m in messages if m[0] not in deleted]
                        save_state()
                self.line("+OK bye")
                return
            elif cmd == "NOOP":
                self.line("+OK")
            elif not authed:
                self.line("-ERR not logged in")
            elif cmd == "STAT":
                live = [m for m in view if m[0] not in deleted]
                count = int(self.marg(0)) if self.is_mode("stat-lie") \
                    else len(live)
                self.line(f"+OK {count} {sum(msg_size(d) for _, d in live)}")
            elif cmd in ("LIST", "UIDL"):
                if not self.listing(cmd, parts, view, deleted):
                    return
            elif cmd in ("RETR", "TOP"):
                if not self.retr(cmd, parts, view, deleted):
                    return
            elif cmd == "DELE":
                i = self.msgnum(parts, view, deleted)
                if i is not None:
                    deleted.add(view[i][0])
                    self.line("+OK deleted")
            elif cmd == "RSET":
                deleted.clear()
                self.line("+OK")
            else:
                self.line("-ERR unknown command")

    def msgnum(self, parts, view, deleted):
        try:
            i = int(parts[1]) - 1
            if 0 <= i < len(view) and view[i][0] not in deleted:
                return i
        except (IndexError, ValueError):
            pass
        self.line("-ERR no such message")
        return None

    def uidl_of(self, name):
        if self.is_mode("same-uidl", fid(name)):
            # (also once message M is gone)
            return f"fake-{name.rsplit('-', 1)[0]}-{self.marg(1)}"
        if self.is_mode("bad-uidl", fid(name)):
            return "fake-" + "u" * 66
        return f"fake-{name}"

    def listing(self, cmd, parts, view, deleted):
        def item(i):
            name, data = view[i]
            if cmd == "UIDL":
                return f"{i + 1} {self.uidl_of(name)}"
            if self.is_mode("list-size", fid(name)):
                return f"{i + 1} {self.marg(1)}"
            if self.is_mode("endless-huge", fid(name)):
                return f"{i + 1} {2 ** 64 - 1}"
            return f"{i + 1} {msg_size(data)}"

        def left_out(i):
            name = view[i][0]
            return name in deleted or \
                (cmd == "UIDL" and self.is_mode("no-uidl", fid(name))) or \
                (cmd == "LIST" and self.is_mode("no-list", fid(name)))
        if len(parts) > 1:
            i = self.msgnum(parts, view, deleted)
            if i is not None:
                self.line("+OK " + item(i))
            return True
        self.line("+OK")
        out = b""
        if self.mode == "empty-listing":
            view = []
        for i in range(len(view)):
            if not left_out(i):
                out += item(i).encode() + b"\r\n"
            if cmd == "UIDL" and self.mode == "long-uidl" and i == 0:
                out += b"2 " + b"X" * (1 << 20) + b"\r\n"
        if cmd == "UIDL" and self.mode == "sparse":
            out += b"10000000 fake-sparse\r\n"
        if cmd == "UIDL" and self.is_mode("reset", "uidl-mid"):
            self.send(out[:len(out) // 2])
            log(f"[{self.cid}] resetting in the middle of UIDL")
            self.drop()
            return False
        if cmd == "LIST" and self.mode == "endless-line":
            self.send(out[:3])
            try:
                while True:
                    self.send(b"9" * 65536)
            except OSError:
                log(f"[{self.cid}] endless LIST line ended")
                return False
        self.send(out + b".\r\n")
        return True

    def retr(self, cmd, parts, view, deleted):
        i = self.msgnum(parts, view, deleted)
        if i is None:
            return True
        name, data = view[i]
        if isinstance(data, int):
            self.line("+OK message follows")
            try:
                for chunk in gen_chunks(data):
                    self.send(chunk)
                self.send(b".\r\n")
            except OSError:
                log(f"[{self.cid}] client gone while sending {name}")
                return False
            return True
        body = dot_stuff(data)
        mine = cmd == "RETR"
        if mine and self.is_mode("reset", "retr-head"):
            self.line("+OK message follows")
            log(f"[{self.cid}] resetting after RETR's +OK")
            self.drop()
            return False
        if mine and self.is_mode("short-retr", fid(name)):
            self.line("+OK message follows")
            cut = body[:len(body) // 3]
            self.send(cut[:cut.rfind(b"\r\n") + 2] + b".\r\n")
            return True
        if mine and self.is_mode("unstuffed", fid(name)):
            lines = crlf(data).split(b"\r\n")
            half = len(lines) // 2
            self.line("+OK message follows")
            self.send(b"\r\n".join(lines[:half] + [b"."] + lines[half:]) +
                      b".\r\n")
            return True
        if mine and self.is_mode("empty-retr", fid(name)):
            self.line("+OK")
            self.send(b".\r\n")
            return True
        if mine and (self.is_mode("endless-retr", fid(name)) or
                     self.is_mode("endless-huge", fid(name))):
            self.line("+OK message follows")
            try:
                self.send(body)
                while True:
                    self.send(b"endless line of a message without end\r\n" * 1000)
            except OSError:
                log(f"[{self.cid}] endless RETR ended")
                return False
        if mine and self.is_mode("trickle-head", fid(name)):
            try:
                for b in b"+OK " + b"slowly " * 100:
                    self.send(bytes([b]))
                    time.sleep(0.2)
                self.send(b"\r\n" + body + b".\r\n")
            except OSError:
                log(f"[{self.cid}] client gone while trickling")
                return False
            return True
        if mine and self.is_mode("trickle-retr", fid(name)):
            self.line("+OK message follows")
            try:
                for b in body + b".\r\n":
                    self.send(bytes([b]))
                    time.sleep(0.2)
            except OSError:
                log(f"[{self.cid}] client gone while trickling")
                return False
            return True
        return self.retr_plain(cmd, parts, i, body)

    def retr_plain(self, cmd, parts, i, body):
        if cmd == "TOP":
            n = int(parts[2]) if len(parts) > 2 else 0
            head, _, rest = body.partition(b"\r\n\r\n")
            body = head + b"\r\n\r\n" + b"".join(
                l + b"\r\n" for l in rest.split(b"\r\n")[:n])
        if self.mode == "stall-retr" and cmd == "RETR":
            self.mode = "normal"
            stalled = os.path.join(args.dir, args.name + ".stalled")
            release = os.path.join(args.dir, args.name + ".release")
            open(stalled, "w").close()
            log(f"[{self.cid}] stalling RETR")
            for _ in range(600):
                if os.path.exists(release):
                    break
                time.sleep(0.1)
        if self.mode == "stall-half-retr" and cmd == "RETR":
            self.mode = "normal"
            self.line("+OK message follows")
            self.send(body[:len(body) // 2])
            stalled = os.path.join(args.dir, args.name + ".stalled")
            release = os.path.join(args.dir, args.name + ".release")
            open(stalled, "w").close()
            log(f"[{self.cid}] stalling in the middle of RETR")
            for _ in range(600):
                if os.path.exists(release):
                    break
                time.sleep(0.1)
            try:
                self.send(body[len(body) // 2:] + b".\r\n")
            except OSError:
                log(f"[{self.cid}] client gone when the stall ended")
                return False
            return True
        if self.mode.startswith("drop-retr:") and cmd == "RETR" and \
                i + 1 == int(self.mode.split(":")[1]):
            self.line("+OK message follows")
            self.send(body[:len(body) // 2])
            log(f"[{self.cid}] dropping the connection mid-RETR")
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return False
        self.line("+OK message follows")
        self.send(body + b".\r\n")
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--script", default="normal")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--lifetime", type=int, default=600,
                   help="exit after this many seconds")
    p.add_argument("--gen-size", type=int,
                   help="add a generated message of this many octets")
    p.add_argument("files", nargs="*")
    args = p.parse_args()
    for f in args.files:
        with open(f, "rb") as fh:
            messages.append((os.path.basename(f), fh.read()))
    if args.gen_size:
        messages.append(("gen-0", args.gen_size))
    save_state()
    save_conns()
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
