/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "sort.h"
#include "mail-user.h"
#include "doveadm-print.h"
#include "retrieve-settings.h"
#include "retrieve-state.h"
#include "retrieve-client.h"
#include "retrieve-schedule.h"
#include "retrieve-imap-folders.h"
#include "doveadm-retrieve.h"

static void cmd_retrieve_status_header(void)
{
	/* empty on the account's row; IMAP adds a row per remote folder */
	doveadm_print_header_simple("folder");
	doveadm_print_header_simple("last_run");
	doveadm_print_header_simple("result");
	doveadm_print_header("error", "error",
			     DOVEADM_PRINT_HEADER_FLAG_EXPAND);
	cmd_retrieve_header_num("last_messages");
	cmd_retrieve_header_num("total_messages");
	cmd_retrieve_header_num("total_bytes");
	cmd_retrieve_header_num("runs");
	/* marked as spam by retrieve_spam_scanner: the last run, all runs */
	cmd_retrieve_header_num("last_spam");
	cmd_retrieve_header_num("total_spam");
	doveadm_print_header_simple("schedule");
	doveadm_print_header_simple("next_due");
	doveadm_print_header_simple("schedule_reason");
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

static int
cmd_retrieve_folder_status_cmp(const struct retrieve_state_folder_status *f1,
			       const struct retrieve_state_folder_status *f2)
{
	bool inbox1 = retrieve_imap_folder_is_inbox(f1->name);
	bool inbox2 = retrieve_imap_folder_is_inbox(f2->name);

	if (inbox1 != inbox2)
		return inbox1 ? -1 : 1;
	return strcmp(f1->name, f2->name);
}

/* One row per remote folder, INBOX first, as "retrieve run" prints them:
   its last run, that run's result ("ok" or "error" with the first error;
   "absent" while the remote's folder list lacks it),
   messages and the folder's totals. The account's runs and schedule stay
   empty. */
static void
cmd_retrieve_status_folders(struct retrieve_cmd_context *ctx,
			    struct mail_user *user, const char *key,
			    const struct retrieve_state_folder_status *folders,
			    unsigned int count)
{
	struct retrieve_state_folder_status *sorted;
	const struct retrieve_state_folder_status *folder;
	unsigned int i;

	if (count == 0)
		return;
	sorted = t_new(struct retrieve_state_folder_status, count);
	memcpy(sorted, folders, sizeof(*folders) * count);
	i_qsort(sorted, count, sizeof(*sorted),
		cmd_retrieve_folder_status_cmp);

	for (i = 0; i < count; i++) {
		folder = &sorted[i];
		/* "" is the POP3 maildrop, never an IMAP folder */
		if (folder->name[0] == '\0')
			continue;
		cmd_retrieve_print_user(ctx, user);
		doveadm_print(key);
		cmd_retrieve_print_text(retrieve_imap_folder_display(folder->name));
		if (folder->absent_since != 0) {
			/* kept until a later run's folder list lacks it too */
			doveadm_print(folder->last_run == 0 ? "never" :
				      cmd_retrieve_time(folder->last_run));
			doveadm_print("absent");
		} else if (folder->last_run == 0) {
			/* state from before per-folder statistics */
			doveadm_print("never");
			doveadm_print("");
		} else {
			doveadm_print(cmd_retrieve_time(folder->last_run));
			doveadm_print(folder->last_errors == 0 ?
				      "ok" : "error");
		}
		if (folder->absent_since != 0) {
			doveadm_print(t_strconcat("Missing from the remote's "
				"folder list since ",
				cmd_retrieve_time(folder->absent_since), NULL));
		} else {
			cmd_retrieve_print_text(folder->last_error);
		}
		doveadm_print_num(folder->last_messages);
		doveadm_print_num(folder->total_messages);
		doveadm_print_num(folder->total_bytes);
		/* runs and the spam counts are numeric (json wants a
		   number), the rest text */
		doveadm_print("0");
		doveadm_print("0");
		doveadm_print("0");
		cmd_retrieve_print_empty(3);
	}
}

/* The columns after error when the account or its state is unusable:
   numeric ones must get a number (json asserts it), the rest "" */
static void cmd_retrieve_status_print_unknown(void)
{
	unsigned int i;

	for (i = 0; i < 6; i++)
		doveadm_print("0");
	cmd_retrieve_print_empty(3);
}

static void
cmd_retrieve_status_account(struct retrieve_cmd_context *ctx,
			    struct mail_user *user,
			    const struct retrieve_global_settings *global,
			    const char *key,
			    const struct retrieve_account_settings *set,
			    const char *error, pool_t pool)
{
	const struct retrieve_state_folder_status *folders = NULL;
	struct retrieve_state_status status;
	struct event *event;
	unsigned int folders_count = 0;
	int ret;

	cmd_retrieve_print_user(ctx, user);
	doveadm_print(key);
	doveadm_print("");
	if (set == NULL) {
		doveadm_print("");
		doveadm_print(retrieve_result_code_name(
			RETRIEVE_RESULT_CONFIG_ERROR));
		doveadm_print(error);
		cmd_retrieve_status_print_unknown();
		return;
	}

	if (set->protocol == RETRIEVE_PROTOCOL_IMAP) {
		ret = retrieve_state_read_folders(global->state_dir,
			retrieve_account_identity(set), pool, &status,
			&folders, &folders_count, &error);
	} else {
		/* POP3 has one maildrop: the account's row says it all */
		ret = retrieve_state_read_status(global->state_dir,
			retrieve_account_identity(set), pool, &status, &error);
	}
	if (ret < 0) {
		event = cmd_retrieve_event_create(user);
		e_error(event, "Couldn't read the state of account %s of "
			"user %s: %s", key, user->username, error);
		event_unref(&event);
		doveadm_mail_failed_error(&ctx->ctx, MAIL_ERROR_TEMP);
		doveadm_print("");
		doveadm_print("");
		cmd_retrieve_print_text(t_strdup_printf("Couldn't read state: %s",
					      error));
		cmd_retrieve_status_print_unknown();
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
		doveadm_print("0");
		doveadm_print("0");
	} else {
		doveadm_print(cmd_retrieve_time(status.last_run));
		doveadm_print(retrieve_result_code_name(status.last_result));
		cmd_retrieve_print_text(status.last_error);
		doveadm_print_num(status.last_messages);
		doveadm_print_num(status.total_messages);
		doveadm_print_num(status.total_bytes);
		doveadm_print_num(status.runs);
		doveadm_print_num(status.last_spam);
		doveadm_print_num(status.total_spam);
	}
	cmd_retrieve_status_schedule(global, set);
	cmd_retrieve_status_folders(ctx, user, key, folders, folders_count);
}

static struct doveadm_mail_cmd_context *cmd_retrieve_status_alloc(void)
{
	return &cmd_retrieve_alloc(cmd_retrieve_status_header,
				   cmd_retrieve_status_account)->ctx;
}

struct doveadm_cmd_ver2 doveadm_cmd_retrieve_status_ver2 = {
	.name = "retrieve status",
	.mail_cmd = cmd_retrieve_status_alloc,
	DOVEADM_CMD_RETRIEVE_PARAMS
};
