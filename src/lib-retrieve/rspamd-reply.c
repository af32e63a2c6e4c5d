/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "istream.h"
#include "str-sanitize.h"
#include "json-parser.h"
#include "spam-reply.h"
#include "rspamd-reply.h"

#include <ctype.h>

static const char *const rspamd_spam_actions[] = {
	"add header", "rewrite subject", "reject", NULL
};
static const char *const rspamd_other_actions[] = {
	"no action", "greylist", "soft reject", NULL
};


static int
rspamd_reply_parse_symbols(struct json_parser *parser, string_t *symbols,
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
		if (!spam_reply_rule_name_is_valid(value, strlen(value))) {
			*error_r = t_strdup_printf("Invalid symbol name: %s",
						   str_sanitize(value, 64));
			return -1;
		}
		if (++count <= RSPAMD_REPLY_MAX_SYMBOLS) {
			if (str_len(symbols) > 0)
				str_append_c(symbols, ',');
			str_append(symbols, value);
		}
		json_parse_skip_next(parser);
	}
	*error_r = ret < 0 ? "Invalid JSON in symbols" :
		"Invalid symbols object";
	return -1;
}

int rspamd_http_reply_parse(const unsigned char *data, size_t size, bool eof,
			    struct rspamd_http_reply *reply_r,
			    const char **error_r)
{
	struct spam_reply_frame frame;
	const char *line, *p;
	unsigned int count;
	size_t pos;
	int ret;

	i_zero(reply_r);
	ret = spam_reply_status_line(data, size, eof, &pos, &line, error_r);
	if (ret <= 0)
		return ret;
	/* "HTTP/1.1 200 OK" */
	if (!str_begins(line, "HTTP/1.") || !i_isdigit(line[7]) ||
	    line[8] != ' ' || !i_isdigit(line[9]) || !i_isdigit(line[10]) ||
	    !i_isdigit(line[11]) || (line[12] != ' ' && line[12] != '\0')) {
		*error_r = t_strdup_printf("Not an HTTP reply: %s",
					   str_sanitize(line, 80));
		return -1;
	}
	reply_r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
		(line[11] - '0');
	reply_r->reason = str_sanitize(line[12] == '\0' ? "" : line + 13, 128);
	for (p = reply_r->reason; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			reply_r->reason = "(unprintable)";
			break;
		}
	}

	ret = spam_reply_frame_parse(data, size, pos, eof,
				     RSPAMD_REPLY_MAX_SIZE, &frame, error_r);
	if (ret <= 0)
		return ret;
	p = spam_reply_frame_header(&frame, "Transfer-Encoding", &count);
	if (p != NULL) {
		*error_r = t_strdup_printf("Unsupported Transfer-Encoding: %s",
					   str_sanitize(p, 80));
		return -1;
	}
	reply_r->body = frame.body;
	reply_r->body_size = frame.body_size;
	return 1;
}

int rspamd_reply_parse(const unsigned char *data, size_t size,
		       struct rspamd_reply *reply_r, const char **error_r)
{
	struct istream *input;
	struct json_parser *parser;
	enum json_type type;
	const char *value, *key, *error = NULL;
	string_t *symbols = t_str_new(256);
	int ret;

	i_zero(reply_r);
	if (size > RSPAMD_REPLY_MAX_SIZE) {
		*error_r = t_strdup_printf("Reply over %u bytes",
					   RSPAMD_REPLY_MAX_SIZE);
		return -1;
	}
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
			if (rspamd_reply_parse_symbols(parser, symbols,
						       &error) < 0)
				break;
			continue;
		}
		if (strcmp(key, "score") != 0 &&
		    strcmp(key, "required_score") != 0 &&
		    strcmp(key, "action") != 0) {
			json_parse_skip_next(parser);
			continue;
		}
		if (json_parse_next(parser, &type, &value) <= 0) {
			error = "Invalid JSON";
			break;
		}
		if (strcmp(key, "action") == 0) {
			if (type != JSON_TYPE_STRING ||
			    reply_r->action != NULL) {
				error = "Invalid action";
				break;
			}
			reply_r->action = t_strdup(value);
		} else if (type != JSON_TYPE_NUMBER ||
			   !spam_reply_number_is_valid(value)) {
			error = t_strdup_printf("Invalid %s: %s", key,
						str_sanitize(value, 32));
			break;
		} else if (strcmp(key, "score") == 0) {
			reply_r->score = t_strdup(value);
		} else {
			reply_r->required = t_strdup(value);
		}
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

	if (reply_r->action == NULL || reply_r->score == NULL ||
	    reply_r->required == NULL) {
		*error_r = "Reply without action, score or required_score";
		return -1;
	}
	if (str_array_find(rspamd_spam_actions, reply_r->action))
		reply_r->spam = TRUE;
	else if (!str_array_find(rspamd_other_actions, reply_r->action)) {
		*error_r = t_strdup_printf("Unknown action: %s",
					   str_sanitize(reply_r->action, 32));
		return -1;
	}
	reply_r->symbols = str_c(symbols);
	return 0;
}
