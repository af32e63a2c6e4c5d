/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-common.h"
#include "retrieve-schedule.h"

#define T0 1700000000

static struct retrieve_state_status
test_status(enum retrieve_result_code result, unsigned int failures,
	    const char *error)
{
	struct retrieve_state_status status;

	i_zero(&status);
	status.last_run = T0;
	status.last_result = result;
	status.consecutive_failures = failures;
	status.last_error = error;
	return status;
}

static void test_retrieve_schedule_basic(void)
{
	struct retrieve_schedule sched;
	struct retrieve_state_status status;

	test_begin("retrieve schedule: manual, never run, ok");
	retrieve_schedule_calc(TRUE, 600, NULL,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_MANUAL);
	test_assert(sched.next_due == 0);

	retrieve_schedule_calc(FALSE, 600, NULL,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == 0);
	test_assert(retrieve_schedule_login_due(&sched, 600, T0));

	status = test_status(RETRIEVE_RESULT_OK, 0, NULL);
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == T0 + 600);
	test_assert(sched.backoff_secs == 0);
	/* login: only when at least half the interval has passed */
	test_assert(!retrieve_schedule_login_due(&sched, 600, T0 + 10));
	test_assert(!retrieve_schedule_login_due(&sched, 600, T0 + 299));
	test_assert(retrieve_schedule_login_due(&sched, 600, T0 + 300));
	test_assert(retrieve_schedule_login_due(&sched, 600, T0 + 9000));
	test_end();
}

static void test_retrieve_schedule_backoff(void)
{
	struct retrieve_schedule sched;
	struct retrieve_state_status status;
	unsigned int i, prev = 0;

	test_begin("retrieve schedule: exponential back-off");
	for (i = 1; i <= 20; i++) {
		status = test_status(RETRIEVE_RESULT_REMOTE_TEMPFAIL, i,
				     "connect() failed");
		retrieve_schedule_calc(FALSE, 600, &status,
			RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
		test_assert_idx(sched.state ==
				RETRIEVE_SCHEDULE_STATE_BACKOFF, i);
		test_assert_idx(sched.backoff_secs >= prev, i);
		test_assert_idx(sched.backoff_secs <=
				RETRIEVE_SCHEDULE_MAX_BACKOFF_SECS, i);
		test_assert_idx(sched.next_due ==
				T0 + (time_t)sched.backoff_secs, i);
		test_assert_idx(!retrieve_schedule_login_due(&sched, 600,
							     T0 + 100000), i);
		prev = sched.backoff_secs;
	}
	status = test_status(RETRIEVE_RESULT_REMOTE_TEMPFAIL, 1, "x");
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 600);
	status.consecutive_failures = 3;
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 2400);
	test_assert(prev == RETRIEVE_SCHEDULE_MAX_BACKOFF_SECS);

	/* an interval above the cap stays the floor */
	status.consecutive_failures = 10;
	retrieve_schedule_calc(FALSE, 86400, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 86400);
	/* no overflow with huge counts */
	status.consecutive_failures = UINT_MAX;
	retrieve_schedule_calc(FALSE, 1, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == RETRIEVE_SCHEDULE_MAX_BACKOFF_SECS);
	test_end();
}

static void test_retrieve_schedule_auth(void)
{
	struct retrieve_schedule sched, temp_sched;
	struct retrieve_state_status status;

	test_begin("retrieve schedule: authentication failures pause");
	status = test_status(RETRIEVE_RESULT_AUTH_FAILED, 1, "-ERR [AUTH]");
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	status.last_result = RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &temp_sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);
	test_assert(sched.backoff_secs > temp_sched.backoff_secs);
	test_assert(sched.backoff_secs == 1200);

	status = test_status(RETRIEVE_RESULT_AUTH_FAILED,
			     RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES - 1, "x");
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);

	status.consecutive_failures = RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES;
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED);
	test_assert(sched.next_due == 0);
	test_assert(!retrieve_schedule_login_due(&sched, 600, T0 + 100000));
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_SAME, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED);
	/* new password: one try at once */
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_CHANGED, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == 0);

	/* a run by hand that succeeds ends the pause */
	status = test_status(RETRIEVE_RESULT_OK, 0, NULL);
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_SAME, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == T0 + 600);
	test_end();
}

static void test_retrieve_schedule_resp_codes(void)
{
	struct retrieve_schedule sched;
	struct retrieve_state_status status;

	test_begin("retrieve schedule: [LOGIN-DELAY] and [IN-USE]");
	status = test_status(RETRIEVE_RESULT_REMOTE_TEMPFAIL, 5,
			     "PASS failed: -ERR [LOGIN-DELAY] wait");
	retrieve_schedule_calc(FALSE, 60, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);
	test_assert(sched.backoff_secs == RETRIEVE_SCHEDULE_LOGIN_DELAY_SECS);
	retrieve_schedule_calc(FALSE, 3600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 3600);

	status = test_status(RETRIEVE_RESULT_REMOTE_TEMPFAIL, 5,
			     "PASS failed: -ERR [IN-USE] locked");
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_SCHEDULE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 600);
	test_assert(sched.next_due == T0 + 600);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_schedule_basic,
		test_retrieve_schedule_backoff,
		test_retrieve_schedule_auth,
		test_retrieve_schedule_resp_codes,
		NULL
	};
	return test_run(test_functions);
}
