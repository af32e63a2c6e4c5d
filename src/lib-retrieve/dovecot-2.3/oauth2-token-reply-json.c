/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "istream.h"
#include "json-parser.h"
#include "oauth2-token-reply.h"

/* Dovecot 2.3: json-parser's pull API, the whole body in memory */

int oauth2_token_reply_json_parse(const unsigned char *data, size_t size,
				  pool_t pool,
				  struct oauth2_token_reply *reply,
				  const char **error_r)
{
	struct istream *input;
	struct json_parser *parser;
	enum json_type type;
	const char *value, *key = NULL, *error = NULL;
	unsigned int members = 0;
	int ret;

	input = i_stream_create_from_data(data, size);
	parser = json_parser_init(input);
	while ((ret = json_parse_next(parser, &type, &value)) > 0) {
		if (key == NULL) {
			if (type != JSON_TYPE_OBJECT_KEY) {
				error = "not a JSON object";
				break;
			}
			if (++members > OAUTH2_TOKEN_REPLY_MAX_MEMBERS) {
				error = "too many members";
				break;
			}
			key = t_strdup(value);
			continue;
		}
		if (type == JSON_TYPE_OBJECT || type == JSON_TYPE_ARRAY) {
			/* nothing we use is nested */
			json_parse_skip(parser);
		} else if (oauth2_token_reply_member(key, type, value, pool,
						     reply, &error) < 0) {
			break;
		}
		key = NULL;
	}
	if (json_parser_deinit(&parser, &value) < 0 && error == NULL)
		error = value;
	i_stream_unref(&input);
	if (error == NULL && key != NULL)
		error = "truncated";
	if (error != NULL) {
		*error_r = error;
		return -1;
	}
	return 0;
}
