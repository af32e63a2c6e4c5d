/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "str-sanitize.h"
#include "time-util.h"
#include "module-dir.h"
#include "mail-user.h"
#include "doveadm-print.h"
#include "retrieve-user.h"
#include "retrieve-client.h"
#include "doveadm-retrieve.h"

const char *doveadm_retrieve_plugin_version = DOVECOT_ABI_VERSION;

void doveadm_retrieve_plugin_init(struct module *module);
void doveadm_retrieve_plugin_deinit(void);

static struct doveadm_cmd_ver2 *const retrieve_commands[] = {
	&doveadm_cmd_retrieve_run_ver2,
	&doveadm_cmd_retrieve_status_ver2,
	&doveadm_cmd_retrieve_list_ver2,
};

struct event *cmd_retrieve_event_create(struct mail_user *user)
{
	struct event *event = event_create(user->event);

	event_add_category(event, &event_category_retrieve);
	event_set_append_log_prefix(event, "retrieve: ");
	return event;
}

static bool
cmd_retrieve_account_match(const char *filter,
			   const struct retrieve_user_account *account)
{
	unsigned int num;

	if (filter == NULL || strcmp(filter, account->key) == 0)
		return TRUE;
	/* named accounts (idx 0) have no number */
	if (str_to_uint(filter, &num) == 0 && num != 0 && num == account->idx)
		return TRUE;
	return account->set != NULL && strcmp(filter, account->set->url) == 0;
}

/* Calls account_func for each configured account of the user that -a
   selects. Returns -1 when the user's global retrieve_* settings are
   unusable. */
static int
cmd_retrieve_foreach_account(struct retrieve_cmd_context *ctx,
			     struct mail_user *user)
{
	struct retrieve_user_settings *uset;
	const struct retrieve_user_account *account;
	struct event *event;
	const char *error;
	bool found = FALSE;
	pool_t set_pool, pool;

	event = cmd_retrieve_event_create(user);
	/* _clean: the account settings hold passwords, zeroed on free */
	set_pool = pool_alloconly_create_clean("doveadm retrieve settings",
					       1024);
	if (retrieve_user_settings_read(user, set_pool, &uset, &error) < 0) {
		e_error(event, "Invalid settings of user %s: %s",
			user->username, error);
		doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_PERM);
		pool_unref(&set_pool);
		event_unref(&event);
		return -1;
	}

	pool = pool_alloconly_create("doveadm retrieve", 1024);
	array_foreach(&uset->accounts, account) {
		if (doveadm_is_killed())
			break;
		if (!cmd_retrieve_account_match(ctx->account, account))
			continue;
		found = TRUE;
		if (account->set == NULL) {
			/* the error names the account key and the field */
			e_error(event, "Malformed account of user %s: %s",
				user->username, account->error);
			doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_PERM);
		}
		T_BEGIN {
			ctx->account_func(ctx, user, &uset->global,
					  account->key, account->set,
					  account->error, pool);
		} T_END;
		p_clear(pool);
	}
	pool_unref(&pool);
	pool_unref(&set_pool);

	if (ctx->account != NULL && !found) {
		if (ctx->ctx.iterate_single_user) {
			e_error(event, "User %s has no account %s",
				user->username, ctx->account);
			doveadm_mail_failed_error(&ctx->ctx,
						  MAIL_ERROR_NOTFOUND);
		} else {
			/* with many users only "nobody has it" is an error */
			e_debug(event, "User %s has no account %s",
				user->username, ctx->account);
		}
	}
	ctx->account_found = ctx->account_found || found;
	event_unref(&event);
	return 0;
}

void cmd_retrieve_print_user(struct retrieve_cmd_context *ctx,
			     struct mail_user *user)
{
	if (ctx->print_user)
		doveadm_print(user->username);
}

static void cmd_retrieve_header_user(struct retrieve_cmd_context *ctx)
{
	/* With -A, -F or a wildcard -u doveadm already prints a sticky
	   username column (and doveadm-server clients add one); a second
	   one would only repeat it. */
	ctx->print_user = ctx->ctx.iterate_single_user &&
		!cmd_retrieve_username_column_printed(ctx);
	if (ctx->print_user)
		doveadm_print_header_simple("user");
}

void cmd_retrieve_header_num(const char *name)
{
	doveadm_print_header(name, name,
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
}

void cmd_retrieve_print_text(const char *text)
{
	string_t *str;
	size_t i;

	if (text == NULL) {
		doveadm_print("");
		return;
	}
	/* state files are the user's to edit: CR, LF, ESC, DEL never reach
	   the terminal or the tab/json output as they are */
	str = t_str_new(strlen(text) + 1);
	str_append(str, text);
	for (i = 0; i < str_len(str); i++) {
		if (str_data(str)[i] == 0x7f)
			buffer_write(str, i, "?", 1);
	}
	doveadm_print(str_sanitize(str_c(str), CMD_RETRIEVE_TEXT_MAX_LEN));
}

void cmd_retrieve_print_empty(unsigned int count)
{
	for (; count > 0; count--)
		doveadm_print("");
}

const char *cmd_retrieve_time(time_t t)
{
	const char *str = t_strflocaltime("%Y-%m-%dT%H:%M:%S%z", t);
	size_t len = strlen(str);

	/* strftime's +0100 -> +01:00 */
	if (len > 5 && (str[len-5] == '+' || str[len-5] == '-'))
		str = t_strdup_printf("%s:%s", t_strndup(str, len-2),
				      str + len-2);
	return str;
}

void cmd_retrieve_init_headers(struct retrieve_cmd_context *ctx)
{
	cmd_retrieve_header_user(ctx);
	doveadm_print_header_simple("account");
	ctx->print_header();
}

static int
cmd_retrieve_run(struct doveadm_mail_cmd_context *_ctx, struct mail_user *user)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	(void)cmd_retrieve_foreach_account(ctx, user);
	return _ctx->exit_code != 0 ? -1 : 0;
}

static void cmd_retrieve_deinit(struct doveadm_mail_cmd_context *_ctx)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	if (ctx->account != NULL && !ctx->account_found &&
	    !ctx->ctx.iterate_single_user && ctx->ctx.exit_code == 0) {
		i_error("retrieve: No user has account %s", ctx->account);
		doveadm_mail_failed_error(_ctx, MAIL_ERROR_NOTFOUND);
	}
}

struct retrieve_cmd_context *
cmd_retrieve_alloc(void (*print_header)(void),
		   retrieve_cmd_account_func_t *account_func)
{
	struct retrieve_cmd_context *ctx;

	ctx = doveadm_mail_cmd_alloc(struct retrieve_cmd_context);
	cmd_retrieve_options_init(ctx);
	ctx->ctx.v.run = cmd_retrieve_run;
	ctx->ctx.v.deinit = cmd_retrieve_deinit;
	ctx->print_header = print_header;
	ctx->account_func = account_func;
	doveadm_print_init(DOVEADM_PRINT_TYPE_TABLE);
	return ctx;
}

void doveadm_retrieve_plugin_init(struct module *module ATTR_UNUSED)
{
	unsigned int i;

	doveadm_retrieve_settings_register();

	for (i = 0; i < N_ELEMENTS(retrieve_commands); i++)
		doveadm_cmd_register_ver2(retrieve_commands[i]);
}

void doveadm_retrieve_plugin_deinit(void)
{
}
