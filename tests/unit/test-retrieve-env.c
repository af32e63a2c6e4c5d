/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-retrieve-env.h"

const char *test_env_getenv(const char *name, void *context)
{
	const char *const *env = context;
	unsigned int i;

	for (i = 0; env[i] != NULL; i += 2) {
		if (strcmp(env[i], name) == 0)
			return env[i+1];
	}
	return NULL;
}
