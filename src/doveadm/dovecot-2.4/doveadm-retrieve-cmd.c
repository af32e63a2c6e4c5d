/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "master-service.h"
#include "doveadm.h"
#include "retrieve-client.h"
#include "doveadm-retrieve.h"

/* Dovecot 2.4: named parameters, read in init */
static void cmd_retrieve_init(struct doveadm_mail_cmd_context *_ctx)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	if (!doveadm_cmd_param_str(_ctx->cctx, "account", &ctx->account))
		ctx->account = NULL;
	cmd_retrieve_init_headers(ctx);
}

void cmd_retrieve_options_init(struct retrieve_cmd_context *ctx)
{
	ctx->ctx.v.init = cmd_retrieve_init;
}

bool cmd_retrieve_username_column_printed(
	struct retrieve_cmd_context *ctx ATTR_UNUSED)
{
	/* 2.4 adds its sticky "username" column only when iterating many
	   users */
	return FALSE;
}

void doveadm_retrieve_settings_register(void)
{
	/* 2.4: settings_get() finds lib-lda's settings in any process */
}

static void cmd_retrieve_killed(void *context ATTR_UNUSED)
{
	/* the run's ioloop: retrieve_client_run_sync() then records the
	   run as interrupted */
	io_loop_stop(current_ioloop);
}

void cmd_retrieve_run_sync(struct mail_user *user,
			   const struct retrieve_global_settings *global,
			   const struct retrieve_account_settings *set,
			   struct retrieve_result *result_r, pool_t pool)
{
	/* 2.4's master service stops no ioloop of doveadm's on
	   SIGTERM/SIGINT: it calls the killed callback (as doveadm's own
	   auth commands use it) */
	master_service_set_killed_callback(master_service,
					   cmd_retrieve_killed, NULL);
	retrieve_client_run_sync(user, global, set, result_r, pool);
	/* (the function itself: the macro's type check takes no NULL) */
	(master_service_set_killed_callback)(master_service, NULL, NULL);
}
