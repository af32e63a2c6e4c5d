#ifndef RETRIEVE_JSON_H
#define RETRIEVE_JSON_H

/* Dovecot 2.4: a JSON object held whole in memory, read with
   json-istream (rspamd-reply-json.c, oauth2-token-reply-json.c). Numbers
   are kept as sent (JSON_PARSER_FLAG_NUMBERS_AS_STRING): the callers
   check them. */

#include "json-istream.h"

/* Opens data and descends into its root. Returns 1 inside the root
   object; 0 when the root is no object, -1 on a parse error (*error_r)
   or when data ends early (*error_r NULL): then the stream is gone. */
int retrieve_json_object_open(const unsigned char *data, size_t size,
			      const struct json_limits *limits,
			      struct json_istream **stream_r,
			      const char **error_r);
/* After the root object's end was read: nothing may follow it. Destroys
   the stream. Returns 0, or -1 as retrieve_json_object_open(). */
int retrieve_json_object_close(struct json_istream **stream,
			       const char **error_r);
/* The error of a read that returned ret <= 0: json-istream's, or NULL
   when the data ended early */
const char *retrieve_json_error(struct json_istream *stream, int ret);

#endif
