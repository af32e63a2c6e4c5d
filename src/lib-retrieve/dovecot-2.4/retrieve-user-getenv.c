/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "settings.h"
#include "mail-user.h"
#include "retrieve-settings-defs.h"
#include "retrieve-user.h"

/* Dovecot 2.4: the global retrieve_* settings are typed
   (retrieve-settings-defs.c), read with settings_get(); the accounts are
   still the compatibility path only, the 2.3 flat userdb fields
   (retrieve, retrieve2, retrieveN_OPTION, ...), which 2.4 keeps in
   mail_user->userdb_fields (settings it doesn't know are not applied,
   and are no error). The retrieve_account named list filters are the
   next step (doc/dovecot-2.4.md). */
struct retrieve_user_getenv_context {
	struct mail_user *user;
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
	ctx->user_set = retrieve_user_settings_get(user, user->event);
	ctx->admin_set = retrieve_user_admin_settings_get(user);
	return ctx;
}

const char *retrieve_user_getenv(const char *name, void *context)
{
	struct retrieve_user_getenv_context *ctx = context;
	struct mail_user *user = ctx->user;

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
