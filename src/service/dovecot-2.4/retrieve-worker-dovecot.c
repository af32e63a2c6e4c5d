/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "iostream-ssl.h"
#include "settings.h"
#include "ssl-settings.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "mail-user.h"
#include "mail-storage-settings.h"
#include "mail-storage-service.h"
#include "retrieve-worker-dovecot.h"

/* Dovecot 2.4: the process reads the whole configuration once (kept
   mapped, the config fd closed) and every lookup takes its settings
   from there. */

void retrieve_worker_master_service_init(int *argc, char **argv[])
{
	master_service = master_service_init("retrieve-worker", 0,
					     argc, argv, "");
}

void retrieve_worker_config_read(bool dropping ATTR_UNUSED)
{
	const char *error;

	if (master_service_settings_read_simple(master_service, &error) < 0)
		i_fatal("%s", error);
}

void retrieve_worker_config_close(void)
{
	/* no config connection is kept */
}

struct mail_storage_service_ctx *
retrieve_worker_storage_service_init(enum mail_storage_service_flags flags)
{
	return mail_storage_service_init(master_service, flags);
}

static void retrieve_worker_preload_mail_plugins(struct event *event)
{
	const struct mail_user_settings *user_set;
	const char *error;

	/* no user to expand %{user} and the like for: the plugin names
	   and their directory need none */
	if (settings_get(event, &mail_user_setting_parser_info,
			 SETTINGS_GET_FLAG_NO_EXPAND, &user_set, &error) < 0) {
		i_warning("retrieve: Not preloading mail plugins: %s", error);
		return;
	}
	if (array_is_created(&user_set->mail_plugins)) {
		retrieve_worker_preload_plugins(user_set->mail_plugin_dir,
			t_strarray_join(settings_boollist_get(
				&user_set->mail_plugins), " "));
	}
	settings_free(user_set);
}

/* The context of the ssl_client_* settings goes into the process's
   context cache, where io_stream_autocreate_ssl_client() finds it for
   every account with the same settings (ssl_verify=no is a flag of the
   stream there, not of the context): without it every child would
   parse the CAs and fill OpenSSL's algorithm caches again, and write to
   pages shared with the parent. Only local files are read. */
static void retrieve_worker_preload_tls(struct event *event)
{
	const struct ssl_settings *ssl_set;
	const struct ssl_iostream_settings *set;
	struct ssl_iostream_context *ctx;
	const char *error;

	if (ssl_client_settings_get(event, &ssl_set, &error) < 0) {
		/* a child reports it for the runs that need it */
		return;
	}
	ssl_client_settings_to_iostream_set(ssl_set, &set);
	settings_free(ssl_set);
	if (ssl_iostream_client_context_cache_get(set, &ctx, &error) >= 0)
		ssl_iostream_context_unref(&ctx);
	settings_free(set);
}

void retrieve_worker_preload(struct mail_storage_service_ctx *ctx ATTR_UNUSED)
{
	struct event *event = event_create(NULL);

	/* the configuration as a retrieve-worker lookup sees it, without
	   a user */
	event_add_str(event, "protocol", "retrieve-worker");
	retrieve_worker_preload_mail_plugins(event);
	retrieve_worker_preload_tls(event);
	event_unref(&event);
}

int retrieve_worker_user_lookup(struct mail_storage_service_ctx *ctx,
				struct mail_storage_service_input *input,
				struct mail_storage_service_user **service_user_r,
				struct mail_user **user_r,
				const char **error_r)
{
	int ret;

	ret = mail_storage_service_lookup_next(ctx, input, user_r, error_r);
	if (ret <= 0) {
		*service_user_r = NULL;
		return ret;
	}
	/* the user holds its service user; the caller's reference keeps
	   2.3's lookup-and-unref pairs */
	*service_user_r = (*user_r)->service_user;
	mail_storage_service_user_ref(*service_user_r);
	return 1;
}

void retrieve_worker_users_iter_init(struct mail_storage_service_ctx *ctx)
{
	mail_storage_service_all_init_mask(ctx, "*");
}

void retrieve_worker_set_last_connection(void)
{
	master_service_set_restart_request_count(master_service, 1);
}
