#ifndef RETRIEVE_SCHEDULE_H
#define RETRIEVE_SCHEDULE_H

#include "retrieve-state.h"
#include "retrieve-state-pause.h"

/* When an account runs next, derived only from its settings and the
   status its state file records (plus a pause marker file), so due
   times survive restarts and doveadm can show the same answer the
   service acts on. */

struct retrieve_global_settings;
struct retrieve_account_settings;

/* Consecutive failures, the last an authentication failure, after which
   the account is paused */
#define RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES 3
/* No back-off grows beyond this (unless the interval itself is longer) */
#define RETRIEVE_SCHEDULE_MAX_BACKOFF_SECS (4*60*60)
#define RETRIEVE_SCHEDULE_MAX_AUTH_BACKOFF_SECS (24*60*60)
/* POP3 [LOGIN-DELAY] when CAPA announced no LOGIN-DELAY: RFC 2449
   servers typically ask for 15 minutes or more */
#define RETRIEVE_SCHEDULE_LOGIN_DELAY_SECS (15*60)
/* The longest announced LOGIN-DELAY honoured: a hostile value can't
   hold an account back for longer */
#define RETRIEVE_SCHEDULE_MAX_LOGIN_DELAY_SECS (24*60*60)

enum retrieve_schedule_state {
	/* runs at next_due on its interval */
	RETRIEVE_SCHEDULE_STATE_SCHEDULED = 0,
	/* the last run failed: next_due is pushed back by backoff_secs */
	RETRIEVE_SCHEDULE_STATE_BACKOFF,
	/* repeated authentication failures: not run until its settings
	   change or an administrator runs it by hand */
	RETRIEVE_SCHEDULE_STATE_PAUSED,
	/* interval=manual: only doveadm runs it */
	RETRIEVE_SCHEDULE_STATE_MANUAL,
};

struct retrieve_schedule {
	enum retrieve_schedule_state state;
	/* When it should run next; 0 when paused or manual. May be in the
	   past (overdue: run now). */
	time_t next_due;
	/* The delay after the last failure (SCHEDULED: 0) */
	unsigned int backoff_secs;
	/* Why it backs off or is paused, a static string; NULL otherwise */
	const char *reason;
	/* paused because the OAuth2 refresh token was refused */
	bool reauth;
};

/* TRUE when the status calls for pausing the account: the last
   RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES runs in a row failed to log in,
   or the last one found the OAuth2 refresh token refused */
bool
retrieve_schedule_status_pauses(const struct retrieve_state_status *status);
/* TRUE when the last run found the OAuth2 refresh token refused
   (invalid_grant): only a new one helps */
bool
retrieve_schedule_status_needs_reauth(const struct retrieve_state_status *status);

/* The pure rule, on the status's result and the remote's response code
   behind it (never on error text). status is NULL when the account
   never ran. */
void retrieve_schedule_calc(bool interval_manual, unsigned int interval_secs,
			    const struct retrieve_state_status *status,
			    enum retrieve_state_pause_marker marker,
			    struct retrieve_schedule *sched_r);

/* TRUE when a login should run the account right away: it is scheduled
   (no back-off, not paused) and at least half its interval has passed
   since the last run. The rate limit lies in the second part. */
bool retrieve_schedule_login_due(const struct retrieve_schedule *sched,
				 unsigned int interval_secs, time_t now);

const char *retrieve_schedule_state_name(enum retrieve_schedule_state state);

/* The account's schedule from its state files (read without locking).
   global->state_dir must be home-expanded. For doveadm retrieve status
   and the worker. Returns 0, or -1 with error_r when the state is
   unreadable (then sched_r is a plain "due now"). */
int retrieve_schedule_get(const struct retrieve_global_settings *global,
			  const struct retrieve_account_settings *set,
			  struct retrieve_schedule *sched_r,
			  const char **error_r);

#endif
