/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strescape.h"
#include "ioloop.h"
#include "mail-user.h"
#include "retrieve-client.h"
#include "retrieve-user.h"
#include "retrieve-schedule.h"
#include "retrieve-worker-report.h"

int retrieve_worker_user_init(struct mail_user *user, pool_t pool,
			      struct retrieve_worker_user *wuser_r,
			      const char **error_r)
{
	struct retrieve_user_settings *uset;
	const struct retrieve_user_account *account;

	i_zero(wuser_r);
	wuser_r->user = user;
	p_array_init(&wuser_r->accounts, pool, 4);
	if (retrieve_user_settings_read(user, pool, &uset, error_r) < 0)
		return -1;
	wuser_r->global = uset->global;
	array_foreach(&uset->accounts, account) {
		if (account->set == NULL) {
			/* not scheduled; doveadm retrieve run reports it */
			e_debug(user->event, "retrieve: Not scheduling "
				"malformed account: %s", account->error);
			continue;
		}
		array_push_back(&wuser_r->accounts, &account->set);
	}
	return 0;
}

const struct retrieve_account_settings *
retrieve_worker_user_find(const struct retrieve_worker_user *wuser,
			  const char *key)
{
	const struct retrieve_account_settings *set;

	array_foreach_elem(&wuser->accounts, set) {
		if (strcmp(set->name, key) == 0)
			return set;
	}
	return NULL;
}

static void
retrieve_worker_pause(struct retrieve_worker_user *wuser,
		      const struct retrieve_account_settings *set, bool reauth)
{
	const char *error;

	if (retrieve_state_pause_write(&wuser->global, set, &error) < 0) {
		e_error(wuser->user->event, "retrieve(%s): %s",
			set->name, error);
		return;
	}
	if (reauth) {
		e_warning(wuser->user->event, "retrieve(%s): Paused: the "
			  "OAuth2 refresh token was refused, the account "
			  "must be re-authorised (a new oauth2_refresh_token)",
			  set->name);
		return;
	}
	e_warning(wuser->user->event, "retrieve(%s): Paused after %u "
		  "authentication failures: not retrieved automatically "
		  "until its settings change or it is run by hand",
		  set->name, RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES);
}

static void
retrieve_worker_report_account(struct retrieve_worker_user *wuser,
			       const struct retrieve_account_settings *set,
			       bool login, string_t *str)
{
	struct retrieve_schedule sched;
	enum retrieve_state_pause_marker marker;
	const char *error;
	time_t next_due;
	bool login_due;

	if (set->interval_manual)
		return;
	if (retrieve_schedule_get(&wuser->global, set, &sched, &error) < 0) {
		/* the run would fail the same way; don't hammer it */
		e_error(wuser->user->event, "retrieve(%s): %s",
			set->name, error);
		sched.next_due = ioloop_time + set->interval_secs;
	}
	if (sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED) {
		/* failures recorded by doveadm runs leave no marker yet */
		if (retrieve_state_pause_read(&wuser->global, set, &marker,
					      &error) < 0) {
			e_error(wuser->user->event, "retrieve(%s): %s",
				set->name, error);
		} else if (marker == RETRIEVE_STATE_PAUSE_MARKER_NONE) {
			retrieve_worker_pause(wuser, set, sched.reauth);
		}
		return;
	}
	next_due = sched.next_due;
	login_due = login && wuser->global.on_login &&
		retrieve_schedule_login_due(&sched, set->interval_secs,
					    ioloop_time);

	str_append(str, "ACCOUNT\t");
	str_append_tabescaped(str, wuser->user->username);
	str_append_c(str, '\t');
	str_append_tabescaped(str, set->name);
	str_append_c(str, '\t');
	str_append_tabescaped(str, set->host);
	str_printfa(str, "\t%ld\t%d\n", (long)next_due, login_due ? 1 : 0);
}

void retrieve_worker_report_user(struct retrieve_worker_user *wuser,
				 bool login, string_t *str)
{
	const struct retrieve_account_settings *set;

	str_append(str, "USER\t");
	str_append_tabescaped(str, wuser->user->username);
	str_append_c(str, '\n');
	array_foreach_elem(&wuser->accounts, set) T_BEGIN {
		retrieve_worker_report_account(wuser, set, login, str);
	} T_END;
	str_append(str, "USEREND\t");
	str_append_tabescaped(str, wuser->user->username);
	str_append_c(str, '\n');
}

void retrieve_worker_report_empty(const char *username, string_t *str)
{
	str_append(str, "USER\t");
	str_append_tabescaped(str, username);
	str_append(str, "\nUSEREND\t");
	str_append_tabescaped(str, username);
	str_append_c(str, '\n');
}

void retrieve_worker_after_run(struct retrieve_worker_user *wuser,
			       const struct retrieve_account_settings *set,
			       enum retrieve_result_code result)
{
	struct retrieve_state_status status;
	const char *error;
	pool_t pool;
	int ret;

	if (result == RETRIEVE_RESULT_OK) {
		if (retrieve_state_pause_remove(&wuser->global, set,
						&error) < 0)
			e_error(wuser->user->event, "retrieve(%s): %s",
				set->name, error);
		return;
	}
	if (result != RETRIEVE_RESULT_AUTH_FAILED)
		return;

	/* whatever settings the old marker was for, these failed too */
	pool = pool_alloconly_create("retrieve status", 512);
	ret = retrieve_state_read_status(wuser->global.state_dir,
					 retrieve_account_identity(set),
					 pool, &status, &error);
	if (ret < 0) {
		e_error(wuser->user->event, "retrieve(%s): %s",
			set->name, error);
	} else if (ret > 0 && retrieve_schedule_status_pauses(&status)) {
		retrieve_worker_pause(wuser, set,
			retrieve_schedule_status_needs_reauth(&status));
	}
	pool_unref(&pool);
}
