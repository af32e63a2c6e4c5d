/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "net.h"
#include "write-full.h"
#include "strescape.h"
#include "module-context.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "retrieve-user.h"
#include "retrieve-client.h"
#include "retrieve-service-protocol.h"
#include "retrieve-plugin.h"

struct retrieve_user {
	union mail_user_module_context module_ctx;

	/* NULL when the global settings are malformed */
	struct retrieve_user_settings *set;
};

const char *retrieve_plugin_version = DOVECOT_ABI_VERSION;

static MODULE_CONTEXT_DEFINE_INIT(retrieve_user_module,
				  &mail_user_module_register);

static void
retrieve_plugin_user_load(struct mail_user *user, struct retrieve_user *ruser,
			  struct event *event)
{
	const struct retrieve_user_account *account;
	const char *error;
	unsigned int valid_count = 0;
	bool login;

	if (retrieve_user_settings_read(user, user->pool, &ruser->set,
					&error) < 0) {
		e_error(event, "Retrieval disabled for user %s: %s",
			user->username, error);
		ruser->set = NULL;
		return;
	}
	/* Reported at the user's logins; doveadm and the service report
	   it with their own result, and LMTP would repeat it for every
	   delivery. */
	login = strcmp(user->service, "imap") == 0 ||
		strcmp(user->service, "pop3") == 0;
	array_foreach(&ruser->set->accounts, account) {
		if (account->set != NULL)
			valid_count++;
		else if (login) {
			e_error(event, "Ignoring malformed account of user "
				"%s: %s", user->username, account->error);
		} else {
			e_debug(event, "Ignoring malformed account: %s",
				account->error);
		}
	}
	e_debug(event, "%u retrieval account(s) configured",
		valid_count);
}

/* Tells the automatic retrieval service (when it runs) that a user with
   scheduled accounts logged in: it learns the accounts at once and runs
   the nearly due ones. Never waits: a missing or busy service only means
   the next scan or interval does it. */
static void
retrieve_user_notify_login(struct mail_user *user, struct retrieve_user *ruser,
			   struct event *event)
{
	const struct retrieve_user_account *account;
	const char *path, *line;
	bool scheduled = FALSE;
	int fd;

	if (strcmp(user->service, "imap") != 0 &&
	    strcmp(user->service, "pop3") != 0)
		return;
	array_foreach(&ruser->set->accounts, account) {
		if (account->set != NULL && !account->set->interval_manual)
			scheduled = TRUE;
	}
	if (!scheduled)
		return;

	path = t_strconcat(user->set->base_dir, "/",
			   RETRIEVE_SCHEDULER_SOCKET_NAME, NULL);
	fd = net_connect_unix(path);
	if (fd == -1) {
		e_debug(event, "No login notification: "
			"net_connect_unix(%s) failed: %m", path);
		return;
	}
	line = t_strdup_printf(RETRIEVE_CLIENT_HANDSHAKE_FMT"%s\t%s\n",
			       RETRIEVE_CLIENT_PROTOCOL_NAME,
			       RETRIEVE_PROTOCOL_MAJOR_VERSION,
			       RETRIEVE_PROTOCOL_MINOR_VERSION,
			       RETRIEVE_CLIENT_CMD_LOGIN,
			       str_tabescape(user->username));
	/* a fresh socket's buffer takes these few bytes at once */
	if (write_full(fd, line, strlen(line)) < 0 && errno != EAGAIN)
		e_debug(event, "No login notification: write(%s) failed: %m",
			path);
	i_close_fd(&fd);
}

static void retrieve_mail_user_created(struct mail_user *user)
{
	struct retrieve_user *ruser;
	struct event *event;

	/* raw users and shared-namespace owners aren't logins */
	if (user->autocreated)
		return;

	ruser = p_new(user->pool, struct retrieve_user, 1);
	MODULE_CONTEXT_SET(user, retrieve_user_module, ruser);

	event = event_create(user->event);
	event_add_category(event, &event_category_retrieve);
	event_set_append_log_prefix(event, "retrieve: ");
	T_BEGIN {
		retrieve_plugin_user_load(user, ruser, event);
		if (ruser->set != NULL)
			retrieve_user_notify_login(user, ruser, event);
	} T_END;
	event_unref(&event);
}

static struct mail_storage_hooks retrieve_mail_storage_hooks = {
	.mail_user_created = retrieve_mail_user_created,
};

void retrieve_plugin_init(struct module *module)
{
	mail_storage_hooks_add(module, &retrieve_mail_storage_hooks);
}

void retrieve_plugin_deinit(void)
{
	mail_storage_hooks_remove(&retrieve_mail_storage_hooks);
}
