/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "str-sanitize.h"
#include "spamd-reply.h"
#include "retrieve-dovecot.h"

#include <ctype.h>

static bool spamd_reply_text_is_printable(const char *text)
{
	for (; *text != '\0'; text++) {
		if ((unsigned char)*text < 0x20 || (unsigned char)*text >= 0x7f)
			return FALSE;
	}
	return TRUE;
}

/* "SPAMD/1.1 0 EX_OK" */
static int
spamd_reply_parse_status(const char *line, struct spamd_reply *reply,
			 const char **error_r)
{
	const char *p = line, *code;

	if (!str_begins_with(p, "SPAMD/")) {
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
	    !spam_reply_number_is_valid(args[2]) ||
	    !spam_reply_number_is_valid(args[4]))
		goto bad;
	if (strcasecmp(args[0], "True") == 0 || strcasecmp(args[0], "Yes") == 0)
		reply->spam = TRUE;
	else if (strcasecmp(args[0], "False") == 0 ||
		 strcasecmp(args[0], "No") == 0)
		reply->spam = FALSE;
	else
		goto bad;
	reply->score = args[2];
	reply->required = args[4];
	return 0;
bad:
	*error_r = t_strdup_printf("Invalid Spam header: %s",
				   str_sanitize(value, 80));
	return -1;
}

static int
spamd_reply_parse_symbols(const unsigned char *data, size_t size,
			  struct spamd_reply *reply, const char **error_r)
{
	const char *const *names;

	/* older protocol versions end the list with CRLF */
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	reply->symbols = t_strndup(data, size);
	if (size != strlen(reply->symbols)) {
		*error_r = "Invalid character in the rule names";
		return -1;
	}
	for (names = t_strsplit(reply->symbols, ","); *names != NULL; names++) {
		if (**names == '\0')
			continue;
		if (!spam_reply_rule_name_is_valid(*names, strlen(*names))) {
			*error_r = t_strdup_printf("Invalid rule name: %s",
						   str_sanitize(*names, 64));
			return -1;
		}
	}
	return 0;
}

int spamd_reply_parse(const unsigned char *data, size_t size, bool eof,
		      struct spamd_reply *reply_r, const char **error_r)
{
	struct spam_reply_frame frame;
	const char *line, *value;
	unsigned int count;
	size_t pos;
	int ret;

	i_zero(reply_r);
	ret = spam_reply_status_line(data, size, eof, &pos, &line, error_r);
	if (ret <= 0)
		return ret;
	if (spamd_reply_parse_status(line, reply_r, error_r) < 0)
		return -1;
	if (reply_r->code != 0) {
		/* spamd's errors are the status line alone */
		return 1;
	}
	ret = spam_reply_frame_parse(data, size, pos, eof,
				     SPAMD_REPLY_MAX_BODY, &frame, error_r);
	if (ret <= 0)
		return ret;

	value = spam_reply_frame_header(&frame, "Spam", &count);
	if (value == NULL) {
		*error_r = "Reply without a Spam header";
		return -1;
	}
	if (count > 1) {
		*error_r = "Duplicate Spam header";
		return -1;
	}
	if (spamd_reply_parse_spam(value, reply_r, error_r) < 0 ||
	    spamd_reply_parse_symbols(frame.body, frame.body_size,
				      reply_r, error_r) < 0)
		return -1;
	return 1;
}
