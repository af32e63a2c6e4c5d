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

/* Pigeonhole 2.4: the Sieve settings (sieve_script filters, sieve_*)
   are looked up from the instance's event, the user's */

int retrieve_sieve_engine_init(struct mail_user *user,
			       struct sieve_environment *svenv,
			       struct sieve_instance **svinst_r)
{
	svenv->hostname = user->set->hostname;
	return sieve_init(svenv, NULL, user, user->set->mail_debug,
			  svinst_r);
}

bool retrieve_sieve_engine_debug(struct mail_user *user)
{
	return user->set->mail_debug;
}

const struct sieve_extension *
retrieve_sieve_engine_extension_register(struct sieve_instance *svinst,
					 const struct sieve_extension_def *def)
{
	const struct sieve_extension *ext;

	if (sieve_extension_register(svinst, def, FALSE, &ext) < 0)
		return NULL;
	return ext;
}

const char *retrieve_sieve_engine_script_name(struct sieve_script *script)
{
	return sieve_script_label(script);
}

struct sieve_binary *
retrieve_sieve_engine_open(struct sieve_script *script,
			   struct sieve_error_handler *ehandler,
			   enum sieve_compile_flags flags, bool compile,
			   enum sieve_error *error_r)
{
	struct sieve_binary *sbin;
	int ret;

	if (compile) {
		ret = sieve_compile_script(script, ehandler, flags, &sbin,
					   error_r);
	} else {
		ret = sieve_open_script(script, ehandler, flags, &sbin,
					error_r);
	}
	return ret < 0 ? NULL : sbin;
}

/* The sieve_script filters of type, in order */
int retrieve_sieve_engine_global_scripts(struct sieve_instance *svinst,
					 struct mail_user *user ATTR_UNUSED,
					 struct event *event, const char *type,
					 ARRAY_TYPE(sieve_script) *scripts,
					 const char **error_r)
{
	struct sieve_script_sequence *seq;
	struct sieve_script *script;
	enum sieve_error error;
	const char *errstr;
	int ret;

	if (sieve_script_sequence_create(svinst, event,
					 SIEVE_SCRIPT_CAUSE_DELIVERY, type,
					 &seq, &error, &errstr) < 0) {
		if (error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(event, "No Sieve %s scripts", type);
			return 1;
		}
		*error_r = t_strdup_printf("Can't open the Sieve %s scripts: "
					   "%s", type, errstr);
		return 0;
	}
	while ((ret = sieve_script_sequence_next(seq, &script, &error,
						 &errstr)) > 0)
		array_push_back(scripts, &script);
	sieve_script_sequence_free(&seq);
	if (ret < 0) {
		/* any error, as lda-sieve: mail_deliver() decides */
		*error_r = t_strdup_printf("Can't read the Sieve %s scripts: "
					   "%s", type, errstr);
		return 0;
	}
	return 1;
}

int retrieve_sieve_engine_personal_script(struct sieve_instance *svinst,
					  struct mail_user *user,
					  struct event *event,
					  struct sieve_script **script_r,
					  const char **error_r)
{
	struct sieve_storage *storage;
	enum sieve_error error;
	int ret;

	*script_r = NULL;
	if (sieve_storage_create_personal(svinst, user,
					  SIEVE_SCRIPT_CAUSE_DELIVERY, 0,
					  &storage, &error) < 0) {
		if (error == SIEVE_ERROR_NOT_POSSIBLE ||
		    error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(event, "No personal Sieve storage");
			return 1;
		}
		*error_r = error == SIEVE_ERROR_TEMP_FAILURE ?
			"the personal Sieve storage can't be read "
			"(temporary failure)" :
			"the personal Sieve storage can't be opened";
		return 0;
	}
	ret = sieve_storage_active_script_open(storage, script_r, &error);
	sieve_storage_unref(&storage);
	if (ret < 0) {
		*script_r = NULL;
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
					 struct mail_user *user ATTR_UNUSED,
					 struct event *event,
					 struct sieve_script **script_r,
					 const char **error_r)
{
	enum sieve_error error;
	const char *errstr;

	if (sieve_script_create_open(svinst, SIEVE_SCRIPT_CAUSE_DELIVERY,
				     SIEVE_STORAGE_TYPE_DISCARD, NULL,
				     script_r, &error, &errstr) < 0) {
		*script_r = NULL;
		if (error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(event, "No Sieve discard script");
			return 1;
		}
		*error_r = t_strdup_printf("Can't open the Sieve discard "
					   "script: %s", errstr);
		return 0;
	}
	return 1;
}
