/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "net.h"
#include "write-full.h"
#include "strescape.h"
#include "module-context.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"
#include "retrieve-settings.h"
#include "retrieve-client.h"
#include "retrieve-service-protocol.h"
#include "retrieve-plugin.h"

struct retrieve_user {
	union mail_user_module_context module_ctx;

	/* FALSE when the global settings are malformed */
	bool settings_valid;
	struct retrieve_global_settings global;
	ARRAY(const struct retrieve_account_settings *) accounts;
};

const char *retrieve_plugin_version = DOVECOT_ABI_VERSION;

static MODULE_CONTEXT_DEFINE_INIT(retrieve_user_module,
				  &mail_user_module_register);

static const char *retrieve_user_getenv(const char *name, void *context)
{
	struct mail_user *user = context;

	return mail_user_plugin_getenv(user, name);
}

static void
retrieve_user_settings_read(struct mail_user *user,
			    struct retrieve_user *ruser, struct event *event)
{
	struct retrieve_account_settings *set;
	const struct retrieve_account_settings *const_set;
	const char *state_dir, *error;
	unsigned int idx;
	int ret;

	if (retrieve_global_settings_read(user, &ruser->global, &error) < 0) {
		e_error(event, "Retrieval disabled for user %s: %s",
			user->username, error);
		return;
	}
	state_dir = ruser->global.state_dir;
	if (mail_user_try_home_expand(user, &state_dir) < 0) {
		e_error(event, "Retrieval disabled for user %s: "
			"retrieve_state_dir %s needs a home directory",
			user->username, ruser->global.state_dir);
		return;
	}
	ruser->global.state_dir = p_strdup(user->pool, state_dir);
	ruser->settings_valid = TRUE;

	/* Each account stands alone: one malformed account must not stop
	   the others. */
	for (idx = 1;; idx++) {
		ret = retrieve_account_settings_parse(user->pool,
			&ruser->global, retrieve_user_getenv, user, idx,
			&set, &error);
		if (ret == 0)
			break;
		if (ret < 0) {
			/* the error names the account key and the field.
			   Reported at the user's logins; doveadm and the
			   service report it with their own result, and LMTP
			   would repeat it for every delivery. */
			if (strcmp(user->service, "imap") == 0 ||
			    strcmp(user->service, "pop3") == 0) {
				e_error(event, "Ignoring malformed account "
					"of user %s: %s", user->username,
					error);
			} else {
				e_debug(event, "Ignoring malformed account: "
					"%s", error);
			}
			continue;
		}
		const_set = set;
		array_push_back(&ruser->accounts, &const_set);
	}
	e_debug(event, "%u retrieval account(s) configured",
		array_count(&ruser->accounts));
}

/* Tells the automatic retrieval service (when it runs) that a user with
   scheduled accounts logged in: it learns the accounts at once and runs
   the nearly due ones. Never waits: a missing or busy service only means
   the next scan or interval does it. */
static void
retrieve_user_notify_login(struct mail_user *user, struct retrieve_user *ruser,
			   struct event *event)
{
	const struct retrieve_account_settings *set;
	const char *path, *line;
	bool scheduled = FALSE;
	int fd;

	if (strcmp(user->service, "imap") != 0 &&
	    strcmp(user->service, "pop3") != 0)
		return;
	array_foreach_elem(&ruser->accounts, set)
		scheduled = scheduled || !set->interval_manual;
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
	p_array_init(&ruser->accounts, user->pool, 4);
	MODULE_CONTEXT_SET(user, retrieve_user_module, ruser);

	event = event_create(user->event);
	event_add_category(event, &event_category_retrieve);
	event_set_append_log_prefix(event, "retrieve: ");
	T_BEGIN {
		retrieve_user_settings_read(user, ruser, event);
		if (ruser->settings_valid)
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
