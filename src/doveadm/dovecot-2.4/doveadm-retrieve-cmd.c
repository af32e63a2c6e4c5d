/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "doveadm.h"
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
