/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "lda-settings.h"
#include "smtp-submit-settings.h"
#include "doveadm-settings.h"
#include "retrieve-client.h"
#include "doveadm-retrieve.h"

#include <unistd.h>

/* Dovecot 2.3: options through getopt */
static bool
cmd_retrieve_parse_arg(struct doveadm_mail_cmd_context *_ctx, int c)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	switch (c) {
	case 'a':
		ctx->account = optarg;
		break;
	default:
		return FALSE;
	}
	return TRUE;
}

static void cmd_retrieve_init(struct doveadm_mail_cmd_context *_ctx,
			      const char *const args[] ATTR_UNUSED)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	cmd_retrieve_init_headers(ctx);
}

void cmd_retrieve_options_init(struct retrieve_cmd_context *ctx)
{
	ctx->ctx.getopt_args = "a:";
	ctx->ctx.v.parse_arg = cmd_retrieve_parse_arg;
	ctx->ctx.v.init = cmd_retrieve_init;
}

bool cmd_retrieve_username_column_printed(struct retrieve_cmd_context *ctx)
{
	return ctx->ctx.add_username_header;
}

void doveadm_retrieve_settings_register(void)
{
	/* Makes doveadm read lib-lda's settings (global and protocol
	   doveadm values), so that delivery uses the admin's
	   submission_host, sendmail_path etc. This works only when we are
	   loaded before doveadm reads its settings, which is the normal
	   case; otherwise delivery falls back to the defaults. */
	doveadm_setting_roots_add(&lda_setting_parser_info);
	doveadm_setting_roots_add(&smtp_submit_setting_parser_info);
}

void cmd_retrieve_run_sync(struct mail_user *user,
			   const struct retrieve_global_settings *global,
			   const struct retrieve_account_settings *set,
			   struct retrieve_result *result_r, pool_t pool)
{
	/* 2.3's master service stops the running ioloop on SIGTERM/SIGINT */
	retrieve_client_run_sync(user, global, set, result_r, pool);
}
