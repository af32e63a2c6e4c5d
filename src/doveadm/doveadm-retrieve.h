#ifndef DOVEADM_RETRIEVE_H
#define DOVEADM_RETRIEVE_H

#include "doveadm-mail.h"

struct retrieve_global_settings;
struct retrieve_account_settings;

struct retrieve_cmd_context;

/* One configured account of a user: set is NULL when it is malformed,
   and then error says why. */
typedef void
retrieve_cmd_account_func_t(struct retrieve_cmd_context *ctx,
			    struct mail_user *user,
			    const struct retrieve_global_settings *global,
			    const char *key,
			    const struct retrieve_account_settings *set,
			    const char *error, pool_t pool);

/* What the retrieve run|status|list commands share */
struct retrieve_cmd_context {
	struct doveadm_mail_cmd_context ctx;

	/* -a: an account key ("retrieve2"), its number ("2") or its URL */
	const char *account;
	/* Some user had the -a account */
	bool account_found;
	/* FALSE when doveadm prints its own username column */
	bool print_user;

	/* the command's columns and rows */
	void (*print_header)(void);
	retrieve_cmd_account_func_t *account_func;
};

/* Every retrieve command takes the mail command options and -a */
#define DOVEADM_CMD_RETRIEVE_PARAMS \
	.usage = DOVEADM_CMD_MAIL_USAGE_PREFIX"[-a <account>]", \
DOVEADM_CMD_PARAMS_START \
DOVEADM_CMD_MAIL_COMMON \
DOVEADM_CMD_PARAM('a', "account", CMD_PARAM_STR, 0) \
DOVEADM_CMD_PARAMS_END

extern struct doveadm_cmd_ver2 doveadm_cmd_retrieve_run_ver2;
extern struct doveadm_cmd_ver2 doveadm_cmd_retrieve_status_ver2;
extern struct doveadm_cmd_ver2 doveadm_cmd_retrieve_list_ver2;

/* A command context with -a parsing and the table printer:
   print_header adds the columns after user and account, account_func
   prints a selected account's rows. */
struct retrieve_cmd_context *
cmd_retrieve_alloc(void (*print_header)(void),
		   retrieve_cmd_account_func_t *account_func);

/* The "retrieve" event of a user, for the commands' own log lines */
struct event *cmd_retrieve_event_create(struct mail_user *user);

/* The user column of a row, when the command prints one */
void cmd_retrieve_print_user(struct retrieve_cmd_context *ctx,
			     struct mail_user *user);
/* A right-justified number column */
void cmd_retrieve_header_num(const char *name);
/* Text from the state or the remote, sanitised (control characters
   replaced, at most CMD_RETRIEVE_TEXT_MAX_LEN bytes); NULL prints "" */
#define CMD_RETRIEVE_TEXT_MAX_LEN 1024
void cmd_retrieve_print_text(const char *text);
/* count empty columns */
void cmd_retrieve_print_empty(unsigned int count);

/* The columns every command starts with (its init) */
void cmd_retrieve_init_headers(struct retrieve_cmd_context *ctx);

/* What differs per Dovecot version (dovecot-2.x/doveadm-retrieve-cmd.c):
   -a's parsing and init (getopt in 2.3, named parameters in 2.4), */
void cmd_retrieve_options_init(struct retrieve_cmd_context *ctx);
/* whether doveadm prints its own username column although a single user
   is iterated (2.3: -F and doveadm-server clients), */
bool cmd_retrieve_username_column_printed(struct retrieve_cmd_context *ctx);
/* the settings doveadm must know for delivery (lib-lda's), */
void doveadm_retrieve_settings_register(void);
/* and how SIGTERM/SIGINT end a run (2.3's master service stops the
   running ioloop itself, 2.4's calls a killed callback). */
struct retrieve_global_settings;
struct retrieve_account_settings;
struct retrieve_result;
void cmd_retrieve_run_sync(struct mail_user *user,
			   const struct retrieve_global_settings *global,
			   const struct retrieve_account_settings *set,
			   struct retrieve_result *result_r, pool_t pool);

/* ISO 8601 in local time: 2026-01-31T12:00:00+01:00 */
const char *cmd_retrieve_time(time_t t);

#endif
