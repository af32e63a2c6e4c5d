#!/usr/bin/env python3
"""The shared IMAP read floor (lib/imap_read.py) over implicit TLS.

Usage: imaps_read.py SHARED_IMAP_READ_PY HOST PORT USER PASS

Runs the shared script unchanged with imaplib.IMAP4 replaced by IMAP4_SSL
(certificate not checked, like the other TLS floor, pop3_read.py --ssl).
"""
import imaplib
import runpy
import ssl
import sys
import types

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
# a stand-in module for the script's "import imaplib" (IMAP4_SSL itself
# still finds the real IMAP4 in its own module)
fake = types.ModuleType("imaplib")
fake.__dict__.update(imaplib.__dict__)
fake.IMAP4 = lambda host, port: imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
sys.modules["imaplib"] = fake
script = sys.argv[1]
sys.argv = [script] + sys.argv[2:]
runpy.run_path(script, run_name="__main__")
