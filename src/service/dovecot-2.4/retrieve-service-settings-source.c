/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "settings.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "retrieve-settings-defs.h"
#include "retrieve-service-settings-source.h"

/* Dovecot 2.4: the scheduler's own typed settings
   (retrieve_service_setting_parser_info) and the global ones it shares
   with the mail processes (retrieve_min_interval, retrieve_run_timeout),
   both from the settings module. The service's event has no user: only
   dovecot.conf applies. */

struct retrieve_service_settings_context {
	const struct retrieve_scheduler_settings *service_set;
	const struct retrieve_settings *set;
};

static const char *retrieve_service_getenv(const char *name, void *context)
{
	struct retrieve_service_settings_context *ctx = context;
	const char *value;

	value = retrieve_filter_settings_find(
		&retrieve_service_setting_parser_info, ctx->service_set, name);
	if (value != NULL)
		return value;
	return retrieve_settings_find(ctx->set, name);
}

int retrieve_service_settings_source_init(struct retrieve_setting_source *src_r,
					  const char **error_r)
{
	struct retrieve_service_settings_context *ctx;
	struct event *event = master_service_get_event(master_service);
	const char *error;

	if (master_service_settings_read_simple(master_service, &error) < 0) {
		*error_r = t_strdup_printf("Couldn't read settings: %s", error);
		return -1;
	}
	ctx = i_new(struct retrieve_service_settings_context, 1);
	if (settings_get(event, &retrieve_service_setting_parser_info, 0,
			 &ctx->service_set, &error) < 0 ||
	    settings_get(event, &retrieve_setting_parser_info, 0,
			 &ctx->set, &error) < 0) {
		settings_free(ctx->service_set);
		i_free(ctx);
		*error_r = t_strdup_printf("Couldn't read settings: %s", error);
		return -1;
	}
	i_zero(src_r);
	src_r->getenv = retrieve_service_getenv;
	src_r->context = ctx;
	return 0;
}

void retrieve_service_settings_source_deinit(struct retrieve_setting_source *src)
{
	struct retrieve_service_settings_context *ctx = src->context;

	settings_free(ctx->service_set);
	settings_free(ctx->set);
	i_free(ctx);
	src->context = NULL;
}
