/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The settings parser: the input is "key=value" lines, served by the
   getenv callback as userdb fields / plugin settings would be. The
   administrator's settings and then the accounts are parsed. */

#include "lib.h"
#include "array.h"
#include "retrieve-settings.h"
#include "fuzz-common.h"

#define FUZZ_MAX_ACCOUNTS 8

static const char *fuzz_getenv(const char *name, void *context)
{
	const char *const *lines = context;
	size_t len = strlen(name);

	/* the first definition wins, as in a userdb reply */
	for (; *lines != NULL; lines++) {
		if (strncmp(*lines, name, len) == 0 && (*lines)[len] == '=')
			return *lines + len + 1;
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pool_t pool = pool_alloconly_create("fuzz settings", 4096);

	T_BEGIN {
		const char *const *lines = fuzz_t_lines(data, size, 256);
		struct retrieve_global_settings global;
		struct retrieve_account_settings *set;
		const char *error, *identity;
		unsigned int idx;
		int ret;

		if (retrieve_global_settings_parse(fuzz_getenv, (void *)lines,
						   &global, &error) == 0) {
			for (idx = 1; idx <= FUZZ_MAX_ACCOUNTS; idx++) {
				ret = retrieve_account_settings_parse(pool,
					&global, fuzz_getenv, (void *)lines,
					idx, &set, &error);
				if (ret <= 0)
					break;
				identity = retrieve_account_identity(set);
				/* it names a file in the state dir */
				i_assert(identity[0] != '\0' &&
					 identity[0] != '.' &&
					 strchr(identity, '/') == NULL);
				(void)retrieve_folders_method_name(set->folders);
			}
		}
	} T_END;
	pool_unref(&pool);
	return 0;
}
