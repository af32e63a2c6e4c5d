/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "var-expand.h"
#include "settings-parser.h"
#include "mail-user.h"
#include "mail-storage-settings.h"
#include "mail-storage-service.h"
#include "retrieve-user.h"

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
	NULL
};

struct retrieve_admin_getenv_context {
	struct mail_user *user;
	/* the plugin {} settings before the userdb fields were merged */
	const struct mail_user_settings *admin_set;
	bool admin_set_read;
};

/* TRUE for the retrieve_* settings only the administrator may set */
static bool retrieve_setting_is_admin_only(const char *name)
{
	return str_array_find(retrieve_admin_only_settings, name);
}

static bool
retrieve_userdb_has_field(struct mail_user *user, const char *name)
{
	const char *const *field;
	const char *key;
	size_t len;

	if (user->userdb_fields == NULL)
		return FALSE;
	for (field = user->userdb_fields; *field != NULL; field++) {
		key = *field;
		if (str_begins(key, "plugin/"))
			key += strlen("plugin/");
		len = strlen(name);
		if (strncmp(key, name, len) == 0 &&
		    (key[len] == '=' || key[len] == '\0'))
			return TRUE;
	}
	return FALSE;
}

static const struct mail_user_settings *
retrieve_admin_settings_read(struct mail_user *user)
{
	struct mail_storage_service_ctx *ctx;
	const struct mail_storage_service_input *input;
	const struct setting_parser_info *user_info;
	const struct setting_parser_context *parser;
	const struct setting_parser_info *const *roots;
	const char *error;
	void **sets;
	unsigned int i;

	if (user->_service_user == NULL)
		return NULL;
	ctx = mail_storage_service_user_get_service_ctx(user->_service_user);
	input = mail_storage_service_user_get_input(user->_service_user);
	/* the same (cached) read the storage service did for this user,
	   before it applied the userdb fields to its own copy */
	if (mail_storage_service_read_settings(ctx, input, user->pool,
					       &user_info, &parser,
					       &error) < 0) {
		e_error(user->event, "retrieve: Couldn't read the "
			"administrator's settings (using defaults): %s", error);
		return NULL;
	}
	/* the mail user settings are the root user_info names */
	roots = settings_parser_get_roots(parser);
	sets = settings_parser_get_list(parser);
	for (i = 0; roots[i] != NULL && sets[i] != NULL; i++) {
		if (roots[i] == user_info)
			return sets[i];
	}
	e_error(user->event, "retrieve: The administrator's settings have "
		"no mail user settings (using defaults)");
	return NULL;
}

static const char *
retrieve_admin_getenv(const char *name, void *context)
{
	struct retrieve_admin_getenv_context *ctx = context;
	struct mail_user *user = ctx->user;
	const char *value, *error;
	string_t *str;

	if (!retrieve_setting_is_admin_only(name) ||
	    !retrieve_userdb_has_field(user, name))
		return mail_user_plugin_getenv(user, name);

	e_warning(user->event, "retrieve: Ignoring userdb field %s: "
		  "only the administrator's plugin { %s } applies", name, name);
	if (!ctx->admin_set_read) {
		ctx->admin_set_read = TRUE;
		ctx->admin_set = retrieve_admin_settings_read(user);
	}
	if (ctx->admin_set == NULL)
		return NULL;
	value = mail_user_set_plugin_getenv(ctx->admin_set, name);
	if (value == NULL || strchr(value, '%') == NULL)
		return value;
	/* unexpanded, as the configuration has it (e.g. %h) */
	str = t_str_new(128);
	if (var_expand_with_funcs(str, value, mail_user_var_expand_table(user),
				  mail_user_var_expand_func_table, user,
				  &error) <= 0) {
		e_error(user->event, "retrieve: Couldn't expand %s=%s: %s",
			name, value, error);
		return NULL;
	}
	return p_strdup(user->pool, str_c(str));
}

int retrieve_user_settings_parse(pool_t pool, retrieve_getenv_t *getenv,
				 void *context,
				 struct retrieve_user_settings **set_r,
				 const char **error_r)
{
	struct retrieve_user_settings *set;
	struct retrieve_user_account *account;
	struct retrieve_account_settings *account_set;
	const char *error;
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
	for (idx = 1;; idx++) {
		ret = retrieve_account_settings_parse(pool, &set->global,
			getenv, context, idx, &account_set, &error);
		if (ret == 0)
			break;
		account = array_append_space(&set->accounts);
		account->key = p_strdup(pool, retrieve_account_key(idx));
		account->idx = idx;
		if (ret > 0)
			account->set = account_set;
		else
			account->error = p_strdup(pool, error);
	}
	*set_r = set;
	return 0;
}

int retrieve_user_settings_read(struct mail_user *user, pool_t pool,
				struct retrieve_user_settings **set_r,
				const char **error_r)
{
	struct retrieve_admin_getenv_context ctx = {
		.user = user,
	};
	struct retrieve_user_settings *set;
	const char *state_dir;

	/* account fields never carry an administrator-only name, so the
	   guarded getenv serves them as mail_user_plugin_getenv() would */
	if (retrieve_user_settings_parse(pool, retrieve_admin_getenv, &ctx,
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
	*set_r = set;
	return 0;
}
