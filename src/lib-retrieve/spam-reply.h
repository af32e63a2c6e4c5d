#ifndef SPAM_REPLY_H
#define SPAM_REPLY_H

#include "array.h"

/* The framing both scanners' replies share: a status line, header lines
   up to an empty one, and a body of Content-Length bytes (or up to the
   close). Every byte is the scanner's: lines, header counts and the body
   are bounded, and anything unexpected is an error. Pure functions, kept
   apart from the connection so they can be tested and fuzzed. */

#define SPAM_REPLY_MAX_LINE 1024
#define SPAM_REPLY_MAX_HEADERS 32
/* what the status line and headers can take of a reply's buffer */
#define SPAM_REPLY_MAX_HEAD_SIZE \
	(SPAM_REPLY_MAX_LINE * (SPAM_REPLY_MAX_HEADERS + 2))

struct spam_reply_header {
	const char *name;
	const char *value;
};

struct spam_reply_frame {
	/* in the order received, names as sent; Content-Length among them */
	ARRAY(struct spam_reply_header) headers;
	const unsigned char *body;
	size_t body_size;
};

/* Takes the status line from data, *pos_r just after it. Returns 1 with
   line_r (data stack), 0 when it has not fully arrived, -1 when it is too
   long, holds a NUL or eof came first (error_r). */
int spam_reply_status_line(const unsigned char *data, size_t size, bool eof,
			   size_t *pos_r, const char **line_r,
			   const char **error_r);
/* Parses the headers and body that follow the status line at pos. A body
   over max_body is an error. Returns 1 when complete (frame_r, data
   stack), 0 when more is needed, -1 when malformed (error_r). */
int spam_reply_frame_parse(const unsigned char *data, size_t size,
			   size_t pos, bool eof, size_t max_body,
			   struct spam_reply_frame *frame_r,
			   const char **error_r);
/* The value of the first header called name (any case), or NULL;
   count_r how many there are */
const char *spam_reply_frame_header(const struct spam_reply_frame *frame,
				    const char *name, unsigned int *count_r);

/* TRUE for a short decimal number a scanner may send as a score:
   -?digits[.digits], at most SPAM_REPLY_MAX_NUMBER characters */
#define SPAM_REPLY_MAX_NUMBER 12
bool spam_reply_number_is_valid(const char *str);
/* TRUE for a rule or symbol name: [A-Za-z0-9_.-], 1 to
   SPAM_REPLY_MAX_RULE_NAME bytes (one fits a header line) */
#define SPAM_REPLY_MAX_RULE_NAME 128
bool spam_reply_rule_name_is_valid(const char *name, size_t len);

#endif
