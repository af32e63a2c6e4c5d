/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "strnum.h"
#include "time-util.h"
#include "module-dir.h"
#include "lda-settings.h"
#include "smtp-submit-settings.h"
#include "mail-user.h"
#include "mail-storage-service.h"
#include "doveadm-settings.h"
#include "doveadm-print.h"
#include "doveadm-mail.h"
#include "retrieve-settings.h"
#include "retrieve-state.h"
#include "retrieve-client.h"
#include "retrieve-deliver.h"
#include "retrieve-schedule.h"

const char *doveadm_retrieve_plugin_version = DOVECOT_ABI_VERSION;

void doveadm_retrieve_plugin_init(struct module *module);
void doveadm_retrieve_plugin_deinit(void);

struct retrieve_cmd_context {
	struct doveadm_mail_cmd_context ctx;

	/* -a: an account key ("retrieve2"), its number ("2") or its URL */
	const char *account;
	/* Some user had the -a account */
	bool account_found;
	/* FALSE when doveadm prints its own username column */
	bool print_user;
};

/* One configured account of a user: set is NULL when it is malformed,
   and then error says why. */
typedef void
retrieve_cmd_account_func_t(struct retrieve_cmd_context *ctx,
			    struct mail_user *user,
			    const struct retrieve_global_settings *global,
			    const char *key,
			    const struct retrieve_account_settings *set,
			    const char *error, pool_t pool);

static const char *cmd_retrieve_getenv(const char *name, void *context)
{
	struct mail_user *user = context;

	return mail_user_plugin_getenv(user, name);
}

static struct event *cmd_retrieve_event_create(struct mail_user *user)
{
	struct event *event = event_create(user->event);

	event_add_category(event, &event_category_retrieve);
	event_set_append_log_prefix(event, "retrieve: ");
	return event;
}

static bool
cmd_retrieve_account_match(const char *filter, unsigned int idx,
			   const char *key,
			   const struct retrieve_account_settings *set)
{
	unsigned int num;

	if (filter == NULL || strcmp(filter, key) == 0)
		return TRUE;
	if (str_to_uint(filter, &num) == 0 && num == idx)
		return TRUE;
	return set != NULL && strcmp(filter, set->url) == 0;
}

/* Calls func for each configured account of the user that -a selects.
   Returns -1 when the user's global retrieve_* settings are unusable. */
static int
cmd_retrieve_foreach_account(struct retrieve_cmd_context *ctx,
			     struct mail_user *user,
			     retrieve_cmd_account_func_t *func)
{
	struct retrieve_global_settings global;
	struct retrieve_account_settings *set;
	struct event *event;
	const char *state_dir, *key, *error;
	bool found = FALSE;
	unsigned int idx;
	pool_t pool;
	int ret = 0;

	event = cmd_retrieve_event_create(user);
	if (retrieve_global_settings_parse(cmd_retrieve_getenv, user,
					   &global, &error) < 0) {
		e_error(event, "Invalid settings of user %s: %s",
			user->username, error);
		doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_PERM);
		event_unref(&event);
		return -1;
	}
	/* the client uses state_dir as it is */
	state_dir = global.state_dir;
	if (mail_user_try_home_expand(user, &state_dir) < 0) {
		e_error(event, "retrieve_state_dir %s of user %s needs a home "
			"directory", global.state_dir, user->username);
		doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_PERM);
		event_unref(&event);
		return -1;
	}
	global.state_dir = state_dir;

	pool = pool_alloconly_create("doveadm retrieve", 1024);
	for (idx = 1; !doveadm_is_killed(); idx++) {
		ret = retrieve_account_settings_parse(pool, &global,
			cmd_retrieve_getenv, user, idx, &set, &error);
		if (ret == 0)
			break;
		key = retrieve_account_key(idx);
		if (!cmd_retrieve_account_match(ctx->account, idx, key, set))
			continue;
		found = TRUE;
		if (ret < 0) {
			/* the error names the account key and the field */
			e_error(event, "Malformed account of user %s: %s",
				user->username, error);
			doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_PERM);
		}
		T_BEGIN {
			func(ctx, user, &global, key, set, error, pool);
		} T_END;
		p_clear(pool);
	}
	pool_unref(&pool);

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

static void cmd_retrieve_print_user(struct retrieve_cmd_context *ctx,
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
		!ctx->ctx.add_username_header;
	if (ctx->print_user)
		doveadm_print_header_simple("user");
}

static const char *cmd_retrieve_bool(bool value)
{
	return value ? "yes" : "no";
}

/* "10m", "1h", "90s": the way the settings are written */
static const char *cmd_retrieve_interval(unsigned int secs)
{
	if (secs != 0 && secs % (24*3600) == 0)
		return t_strdup_printf("%ud", secs / (24*3600));
	if (secs != 0 && secs % 3600 == 0)
		return t_strdup_printf("%uh", secs / 3600);
	if (secs != 0 && secs % 60 == 0)
		return t_strdup_printf("%um", secs / 60);
	return t_strdup_printf("%us", secs);
}

/* "10M", "500k", "1234": the way the settings are written */
static const char *cmd_retrieve_size(uoff_t bytes)
{
	static const char units[] = { 'T', 'G', 'M', 'k' };
	uoff_t unit = 1ULL << 40;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(units); i++, unit >>= 10) {
		if (bytes != 0 && bytes % unit == 0) {
			return t_strdup_printf("%"PRIuUOFF_T"%c",
					       bytes / unit, units[i]);
		}
	}
	return dec2str(bytes);
}

static const char *cmd_retrieve_ssl_mode(enum retrieve_ssl_mode mode)
{
	switch (mode) {
	case RETRIEVE_SSL_MODE_IMPLICIT:
		return "yes";
	case RETRIEVE_SSL_MODE_STARTTLS:
		return "starttls";
	case RETRIEVE_SSL_MODE_NONE:
		return "no";
	}
	i_unreached();
}

/* ISO 8601 in local time: 2026-01-31T12:00:00+01:00 */
static const char *cmd_retrieve_time(time_t t)
{
	const char *str = t_strflocaltime("%Y-%m-%dT%H:%M:%S%z", t);
	size_t len = strlen(str);

	/* strftime's +0100 -> +01:00 */
	if (len > 5 && (str[len-5] == '+' || str[len-5] == '-'))
		str = t_strdup_printf("%s:%s", t_strndup(str, len-2),
				      str + len-2);
	return str;
}

static void
cmd_retrieve_init_noop(struct doveadm_mail_cmd_context *ctx ATTR_UNUSED,
		       const char *const args[] ATTR_UNUSED)
{
}

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

static struct retrieve_cmd_context *cmd_retrieve_alloc(void)
{
	struct retrieve_cmd_context *ctx;

	ctx = doveadm_mail_cmd_alloc(struct retrieve_cmd_context);
	ctx->ctx.getopt_args = "a:";
	ctx->ctx.v.parse_arg = cmd_retrieve_parse_arg;
	ctx->ctx.v.init = cmd_retrieve_init_noop;
	ctx->ctx.v.deinit = cmd_retrieve_deinit;
	doveadm_print_init(DOVEADM_PRINT_TYPE_TABLE);
	return ctx;
}

/* --- retrieve run --- */

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

static void cmd_retrieve_run_init(struct doveadm_mail_cmd_context *_ctx,
				  const char *const args[] ATTR_UNUSED)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	cmd_retrieve_header_user(ctx);
	doveadm_print_header_simple("account");
	/* empty on the account's row; IMAP adds a row per remote folder */
	doveadm_print_header_simple("folder");
	doveadm_print_header_simple("protocol");
	doveadm_print_header_simple("host");
	doveadm_print_header("messages", "messages",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header("bytes", "bytes",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header("skipped", "skipped",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header("deleted", "deleted",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	/* messages or folders that failed while the run went on */
	doveadm_print_header("errors", "errors",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
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
   "error" with the first error, or "vanished" (retrieved before, no longer
   on the remote). */
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
		doveadm_print("");
		doveadm_print("");
		doveadm_print_num(folder->errors);
		doveadm_print(folder->vanished ? "vanished" :
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
		doveadm_print(retrieve_result_code_name(
			RETRIEVE_RESULT_CONFIG_ERROR));
		doveadm_print(error);
		return;
	}

	/* logs a failure itself and records the outcome in the state */
	retrieve_client_run_sync(user, global, set, &result, pool);
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

static int
cmd_retrieve_run_run(struct doveadm_mail_cmd_context *_ctx,
		     struct mail_user *user)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	(void)cmd_retrieve_foreach_account(ctx, user,
					   cmd_retrieve_run_account);
	return _ctx->exit_code != 0 ? -1 : 0;
}

static struct doveadm_mail_cmd_context *cmd_retrieve_run_alloc(void)
{
	struct retrieve_cmd_context *ctx = cmd_retrieve_alloc();

	ctx->ctx.v.preinit = cmd_retrieve_run_preinit;
	ctx->ctx.v.init = cmd_retrieve_run_init;
	ctx->ctx.v.run = cmd_retrieve_run_run;
	return &ctx->ctx;
}

/* --- retrieve status --- */

static void cmd_retrieve_status_init(struct doveadm_mail_cmd_context *_ctx,
				     const char *const args[] ATTR_UNUSED)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	cmd_retrieve_header_user(ctx);
	doveadm_print_header_simple("account");
	doveadm_print_header_simple("last_run");
	doveadm_print_header_simple("result");
	doveadm_print_header("error", "error",
			     DOVEADM_PRINT_HEADER_FLAG_EXPAND);
	doveadm_print_header("last_messages", "last_messages",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header("total_messages", "total_messages",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header("total_bytes", "total_bytes",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header("runs", "runs",
			     DOVEADM_PRINT_HEADER_FLAG_RIGHT_JUSTIFY |
			     DOVEADM_PRINT_HEADER_FLAG_NUMBER);
	doveadm_print_header_simple("schedule");
	doveadm_print_header_simple("next_due");
	doveadm_print_header_simple("schedule_reason");
}

static void cmd_retrieve_print_empty(unsigned int count)
{
	for (; count > 0; count--)
		doveadm_print("");
}

/* The automatic service's view of the account: what it will do next */
static void
cmd_retrieve_status_schedule(const struct retrieve_global_settings *global,
			     const struct retrieve_account_settings *set)
{
	struct retrieve_schedule sched;
	const char *error;

	if (retrieve_schedule_get(global, set, &sched, &error) < 0) {
		doveadm_print("");
		doveadm_print("");
		doveadm_print(error);
		return;
	}
	doveadm_print(retrieve_schedule_state_name(sched.state));
	if (sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED ||
	    sched.state == RETRIEVE_SCHEDULE_STATE_MANUAL)
		doveadm_print("");
	else if (sched.next_due <= ioloop_time)
		doveadm_print("now");
	else
		doveadm_print(cmd_retrieve_time(sched.next_due));
	doveadm_print(sched.reason != NULL ? sched.reason : "");
}

static void
cmd_retrieve_status_account(struct retrieve_cmd_context *ctx,
			    struct mail_user *user,
			    const struct retrieve_global_settings *global,
			    const char *key,
			    const struct retrieve_account_settings *set,
			    const char *error, pool_t pool)
{
	struct retrieve_state_status status;
	struct event *event;
	int ret;

	cmd_retrieve_print_user(ctx, user);
	doveadm_print(key);
	if (set == NULL) {
		doveadm_print("");
		doveadm_print(retrieve_result_code_name(
			RETRIEVE_RESULT_CONFIG_ERROR));
		doveadm_print(error);
		cmd_retrieve_print_empty(7);
		return;
	}

	ret = retrieve_state_read_status(global->state_dir,
					 retrieve_account_identity(set),
					 pool, &status, &error);
	if (ret < 0) {
		event = cmd_retrieve_event_create(user);
		e_error(event, "Couldn't read the state of account %s of "
			"user %s: %s", key, user->username, error);
		event_unref(&event);
		doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_TEMP);
		doveadm_print("");
		doveadm_print("");
		doveadm_print(t_strdup_printf("Couldn't read state: %s",
					      error));
		cmd_retrieve_print_empty(7);
		return;
	}
	if (ret == 0 || status.last_run == 0) {
		doveadm_print("never");
		doveadm_print("");
		doveadm_print("");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
	} else {
		doveadm_print(cmd_retrieve_time(status.last_run));
		doveadm_print(retrieve_result_code_name(status.last_result));
		doveadm_print(status.last_error != NULL ?
			      status.last_error : "");
		doveadm_print_num(status.last_messages);
		doveadm_print_num(status.total_messages);
		doveadm_print_num(status.total_bytes);
		doveadm_print_num(status.runs);
	}
	cmd_retrieve_status_schedule(global, set);
}

static int
cmd_retrieve_status_run(struct doveadm_mail_cmd_context *_ctx,
			struct mail_user *user)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	(void)cmd_retrieve_foreach_account(ctx, user,
					   cmd_retrieve_status_account);
	return _ctx->exit_code != 0 ? -1 : 0;
}

static struct doveadm_mail_cmd_context *cmd_retrieve_status_alloc(void)
{
	struct retrieve_cmd_context *ctx = cmd_retrieve_alloc();

	ctx->ctx.v.init = cmd_retrieve_status_init;
	ctx->ctx.v.run = cmd_retrieve_status_run;
	return &ctx->ctx;
}

/* --- retrieve list --- */

static void cmd_retrieve_list_init(struct doveadm_mail_cmd_context *_ctx,
				   const char *const args[] ATTR_UNUSED)
{
	static const char *const columns[] = {
		"account", "url", "protocol", "host", "port", "username",
		"password", "folder", "interval", "ssl", "ssl_verify",
		"apop", "keep", "filter", "max_size",
	};
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);
	unsigned int i;

	cmd_retrieve_header_user(ctx);
	for (i = 0; i < N_ELEMENTS(columns); i++)
		doveadm_print_header_simple(columns[i]);
}

static void
cmd_retrieve_list_account(struct retrieve_cmd_context *ctx,
			  struct mail_user *user,
			  const struct retrieve_global_settings *global
				ATTR_UNUSED,
			  const char *key,
			  const struct retrieve_account_settings *set,
			  const char *error ATTR_UNUSED,
			  pool_t pool ATTR_UNUSED)
{
	cmd_retrieve_print_user(ctx, user);
	doveadm_print(key);
	if (set == NULL) {
		/* nothing of it is trustworthy, not even the URL (it may
		   carry a password); the error went to the log */
		cmd_retrieve_print_empty(14);
		return;
	}
	doveadm_print(set->url);
	doveadm_print(retrieve_protocol_name(set->protocol));
	doveadm_print(set->host);
	doveadm_print_num(set->port);
	doveadm_print(set->username);
	doveadm_print(set->password == NULL || set->password[0] == '\0' ?
		      "" : "<hidden>");
	doveadm_print(set->folder);
	doveadm_print(set->interval_manual ? "manual" :
		      cmd_retrieve_interval(set->interval_secs));
	doveadm_print(cmd_retrieve_ssl_mode(set->ssl_mode));
	doveadm_print(cmd_retrieve_bool(set->ssl_verify));
	doveadm_print(cmd_retrieve_bool(set->apop));
	doveadm_print(cmd_retrieve_bool(set->keep));
	doveadm_print(cmd_retrieve_bool(set->filter));
	doveadm_print(cmd_retrieve_size(set->max_size));
}

static int
cmd_retrieve_list_run(struct doveadm_mail_cmd_context *_ctx,
		      struct mail_user *user)
{
	struct retrieve_cmd_context *ctx =
		container_of(_ctx, struct retrieve_cmd_context, ctx);

	(void)cmd_retrieve_foreach_account(ctx, user,
					   cmd_retrieve_list_account);
	return _ctx->exit_code != 0 ? -1 : 0;
}

static struct doveadm_mail_cmd_context *cmd_retrieve_list_alloc(void)
{
	struct retrieve_cmd_context *ctx = cmd_retrieve_alloc();

	ctx->ctx.v.init = cmd_retrieve_list_init;
	ctx->ctx.v.run = cmd_retrieve_list_run;
	return &ctx->ctx;
}

static struct doveadm_cmd_ver2 retrieve_commands[] = {
	{
		.name = "retrieve run",
		.usage = DOVEADM_CMD_MAIL_USAGE_PREFIX"[-a <account>]",
		.mail_cmd = cmd_retrieve_run_alloc,
DOVEADM_CMD_PARAMS_START
DOVEADM_CMD_MAIL_COMMON
DOVEADM_CMD_PARAM('a', "account", CMD_PARAM_STR, 0)
DOVEADM_CMD_PARAMS_END
	},
	{
		.name = "retrieve status",
		.usage = DOVEADM_CMD_MAIL_USAGE_PREFIX"[-a <account>]",
		.mail_cmd = cmd_retrieve_status_alloc,
DOVEADM_CMD_PARAMS_START
DOVEADM_CMD_MAIL_COMMON
DOVEADM_CMD_PARAM('a', "account", CMD_PARAM_STR, 0)
DOVEADM_CMD_PARAMS_END
	},
	{
		.name = "retrieve list",
		.usage = DOVEADM_CMD_MAIL_USAGE_PREFIX"[-a <account>]",
		.mail_cmd = cmd_retrieve_list_alloc,
DOVEADM_CMD_PARAMS_START
DOVEADM_CMD_MAIL_COMMON
DOVEADM_CMD_PARAM('a', "account", CMD_PARAM_STR, 0)
DOVEADM_CMD_PARAMS_END
	},
};

void doveadm_retrieve_plugin_init(struct module *module ATTR_UNUSED)
{
	unsigned int i;

	/* Makes doveadm read lib-lda's settings (global and protocol
	   doveadm values), so that delivery uses the admin's
	   submission_host, sendmail_path etc. This works only when we are
	   loaded before doveadm reads its settings, which is the normal
	   case; otherwise delivery falls back to the defaults. */
	doveadm_setting_roots_add(&lda_setting_parser_info);
	doveadm_setting_roots_add(&smtp_submit_setting_parser_info);

	for (i = 0; i < N_ELEMENTS(retrieve_commands); i++)
		doveadm_cmd_register_ver2(&retrieve_commands[i]);
}

void doveadm_retrieve_plugin_deinit(void)
{
}
