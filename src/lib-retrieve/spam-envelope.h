#ifndef SPAM_ENVELOPE_H
#define SPAM_ENVELOPE_H

#include "net.h"

/* What rspamd's From and IP request headers say about a retrieved
   message, taken from its own (hostile) header fields: retrieved mail has
   no SMTP envelope or client here. Pure functions, unit-tested and
   fuzzed. */

/* The longest sender address we send */
#define SPAM_ENVELOPE_MAX_ADDRESS 256
/* how much of a header value is looked at */
#define SPAM_ENVELOPE_MAX_VALUE 2048

/* The address of a Return-Path: value ("<user@example.org>"), or NULL
   when it is not one bare angle-addr of a valid, safe address (a null
   reverse-path "<>" is NULL too). */
const char *spam_envelope_return_path(const unsigned char *value, size_t size);
/* The first address of a From: value, or NULL when there is none that is
   valid and safe. */
const char *spam_envelope_from(const unsigned char *value, size_t size);

/* The client IP of a Received: value: the first bracketed IP literal
   ("[192.0.2.1]", "[IPv6:2001:db8::1]") of its "from" clause, before its
   "by". Returns FALSE when the value does not start with "from", has no
   such literal, or the address is not a public one (loopback, private,
   link-local, ...: it would only tell rspamd the message is local). */
bool spam_envelope_received_ip(const unsigned char *value, size_t size,
			       struct ip_addr *ip_r);

#endif
