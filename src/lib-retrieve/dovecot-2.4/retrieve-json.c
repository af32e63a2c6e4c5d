/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "istream.h"
#include "retrieve-json.h"

/* The whole input is in memory: 0, "more input", can only mean data cut
   short */

const char *retrieve_json_error(struct json_istream *stream, int ret)
{
	if (ret < 0 && json_istream_failed(stream))
		return t_strdup(json_istream_get_error(stream));
	return NULL;
}

int retrieve_json_object_open(const unsigned char *data, size_t size,
			      const struct json_limits *limits,
			      struct json_istream **stream_r,
			      const char **error_r)
{
	struct istream *input;
	struct json_istream *stream;
	struct json_node node;
	int ret;

	input = i_stream_create_from_data(data, size);
	stream = json_istream_create(input, JSON_ISTREAM_TYPE_NORMAL, limits,
				     JSON_PARSER_FLAG_NUMBERS_AS_STRING);
	i_stream_unref(&input);
	ret = json_istream_descend(stream, &node);
	if (ret <= 0) {
		*error_r = retrieve_json_error(stream, ret);
		json_istream_destroy(&stream);
		return -1;
	}
	if (!json_node_is_object(&node)) {
		json_istream_destroy(&stream);
		return 0;
	}
	*stream_r = stream;
	return 1;
}

int retrieve_json_object_close(struct json_istream **stream,
			       const char **error_r)
{
	const char *error;
	int ret;

	json_istream_ascend(*stream);
	ret = json_istream_finish(stream, &error);
	if (ret < 0) {
		*error_r = t_strdup(error);
		return -1;
	}
	if (ret == 0) {
		json_istream_destroy(stream);
		*error_r = NULL;
		return -1;
	}
	return 0;
}
