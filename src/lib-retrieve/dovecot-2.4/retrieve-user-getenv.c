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

void *retrieve_user_getenv_init(struct mail_user *user)
{
	return user;
}

/* key from the retrieve settings seen through event, copied to the data
   stack; NULL when unset or when they can't be read (logged) */
static const char *
retrieve_user_setting_get(struct mail_user *user, struct event *event,
			  const char *key)
{
	const struct retrieve_settings *set;
	const char *value, *error;

	if (settings_get(event, &retrieve_setting_parser_info, 0,
			 &set, &error) < 0) {
		e_error(user->event, "retrieve: Couldn't read the retrieve "
			"settings (using the default of %s): %s", key, error);
		return NULL;
	}
	value = t_strdup(retrieve_settings_find(set, key));
	settings_free(set);
	return value;
}

/* The administrator's value: 2.4 applies a userdb field over the setting
   of the same name by itself, so it is read through a settings instance
   without the user's overrides (the configuration only) */
static const char *
retrieve_user_admin_setting_get(struct mail_user *user, const char *key)
{
	struct settings_root *root = settings_root_find(user->event);
	struct settings_instance *instance;
	struct event *event;
	const char *value;

	i_assert(root != NULL);
	instance = settings_instance_new(root);
	event = event_create(user->event);
	event_set_ptr(event, SETTINGS_EVENT_INSTANCE, instance);
	value = retrieve_user_setting_get(user, event, key);
	event_unref(&event);
	settings_instance_free(&instance);
	return value;
}

const char *retrieve_user_getenv(const char *name, void *context)
{
	struct mail_user *user = context;

	if (retrieve_setting_is_admin_only(name)) {
		if (retrieve_userdb_field_get(user, name) != NULL) {
			e_warning(user->event, "retrieve: Ignoring userdb "
				  "field %s: only the administrator's "
				  "setting applies", name);
		}
		return retrieve_user_admin_setting_get(user, name);
	}
	if (retrieve_settings_is_defined(name))
		return retrieve_user_setting_get(user, user->event, name);
	return retrieve_userdb_field_get(user, name);
}
