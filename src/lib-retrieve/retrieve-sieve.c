/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "module-dir.h"
#include "settings-parser.h"
#include "mail-storage-settings.h"
#include "mail-storage-service.h"
#include "retrieve-sieve.h"
#include "retrieve-dovecot.h"

/* Why we load the sieve plugin ourselves:

   Pigeonhole's lib90_sieve_plugin.so declares
   sieve_plugin_binary_dependency = "lda lmtp", so Dovecot refuses it in
   mail_plugins of doveadm or of our own service ("Plugin is intended to
   be used only by binaries: lda lmtp"). Its code does not care which
   binary it runs in: its init only installs lib-lda's deliver_mail hook,
   and at delivery it reads everything from the mail_deliver_context. The
   binary check is skipped when the loader passes binary_name = NULL, so
   we load it that way.

   It goes into mail_storage_service_modules so that a later
   mail_plugins = ... sieve finds it already loaded instead of refusing
   it, and so that mail_storage_service_deinit() unloads it with the other
   mail plugins.

   This relies on Pigeonhole internals that upstream does not promise to
   keep: re-test Sieve delivery on every Pigeonhole upgrade. */

#define RETRIEVE_SIEVE_PLUGIN_NAME "sieve"

/* TRUE when the sieve plugin is currently loaded in this process.
   mail_storage_service_deinit() unloads all mail plugins, so a process
   that runs several storage services (doveadm-server) may need
   retrieve_sieve_load() again. */
static bool retrieve_sieve_is_loaded(void)
{
	return module_dir_find(mail_storage_service_modules,
			       RETRIEVE_SIEVE_PLUGIN_NAME) != NULL;
}

int retrieve_sieve_load(const char **error_r)
{
	/* The default mail_plugin_dir is Dovecot's compiled-in MODULEDIR,
	   which its installed headers don't otherwise tell us. */
	const struct mail_user_settings *user_defaults =
		mail_user_setting_parser_info.defaults;
	struct module_dir_load_settings mod_set;

	if (retrieve_sieve_is_loaded())
		return 0;

	i_zero(&mod_set);
	mod_set.abi_version = DOVECOT_ABI_VERSION;
	mod_set.binary_name = NULL;
	mod_set.setting_name = "mail_plugins";
	mod_set.require_init_funcs = TRUE;
	if (retrieve_module_dir_try_load_missing(&mail_storage_service_modules,
					user_defaults->mail_plugin_dir,
					RETRIEVE_SIEVE_PLUGIN_NAME,
					&mod_set, error_r) < 0)
		return -1;
	module_dir_init(mail_storage_service_modules);
	return 0;
}
