/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "istream.h"
#include "json-istream.h"
#include "oauth2-token-reply.h"

/* Dovecot 2.4: json-istream, the whole body in memory (0, "more input",
   can only mean a body cut short) */

static const struct json_limits oauth2_token_reply_json_limits = {
	.max_name_size = 1024,
	.max_string_size = OAUTH2_TOKEN_REPLY_MAX_SIZE,
	.max_nesting = 32,
	.max_list_items = 100000,
};

static const char *
oauth2_token_reply_json_error(struct json_istream *stream, int ret)
{
	if (ret < 0 && json_istream_failed(stream))
		return t_strdup(json_istream_get_error(stream));
	return "truncated";
}

int oauth2_token_reply_json_parse(const unsigned char *data, size_t size,
				  pool_t pool,
				  struct oauth2_token_reply *reply,
				  const char **error_r)
{
	struct istream *input;
	struct json_istream *stream;
	struct json_node node;
	const char *key, *value, *error = NULL;
	unsigned int members = 0;
	int ret;

	input = i_stream_create_from_data(data, size);
	/* numbers as sent: str_to_uint() checks expires_in */
	stream = json_istream_create(input, JSON_ISTREAM_TYPE_NORMAL,
				     &oauth2_token_reply_json_limits,
				     JSON_PARSER_FLAG_NUMBERS_AS_STRING);
	i_stream_unref(&input);
	ret = json_istream_descend(stream, &node);
	if (ret > 0 && !json_node_is_object(&node)) {
		json_istream_destroy(&stream);
		*error_r = "not a JSON object";
		return -1;
	}
	/* the object's members; its end reads as a NULL name */
	while (ret > 0 &&
	       (ret = json_istream_read_object_member(stream, &key)) > 0 &&
	       key != NULL) {
		if (++members > OAUTH2_TOKEN_REPLY_MAX_MEMBERS) {
			error = "too many members";
			break;
		}
		key = t_strdup(key);
		/* an object or array is skipped as a whole: nothing we use
		   is nested */
		ret = json_istream_read_next(stream, &node);
		if (ret <= 0)
			break;
		if (node.type == JSON_TYPE_OBJECT ||
		    node.type == JSON_TYPE_ARRAY)
			continue;
		if (node.type == JSON_TYPE_STRING ||
		    node.type == JSON_TYPE_NUMBER)
			value = json_node_get_str(&node);
		else
			value = json_node_get_label(&node);
		if (oauth2_token_reply_member(key, node.type, value, pool,
					      reply, &error) < 0)
			break;
	}
	if (error == NULL && ret <= 0)
		error = oauth2_token_reply_json_error(stream, ret);
	if (error != NULL) {
		json_istream_destroy(&stream);
		*error_r = error;
		return -1;
	}
	json_istream_ascend(stream);
	/* nothing may follow the object */
	ret = json_istream_finish(&stream, &error);
	if (ret < 0) {
		*error_r = t_strdup(error);
		return -1;
	}
	if (ret == 0) {
		json_istream_destroy(&stream);
		*error_r = "truncated";
		return -1;
	}
	return 0;
}
