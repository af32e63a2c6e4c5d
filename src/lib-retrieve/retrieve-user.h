#ifndef RETRIEVE_USER_H
#define RETRIEVE_USER_H

#include "array.h"
#include "retrieve-settings.h"

/* A user's retrieval settings, as the mail plugin, doveadm and the worker
   all read them: the global settings and every configured account. */

struct mail_user;

struct retrieve_user_account {
	/* "retrieve", "retrieve2", ... */
	const char *key;
	/* the key's number, 1-based */
	unsigned int idx;
	/* NULL when the account is malformed: then error says why (naming
	   the key and the field, never the password) */
	const struct retrieve_account_settings *set;
	const char *error;
};
ARRAY_DEFINE_TYPE(retrieve_user_account, struct retrieve_user_account);

struct retrieve_user_settings {
	struct retrieve_global_settings global;
	/* every configured account in key order, malformed ones too: each
	   stands alone, one malformed account never stops the others */
	ARRAY_TYPE(retrieve_user_account) accounts;
};

/* Parses the global settings and the accounts from getenv into pool.
   Returns -1 with error_r when the global settings are malformed. */
int retrieve_user_settings_parse(pool_t pool, retrieve_getenv_t *getenv,
				 void *context,
				 struct retrieve_user_settings **set_r,
				 const char **error_r);

/* The same for a mail user: a userdb field carrying an
   administrator-only name is ignored with a warning (the administrator's
   plugin {} value or the default applies), and state_dir is
   home-expanded. Returns -1 with error_r when the global settings are
   malformed or state_dir needs a home the user lacks. Allocate from a
   _clean pool where it matters: the accounts hold passwords. */
int retrieve_user_settings_read(struct mail_user *user, pool_t pool,
				struct retrieve_user_settings **set_r,
				const char **error_r);

#endif
