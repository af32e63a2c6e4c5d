/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "strnum.h"
#include "oauth2-token-reply.h"

/* Text members kept at most this long */
#define OAUTH2_TOKEN_REPLY_MAX_TEXT 1024

bool oauth2_token_is_valid(const char *token)
{
	const char *p;

	if (*token == '\0' || strlen(token) > OAUTH2_TOKEN_MAX_LEN)
		return FALSE;
	for (p = token; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return FALSE;
	}
	return TRUE;
}

int oauth2_token_reply_member(const char *key, enum json_type type,
			      const char *value, pool_t pool,
			      struct oauth2_token_reply *reply,
			      const char **error_r)
{
	const char **dest = NULL;
	bool token = FALSE;

	if (strcmp(key, "expires_in") == 0) {
		/* a number, or (some providers) a string of one */
		if ((type != JSON_TYPE_NUMBER && type != JSON_TYPE_STRING) ||
		    str_to_uint(value, &reply->expires_in) < 0) {
			*error_r = "expires_in is not a number of seconds";
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "access_token") == 0) {
		dest = &reply->access_token;
		token = TRUE;
	} else if (strcmp(key, "refresh_token") == 0) {
		dest = &reply->refresh_token;
		token = TRUE;
	} else if (strcmp(key, "token_type") == 0)
		dest = &reply->token_type;
	else if (strcmp(key, "error") == 0)
		dest = &reply->error;
	else if (strcmp(key, "error_description") == 0)
		dest = &reply->error_description;
	else
		return 0;

	if (type != JSON_TYPE_STRING) {
		*error_r = t_strdup_printf("%s is not a string", key);
		return -1;
	}
	if (*dest != NULL) {
		*error_r = t_strdup_printf("%s appears twice", key);
		return -1;
	}
	if (token && !oauth2_token_is_valid(value)) {
		*error_r = t_strdup_printf("%s is not a valid token", key);
		return -1;
	}
	if (!token && strlen(value) > OAUTH2_TOKEN_REPLY_MAX_TEXT)
		value = t_strndup(value, OAUTH2_TOKEN_REPLY_MAX_TEXT);
	*dest = p_strdup(pool, value);
	return 0;
}

int oauth2_token_reply_parse(const unsigned char *data, size_t size,
			     pool_t pool, struct oauth2_token_reply *reply_r,
			     const char **error_r)
{
	const char *error;

	i_zero(reply_r);
	if (size > OAUTH2_TOKEN_REPLY_MAX_SIZE) {
		*error_r = "Token endpoint reply too large";
		return -1;
	}
	if (oauth2_token_reply_json_parse(data, size, pool, reply_r,
					  &error) < 0) {
		*error_r = t_strdup_printf("Invalid token endpoint reply: %s",
					   error);
		return -1;
	}
	return 0;
}
