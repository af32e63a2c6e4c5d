/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "mail-user.h"
#include "mail-storage-service.h"
#include "doveadm-print.h"
#include "retrieve-settings.h"
#include "retrieve-client.h"
#include "retrieve-deliver.h"
#include "doveadm-retrieve.h"

static void
cmd_retrieve_run_preinit(struct doveadm_mail_cmd_context *ctx ATTR_UNUSED)
{
	const char *error;

	/* Before any user exists (lib-lda's hooks attach to new users);
	   doveadm has already called mail_storage_init(). */
	if (retrieve_deliver_global_init(&error) < 0) {
		i_warning("retrieve: %s (accounts with filter=yes will fail)",
			  error);
	}
}

static void cmd_retrieve_run_header(void)
{
	/* empty on the account's row; IMAP adds a row per remote folder */
	doveadm_print_header_simple("folder");
	doveadm_print_header_simple("protocol");
	doveadm_print_header_simple("host");
	cmd_retrieve_header_num("messages");
	cmd_retrieve_header_num("bytes");
	cmd_retrieve_header_num("skipped");
	cmd_retrieve_header_num("deleted");
	/* delivered and marked as spam by retrieve_spam_scanner */
	cmd_retrieve_header_num("spam");
	/* messages or folders that failed while the run went on */
	cmd_retrieve_header_num("errors");
	doveadm_print_header_simple("result");
	doveadm_print_header("error", "error",
			     DOVEADM_PRINT_HEADER_FLAG_EXPAND);
}

static enum mail_error
cmd_retrieve_result_mail_error(enum retrieve_result_code code)
{
	switch (code) {
	case RETRIEVE_RESULT_OK:
		break;
	case RETRIEVE_RESULT_AUTH_FAILED:
	case RETRIEVE_RESULT_CONFIG_ERROR:
		/* retrying won't help until someone fixes it */
		return MAIL_ERROR_PERM;
	case RETRIEVE_RESULT_REMOTE_ERROR:
		return MAIL_ERROR_NOTPOSSIBLE;
	case RETRIEVE_RESULT_REMOTE_TEMPFAIL:
	case RETRIEVE_RESULT_LOCAL_TEMPFAIL:
	case RETRIEVE_RESULT_LOCKED:
	case RETRIEVE_RESULT_INTERNAL_ERROR:
		return MAIL_ERROR_TEMP;
	}
	return MAIL_ERROR_NONE;
}

/* One row per remote folder: messages, bytes, errors; result "ok",
   "error" with the first error, "absent" (missing from the remote's folder
   list for the first time: kept) or "vanished" (missing again: forgotten). */
static void
cmd_retrieve_print_folders(struct retrieve_cmd_context *ctx,
			   struct mail_user *user, const char *key,
			   const struct retrieve_account_settings *set,
			   const struct retrieve_result *result)
{
	const struct retrieve_folder_result *folder;
	unsigned int i;

	for (i = 0; i < result->folders_count; i++) {
		folder = &result->folders[i];
		cmd_retrieve_print_user(ctx, user);
		doveadm_print(key);
		doveadm_print(folder->name);
		doveadm_print(retrieve_protocol_name(set->protocol));
		doveadm_print(set->host);
		doveadm_print_num(folder->messages);
		doveadm_print_num(folder->bytes);
		/* numeric columns: json asserts a number, never "" */
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print_num(folder->errors);
		doveadm_print(folder->vanished ? "vanished" :
			      folder->absent ? "absent" :
			      folder->errors == 0 ? "ok" : "error");
		doveadm_print(folder->error != NULL ? folder->error : "");
	}
}

static void
cmd_retrieve_run_account(struct retrieve_cmd_context *ctx,
			 struct mail_user *user,
			 const struct retrieve_global_settings *global,
			 const char *key,
			 const struct retrieve_account_settings *set,
			 const char *error, pool_t pool)
{
	struct retrieve_result result;
	enum mail_error mail_error;
	unsigned int i, errors = 0;

	cmd_retrieve_print_user(ctx, user);
	doveadm_print(key);
	doveadm_print("");
	if (set == NULL) {
		doveadm_print("");
		doveadm_print("");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print(retrieve_result_code_name(
			RETRIEVE_RESULT_CONFIG_ERROR));
		doveadm_print(error);
		return;
	}

	/* logs a failure itself and records the outcome in the state */
	cmd_retrieve_run_sync(user, global, set, &result, pool);
	/* a nested ioloop may have deactivated the user's context
	   (privileges, log prefix) */
	if (io_loop_get_current_context(current_ioloop) == NULL) {
		mail_storage_service_io_activate_user(
			ctx->ctx.cur_service_user);
	}

	doveadm_print(retrieve_protocol_name(set->protocol));
	doveadm_print(set->host);
	doveadm_print_num(result.messages);
	doveadm_print_num(result.bytes);
	doveadm_print_num(result.skipped_too_large);
	doveadm_print_num(result.deleted);
	doveadm_print_num(result.spam);
	for (i = 0; i < result.folders_count; i++)
		errors += result.folders[i].errors;
	doveadm_print_num(errors);
	doveadm_print(retrieve_result_code_name(result.code));
	doveadm_print(result.error != NULL ? result.error : "");
	cmd_retrieve_print_folders(ctx, user, key, set, &result);

	mail_error = cmd_retrieve_result_mail_error(result.code);
	if (mail_error != MAIL_ERROR_NONE)
		doveadm_mail_failed_error(&ctx->ctx, mail_error);
}

static struct doveadm_mail_cmd_context *cmd_retrieve_run_alloc(void)
{
	struct retrieve_cmd_context *ctx =
		cmd_retrieve_alloc(cmd_retrieve_run_header,
				   cmd_retrieve_run_account);

	ctx->ctx.v.preinit = cmd_retrieve_run_preinit;
	return &ctx->ctx;
}

struct doveadm_cmd_ver2 doveadm_cmd_retrieve_run_ver2 = {
	.name = "retrieve run",
	.mail_cmd = cmd_retrieve_run_alloc,
	DOVEADM_CMD_RETRIEVE_PARAMS
};
