/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "str-sanitize.h"
#include "spamd-reply.h"

#include <ctype.h>

bool spamd_reply_number_is_valid(const char *str)
{
	const char *p = str;
	bool digits = FALSE;

	if (strlen(str) > SPAMD_REPLY_MAX_NUMBER)
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

static bool spamd_reply_text_is_printable(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text < 0x20 || (unsigned char)*text >= 0x7f)
			return FALSE;
	}
	return TRUE;
}

int
spamd_reply_next_line(const unsigned char *data, size_t size, size_t *pos,
		      const char **line_r, const char **error_r)
{
	const unsigned char *start = data + *pos, *lf;
	size_t avail = size - *pos, len;

	lf = memchr(start, '\n', I_MIN(avail, SPAMD_REPLY_MAX_LINE + 1));
	if (lf == NULL) {
		if (avail > SPAMD_REPLY_MAX_LINE) {
			*error_r = t_strdup_printf("Reply line longer than %u bytes",
						   SPAMD_REPLY_MAX_LINE);
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

/* "SPAMD/1.1 0 EX_OK" */
static int
spamd_reply_parse_status(const char *line, struct spamd_reply *reply,
			 const char **error_r)
{
	const char *p = line, *code;

	if (!str_begins(p, "SPAMD/")) {
		*error_r = t_strdup_printf("Not a spamd reply: %s",
					   str_sanitize(line, 80));
		return -1;
	}
	p += 6;
	if (!i_isdigit(*p))
		goto bad;
	while (i_isdigit(*p))
		p++;
	if (p[0] != '.' || !i_isdigit(p[1]))
		goto bad;
	p++;
	while (i_isdigit(*p))
		p++;
	if (*p != ' ')
		goto bad;
	code = ++p;
	while (i_isdigit(*p))
		p++;
	if (p == code || p - code > 3 || (*p != ' ' && *p != '\0'))
		goto bad;
	if (str_to_uint(t_strdup_until(code, p), &reply->code) < 0)
		goto bad;
	if (*p == ' ')
		p++;
	reply->message = str_sanitize(p, 200);
	if (!spamd_reply_text_is_printable(reply->message))
		reply->message = "(unprintable)";
	return 0;
bad:
	*error_r = t_strdup_printf("Invalid status line: %s",
				   str_sanitize(line, 80));
	return -1;
}

/* "True ; 1002.7 / 5.0" */
static int
spamd_reply_parse_spam(const char *value, struct spamd_reply *reply,
		       const char **error_r)
{
	const char *const *args = t_strsplit_spaces(value, " ");

	if (str_array_length(args) != 5 || strcmp(args[1], ";") != 0 ||
	    strcmp(args[3], "/") != 0 ||
	    !spamd_reply_number_is_valid(args[2]) ||
	    !spamd_reply_number_is_valid(args[4])) {
		*error_r = t_strdup_printf("Invalid Spam header: %s",
					   str_sanitize(value, 80));
		return -1;
	}
	if (strcasecmp(args[0], "True") == 0 || strcasecmp(args[0], "Yes") == 0)
		reply->spam = TRUE;
	else if (strcasecmp(args[0], "False") == 0 ||
		 strcasecmp(args[0], "No") == 0)
		reply->spam = FALSE;
	else {
		*error_r = t_strdup_printf("Invalid Spam header: %s",
					   str_sanitize(value, 80));
		return -1;
	}
	reply->score = args[2];
	reply->required = args[4];
	return 0;
}

static int
spamd_reply_parse_symbols(const unsigned char *data, size_t size,
			  struct spamd_reply *reply, const char **error_r)
{
	size_t i, name_len = 0;

	/* older protocol versions end the list with CRLF */
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	for (i = 0; i < size; i++) {
		if (data[i] == ',') {
			name_len = 0;
			continue;
		}
		if (!i_isalnum(data[i]) && data[i] != '_' &&
		    data[i] != '.' && data[i] != '-') {
			*error_r = "Invalid character in the rule names";
			return -1;
		}
		/* each name goes on one header line */
		if (++name_len > SPAMD_REPLY_MAX_RULE_NAME) {
			*error_r = t_strdup_printf(
				"Rule name longer than %u bytes",
				SPAMD_REPLY_MAX_RULE_NAME);
			return -1;
		}
	}
	reply->symbols = t_strndup(data, size);
	return 0;
}

int spamd_reply_parse(const unsigned char *data, size_t size, bool eof,
		      struct spamd_reply *reply_r, const char **error_r)
{
	const char *line, *name, *value, *p;
	uoff_t content_length = 0;
	bool have_length = FALSE, have_spam = FALSE;
	unsigned int headers = 0;
	size_t pos = 0;
	int ret;

	i_zero(reply_r);
	ret = spamd_reply_next_line(data, size, &pos, &line, error_r);
	if (ret <= 0)
		goto incomplete;
	if (spamd_reply_parse_status(line, reply_r, error_r) < 0)
		return -1;
	if (reply_r->code != 0) {
		/* spamd's errors are the status line alone */
		return 1;
	}

	for (;;) {
		ret = spamd_reply_next_line(data, size, &pos, &line, error_r);
		if (ret <= 0)
			goto incomplete;
		if (*line == '\0')
			break;
		if (++headers > SPAMD_REPLY_MAX_HEADERS) {
			*error_r = t_strdup_printf("More than %u reply headers",
						   SPAMD_REPLY_MAX_HEADERS);
			return -1;
		}
		p = strchr(line, ':');
		if (p == NULL || p == line) {
			*error_r = t_strdup_printf("Invalid reply header: %s",
						   str_sanitize(line, 80));
			return -1;
		}
		name = t_strdup_until(line, p);
		value = p + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		if (strcasecmp(name, "Content-length") == 0) {
			if (have_length ||
			    str_to_uoff(value, &content_length) < 0) {
				*error_r = t_strdup_printf(
					"Invalid Content-length: %s",
					str_sanitize(value, 80));
				return -1;
			}
			if (content_length > SPAMD_REPLY_MAX_BODY) {
				*error_r = t_strdup_printf(
					"Content-length %"PRIuUOFF_T" is over "
					"%u bytes", content_length,
					SPAMD_REPLY_MAX_BODY);
				return -1;
			}
			have_length = TRUE;
		} else if (strcasecmp(name, "Spam") == 0) {
			if (have_spam) {
				*error_r = "Duplicate Spam header";
				return -1;
			}
			if (spamd_reply_parse_spam(value, reply_r, error_r) < 0)
				return -1;
			have_spam = TRUE;
		}
		/* other headers are not ours to act on */
	}
	if (!have_spam) {
		*error_r = "Reply without a Spam header";
		return -1;
	}

	if (!have_length) {
		/* the list runs to the end of the connection */
		if (size - pos > SPAMD_REPLY_MAX_BODY) {
			*error_r = t_strdup_printf("Reply body over %u bytes",
						   SPAMD_REPLY_MAX_BODY);
			return -1;
		}
		if (!eof)
			return 0;
		content_length = size - pos;
	} else if (size - pos < content_length) {
		if (!eof)
			return 0;
		*error_r = "Reply ended before its Content-length";
		return -1;
	} else if (size - pos > content_length) {
		*error_r = "Reply longer than its Content-length";
		return -1;
	}
	if (spamd_reply_parse_symbols(data + pos, content_length,
				      reply_r, error_r) < 0)
		return -1;
	return 1;

incomplete:
	if (ret < 0)
		return -1;
	if (eof) {
		*error_r = size == 0 ? "Connection closed without a reply" :
			"Reply ended early";
		return -1;
	}
	return 0;
}
