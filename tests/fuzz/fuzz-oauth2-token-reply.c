/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The token endpoint's JSON reply parser: what it returns is checked as
   the refresh uses it (tokens go into SASL messages and the cache file). */

#include "lib.h"
#include "oauth2-token-reply.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

static void fuzz_check_token(const char *token)
{
	if (token == NULL)
		return;
	i_assert(oauth2_token_is_valid(token));
	i_assert(strpbrk(token, " \t\r\n") == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oauth2_token_reply reply;
	const char *error;
	pool_t pool;

	T_BEGIN {
		pool = pool_alloconly_create("fuzz oauth2", 1024);
		if (oauth2_token_reply_parse(data, size, pool, &reply,
					     &error) == 0) {
			fuzz_check_token(reply.access_token);
			fuzz_check_token(reply.refresh_token);
		} else {
			i_assert(error != NULL);
		}
		pool_unref(&pool);
	} T_END;
	return 0;
}
