/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "settings.h"
#include "mail-user.h"
#include "retrieve-settings-defs.h"
#include "retrieve-user.h"
#include "retrieve-dovecot.h"

/* Dovecot 2.4: the global retrieve_* settings are typed
   (retrieve-settings-defs.c), read with settings_get(); the accounts are
   the named list retrieve_account (filters read with
   settings_try_get_filter(), like quota's roots), and, as the
   compatibility path, the 2.3 flat userdb fields (retrieve, retrieve2,
   retrieveN_OPTION, ...), which 2.4 keeps in mail_user->userdb_fields
   (settings it doesn't know are not applied, and are no error). */
struct retrieve_user_getenv_account {
	const char *name;
	/* data-stack copy; NULL when there is no such filter or it
	   couldn't be read (logged): then every field is unset */
	const struct retrieve_account_list_settings *set;
};

struct retrieve_user_getenv_context {
	struct mail_user *user;
	/* the named accounts read so far */
	ARRAY(struct retrieve_user_getenv_account) accounts;
	/* data-stack copies; NULL when they couldn't be read (logged):
	   then every setting has its default */
	const struct retrieve_settings *user_set;
	/* the administrator's: without the user's userdb overrides */
	const struct retrieve_settings *admin_set;
};

/* The retrieve settings seen through event, copied to the data stack */
static const struct retrieve_settings *
retrieve_user_settings_get(struct mail_user *user, struct event *event)
{
	const struct retrieve_settings *set, *copy;
	const char *error;

	if (settings_get(event, &retrieve_setting_parser_info, 0,
			 &set, &error) < 0) {
		e_error(user->event, "retrieve: Couldn't read the retrieve "
			"settings (using the defaults): %s", error);
		return NULL;
	}
	copy = retrieve_settings_t_dup(set);
	settings_free(set);
	return copy;
}

/* 2.4 applies a userdb field over the setting of the same name by
   itself, so the administrator's values are read through a settings
   instance without the user's overrides (the configuration only) */
static const struct retrieve_settings *
retrieve_user_admin_settings_get(struct mail_user *user)
{
	struct settings_root *root = settings_root_find(user->event);
	struct settings_instance *instance;
	const struct retrieve_settings *set;
	struct event *event;

	i_assert(root != NULL);
	instance = settings_instance_new(root);
	event = event_create(user->event);
	event_set_ptr(event, SETTINGS_EVENT_INSTANCE, instance);
	set = retrieve_user_settings_get(user, event);
	event_unref(&event);
	settings_instance_free(&instance);
	return set;
}

void *retrieve_user_getenv_init(struct mail_user *user)
{
	struct retrieve_user_getenv_context *ctx;

	ctx = t_new(struct retrieve_user_getenv_context, 1);
	ctx->user = user;
	t_array_init(&ctx->accounts, 4);
	ctx->user_set = retrieve_user_settings_get(user, user->event);
	ctx->admin_set = retrieve_user_admin_settings_get(user);
	return ctx;
}

/* The settings of the named account name, copied to the data stack */
static const struct retrieve_account_list_settings *
retrieve_user_account_settings_get(struct retrieve_user_getenv_context *ctx,
				   const char *name)
{
	struct retrieve_user_getenv_account *account;
	const struct retrieve_account_list_settings *set;
	const char *error;
	int ret;

	array_foreach_modifiable(&ctx->accounts, account) {
		if (strcmp(account->name, name) == 0)
			return account->set;
	}
	account = array_append_space(&ctx->accounts);
	account->name = t_strdup(name);
	ret = settings_try_get_filter(ctx->user->event,
				      RETRIEVE_ACCOUNT_LIST_KEY, name,
				      &retrieve_account_setting_parser_info,
				      0, &set, &error);
	if (ret < 0) {
		e_error(ctx->user->event, "retrieve: Couldn't read the "
			"settings of retrieve_account %s: %s", name, error);
	} else if (ret > 0) {
		account->set = retrieve_account_settings_t_dup(set);
		settings_free(set);
	}
	return account->set;
}

/* retrieve_account/<name>/<setting>: a named account's setting */
static const char *
retrieve_user_account_getenv(struct retrieve_user_getenv_context *ctx,
			     const char *path)
{
	const struct retrieve_account_list_settings *set;
	const char *slash = strchr(path, '/');

	if (slash == NULL)
		return NULL;
	set = retrieve_user_account_settings_get(ctx,
		t_strdup_until(path, slash));
	return set == NULL ? NULL :
		retrieve_account_settings_find(set, slash + 1);
}

/* The names of the named accounts, space-separated */
static const char *
retrieve_user_account_names(struct retrieve_user_getenv_context *ctx)
{
	const char *name;
	string_t *str;

	if (ctx->user_set == NULL ||
	    array_is_empty(&ctx->user_set->retrieve_account))
		return NULL;
	str = t_str_new(64);
	array_foreach_elem(&ctx->user_set->retrieve_account, name) {
		str_append(str, name);
		str_append_c(str, ' ');
	}
	return str_c(str);
}

const char *retrieve_user_getenv(const char *name, void *context)
{
	struct retrieve_user_getenv_context *ctx = context;
	struct mail_user *user = ctx->user;

	if (strcmp(name, RETRIEVE_ACCOUNT_LIST_KEY) == 0)
		return retrieve_user_account_names(ctx);
	if (str_begins(name, RETRIEVE_ACCOUNT_LIST_KEY"/", &name))
		return retrieve_user_account_getenv(ctx, name);

	if (retrieve_setting_is_admin_only(name)) {
		if (retrieve_userdb_field_get(user, name) != NULL) {
			e_warning(user->event, "retrieve: Ignoring userdb "
				  "field %s: only the administrator's "
				  "setting applies", name);
		}
		return ctx->admin_set == NULL ? NULL :
			retrieve_settings_find(ctx->admin_set, name);
	}
	if (retrieve_settings_is_defined(name)) {
		return ctx->user_set == NULL ? NULL :
			retrieve_settings_find(ctx->user_set, name);
	}
	return retrieve_userdb_field_get(user, name);
}
