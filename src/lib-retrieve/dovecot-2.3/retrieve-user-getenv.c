/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "var-expand.h"
#include "settings-parser.h"
#include "mail-user.h"
#include "mail-storage-settings.h"
#include "mail-storage-service.h"
#include "retrieve-user.h"
#include "retrieve-dovecot.h"

/* Dovecot 2.3: the settings are plugin {} (mail_user_plugin_getenv()),
   userdb fields merged over them. */
struct retrieve_admin_getenv_context {
	struct mail_user *user;
	/* the plugin {} settings before the userdb fields were merged */
	const struct mail_user_settings *admin_set;
	bool admin_set_read;
};

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

void *retrieve_user_getenv_init(struct mail_user *user)
{
	struct retrieve_admin_getenv_context *ctx;

	ctx = t_new(struct retrieve_admin_getenv_context, 1);
	ctx->user = user;
	return ctx;
}

const char *retrieve_user_getenv(const char *name, void *context)
{
	struct retrieve_admin_getenv_context *ctx = context;
	struct mail_user *user = ctx->user;
	const char *value, *error;
	string_t *str;

	/* the named account list is Dovecot 2.4's (settings filters);
	   2.3 has the flat fields only */
	if (strcmp(name, RETRIEVE_ACCOUNT_LIST_KEY) == 0 ||
	    str_begins_with(name, RETRIEVE_ACCOUNT_LIST_KEY"/"))
		return NULL;
	if (!retrieve_setting_is_admin_only(name) ||
	    retrieve_userdb_field_get(user, name) == NULL)
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
