/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "iostream-ssl.h"
#include "master-service-private.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "master-service-ssl-settings.h"
#include "mail-user.h"
#include "mail-storage-service.h"
#include "retrieve-worker-dovecot.h"

/* Dovecot 2.3 */

void retrieve_worker_master_service_init(int *argc, char **argv[])
{
	master_service = master_service_init("retrieve-worker",
					     MASTER_SERVICE_FLAG_KEEP_CONFIG_OPEN,
					     argc, argv, "");
}

void retrieve_worker_config_read(bool dropping)
{
	struct master_service_settings_input input;
	struct master_service_settings_output output;
	const char *error;

	if (!dropping)
		return;
	/* open the config connection before dropping privileges */
	i_zero(&input);
	input.module = "mail";
	input.service = "retrieve-worker";
	(void)master_service_settings_read(master_service, &input, &output,
					   &error);
}

void retrieve_worker_config_close(void)
{
	master_service_close_config_fd(master_service);
}

struct mail_storage_service_ctx *
retrieve_worker_storage_service_init(enum mail_storage_service_flags flags)
{
	return mail_storage_service_init(master_service, NULL, flags);
}

/* The context (certificate verification on, the default of an account)
   goes into the process's context cache: without it every child would
   parse the CAs and fill OpenSSL's algorithm caches again, and write to
   pages shared with the parent. Only local files are read. An account
   or user whose settings differ just misses the cache and builds its
   own in its child. */
static void
retrieve_worker_preload_tls(struct setting_parser_context *parser,
			    pool_t pool)
{
	const struct master_service_ssl_settings *ssl_set;
	struct ssl_iostream_settings set;
	struct ssl_iostream_context *ctx;
	const char *error;

	ssl_set = master_service_ssl_settings_get_from_parser(parser);
	if (ssl_set == NULL)
		return;
	master_service_ssl_client_settings_to_iostream_set(ssl_set, pool,
							   &set);
	set.verify_remote_cert = TRUE;
	set.allow_invalid_cert = FALSE;
	if (ssl_iostream_client_context_cache_get(&set, &ctx, &error) < 0) {
		/* a child reports it for the runs that need it */
		return;
	}
	ssl_iostream_context_unref(&ctx);
}

void retrieve_worker_preload(struct mail_storage_service_ctx *ctx)
{
	struct mail_storage_service_input input;
	const struct setting_parser_info *user_info;
	const struct setting_parser_context *parser;
	const struct mail_user_settings *user_set;
	const char *error;
	pool_t pool;

	i_zero(&input);
	input.module = "mail";
	input.service = "retrieve-worker";
	pool = pool_alloconly_create("retrieve worker preload", 1024);
	if (mail_storage_service_read_settings(ctx, &input, pool,
					       &user_info, &parser,
					       &error) < 0) {
		i_warning("retrieve: Not preloading: %s", error);
		pool_unref(&pool);
		return;
	}
	user_set = master_service_settings_parser_get_others(master_service,
							     parser)[0];
	retrieve_worker_preload_plugins(user_set->mail_plugin_dir,
					user_set->mail_plugins);
	/* the parser is the settings cache's; reading does not change it */
	retrieve_worker_preload_tls((struct setting_parser_context *)parser,
				    pool);
	pool_unref(&pool);
}

int retrieve_worker_user_lookup(struct mail_storage_service_ctx *ctx,
				struct mail_storage_service_input *input,
				struct mail_storage_service_user **service_user_r,
				struct mail_user **user_r,
				const char **error_r)
{
	input->module = "mail";
	return mail_storage_service_lookup_next(ctx, input, service_user_r,
						user_r, error_r);
}

void retrieve_worker_users_iter_init(struct mail_storage_service_ctx *ctx)
{
	mail_storage_service_all_init_mask(ctx, "");
}

void retrieve_worker_set_last_connection(void)
{
	master_service_set_service_count(master_service, 1);
}
