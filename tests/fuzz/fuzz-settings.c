/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The settings parser: the input is "key=value" lines, served by the
   getenv callback as userdb fields / plugin settings would be. The
   administrator's settings and then the accounts are parsed by the
   loader every host program uses. */

#include "lib.h"
#include "array.h"
#include "retrieve-user.h"
#include "fuzz-common.h"

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
		struct retrieve_user_settings *set;
		const struct retrieve_user_account *account;
		const char *error, *identity;

		if (retrieve_user_settings_parse(pool, fuzz_getenv,
						 (void *)lines, &set,
						 &error) == 0) {
			array_foreach(&set->accounts, account) {
				i_assert((account->set == NULL) !=
					 (account->error == NULL));
				if (account->set == NULL)
					continue;
				identity = retrieve_account_identity(
					account->set);
				/* it names a file in the state dir */
				i_assert(identity[0] != '\0' &&
					 identity[0] != '.' &&
					 strchr(identity, '/') == NULL);
			}
		}
	} T_END;
	pool_unref(&pool);
	return 0;
}
