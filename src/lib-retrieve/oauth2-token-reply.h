#ifndef OAUTH2_TOKEN_REPLY_H
#define OAUTH2_TOKEN_REPLY_H

#include "json-parser.h"

/* The JSON body a token endpoint answers a refresh_token grant with
   (RFC 6749 5.1 and 5.2). Pure, so it is unit-tested and fuzzed: the
   endpoint is remote too. */

/* Longer bodies are refused before parsing */
#define OAUTH2_TOKEN_REPLY_MAX_SIZE (64 * 1024)
/* Longer tokens are refused (Microsoft's are a few KiB) */
#define OAUTH2_TOKEN_MAX_LEN 8192

struct oauth2_token_reply {
	/* NULL when absent; tokens are checked to be printable ASCII
	   without spaces (they go into a SASL message) */
	const char *access_token;
	const char *refresh_token;
	const char *token_type;
	/* 0 when absent */
	unsigned int expires_in;
	/* RFC 6749 5.2 error code ("invalid_grant") and its description,
	   NULL when absent; remote text, to be sanitised before use */
	const char *error;
	const char *error_description;
};

/* Parses data into reply_r (strings from pool). Returns 0, or -1 with
   error_r when the body is not a JSON object of the expected kind. */
int oauth2_token_reply_parse(const unsigned char *data, size_t size,
			     pool_t pool, struct oauth2_token_reply *reply_r,
			     const char **error_r);

/* Members looked at: at most this many */
#define OAUTH2_TOKEN_REPLY_MAX_MEMBERS 64

/* The JSON walk over the body, per Dovecot version (2.3's json-parser,
   2.4's json-istream: dovecot-2.x/oauth2-token-reply-json.c): checks it
   is one object and hands each scalar member of it to
   oauth2_token_reply_member() (nested values are skipped). Returns 0, or
   -1 with error_r (without the "Invalid token endpoint reply" prefix). */
int oauth2_token_reply_json_parse(const unsigned char *data, size_t size,
				  pool_t pool,
				  struct oauth2_token_reply *reply,
				  const char **error_r);
/* One top-level member: stores the ones we use in reply, ignores the
   others. Returns 0, or -1 with error_r for a bad value. */
int oauth2_token_reply_member(const char *key, enum json_type type,
			      const char *value, pool_t pool,
			      struct oauth2_token_reply *reply,
			      const char **error_r);

/* TRUE when token is printable ASCII without spaces, 1 to
   OAUTH2_TOKEN_MAX_LEN bytes */
bool oauth2_token_is_valid(const char *token);

#endif
