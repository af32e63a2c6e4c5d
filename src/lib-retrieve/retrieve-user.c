/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "mail-user.h"
#include "retrieve-user.h"
#include "retrieve-dovecot.h"

/* Settings only the administrator may set. Dovecot merges every userdb
   field into the user's plugin settings, so a user's SQL/LDAP row could
   otherwise allow plaintext, lift the size caps or open the network
   lists. */
static const char *const retrieve_admin_only_settings[] = {
	"retrieve_allow_plaintext",
	"retrieve_default_interval",
	"retrieve_min_interval",
	"retrieve_timeout",
	"retrieve_run_timeout",
	"retrieve_message_timeout",
	"retrieve_state_dir",
	"retrieve_max_message_size",
	"retrieve_allow_ssl_verify_no",
	"retrieve_allow_networks",
	"retrieve_deny_networks",
	"retrieve_spam_scanner",
	"retrieve_spam_timeout",
	"retrieve_spam_failure",
	"retrieve_spam_max_size",
	"retrieve_spam_folder",
	"retrieve_spam_settings_id",
	"retrieve_spam_header_flag",
	"retrieve_spam_header_status",
	"retrieve_spam_header_score",
	NULL
};

bool retrieve_setting_is_admin_only(const char *name)
{
	/* a user's own token endpoint would receive the client secret */
	return str_array_find(retrieve_admin_only_settings, name) ||
		retrieve_settings_is_oauth2_provider(name);
}

const char *retrieve_userdb_field_get(struct mail_user *user, const char *name)
{
	const char *const *field;
	const char *key;
	size_t len;

	if (user->userdb_fields == NULL)
		return NULL;
	len = strlen(name);
	for (field = user->userdb_fields; *field != NULL; field++) {
		key = *field;
		if (str_begins_with(key, "plugin/"))
			key += strlen("plugin/");
		if (strncmp(key, name, len) == 0 &&
		    (key[len] == '=' || key[len] == '\0'))
			return key[len] == '=' ? key + len + 1 : "";
	}
	return NULL;
}

static void
retrieve_user_account_add(struct retrieve_user_settings *set, pool_t pool,
			  const char *key, unsigned int idx, int ret,
			  const struct retrieve_account_settings *account_set,
			  const char *error)
{
	struct retrieve_user_account *account;

	account = array_append_space(&set->accounts);
	account->key = p_strdup(pool, key);
	account->idx = idx;
	if (ret > 0)
		account->set = account_set;
	else
		account->error = p_strdup(pool, error);
}

static bool
retrieve_user_name_listed_before(const char *const *names, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < idx; i++) {
		if (strcmp(names[i], names[idx]) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The named accounts (Dovecot 2.4's retrieve_account list), in list
   order; a name listed twice is read once (and counts twice towards
   RETRIEVE_USER_NAMED_ACCOUNTS_MAX) */
static void
retrieve_user_named_accounts_parse(struct retrieve_user_settings *set,
				   pool_t pool, retrieve_getenv_t *getenv,
				   void *context)
{
	struct retrieve_account_settings *account_set;
	const char *const *names, *value, *error;
	unsigned int i;
	int ret;

	value = getenv(RETRIEVE_ACCOUNT_LIST_KEY, context);
	if (value == NULL)
		return;
	names = t_strsplit_spaces(value, RETRIEVE_ACCOUNT_LIST_SEPARATORS);
	for (i = 0; names[i] != NULL; i++) {
		/* the bound comes first: the duplicate check is quadratic */
		if (i >= RETRIEVE_USER_NAMED_ACCOUNTS_MAX) {
			retrieve_user_account_add(set, pool,
				RETRIEVE_ACCOUNT_LIST_KEY, 0, -1, NULL,
				t_strdup_printf(RETRIEVE_ACCOUNT_LIST_KEY": more "
					"than %u accounts: the rest are ignored",
					RETRIEVE_USER_NAMED_ACCOUNTS_MAX));
			break;
		}
		if (retrieve_user_name_listed_before(names, i))
			continue;
		if (!retrieve_account_name_is_valid(names[i])) {
			retrieve_user_account_add(set, pool,
				RETRIEVE_ACCOUNT_LIST_KEY, 0, -1, NULL,
				t_strdup_printf(RETRIEVE_ACCOUNT_LIST_KEY": "
					"invalid account name '%s': use letters, "
					"digits, '-', '_' and '.', at most %u",
					str_sanitize(names[i],
						RETRIEVE_ACCOUNT_NAME_MAX_LEN),
					RETRIEVE_ACCOUNT_NAME_MAX_LEN));
			continue;
		}
		ret = retrieve_account_settings_parse_named(pool, &set->global,
			getenv, context, names[i], &account_set, &error);
		retrieve_user_account_add(set, pool, names[i], 0, ret,
					  account_set, error);
	}
}

static bool
retrieve_user_settings_has_named(const struct retrieve_user_settings *set,
				 const char *key)
{
	const struct retrieve_user_account *account;

	array_foreach(&set->accounts, account) {
		if (account->idx == 0 && strcmp(account->key, key) == 0)
			return TRUE;
	}
	return FALSE;
}

int retrieve_user_settings_parse(pool_t pool, retrieve_getenv_t *getenv,
				 void *context,
				 struct retrieve_user_settings **set_r,
				 const char **error_r)
{
	struct retrieve_user_settings *set;
	struct retrieve_account_settings *account_set;
	const char *key, *error;
	unsigned int idx;
	int ret;

	set = p_new(pool, struct retrieve_user_settings, 1);
	if (retrieve_global_settings_parse(getenv, context, &set->global,
					   error_r) < 0)
		return -1;
	/* the getenv values may live no longer than this call */
	set->global.state_dir = p_strdup(pool, set->global.state_dir);
	set->global.deny_networks = p_strdup(pool, set->global.deny_networks);
	set->global.allow_networks =
		p_strdup(pool, set->global.allow_networks);

	p_array_init(&set->accounts, pool, 4);
	p_array_init(&set->shadowed_keys, pool, 1);
	retrieve_user_named_accounts_parse(set, pool, getenv, context);
	for (idx = 1;; idx++) {
		ret = retrieve_account_settings_parse(pool, &set->global,
			getenv, context, idx, &account_set, &error);
		if (ret == 0)
			break;
		key = retrieve_account_key(idx);
		if (retrieve_user_settings_has_named(set, key)) {
			/* the named account replaces it (an upgrade that
			   moved it into the list and left the old field) */
			key = p_strdup(pool, key);
			array_push_back(&set->shadowed_keys, &key);
			continue;
		}
		retrieve_user_account_add(set, pool, key, idx, ret,
					  account_set, error);
	}
	*set_r = set;
	return 0;
}

int retrieve_user_settings_read(struct mail_user *user, pool_t pool,
				struct retrieve_user_settings **set_r,
				const char **error_r)
{
	struct retrieve_user_settings *set;
	const char *state_dir, *key;

	/* account fields never carry an administrator-only name, so the
	   guarded getenv serves them as the user's own */
	if (retrieve_user_settings_parse(pool, retrieve_user_getenv,
					 retrieve_user_getenv_init(user),
					 &set, error_r) < 0)
		return -1;
	state_dir = set->global.state_dir;
	if (mail_user_try_home_expand(user, &state_dir) < 0) {
		*error_r = t_strdup_printf(
			"retrieve_state_dir %s needs a home directory",
			set->global.state_dir);
		return -1;
	}
	set->global.state_dir = p_strdup(pool, state_dir);
	array_foreach_elem(&set->shadowed_keys, key) {
		e_warning(user->event, "retrieve: Ignoring %s: the "
			  "retrieve_account %s replaces it", key, key);
	}
	*set_r = set;
	return 0;
}
