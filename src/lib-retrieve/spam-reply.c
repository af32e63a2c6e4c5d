/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "strnum.h"
#include "str-sanitize.h"
#include "spam-reply.h"

#include <ctype.h>

bool spam_reply_number_is_valid(const char *str)
{
	const char *p = str;
	bool digits = FALSE;

	if (strlen(str) > SPAM_REPLY_MAX_NUMBER)
		return FALSE;
	if (*p == '-')
		p++;
	for (; i_isdigit(*p); p++)
		digits = TRUE;
	if (!digits)
		return FALSE;
	if (*p == '.') {
		p++;
		if (!i_isdigit(*p))
			return FALSE;
		while (i_isdigit(*p))
			p++;
	}
	return *p == '\0';
}

bool spam_reply_rule_name_is_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > SPAM_REPLY_MAX_RULE_NAME)
		return FALSE;
	for (i = 0; i < len; i++) {
		if (!i_isalnum(name[i]) && name[i] != '_' &&
		    name[i] != '.' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

/* The next line (without CRLF or LF) at *pos. Returns 1 with line_r, 0
   when it has not fully arrived, -1 when too long or holding a NUL. */
static int
spam_reply_next_line(const unsigned char *data, size_t size, size_t *pos,
		     const char **line_r, const char **error_r)
{
	const unsigned char *start = data + *pos, *lf;
	size_t avail = size - *pos, len;

	lf = memchr(start, '\n', I_MIN(avail, SPAM_REPLY_MAX_LINE + 1));
	if (lf == NULL) {
		if (avail > SPAM_REPLY_MAX_LINE) {
			*error_r = t_strdup_printf("Reply line longer than %u bytes",
						   SPAM_REPLY_MAX_LINE);
			return -1;
		}
		return 0;
	}
	len = lf - start;
	*pos += len + 1;
	if (len > 0 && start[len - 1] == '\r')
		len--;
	if (memchr(start, '\0', len) != NULL) {
		*error_r = "Reply line contains NUL";
		return -1;
	}
	*line_r = t_strndup(start, len);
	return 1;
}

/* ret of an unfinished line: with the close it is an error */
static int
spam_reply_incomplete(int ret, size_t size, bool eof, const char **error_r)
{
	if (ret < 0)
		return -1;
	if (eof) {
		*error_r = size == 0 ? "Connection closed without a reply" :
			"Reply ended early";
		return -1;
	}
	return 0;
}

int spam_reply_status_line(const unsigned char *data, size_t size, bool eof,
			   size_t *pos_r, const char **line_r,
			   const char **error_r)
{
	int ret;

	*pos_r = 0;
	ret = spam_reply_next_line(data, size, pos_r, line_r, error_r);
	if (ret <= 0)
		return spam_reply_incomplete(ret, size, eof, error_r);
	return 1;
}

static int
spam_reply_frame_body(const unsigned char *data, size_t size, size_t pos,
		      bool eof, size_t max_body, struct spam_reply_frame *frame,
		      const char **error_r)
{
	const char *value;
	unsigned int count;
	uoff_t length;

	value = spam_reply_frame_header(frame, "Content-Length", &count);
	if (value == NULL) {
		/* the body runs to the close */
		if (size - pos > max_body) {
			*error_r = t_strdup_printf("Reply body over %zu bytes",
						   max_body);
			return -1;
		}
		if (!eof)
			return 0;
		length = size - pos;
	} else if (count > 1 || str_to_uoff(t_strcut(value, ' '), &length) < 0) {
		*error_r = t_strdup_printf("Invalid Content-Length: %s",
					   str_sanitize(value, 80));
		return -1;
	} else if (length > max_body) {
		*error_r = t_strdup_printf("Content-Length %"PRIuUOFF_T
					   " is over %zu bytes", length,
					   max_body);
		return -1;
	} else if (size - pos < length) {
		if (!eof)
			return 0;
		*error_r = "Reply ended before its Content-Length";
		return -1;
	} else if (size - pos > length) {
		*error_r = "Reply longer than its Content-Length";
		return -1;
	}
	frame->body = data + pos;
	frame->body_size = length;
	return 1;
}

int spam_reply_frame_parse(const unsigned char *data, size_t size,
			   size_t pos, bool eof, size_t max_body,
			   struct spam_reply_frame *frame_r,
			   const char **error_r)
{
	struct spam_reply_header *header;
	const char *line, *p;
	int ret;

	i_zero(frame_r);
	t_array_init(&frame_r->headers, 8);
	for (;;) {
		ret = spam_reply_next_line(data, size, &pos, &line, error_r);
		if (ret <= 0)
			return spam_reply_incomplete(ret, size, eof, error_r);
		if (*line == '\0')
			break;
		if (array_count(&frame_r->headers) >= SPAM_REPLY_MAX_HEADERS) {
			*error_r = t_strdup_printf("More than %u reply headers",
						   SPAM_REPLY_MAX_HEADERS);
			return -1;
		}
		p = strchr(line, ':');
		if (p == NULL || p == line) {
			*error_r = t_strdup_printf("Invalid reply header: %s",
						   str_sanitize(line, 80));
			return -1;
		}
		header = array_append_space(&frame_r->headers);
		header->name = t_strdup_until(line, p);
		for (p++; *p == ' ' || *p == '\t'; p++) ;
		header->value = p;
	}
	return spam_reply_frame_body(data, size, pos, eof, max_body,
				     frame_r, error_r);
}

const char *spam_reply_frame_header(const struct spam_reply_frame *frame,
				    const char *name, unsigned int *count_r)
{
	const struct spam_reply_header *header;
	const char *value = NULL;

	*count_r = 0;
	array_foreach(&frame->headers, header) {
		if (strcasecmp(header->name, name) == 0) {
			if ((*count_r)++ == 0)
				value = header->value;
		}
	}
	return value;
}
