#ifndef RETRIEVE_SPAM_H
#define RETRIEVE_SPAM_H

#include "retrieve-settings.h"

struct istream;

/* A spam scanner that filter=yes deliveries pass before Sieve: a core and
   one file per backend (retrieve-spam-spamd.c), like Dovecot's quota
   backends. */

struct retrieve_spam_verdict {
	bool spam;
	/* decimal numbers as the scanner sent them, checked */
	const char *score;
	const char *required;
	/* the scanner's rules that hit, comma separated ("" when none) */
	const char *tests;
};

struct retrieve_spam;

/* Checks a retrieve_spam_scanner value ("spamd:127.0.0.1:783") without
   connecting. Returns -1 with error_r saying what is wrong. */
int retrieve_spam_scanner_check(const char *value, const char **error_r);

/* set->scanner must be set (and checked). */
int retrieve_spam_init(const struct retrieve_spam_settings *set,
		       struct event *event_parent,
		       struct retrieve_spam **spam_r, const char **error_r);
void retrieve_spam_deinit(struct retrieve_spam **spam);

/* The scanner as configured ("spamd:127.0.0.1:783"), for errors */
const char *retrieve_spam_get_name(struct retrieve_spam *spam);

/* Scans input from its current offset to its end (size bytes; the
   caller checked size against retrieve_spam_max_size), streamed, within
   retrieve_spam_timeout. rcpt is the local recipient's address (rspamd's
   Rcpt header), or NULL. input is left at its end. Returns 0 with
   verdict_r (strings from the data stack), -1 with error_r when the
   scanner failed (unreachable, timeout, error or malformed reply). */
int retrieve_spam_scan(struct retrieve_spam *spam, struct istream *input,
		       uoff_t size, const char *rcpt,
		       struct retrieve_spam_verdict *verdict_r,
		       const char **error_r);

/* Appends the verdict's headers (X-Spam-Flag, X-Spam-Score,
   X-Spam-Status, folded, CRLF line ends) to dest. */
void retrieve_spam_verdict_headers(const struct retrieve_spam_verdict *verdict,
				   string_t *dest);

#endif
