#ifndef SPAMD_REPLY_H
#define SPAMD_REPLY_H

/* Parsing of spamd's reply to a SYMBOLS request (SPAMC/1.5), kept apart
   from the connection so it can be tested and fuzzed on its own. Every
   byte is the scanner's: lengths and counts are bounded, and anything
   unexpected is an error, never a verdict. */

/* The whole reply is buffered, so these bound the memory a scanner can
   make us spend */
#define SPAMD_REPLY_MAX_LINE 1024
#define SPAMD_REPLY_MAX_HEADERS 32
#define SPAMD_REPLY_MAX_BODY 8192
#define SPAMD_REPLY_MAX_SIZE \
	(SPAMD_REPLY_MAX_LINE * (SPAMD_REPLY_MAX_HEADERS + 2) + \
	 SPAMD_REPLY_MAX_BODY)
/* one rule's name: it must fit on a header line */
#define SPAMD_REPLY_MAX_RULE_NAME 128
/* "-1234567.123": longer numbers are refused */
#define SPAMD_REPLY_MAX_NUMBER 12

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
	/* the rules that hit, "GTUBE,MISSING_DATE"; "" when none. Only
	   [A-Za-z0-9_.,-] */
	const char *symbols;
};

/* Parses the reply buffered so far (data, size), eof when the scanner
   closed the connection. Returns 1 when the reply is complete (reply_r
   set; code != 0 is spamd's error), 0 when more bytes are needed, -1 when
   it is malformed (error_r says how, in fixed words plus sanitised
   scanner text). Strings are allocated from the data stack. */
int spamd_reply_parse(const unsigned char *data, size_t size, bool eof,
		      struct spamd_reply *reply_r, const char **error_r);

/* Takes the next line (without CRLF or LF) from data at *pos. Returns 1
   with line_r (data stack), 0 when it has not fully arrived, -1 when it
   is longer than SPAMD_REPLY_MAX_LINE or holds a NUL. Shared with the
   rspamd HTTP reply's parser. */
int spamd_reply_next_line(const unsigned char *data, size_t size,
			  size_t *pos, const char **line_r,
			  const char **error_r);

/* TRUE for a decimal number spamd may send as a score */
bool spamd_reply_number_is_valid(const char *str);

#endif
