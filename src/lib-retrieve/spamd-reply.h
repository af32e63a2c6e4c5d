#ifndef SPAMD_REPLY_H
#define SPAMD_REPLY_H

#include "spam-reply.h"

/* Parsing of spamd's reply to a SYMBOLS request (SPAMC/1.5) on
   spam-reply.c's framing, kept apart from the connection so it can be
   tested and fuzzed on its own. */

#define SPAMD_REPLY_MAX_BODY 8192
/* the whole reply is buffered: this bounds what a scanner costs us */
#define SPAMD_REPLY_MAX_SIZE (SPAM_REPLY_MAX_HEAD_SIZE + SPAMD_REPLY_MAX_BODY)

struct spamd_reply {
	/* spamd's EX_* code: 0 is a verdict, anything else an error that
	   message names */
	unsigned int code;
	/* the status line's text, printable ASCII only ("EX_OK") */
	const char *message;

	/* code 0 only: the Spam: header */
	bool spam;
	/* checked decimal numbers as sent ("1002.7", "-0.1") */
	const char *score;
	const char *required;
	/* the rules that hit, "GTUBE,MISSING_DATE"; "" when none */
	const char *symbols;
};

/* Parses the reply buffered so far (data, size), eof when the scanner
   closed the connection. Returns 1 when the reply is complete (reply_r
   set; code != 0 is spamd's error), 0 when more bytes are needed, -1 when
   it is malformed (error_r says how, in fixed words plus sanitised
   scanner text). Strings are allocated from the data stack. */
int spamd_reply_parse(const unsigned char *data, size_t size, bool eof,
		      struct spamd_reply *reply_r, const char **error_r);

#endif
