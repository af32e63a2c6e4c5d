#ifndef RSPAMD_REPLY_H
#define RSPAMD_REPLY_H

#include "json-parser.h"
#include "spam-reply.h"

/* Parsing of rspamd's /checkv2 JSON reply, kept apart from the HTTP
   exchange so it can be tested and fuzzed on its own. The reply is the
   scanner's: its size, the symbols kept and their names are bounded, and
   a reply without score, required_score or action is an error. */

/* the HTTP payload is buffered up to this */
#define RSPAMD_REPLY_MAX_SIZE (256*1024)
/* symbols kept for the X-Spam-Status header; the rest are counted out */
#define RSPAMD_REPLY_MAX_SYMBOLS 100
/* the whole HTTP response: status line, headers, body */
#define RSPAMD_HTTP_REPLY_MAX_SIZE \
	(SPAM_REPLY_MAX_HEAD_SIZE + RSPAMD_REPLY_MAX_SIZE)

struct rspamd_reply {
	/* "no action", "greylist", "add header", "rewrite subject",
	   "soft reject", "reject" */
	const char *action;
	/* add header, rewrite subject and reject */
	bool spam;
	/* checked decimal numbers, as sent */
	const char *score;
	const char *required;
	/* comma separated symbol names, "" when none */
	const char *symbols;
};

/* The HTTP response around it */
struct rspamd_http_reply {
	unsigned int status;
	/* printable ASCII */
	const char *reason;
	const unsigned char *body;
	size_t body_size;
};

/* Parses the HTTP response buffered so far (eof: the scanner closed):
   status line, at most SPAM_REPLY_MAX_HEADERS headers of at most
   SPAM_REPLY_MAX_LINE bytes, a body of Content-Length bytes (or up to
   the close) of at most RSPAMD_REPLY_MAX_SIZE. Returns 1 when complete,
   0 when more is needed, -1 when malformed (error_r). Transfer-Encoding
   is refused: rspamd sends Content-Length. */
int rspamd_http_reply_parse(const unsigned char *data, size_t size, bool eof,
			    struct rspamd_http_reply *reply_r,
			    const char **error_r);

/* Returns 0 with reply_r (strings from the data stack), -1 with error_r
   when the reply is not a usable verdict. */
int rspamd_reply_parse(const unsigned char *data, size_t size,
		       struct rspamd_reply *reply_r, const char **error_r);

/* The JSON walk over the reply, per Dovecot version (2.3's json-parser,
   2.4's json-istream: dovecot-2.x/rspamd-reply-json.c): fills reply's
   action, score and required (NULL when absent) and appends the symbol
   names to symbols. Returns -1 with error_r when the JSON is invalid or
   not an object of verdict fields. */
int rspamd_reply_json_parse(const unsigned char *data, size_t size,
			    struct rspamd_reply *reply, string_t *symbols,
			    const char **error_r);

/* For the walk: the checks of a symbol name (count: how many so far) and
   of a top-level member, common to both versions */
int rspamd_reply_json_symbol(const char *name, string_t *symbols,
			     unsigned int *count, const char **error_r);
bool rspamd_reply_json_field_wanted(const char *key);
int rspamd_reply_json_field(struct rspamd_reply *reply, const char *key,
			    enum json_type type, const char *value,
			    const char **error_r);

#endif
