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
  slow:SECS        wait SECS before the greeting (keeps sessions open
                   long enough to overlap)
  echo-pass        answer PASS with -ERR echoing the password, its base64
                   forms and control bytes (CR, ESC, DEL) in the
                   resp-code and the text
  empty-listing    UIDL and LIST list no message (a server whose
                   maildrop is transiently unavailable)
DIR/NAME.conns holds "<open now> <most open at once> <total>" connections.
The log (stdout) never shows PASS arguments.
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

    def line(self, text):
        log(f"[{self.cid}] S: {text[:80]}")
        self.send(text.encode() + b"\r\n")

    def starttls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        self.request = ctx.wrap_socket(self.request, server_side=True)
        self.rfile = self.request.makefile("rb")
        self.wfile = self.request.makefile("wb")

    def handle(self):
        if self.mode.startswith("slow:"):
            time.sleep(float(self.mode.split(":", 1)[1]))
        if self.mode == "garbage-greeting":
            self.line("* OK this is not a POP3 server \x01\x02")
            time.sleep(2)
            return
        self.line("+OK fake POP3 ready")
        authed = False
        user = None
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
            if cmd == "CAPA" and self.mode == "no-capa":
                self.line("-ERR unknown command")
            elif cmd == "CAPA":
                self.line("+OK")
                for c in ["TOP", "UIDL", "USER", "RESP-CODES"] + \
                        (["STLS"] if args.cert else []):
                    self.send(c.encode() + b"\r\n")
                self.send(b".\r\n")
            elif cmd == "STLS" and args.cert and not authed:
                self.line("+OK Begin TLS")
                self.starttls()
            elif cmd == "USER" and len(parts) == 2:
                user = parts[1]
                self.line("+OK")
            elif cmd == "PASS" and user is not None and \
                    self.mode.startswith("login-err:"):
                code = self.mode.split(":", 1)[1]
                self.line(f"-ERR [{code}] fake server refuses the login")
            elif cmd == "PASS" and user is not None and \
                    self.mode == "echo-pass":
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
                self.line(f"+OK {len(live)} {sum(len(d) for _, d in live)}")
            elif cmd in ("LIST", "UIDL"):
                self.listing(cmd, parts, view, deleted)
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

    def listing(self, cmd, parts, view, deleted):
        def item(i):
            name, data = view[i]
            return f"{i + 1} fake-{name}" if cmd == "UIDL" else \
                f"{i + 1} {len(crlf(data))}"
        if len(parts) > 1:
            i = self.msgnum(parts, view, deleted)
            if i is not None:
                self.line("+OK " + item(i))
            return
        self.line("+OK")
        out = b""
        if self.mode == "empty-listing":
            view = []
        for i in range(len(view)):
            if view[i][0] not in deleted:
                out += item(i).encode() + b"\r\n"
            if cmd == "UIDL" and self.mode == "long-uidl" and i == 0:
                out += b"2 " + b"X" * (1 << 20) + b"\r\n"
        self.send(out + b".\r\n")

    def retr(self, cmd, parts, view, deleted):
        i = self.msgnum(parts, view, deleted)
        if i is None:
            return True
        body = dot_stuff(view[i][1])
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
    p.add_argument("files", nargs="*")
    args = p.parse_args()
    for f in args.files:
        with open(f, "rb") as fh:
            messages.append((os.path.basename(f), fh.read()))
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
