/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "retrieve-settings.h"
#include "retrieve-schedule.h"

static unsigned int
retrieve_schedule_grow(unsigned int base, unsigned int doublings,
		       unsigned int max)
{
	unsigned int secs = base;

	/* the interval is the floor even when it is above the cap */
	if (max < base)
		max = base;
	while (doublings > 0 && secs < max) {
		secs = secs > max / 2 ? max : secs * 2;
		doublings--;
	}
	return secs < max ? secs : max;
}

static bool
retrieve_schedule_resp_code_is(const struct retrieve_state_status *status,
			       const char *code)
{
	return status->last_resp_code != NULL &&
		strcasecmp(status->last_resp_code, code) == 0;
}

bool
retrieve_schedule_status_pauses(const struct retrieve_state_status *status)
{
	return status->last_result == RETRIEVE_RESULT_AUTH_FAILED &&
		(status->consecutive_failures >=
		 RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES ||
		 retrieve_schedule_status_needs_reauth(status));
}

bool
retrieve_schedule_status_needs_reauth(const struct retrieve_state_status *status)
{
	/* a revoked refresh token fails the same way every time */
	return status->last_result == RETRIEVE_RESULT_AUTH_FAILED &&
		retrieve_schedule_resp_code_is(status,
			RETRIEVE_RESP_CODE_OAUTH2_REAUTH);
}

/* How long a [LOGIN-DELAY] refusal waits: what the server announced in
   CAPA (bounded), or a typical delay when it announced none */
static unsigned int
retrieve_schedule_login_delay(const struct retrieve_state_status *status)
{
	if (status->login_delay_secs == 0)
		return RETRIEVE_SCHEDULE_LOGIN_DELAY_SECS;
	return I_MIN(status->login_delay_secs,
		     RETRIEVE_SCHEDULE_MAX_LOGIN_DELAY_SECS);
}

void retrieve_schedule_calc(bool interval_manual, unsigned int interval_secs,
			    const struct retrieve_state_status *status,
			    enum retrieve_state_pause_marker marker,
			    struct retrieve_schedule *sched_r)
{
	unsigned int failures;

	i_zero(sched_r);
	if (interval_manual) {
		sched_r->state = RETRIEVE_SCHEDULE_STATE_MANUAL;
		return;
	}
	if (interval_secs == 0)
		interval_secs = 1;
	if (status == NULL || status->last_run == 0) {
		/* never ran: due now */
		return;
	}
	failures = status->consecutive_failures;
	if (status->last_result == RETRIEVE_RESULT_OK || failures == 0) {
		sched_r->next_due = status->last_run + interval_secs;
		return;
	}

	sched_r->state = RETRIEVE_SCHEDULE_STATE_BACKOFF;
	if (status->last_result == RETRIEVE_RESULT_AUTH_FAILED) {
		if (retrieve_schedule_status_pauses(status)) {
			if (marker == RETRIEVE_STATE_PAUSE_MARKER_CHANGED) {
				/* one try with the new settings */
				sched_r->state =
					RETRIEVE_SCHEDULE_STATE_SCHEDULED;
				sched_r->reason =
					"settings changed since the pause";
				return;
			}
			sched_r->state = RETRIEVE_SCHEDULE_STATE_PAUSED;
			sched_r->reauth =
				retrieve_schedule_status_needs_reauth(status);
			sched_r->reason = sched_r->reauth ?
				"OAuth2 refresh token refused: the account "
				"must be re-authorised" :
				"repeated authentication failures";
			return;
		}
		/* twice the back-off of other failures: a wrong password
		   must not hammer (or lock) the remote account */
		sched_r->backoff_secs = retrieve_schedule_grow(interval_secs,
			failures, RETRIEVE_SCHEDULE_MAX_AUTH_BACKOFF_SECS);
		sched_r->reason = "authentication failed";
	} else if (retrieve_schedule_resp_code_is(status, "LOGIN-DELAY")) {
		/* the server told us to come back later, not that anything
		   is wrong: wait, but don't escalate */
		sched_r->backoff_secs = I_MAX(interval_secs,
			retrieve_schedule_login_delay(status));
		sched_r->reason = "server asked for a login delay";
	} else if (retrieve_schedule_resp_code_is(status, "IN-USE") ||
		   retrieve_schedule_resp_code_is(status, "INUSE")) {
		/* another session (often the user's own client) holds the
		   maildrop: the next interval is soon enough */
		sched_r->backoff_secs = interval_secs;
		sched_r->reason = "remote mailbox in use";
	} else {
		sched_r->backoff_secs = retrieve_schedule_grow(interval_secs,
			failures - 1, RETRIEVE_SCHEDULE_MAX_BACKOFF_SECS);
		sched_r->reason = "last run failed";
	}
	sched_r->next_due = status->last_run + sched_r->backoff_secs;
}

bool retrieve_schedule_login_due(const struct retrieve_schedule *sched,
				 unsigned int interval_secs, time_t now)
{
	if (sched->state != RETRIEVE_SCHEDULE_STATE_SCHEDULED)
		return FALSE;
	return sched->next_due <= now + (time_t)(interval_secs / 2);
}

const char *retrieve_schedule_state_name(enum retrieve_schedule_state state)
{
	switch (state) {
	case RETRIEVE_SCHEDULE_STATE_SCHEDULED:
		return "scheduled";
	case RETRIEVE_SCHEDULE_STATE_BACKOFF:
		return "backoff";
	case RETRIEVE_SCHEDULE_STATE_PAUSED:
		return "paused";
	case RETRIEVE_SCHEDULE_STATE_MANUAL:
		return "manual";
	}
	i_unreached();
}

int retrieve_schedule_get(const struct retrieve_global_settings *global,
			  const struct retrieve_account_settings *set,
			  struct retrieve_schedule *sched_r,
			  const char **error_r)
{
	struct retrieve_state_status status;
	enum retrieve_state_pause_marker marker =
		RETRIEVE_STATE_PAUSE_MARKER_NONE;
	pool_t pool;
	int ret;

	if (set->interval_manual) {
		retrieve_schedule_calc(TRUE, set->interval_secs, NULL,
				       marker, sched_r);
		return 0;
	}
	pool = pool_alloconly_create("retrieve schedule", 512);
	ret = retrieve_state_read_status(global->state_dir,
					 retrieve_account_identity(set),
					 pool, &status, error_r);
	if (ret > 0 && status.last_result == RETRIEVE_RESULT_AUTH_FAILED &&
	    retrieve_state_pause_read(global, set, &marker, error_r) < 0)
		ret = -1;
	retrieve_schedule_calc(FALSE, set->interval_secs,
			       ret > 0 ? &status : NULL, marker, sched_r);
	pool_unref(&pool);
	return ret < 0 ? -1 : 0;
}
