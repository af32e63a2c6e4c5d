/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "retrieve-json.h"
#include "rspamd-reply.h"

/* Dovecot 2.4: json-istream (retrieve-json.h) */

static const struct json_limits rspamd_reply_json_limits = {
	.max_name_size = 1024,
	.max_string_size = RSPAMD_REPLY_MAX_SIZE,
	.max_nesting = 32,
	.max_list_items = 100000,
};

static int
rspamd_reply_json_error(struct json_istream *stream, int ret,
			const char *what, const char **error_r)
{
	const char *error = retrieve_json_error(stream, ret);

	*error_r = t_strdup_printf("Invalid JSON%s: %s", what,
				   error != NULL ? error : "Reply ended early");
	return -1;
}

static int
rspamd_reply_json_symbols(struct json_istream *stream, string_t *symbols,
			  const char **error_r)
{
	const char *name;
	unsigned int count = 0;
	int ret;

	while ((ret = json_istream_read_object_member(stream, &name)) > 0) {
		if (name == NULL) {
			/* the end of the symbols object */
			json_istream_ascend(stream);
			return 0;
		}
		if (rspamd_reply_json_symbol(name, symbols, &count,
					     error_r) < 0)
			return -1;
		json_istream_skip(stream);
	}
	return rspamd_reply_json_error(stream, ret, " in symbols", error_r);
}

static int
rspamd_reply_json_member(struct json_istream *stream, const char *key,
			 struct rspamd_reply *reply, string_t *symbols,
			 const char **error_r)
{
	struct json_node node;
	const char *value;
	int ret;

	if (strcmp(key, "symbols") == 0) {
		ret = json_istream_descend(stream, &node);
		if (ret <= 0)
			return rspamd_reply_json_error(stream, ret, "", error_r);
		if (!json_node_is_object(&node)) {
			*error_r = "Invalid symbols object";
			return -1;
		}
		return rspamd_reply_json_symbols(stream, symbols, error_r);
	}
	if (!rspamd_reply_json_field_wanted(key)) {
		json_istream_skip(stream);
		return 0;
	}
	ret = json_istream_read_next(stream, &node);
	if (ret <= 0)
		return rspamd_reply_json_error(stream, ret, "", error_r);
	switch (node.type) {
	case JSON_TYPE_STRING:
	case JSON_TYPE_NUMBER:
		value = json_node_get_str(&node);
		break;
	default:
		value = json_node_get_label(&node);
		break;
	}
	return rspamd_reply_json_field(reply, key, node.type, value, error_r);
}

int rspamd_reply_json_parse(const unsigned char *data, size_t size,
			    struct rspamd_reply *reply, string_t *symbols,
			    const char **error_r)
{
	struct json_istream *stream;
	const char *key, *error;
	int ret;

	ret = retrieve_json_object_open(data, size, &rspamd_reply_json_limits,
					&stream, &error);
	if (ret == 0) {
		*error_r = "Invalid JSON: not an object of verdict fields";
		return -1;
	}
	if (ret < 0) {
		*error_r = t_strdup_printf("Invalid JSON: %s", error != NULL ?
					   error : "Reply ended early");
		return -1;
	}
	/* the root object's members; its end reads as a NULL name */
	while ((ret = json_istream_read_object_member(stream, &key)) > 0 &&
	       key != NULL) {
		key = t_strdup(key);
		if (rspamd_reply_json_member(stream, key, reply, symbols,
					     error_r) < 0) {
			json_istream_destroy(&stream);
			return -1;
		}
	}
	if (ret <= 0) {
		(void)rspamd_reply_json_error(stream, ret, "", error_r);
		json_istream_destroy(&stream);
		return -1;
	}
	/* nothing may follow the object */
	if (retrieve_json_object_close(&stream, &error) < 0) {
		*error_r = t_strdup_printf("Invalid JSON: %s", error != NULL ?
					   error : "Reply ended early");
		return -1;
	}
	return 0;
}
