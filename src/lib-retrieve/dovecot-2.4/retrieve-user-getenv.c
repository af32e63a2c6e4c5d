/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "settings.h"
#include "mail-user.h"
#include "retrieve-settings-defs.h"
#include "retrieve-user.h"
#include "retrieve-dovecot.h"

/* the providers' named list */
#define RETRIEVE_OAUTH2_LIST_KEY "retrieve_oauth2"

/* Dovecot 2.4: the global retrieve_* settings are typed
   (retrieve-settings-defs.c), read with settings_get(); the accounts are
   the named list retrieve_account (filters read with
   settings_try_get_filter(), like quota's roots; the administrator's
   OAuth2 providers are the named list retrieve_oauth2), and, as the
   compatibility path, the 2.3 flat userdb fields (retrieve, retrieve2,
   retrieveN_OPTION, ...), which 2.4 keeps in mail_user->userdb_fields
   (settings it doesn't know are not applied, and are no error). */
/* A named filter's settings: an account's or a provider's */
struct retrieve_user_getenv_filter {
	const struct setting_parser_info *info;
	const char *name;
	/* data-stack copy; NULL when there is no such filter or it
	   couldn't be read: then every field is unset */
	const void *set;
	/* why it couldn't be read, else NULL */
	const char *error;
};

struct retrieve_user_getenv_context {
	struct mail_user *user;
	/* the named filters read so far */
	ARRAY(struct retrieve_user_getenv_filter) filters;
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
   instance without the user's overrides (the configuration only):
   returns a child event of the user's reading them, to be freed with
   retrieve_user_admin_event_free() */
static struct event *
retrieve_user_admin_event_create(struct mail_user *user)
{
	struct settings_root *root = settings_root_find(user->event);
	struct settings_instance *instance;
	struct event *event;

	i_assert(root != NULL);
	instance = settings_instance_new(root);
	event = event_create(user->event);
	event_set_ptr(event, SETTINGS_EVENT_INSTANCE, instance);
	return event;
}

static void retrieve_user_admin_event_free(struct event **_event)
{
	struct event *event = *_event;
	struct settings_instance *instance =
		event_get_ptr(event, SETTINGS_EVENT_INSTANCE);

	*_event = NULL;
	event_unref(&event);
	settings_instance_free(&instance);
}

static const struct retrieve_settings *
retrieve_user_admin_settings_get(struct mail_user *user)
{
	const struct retrieve_settings *set;
	struct event *event;

	event = retrieve_user_admin_event_create(user);
	set = retrieve_user_settings_get(user, event);
	retrieve_user_admin_event_free(&event);
	return set;
}

void *retrieve_user_getenv_init(struct mail_user *user)
{
	struct retrieve_user_getenv_context *ctx;

	ctx = t_new(struct retrieve_user_getenv_context, 1);
	ctx->user = user;
	t_array_init(&ctx->filters, 4);
	ctx->user_set = retrieve_user_settings_get(user, user->event);
	ctx->admin_set = retrieve_user_admin_settings_get(user);
	return ctx;
}

/* The named filter filter_key/name, its settings copied to the data
   stack; admin: the administrator's, without the user's overrides */
static const struct retrieve_user_getenv_filter *
retrieve_user_filter_get(struct retrieve_user_getenv_context *ctx,
			 const struct setting_parser_info *info,
			 const char *filter_key, const char *name, bool admin)
{
	struct retrieve_user_getenv_filter *filter;
	const struct retrieve_filter_settings *set;
	struct event *event;
	const char *error;
	int ret;

	array_foreach_modifiable(&ctx->filters, filter) {
		if (filter->info == info && strcmp(filter->name, name) == 0)
			return filter;
	}
	filter = array_append_space(&ctx->filters);
	filter->info = info;
	filter->name = t_strdup(name);
	event = admin ? retrieve_user_admin_event_create(ctx->user) :
		ctx->user->event;
	ret = settings_try_get_filter(event, filter_key, name, info, 0,
				      &set, &error);
	if (ret < 0) {
		filter->error = t_strdup(error);
		/* a provider's error has no account entry of its own: the
		   accounts then say "unknown provider" */
		if (admin) {
			e_error(ctx->user->event, "retrieve: Couldn't read "
				"the settings of %s %s: %s", filter_key,
				name, error);
		}
	} else if (ret > 0) {
		filter->set = retrieve_filter_settings_t_dup(info, set);
		settings_free(set);
	}
	if (admin)
		retrieve_user_admin_event_free(&event);
	return filter;
}

/* retrieve_account/<name>/<setting>: a named account's setting */
static const char *
retrieve_user_account_getenv(struct retrieve_user_getenv_context *ctx,
			     const char *path)
{
	const struct setting_parser_info *info =
		&retrieve_account_setting_parser_info;
	const struct retrieve_user_getenv_filter *filter;
	const char *slash = strchr(path, '/');

	if (slash == NULL)
		return NULL;
	filter = retrieve_user_filter_get(ctx, info, RETRIEVE_ACCOUNT_LIST_KEY,
					  t_strdup_until(path, slash), FALSE);
	if (slash[1] == '\0')
		return filter->error;
	return filter->set == NULL ? NULL :
		retrieve_filter_settings_find(info, filter->set, slash + 1);
}

/* retrieve_oauth2_<NAME>_<field> (2.3's flat name, which the shared
   parser asks for): the setting retrieve_oauth2_<field> of the
   administrator's provider retrieve_oauth2 <NAME> { ... }. NAME has no
   '_' (retrieve-settings.c checks), so the field follows the first. */
static const char *
retrieve_user_oauth2_getenv(struct retrieve_user_getenv_context *ctx,
			    const char *name)
{
	const struct setting_parser_info *info =
		&retrieve_oauth2_setting_parser_info;
	const struct retrieve_user_getenv_filter *filter;
	const char *provider, *field;

	if (!str_begins(name, RETRIEVE_OAUTH2_LIST_KEY"_", &provider))
		return NULL;
	field = strchr(provider, '_');
	if (field == NULL)
		return NULL;
	filter = retrieve_user_filter_get(ctx, info, RETRIEVE_OAUTH2_LIST_KEY,
					  t_strdup_until(provider, field), TRUE);
	return filter->set == NULL ? NULL :
		retrieve_filter_settings_find(info, filter->set,
			t_strconcat(RETRIEVE_OAUTH2_LIST_KEY, field, NULL));
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
		if (retrieve_settings_is_oauth2_provider(name))
			return retrieve_user_oauth2_getenv(ctx, name);
		return ctx->admin_set == NULL ? NULL :
			retrieve_settings_find(ctx->admin_set, name);
	}
	if (retrieve_settings_is_defined(name)) {
		return ctx->user_set == NULL ? NULL :
			retrieve_settings_find(ctx->user_set, name);
	}
	return retrieve_userdb_field_get(user, name);
}
