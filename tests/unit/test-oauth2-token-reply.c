/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "test-common.h"
#include "oauth2-token-reply.h"
#include "retrieve-dovecot.h"

static int test_parse(const char *json, struct oauth2_token_reply *reply_r,
		      const char **error_r)
{
	*error_r = NULL;
	return oauth2_token_reply_parse((const unsigned char *)json,
					strlen(json), pool_datastack_create(),
					reply_r, error_r);
}

static void test_oauth2_token_reply_valid(void)
{
	struct oauth2_token_reply reply;
	const char *error;

	test_begin("oauth2 token reply: tokens");
	test_assert(test_parse("{\"access_token\":\"ya29.a0-Af_x~+/=\","
		"\"expires_in\":3599,\"scope\":\"https://mail.google.com/\","
		"\"token_type\":\"Bearer\",\"id_token\":{\"a\":[1,2]},"
		"\"refresh_token\":\"1//rt\"}", &reply, &error) == 0);
	test_assert_strcmp(reply.access_token, "ya29.a0-Af_x~+/=");
	test_assert_strcmp(reply.refresh_token, "1//rt");
	test_assert_strcmp(reply.token_type, "Bearer");
	test_assert(reply.expires_in == 3599);
	test_assert(reply.error == NULL);

	/* Microsoft once sent expires_in as a string */
	test_assert(test_parse("{\"access_token\":\"x\",\"expires_in\":\"60\"}",
			       &reply, &error) == 0);
	test_assert(reply.expires_in == 60);
	test_assert(reply.refresh_token == NULL);
	test_end();

	test_begin("oauth2 token reply: errors");
	test_assert(test_parse("{\"error\":\"invalid_grant\","
		"\"error_description\":\"Token has been expired or revoked.\"}",
		&reply, &error) == 0);
	test_assert_strcmp(reply.error, "invalid_grant");
	test_assert_strcmp(reply.error_description,
			   "Token has been expired or revoked.");
	test_assert(reply.access_token == NULL);
	test_assert(test_parse("{}", &reply, &error) == 0);
	test_assert(reply.access_token == NULL && reply.error == NULL);
	/* nested values are skipped, whatever their name */
	test_assert(test_parse("{\"error\":{\"code\":1}}", &reply, &error) == 0);
	test_assert(reply.access_token == NULL && reply.error == NULL);
	test_end();
}

static void test_oauth2_token_reply_invalid(void)
{
	static const char *const bad[] = {
		"",
		"[]",
		"\"x\"",
		"{\"access_token\":",
		"{\"access_token\":\"a\"",
		"{\"access_token\":1}",
		"{\"access_token\":\"a b\"}",
		"{\"access_token\":\"a\\nb\"}",
		"{\"access_token\":\"\"}",
		"{\"access_token\":\"a\",\"access_token\":\"b\"}",
		"{\"expires_in\":-1}",
		"{\"expires_in\":1.5}",
		"{\"expires_in\":99999999999999999999}",
		"<html>502 Bad Gateway</html>",
		"{\"access_token\":\"a\"} trailing",
	};
	struct oauth2_token_reply reply;
	const char *error;
	string_t *str;
	unsigned int i;

	test_begin("oauth2 token reply: malformed");
	for (i = 0; i < N_ELEMENTS(bad); i++) {
		test_assert_idx(test_parse(bad[i], &reply, &error) < 0, i);
		test_assert_idx(error != NULL &&
				str_begins_with(error, "Invalid token endpoint reply"), i);
	}

	/* bounds: a token over the limit, a body over the limit, too many
	   members */
	str = t_str_new(OAUTH2_TOKEN_MAX_LEN + 64);
	str_append(str, "{\"access_token\":\"");
	for (i = 0; i <= OAUTH2_TOKEN_MAX_LEN; i++)
		str_append_c(str, 'a');
	str_append(str, "\"}");
	test_assert(test_parse(str_c(str), &reply, &error) < 0);

	str_truncate(str, 0);
	str_append_c(str, '{');
	for (i = 0; i < 100; i++)
		str_printfa(str, "%s\"k%u\":\"v\"", i == 0 ? "" : ",", i);
	str_append_c(str, '}');
	test_assert(test_parse(str_c(str), &reply, &error) < 0);

	str_truncate(str, 0);
	str_append(str, "{\"x\":\"");
	while (str_len(str) <= OAUTH2_TOKEN_REPLY_MAX_SIZE)
		str_append(str, "xxxxxxxxxxxxxxxx");
	str_append(str, "\"}");
	test_assert(test_parse(str_c(str), &reply, &error) < 0);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_oauth2_token_reply_valid,
		test_oauth2_token_reply_invalid,
		NULL
	};
	return test_run(test_functions);
}
