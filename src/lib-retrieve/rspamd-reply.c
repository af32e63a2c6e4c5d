/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "istream.h"
#include "str-sanitize.h"
#include "spam-reply.h"
#include "rspamd-reply.h"
#include "retrieve-dovecot.h"

#include <ctype.h>

static const char *const rspamd_spam_actions[] = {
	"add header", "rewrite subject", "reject", NULL
};
static const char *const rspamd_other_actions[] = {
	"no action", "greylist", "soft reject", NULL
};


int rspamd_reply_json_symbol(const char *name, string_t *symbols,
			     unsigned int *count, const char **error_r)
{
	if (!spam_reply_rule_name_is_valid(name, strlen(name))) {
		*error_r = t_strdup_printf("Invalid symbol name: %s",
					   str_sanitize(name, 64));
		return -1;
	}
	if (++*count <= RSPAMD_REPLY_MAX_SYMBOLS) {
		if (str_len(symbols) > 0)
			str_append_c(symbols, ',');
		str_append(symbols, name);
	}
	return 0;
}

bool rspamd_reply_json_field_wanted(const char *key)
{
	return strcmp(key, "score") == 0 ||
		strcmp(key, "required_score") == 0 ||
		strcmp(key, "action") == 0;
}

int rspamd_reply_json_field(struct rspamd_reply *reply, const char *key,
			    enum json_type type, const char *value,
			    const char **error_r)
{
	if (strcmp(key, "action") == 0) {
		if (type != JSON_TYPE_STRING || reply->action != NULL) {
			*error_r = "Invalid action";
			return -1;
		}
		reply->action = t_strdup(value);
	} else if (type != JSON_TYPE_NUMBER ||
		   !spam_reply_number_is_valid(value)) {
		*error_r = t_strdup_printf("Invalid %s: %s", key,
					   str_sanitize(value, 32));
		return -1;
	} else if (strcmp(key, "score") == 0) {
		reply->score = t_strdup(value);
	} else {
		reply->required = t_strdup(value);
	}
	return 0;
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
	if (!str_begins_with(line, "HTTP/1.") || !i_isdigit(line[7]) ||
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
	string_t *symbols = t_str_new(256);

	i_zero(reply_r);
	if (size > RSPAMD_REPLY_MAX_SIZE) {
		*error_r = t_strdup_printf("Reply over %u bytes",
					   RSPAMD_REPLY_MAX_SIZE);
		return -1;
	}
	if (rspamd_reply_json_parse(data, size, reply_r, symbols,
				    error_r) < 0)
		return -1;
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
