#!/usr/bin/env python3
"""A DNS server on loopback that answers every query NXDOMAIN at once.

Usage: dns_nx.py PORT

For the spam cases' rspamd: with no DNS its RBL, SPF, DKIM and DMARC
lookups each wait out a timeout (about 0.3 s a message, which would be
all the bench measures). NXDOMAIN is what a clean sender gets from the
RBLs anyway, and no query leaves the machine. Replies echo the query's id
and question; anything that is not a query is ignored.
"""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    q, peer = s.recvfrom(512)
    # header: id, flags (QR = 0: a query), QDCOUNT = 1
    if len(q) < 12 or q[2] & 0x80 or q[4:6] != b"\0\1":
        continue
    # the question: labels up to the root, then QTYPE and QCLASS
    i = 12
    while i < len(q) and q[i] != 0:
        i += 1 + q[i]
    if i + 5 > len(q):
        continue
    # QR, the query's opcode and RD; RA; RCODE 3 (NXDOMAIN); one question
    flags = bytes([0x80 | (q[2] & 0x79), 0x80 | 3])
    s.sendto(q[:2] + flags + b"\0\1\0\0\0\0\0\0" + q[12:i + 5], peer)
