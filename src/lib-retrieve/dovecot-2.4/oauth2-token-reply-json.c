/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "retrieve-json.h"
#include "oauth2-token-reply.h"

/* Dovecot 2.4: json-istream (retrieve-json.h) */

static const struct json_limits oauth2_token_reply_json_limits = {
	.max_name_size = 1024,
	.max_string_size = OAUTH2_TOKEN_REPLY_MAX_SIZE,
	.max_nesting = 32,
	.max_list_items = 100000,
};

int oauth2_token_reply_json_parse(const unsigned char *data, size_t size,
				  pool_t pool,
				  struct oauth2_token_reply *reply,
				  const char **error_r)
{
	struct json_istream *stream;
	struct json_node node;
	const char *key, *value, *error = NULL;
	unsigned int members = 0;
	int ret;

	ret = retrieve_json_object_open(data, size,
					&oauth2_token_reply_json_limits,
					&stream, &error);
	if (ret <= 0) {
		*error_r = ret == 0 ? "not a JSON object" :
			(error != NULL ? error : "truncated");
		return -1;
	}
	/* the object's members; its end reads as a NULL name */
	while ((ret = json_istream_read_object_member(stream, &key)) > 0 &&
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
	if (error == NULL && ret <= 0) {
		error = retrieve_json_error(stream, ret);
		if (error == NULL)
			error = "truncated";
	}
	if (error != NULL) {
		json_istream_destroy(&stream);
		*error_r = error;
		return -1;
	}
	/* nothing may follow the object */
	if (retrieve_json_object_close(&stream, &error) < 0) {
		*error_r = error != NULL ? error : "truncated";
		return -1;
	}
	return 0;
}
