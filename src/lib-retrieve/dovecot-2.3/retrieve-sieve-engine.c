/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "mail-storage.h"
#include "mail-user.h"

#include "sieve.h"
#include "sieve-script.h"
#include "sieve-storage.h"
#include "sieve-error.h"
#include "sieve-extensions.h"

#include "retrieve-sieve-engine.h"

/* Pigeonhole 0.5: the Sieve settings come from the user's plugin {}
   through the get_setting callback */

static const char *
retrieve_sieve_engine_get_setting(void *context, const char *identifier)
{
	struct mail_user *user = context;

	return mail_user_plugin_getenv(user, identifier);
}

static const struct sieve_callbacks retrieve_sieve_engine_callbacks = {
	.get_setting = retrieve_sieve_engine_get_setting,
};

int retrieve_sieve_engine_init(struct mail_user *user,
			       struct sieve_environment *svenv,
			       struct sieve_instance **svinst_r)
{
	svenv->hostname = mail_user_set_get_storage_set(user)->hostname;
	*svinst_r = sieve_init(svenv, &retrieve_sieve_engine_callbacks, user,
			       user->mail_debug);
	return *svinst_r == NULL ? -1 : 0;
}

bool retrieve_sieve_engine_debug(struct mail_user *user)
{
	return user->mail_debug;
}

const struct sieve_extension *
retrieve_sieve_engine_extension_register(struct sieve_instance *svinst,
					 const struct sieve_extension_def *def)
{
	return sieve_extension_register(svinst, def, FALSE);
}

const char *retrieve_sieve_engine_script_name(struct sieve_script *script)
{
	return sieve_script_location(script);
}

struct sieve_binary *
retrieve_sieve_engine_open(struct sieve_script *script,
			   struct sieve_error_handler *ehandler,
			   enum sieve_compile_flags flags, bool compile,
			   enum sieve_error *error_r)
{
	if (compile)
		return sieve_compile_script(script, ehandler, flags, error_r);
	return sieve_open_script(script, ehandler, flags, error_r);
}

/* The scripts of one sieve_before/sieve_after location (a file or a
   directory of them) */
static int
retrieve_sieve_engine_add_location(struct sieve_instance *svinst,
				   struct event *event, const char *setting,
				   const char *location,
				   ARRAY_TYPE(sieve_script) *scripts,
				   const char **error_r)
{
	struct sieve_script_sequence *seq;
	struct sieve_script *script;
	enum sieve_error error;
	int ret = 1;

	seq = sieve_script_sequence_create(svinst, location, &error);
	if (seq == NULL) {
		if (error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(event, "%s location not found: %s",
				setting, location);
			return 1;
		}
		*error_r = t_strdup_printf("Can't open %s location %s",
					   setting, location);
		return 0;
	}
	while (ret > 0) {
		script = sieve_script_sequence_next(seq, &error);
		if (script == NULL) {
			if (error == SIEVE_ERROR_NONE)
				break;
			if (error == SIEVE_ERROR_TEMP_FAILURE) {
				*error_r = t_strdup_printf(
					"Can't read %s location %s "
					"(temporary failure)",
					setting, location);
				ret = 0;
			}
			/* else: skipped, as by lda-sieve */
			continue;
		}
		array_push_back(scripts, &script);
	}
	sieve_script_sequence_free(&seq);
	return ret;
}

/* sieve_<type>, sieve_<type>2, sieve_<type>3, ... until one is unset */
int retrieve_sieve_engine_global_scripts(struct sieve_instance *svinst,
					 struct mail_user *user,
					 struct event *event, const char *type,
					 ARRAY_TYPE(sieve_script) *scripts,
					 const char **error_r)
{
	const char *setting = t_strconcat("sieve_", type, NULL);
	const char *name = setting, *location;
	unsigned int i = 2;
	int ret;

	for (;;) {
		location = mail_user_plugin_getenv(user, name);
		if (location == NULL || *location == '\0')
			return 1;
		ret = retrieve_sieve_engine_add_location(svinst, event, name,
							 location, scripts,
							 error_r);
		if (ret <= 0)
			return ret;
		name = t_strdup_printf("%s%u", setting, i++);
	}
}

int retrieve_sieve_engine_personal_script(struct sieve_instance *svinst,
					  struct mail_user *user,
					  struct event *event,
					  struct sieve_script **script_r,
					  const char **error_r)
{
	struct sieve_storage *storage;
	enum sieve_error error;

	*script_r = NULL;
	storage = sieve_storage_create_main(svinst, user, 0, &error);
	if (storage == NULL) {
		if (error == SIEVE_ERROR_TEMP_FAILURE) {
			*error_r = "the personal Sieve storage can't be read "
				"(temporary failure)";
			return 0;
		}
		e_debug(event, "No personal Sieve storage");
		return 1;
	}
	*script_r = sieve_storage_active_script_open(storage, &error);
	sieve_storage_unref(&storage);
	if (*script_r == NULL) {
		if (error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(event, "No active personal Sieve script");
			return 1;
		}
		*error_r = "the active personal Sieve script can't be opened";
		return 0;
	}
	return 1;
}

int retrieve_sieve_engine_discard_script(struct sieve_instance *svinst,
					 struct mail_user *user,
					 struct event *event,
					 struct sieve_script **script_r,
					 const char **error_r)
{
	const char *location;
	enum sieve_error error;

	*script_r = NULL;
	location = mail_user_plugin_getenv(user, "sieve_discard");
	if (location == NULL || *location == '\0')
		return 1;
	*script_r = sieve_script_create_open(svinst, location, NULL, &error);
	if (*script_r == NULL) {
		if (error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(event, "sieve_discard location not "
				"found: %s", location);
			return 1;
		}
		*error_r = t_strdup_printf("Can't open sieve_discard %s",
					   location);
		return 0;
	}
	return 1;
}
