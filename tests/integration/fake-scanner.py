#!/usr/bin/env python3
"""Scripted spam scanners for replies a real one does not send: spamd
(SPAMC/1.x, --protocol spamd) or rspamd (HTTP POST /checkv2, --protocol
rspamd).

Listens on 127.0.0.1 (a free port, written to DIR/NAME.port), reads each
request (headers, then its Content-length bytes of message) and answers
as --script says; the last behaviour of the comma-separated list repeats
for later connections.

spamd behaviours:
  ham           a well-formed verdict: not spam
  spam          a well-formed verdict: spam (score 1000.0)
  endless-line  "SPAMD/1.1 0 EX_OK" and then one header line without end
  huge-length   "Content-length: 99999999999999" with a Spam header,
                then bytes without end
  garbage       an HTTP reply instead of SPAMD
  error         "SPAMD/1.0 76 Bad header line: ..."
  many-headers  a verdict buried under headers without end
  stall         read the request, never answer (keep the connection)
  close         read the request, close without a reply
Logs one line per request: "request METHOD LENGTH BEHAVIOUR".

rspamd behaviours:
  ham           a well-formed verdict: "no action"
  spam          a well-formed verdict: "reject" (GTUBE)
  http-500      500 Internal Server Error
  garbage       200 with an HTML body
  huge          200 with Content-Length 10^12 and a body without end
  endless-header  a header line without end
  stall         read the request, never answer (keep the connection)
Logs "request METHOD PATH LENGTH BEHAVIOUR" and "header NAME: VALUE" for
the Rcpt, Deliver-To and Settings-ID headers.

--cert, --key and $FAKE_*_PASSWORD are accepted (fake_start passes them)
and unused.
"""
import argparse
import os
import socket
import threading
import time

HAM = (b'{"is_skipped":false,"score":1.5,"required_score":15.0,'
       b'"action":"no action","symbols":{"RULE1":{"score":1.5}}}')
SPAM = (b'{"is_skipped":true,"score":15.0,"required_score":15.0,'
        b'"action":"reject","symbols":{"GTUBE":{"score":0.0}}}')


def endless(conn, piece):
    try:
        while True:
            conn.sendall(piece)
    except OSError:
        pass


def spamd_serve(conn, behaviour, log):
    try:
        method, _, length = read_request(conn, log)
        log("request %s %d %s" % (method, length, behaviour))
        if method is None:
            return
        if behaviour == "ham":
            conn.sendall(b"SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\n"
                         b"Spam: False ; 0.1 / 5.0\r\n\r\nRULE1")
        elif behaviour == "spam":
            conn.sendall(b"SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\n"
                         b"Spam: True ; 1000.0 / 5.0\r\n\r\nGTUBE")
        elif behaviour == "endless-line":
            conn.sendall(b"SPAMD/1.1 0 EX_OK\r\nSpam: ")
            endless(conn, b"A" * 65536)
        elif behaviour == "huge-length":
            conn.sendall(b"SPAMD/1.1 0 EX_OK\r\n"
                         b"Content-length: 99999999999999\r\n"
                         b"Spam: True ; 1000.0 / 5.0\r\n\r\n")
            endless(conn, b"GTUBE," * 10000)
        elif behaviour == "garbage":
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
                         b"\r\n<html>\x00\x1b[31m</html>\r\n")
        elif behaviour == "error":
            conn.sendall(b"SPAMD/1.0 76 Bad header line: (Content-Length "
                         b"mismatch)\r\n")
        elif behaviour == "many-headers":
            conn.sendall(b"SPAMD/1.1 0 EX_OK\r\n")
            endless(conn, b"X-Filler: yes\r\n" * 1000)
        elif behaviour == "stall":
            time.sleep(60)
        elif behaviour == "close":
            pass
    except OSError as e:
        log("error %s" % e)
    finally:
        conn.close()


def read_request(conn, log):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, None, 0
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    method, path = lines[0].split(b" ")[:2]
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        if name in (b"rcpt", b"deliver-to", b"settings-id"):
            log("header %s: %s" % (name.decode(), value.decode()))
    if chunked:
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        length = len(rest)
    else:
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    return method.decode(), path.decode(), length


def http_reply(conn, status, body):
    conn.sendall(b"HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                 % (status, len(body)) + body)


def rspamd_serve(conn, behaviour, log):
    try:
        method, path, length = read_request(conn, log)
        log("request %s %s %d %s" % (method, path, length, behaviour))
        if method is None:
            return
        if behaviour == "ham":
            http_reply(conn, b"200 OK", HAM)
        elif behaviour == "spam":
            http_reply(conn, b"200 OK", SPAM)
        elif behaviour == "http-500":
            http_reply(conn, b"500 Internal Server Error", b"oops")
        elif behaviour == "garbage":
            http_reply(conn, b"200 OK", b"<html>\x00\x1b[31m</html>")
        elif behaviour == "huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: "
                         b"1000000000000\r\n\r\n")
            while True:
                conn.sendall(b"{" * 65536)
        elif behaviour == "endless-header":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Filler: ")
            while True:
                conn.sendall(b"A" * 65536)
        elif behaviour == "stall":
            time.sleep(60)
    except OSError as e:
        log("error %s" % e)
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--script", default="ham")
    ap.add_argument("--protocol", choices=("spamd", "rspamd"),
                    default="spamd")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    script = args.script.split(",")

    def log(line):
        print(line, flush=True)

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port_file = os.path.join(args.dir, args.name + ".port")
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    n = 0
    while True:
        conn, _ = srv.accept()
        behaviour = script[min(n, len(script) - 1)]
        n += 1
        serve = spamd_serve if args.protocol == "spamd" else rspamd_serve
        threading.Thread(target=serve, args=(conn, behaviour, log),
                         daemon=True).start()


if __name__ == "__main__":
    main()
