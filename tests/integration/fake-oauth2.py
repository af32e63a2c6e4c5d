#!/usr/bin/env python3
"""A small OAuth2 provider for the integration suite, over HTTPS with the
test certificate: the token endpoint the plugin refreshes access tokens
at, and the introspection endpoint the remote Dovecot's passdb oauth2
validates them with.

  POST /token       grant_type=refresh_token, refresh_token, client_id,
                    client_secret (RFC 6749 6): a new access token (and,
                    in rotate mode, a new refresh token, the old one
                    revoked); invalid_grant for an unknown or revoked
                    refresh token, invalid_client for a wrong client
  POST /introspect  token, client_id, client_secret (RFC 7662, Dovecot's
                    introspection_mode = post): {"active": true,
                    "username": USER} for a live access token, else
                    active false
  GET /admin/OP?ARGS  the test's controls, answered with JSON:
    grant?user=U           a new refresh token for U ({"refresh_token"})
    revoke?user=U          revoke U's refresh and access tokens
    revoke_access?user=U   expire U's access tokens only (server side)
    set?expires_in=N&rotate=0|1&token_len=N&drip=SECS
                           (drip: the token reply's body sent one byte
                           every SECS seconds)
    stats                  {"refreshes": N, "introspections": N,
                            "active_rejected": N}

Every token it hands out (and the base64 SASL messages of XOAUTH2 and
OAUTHBEARER carrying an access token) is appended to --secrets (the
password scan's list). Listens on 127.0.0.1 (a free port, written to DIR/NAME.port);
logs one line per request without any token.
"""
import argparse
import base64
import json
import os
import secrets
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENTS = {}
LOCK = threading.Lock()
STATE = {
    "refresh": {},      # refresh token -> user
    "access": {},       # access token -> (user, expires)
    "expires_in": 3600,
    "rotate": False,
    "token_len": 40,
    "drip": 0.0,
    "refreshes": 0,
    "introspections": 0,
    "active_rejected": 0,
}


def new_token(prefix, length):
    body = secrets.token_hex(max(8, length))[:max(8, length - len(prefix))]
    return prefix + body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, drip=0.0):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if drip <= 0:
            self.wfile.write(data)
            return
        # the body a byte at a time, each within any per-read timeout
        self.wfile.flush()
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(drip)
        except OSError:
            self.note("token drip: the client went away")

    def note(self, line):
        with open(self.server.log_path, "a") as f:
            f.write(line + "\n")

    def secret(self, token):
        with open(self.server.secrets_path, "a") as f:
            f.write(token + "\n")

    def form(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length > 0 else ""
        return dict(urllib.parse.parse_qsl(body, keep_blank_values=True))

    def client_ok(self, form):
        cid = form.get("client_id", "")
        secret = form.get("client_secret", "")
        # HTTP basic auth (RFC 7662 2.1), as Dovecot 2.4's introspection
        # authenticates: credentials from the introspection URL
        auth = self.headers.get("Authorization") or ""
        if not cid and auth.startswith("Basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                cid, secret = urllib.parse.unquote(cid), urllib.parse.unquote(secret)
            except ValueError:
                return False
        return cid in CLIENTS and CLIENTS[cid] == secret

    def do_POST(self):
        path = self.path.split("?")[0]
        form = self.form()
        if path == "/token":
            self.token(form)
        elif path == "/introspect":
            self.introspect(form)
        else:
            self.reply(404, {"error": "not_found"})

    def token(self, form):
        with LOCK:
            STATE["refreshes"] += 1
            if form.get("grant_type") != "refresh_token":
                self.note("token unsupported_grant_type")
                self.reply(400, {"error": "unsupported_grant_type"})
                return
            if not self.client_ok(form):
                self.note("token invalid_client")
                self.reply(401, {"error": "invalid_client"})
                return
            user = STATE["refresh"].get(form.get("refresh_token", ""))
            if user is None:
                self.note("token invalid_grant")
                self.reply(400, {"error": "invalid_grant",
                                 "error_description":
                                 "Token has been expired or revoked."})
                return
            access = new_token("at-", STATE["token_len"])
            self.secret(access)
            # and the SASL messages carrying it, as a login sends them
            for msg in ("user=%s\x01auth=Bearer %s\x01\x01",
                        "n,a=%s,\x01auth=Bearer %s\x01\x01"):
                self.secret(base64.b64encode(
                    (msg % (user, access)).encode()).decode())
            STATE["access"][access] = (user, time.time() + STATE["expires_in"])
            reply = {"access_token": access, "token_type": "Bearer",
                     "expires_in": STATE["expires_in"],
                     "scope": form.get("scope", "")}
            if STATE["rotate"]:
                old = form["refresh_token"]
                rotated = new_token("rt-", 40)
                self.secret(rotated)
                del STATE["refresh"][old]
                STATE["refresh"][rotated] = user
                reply["refresh_token"] = rotated
            self.note("token issued user=%s rotated=%d expires_in=%d scope=%s"
                      % (user, int(STATE["rotate"]), STATE["expires_in"],
                         form.get("scope", "")))
            drip = STATE["drip"]
        # outside the lock: the admin controls still answer
        self.reply(200, reply, drip)

    def introspect(self, form):
        with LOCK:
            STATE["introspections"] += 1
            if not self.client_ok(form):
                self.note("introspect invalid_client")
                self.reply(401, {"error": "invalid_client"})
                return
            entry = STATE["access"].get(form.get("token", ""))
            if entry is None:
                STATE["active_rejected"] += 1
                self.note("introspect unknown token")
                self.reply(200, {"active": False})
                return
            user, expires = entry
            if expires < time.time():
                STATE["active_rejected"] += 1
                self.note("introspect expired user=%s" % user)
                self.reply(200, {"active": False, "username": user})
                return
            self.note("introspect active user=%s" % user)
            self.reply(200, {"active": True, "username": user})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        args = dict(urllib.parse.parse_qsl(url.query))
        op = url.path[len("/admin/"):] if url.path.startswith("/admin/") else ""
        with LOCK:
            if op == "grant":
                token = new_token("rt-", 40)
                self.secret(token)
                STATE["refresh"][token] = args["user"]
                self.reply(200, {"refresh_token": token})
            elif op in ("revoke", "revoke_access"):
                for tok, (user, _) in list(STATE["access"].items()):
                    if user == args["user"]:
                        STATE["access"][tok] = (user, 0)
                if op == "revoke":
                    for tok, user in list(STATE["refresh"].items()):
                        if user == args["user"]:
                            del STATE["refresh"][tok]
                self.note("admin %s user=%s" % (op, args["user"]))
                self.reply(200, {})
            elif op == "set":
                if "expires_in" in args:
                    STATE["expires_in"] = int(args["expires_in"])
                if "rotate" in args:
                    STATE["rotate"] = args["rotate"] == "1"
                if "token_len" in args:
                    STATE["token_len"] = int(args["token_len"])
                if "drip" in args:
                    STATE["drip"] = float(args["drip"])
                self.reply(200, {})
            elif op == "stats":
                self.reply(200, {k: STATE[k] for k in
                                 ("refreshes", "introspections",
                                  "active_rejected")})
            else:
                self.reply(404, {"error": "no such op"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--secrets", required=True)
    ap.add_argument("--client", action="append", default=[],
                    help="ID:SECRET of a client it accepts")
    args = ap.parse_args()
    for c in args.client:
        cid, _, sec = c.partition(":")
        CLIENTS[cid] = sec
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.log_path = os.path.join(args.dir, args.name + ".log")
    server.secrets_path = args.secrets
    port_file = os.path.join(args.dir, args.name + ".port")
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
