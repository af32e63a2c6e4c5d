/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "hex-binary.h"
#include "md5.h"
#include "pop3-reply.h"
#include "retrieve-dovecot.h"

int pop3_reply_parse(const char *line, struct pop3_reply *reply_r)
{
	const char *p, *end;

	i_zero(reply_r);
	if (str_begins_with(line, "+OK")) {
		reply_r->status = POP3_REPLY_OK;
		p = line + 3;
	} else if (str_begins_with(line, "-ERR")) {
		reply_r->status = POP3_REPLY_ERR;
		p = line + 4;
	} else {
		return -1;
	}
	/* "+OKAY" is not "+OK" */
	if (*p != '\0' && *p != ' ')
		return -1;
	while (*p == ' ')
		p++;
	/* RFC 2449: a RESP-CODE follows the status in brackets */
	if (*p == '[' && (end = strchr(p, ']')) != NULL && end > p + 1) {
		reply_r->resp_code = t_strdup_until(p + 1, end);
		p = end + 1;
		while (*p == ' ')
			p++;
	}
	reply_r->text = p;
	return 0;
}

const char *pop3_reply_apop_timestamp(const char *text)
{
	const char *start, *end;

	/* RFC 1939: msg-id syntax, "<" ... "@" ... ">" */
	start = strchr(text, '<');
	if (start == NULL)
		return NULL;
	end = strchr(start, '>');
	if (end == NULL || memchr(start, '@', end - start) == NULL)
		return NULL;
	return t_strdup_until(start, end + 1);
}

const char *pop3_apop_digest(const char *timestamp, const char *secret)
{
	struct md5_context ctx;
	unsigned char digest[MD5_RESULTLEN];

	md5_init(&ctx);
	md5_update(&ctx, timestamp, strlen(timestamp));
	md5_update(&ctx, secret, strlen(secret));
	md5_final(&ctx, digest);
	return binary_to_hex(digest, sizeof(digest));
}

enum pop3_capability pop3_capa_line_parse(const char *line)
{
	const char *const *args = t_strsplit_spaces(line, " ");
	unsigned int i;

	if (args[0] == NULL)
		return 0;
	if (strcasecmp(args[0], "STLS") == 0)
		return POP3_CAP_STLS;
	if (strcasecmp(args[0], "UIDL") == 0)
		return POP3_CAP_UIDL;
	if (strcasecmp(args[0], "PIPELINING") == 0)
		return POP3_CAP_PIPELINING;
	if (strcasecmp(args[0], "RESP-CODES") == 0)
		return POP3_CAP_RESP_CODES;
	if (strcasecmp(args[0], "USER") == 0)
		return POP3_CAP_USER;
	if (strcasecmp(args[0], "TOP") == 0)
		return POP3_CAP_TOP;
	if (strcasecmp(args[0], "SASL") == 0) {
		for (i = 1; args[i] != NULL; i++) {
			if (strcasecmp(args[i], "PLAIN") == 0)
				return POP3_CAP_SASL_PLAIN;
		}
	}
	return 0;
}

bool pop3_capa_login_delay_parse(const char *line, unsigned int *secs_r)
{
	const char *const *args = t_strsplit_spaces(line, " ");

	if (args[0] == NULL || strcasecmp(args[0], "LOGIN-DELAY") != 0 ||
	    args[1] == NULL)
		return FALSE;
	return str_to_uint(args[1], secs_r) == 0;
}

static int pop3_msgnum_parse(const char **p, unsigned int *msgnum_r)
{
	const char *end;

	if (str_parse_uint(*p, msgnum_r, &end) < 0 || *msgnum_r == 0 ||
	    *end != ' ')
		return -1;
	while (*end == ' ')
		end++;
	*p = end;
	return 0;
}

int pop3_uidl_line_parse(const char *line, unsigned int *msgnum_r,
			 const char **uidl_r)
{
	const char *p = line;
	size_t len;

	if (pop3_msgnum_parse(&p, msgnum_r) < 0)
		return -1;
	len = strlen(p);
	/* tolerate trailing spaces, nothing else */
	while (len > 0 && p[len-1] == ' ')
		len--;
	if (len == 0 || len > POP3_UIDL_MAX_LEN)
		return -2;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return -2;
	}
	*uidl_r = t_strndup(p, len);
	return 0;
}

int pop3_list_line_parse(const char *line, unsigned int *msgnum_r,
			 uoff_t *size_r)
{
	const char *p = line, *end;

	if (pop3_msgnum_parse(&p, msgnum_r) < 0)
		return -1;
	/* some servers append more fields after the size */
	if (str_parse_uoff(p, size_r, &end) < 0 ||
	    (*end != '\0' && *end != ' '))
		return -1;
	return 0;
}

int pop3_stat_parse(const char *text, unsigned int *count_r)
{
	const char *end;
	uoff_t size;

	/* "nn mm": some servers append more after the size */
	if (str_parse_uint(text, count_r, &end) < 0 || *end != ' ')
		return -1;
	while (*end == ' ')
		end++;
	if (str_parse_uoff(end, &size, &end) < 0 ||
	    (*end != '\0' && *end != ' '))
		return -1;
	return 0;
}
