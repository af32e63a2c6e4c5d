/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "json-parser.h"
#include "rspamd-reply.h"

/* Dovecot 2.3: json-parser's pull interface */

static int
rspamd_reply_json_symbols(struct json_parser *parser, string_t *symbols,
			  const char **error_r)
{
	enum json_type type;
	const char *value;
	unsigned int count = 0;
	int ret;

	while ((ret = json_parse_next(parser, &type, &value)) > 0) {
		if (type == JSON_TYPE_OBJECT_END)
			return 0;
		if (type != JSON_TYPE_OBJECT_KEY)
			break;
		if (rspamd_reply_json_symbol(value, symbols, &count,
					     error_r) < 0)
			return -1;
		json_parse_skip_next(parser);
	}
	*error_r = ret < 0 ? "Invalid JSON in symbols" :
		"Invalid symbols object";
	return -1;
}

int rspamd_reply_json_parse(const unsigned char *data, size_t size,
			    struct rspamd_reply *reply, string_t *symbols,
			    const char **error_r)
{
	struct istream *input;
	struct json_parser *parser;
	enum json_type type;
	const char *value, *key, *error = NULL;
	int ret;

	input = i_stream_create_from_data(data, size);
	parser = json_parser_init(input);
	while ((ret = json_parse_next(parser, &type, &value)) > 0) {
		if (type != JSON_TYPE_OBJECT_KEY) {
			error = "Not a JSON object of verdict fields";
			break;
		}
		key = t_strdup(value);
		if (strcmp(key, "symbols") == 0) {
			if (json_parse_next(parser, &type, &value) <= 0 ||
			    type != JSON_TYPE_OBJECT) {
				error = "Invalid symbols object";
				break;
			}
			if (rspamd_reply_json_symbols(parser, symbols,
						      &error) < 0)
				break;
			continue;
		}
		if (!rspamd_reply_json_field_wanted(key)) {
			json_parse_skip_next(parser);
			continue;
		}
		if (json_parse_next(parser, &type, &value) <= 0) {
			error = "Invalid JSON";
			break;
		}
		if (rspamd_reply_json_field(reply, key, type, value,
					    &error) < 0)
			break;
	}
	if (error == NULL && json_parser_deinit(&parser, &error) < 0)
		error = t_strdup_printf("Invalid JSON: %s", error);
	else if (parser != NULL)
		(void)json_parser_deinit(&parser, &value);
	i_stream_unref(&input);
	/* json_parse_next() ends the root object with -1, an error
	   with it is the deinit's; 0 would be a reply cut short */
	if (error == NULL && ret == 0)
		error = "Reply ended early";
	if (error != NULL) {
		*error_r = error;
		return -1;
	}
	return 0;
}
