#ifndef RETRIEVE_USER_H
#define RETRIEVE_USER_H

#include "array.h"
#include "retrieve-settings.h"

/* A user's retrieval settings, as the mail plugin, doveadm and the worker
   all read them: the global settings and every configured account. */

struct mail_user;

/* At most this many names of retrieve_account are read */
#define RETRIEVE_USER_NAMED_ACCOUNTS_MAX 100
/* between the names of retrieve_account (Dovecot 2.4's boollist ones) */
#define RETRIEVE_ACCOUNT_LIST_SEPARATORS ",\t "

struct retrieve_user_account {
	/* "retrieve", "retrieve2", ..., or a named account's name */
	const char *key;
	/* the key's number, 1-based; 0 for a named account */
	unsigned int idx;
	/* NULL when the account is malformed: then error says why (naming
	   the key and the field, never the password) */
	const struct retrieve_account_settings *set;
	const char *error;
};
ARRAY_DEFINE_TYPE(retrieve_user_account, struct retrieve_user_account);

struct retrieve_user_settings {
	struct retrieve_global_settings global;
	/* every configured account, malformed ones too: each stands
	   alone, one malformed account never stops the others. The named
	   accounts first (list order), then the flat ones (key order). */
	ARRAY_TYPE(retrieve_user_account) accounts;
	/* flat keys not read because a named account has their name */
	ARRAY_TYPE(const_string) shadowed_keys;
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

/* For the per-Dovecot-version getenv (dovecot-2.x/retrieve-user-getenv.c) */
/* TRUE for the retrieve_* settings only the administrator may set */
bool retrieve_setting_is_admin_only(const char *name);
/* The value of the user's userdb field name (or plugin/name), "" when it
   has none, NULL when there is no such field */
const char *retrieve_userdb_field_get(struct mail_user *user,
				      const char *name);
/* The getenv of retrieve_user_settings_read() and its context (from the
   data stack) */
void *retrieve_user_getenv_init(struct mail_user *user);
const char *retrieve_user_getenv(const char *name, void *context);

#endif
