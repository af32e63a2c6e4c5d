/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "sha2.h"
#include "hex-binary.h"
#include "unlink-directory.h"
#include "write-full.h"
#include "test-common.h"
#include "retrieve-settings.h"
#include "retrieve-schedule.h"

#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

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

/* The back-off after status; next_due must agree */
static unsigned int
test_backoff(unsigned int interval_secs,
	     const struct retrieve_state_status *status)
{
	struct retrieve_schedule sched;

	retrieve_schedule_calc(FALSE, interval_secs, status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);
	test_assert(sched.next_due == status->last_run +
		    (time_t)sched.backoff_secs);
	return sched.backoff_secs;
}

static void test_retrieve_schedule_basic(void)
{
	struct retrieve_schedule sched;
	struct retrieve_state_status status;

	test_begin("retrieve schedule: manual, never run, ok");
	retrieve_schedule_calc(TRUE, 600, NULL,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_MANUAL);
	test_assert(sched.next_due == 0);

	retrieve_schedule_calc(FALSE, 600, NULL,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == 0);
	test_assert(retrieve_schedule_login_due(&sched, 600, T0));

	status = test_status(RETRIEVE_RESULT_OK, 0, NULL);
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
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
			RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
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
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 600);
	status.consecutive_failures = 3;
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 2400);
	test_assert(prev == RETRIEVE_SCHEDULE_MAX_BACKOFF_SECS);

	/* an interval above the cap stays the floor */
	status.consecutive_failures = 10;
	retrieve_schedule_calc(FALSE, 86400, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.backoff_secs == 86400);
	/* no overflow with huge counts */
	status.consecutive_failures = UINT_MAX;
	retrieve_schedule_calc(FALSE, 1, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
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
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	status.last_result = RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &temp_sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);
	test_assert(sched.backoff_secs > temp_sched.backoff_secs);
	test_assert(sched.backoff_secs == 1200);

	status = test_status(RETRIEVE_RESULT_AUTH_FAILED,
			     RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES - 1, "x");
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);

	status.consecutive_failures = RETRIEVE_SCHEDULE_AUTH_PAUSE_FAILURES;
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED);
	test_assert(sched.next_due == 0);
	test_assert(!retrieve_schedule_login_due(&sched, 600, T0 + 100000));
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_SAME, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED);
	/* new password: one try at once */
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_CHANGED, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == 0);

	/* a run by hand that succeeds ends the pause */
	status = test_status(RETRIEVE_RESULT_OK, 0, NULL);
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_SAME, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);
	test_assert(sched.next_due == T0 + 600);
	test_end();
}

static void test_retrieve_schedule_oauth2_reauth(void)
{
	struct retrieve_schedule sched;
	struct retrieve_state_status status;

	test_begin("retrieve schedule: OAuth2 refresh token refused");
	status = test_status(RETRIEVE_RESULT_AUTH_FAILED, 1, "invalid_grant");
	status.last_resp_code = RETRIEVE_RESP_CODE_OAUTH2_REAUTH;
	test_assert(retrieve_schedule_status_pauses(&status));
	test_assert(retrieve_schedule_status_needs_reauth(&status));
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_PAUSED);
	test_assert(sched.reauth);
	test_assert(strstr(sched.reason, "re-authorised") != NULL);
	/* a new refresh token: one try */
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_CHANGED, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_SCHEDULED);

	/* the code means nothing with another result */
	status.last_result = RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	test_assert(!retrieve_schedule_status_pauses(&status));
	retrieve_schedule_calc(FALSE, 600, &status,
			       RETRIEVE_STATE_PAUSE_MARKER_NONE, &sched);
	test_assert(sched.state == RETRIEVE_SCHEDULE_STATE_BACKOFF);
	test_assert(!sched.reauth);
	test_end();
}

static void test_retrieve_schedule_resp_codes(void)
{
	struct retrieve_state_status status;

	test_begin("retrieve schedule: [LOGIN-DELAY] and [IN-USE]");
	status = test_status(RETRIEVE_RESULT_REMOTE_TEMPFAIL, 5,
			     "PASS failed: -ERR [LOGIN-DELAY] wait");
	status.last_resp_code = "LOGIN-DELAY";
	test_assert(test_backoff(60, &status) ==
		    RETRIEVE_SCHEDULE_LOGIN_DELAY_SECS);
	test_assert(test_backoff(3600, &status) == 3600);
	/* the delay the server announced in CAPA, not a fixed one */
	status.login_delay_secs = 120;
	test_assert(test_backoff(60, &status) == 120);
	test_assert(test_backoff(600, &status) == 600);
	/* a hostile one is bounded */
	status.login_delay_secs = UINT_MAX;
	test_assert(test_backoff(60, &status) ==
		    RETRIEVE_SCHEDULE_MAX_LOGIN_DELAY_SECS);

	status = test_status(RETRIEVE_RESULT_REMOTE_TEMPFAIL, 5,
			     "PASS failed: -ERR [IN-USE] locked");
	status.last_resp_code = "in-use";
	test_assert(test_backoff(600, &status) == 600);

	/* the code, never the error text, decides: text alone is an
	   ordinary failure (5th in a row: 600 * 2^4) */
	status.last_resp_code = NULL;
	test_assert(test_backoff(600, &status) == 600 * 16);
	status.last_resp_code = "SYS/TEMP";
	status.last_error = "-ERR [LOGIN-DELAY] in the text only";
	test_assert(test_backoff(600, &status) == 600 * 16);
	test_end();
}

static const char *test_read_file(const char *path)
{
	char buf[512];
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		return NULL;
	ret = read(fd, buf, sizeof(buf) - 1);
	i_close_fd(&fd);
	if (ret < 0)
		return NULL;
	return t_strndup(buf, ret);
}

static void test_write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write_full(fd, data, strlen(data)) < 0)
		i_fatal("write(%s) failed: %m", path);
	i_close_fd(&fd);
}

/* What a marker keyed by nothing but its own salt would be: anyone who
   reads the file could test password guesses with this */
static const char *
test_unkeyed_fingerprint(const struct retrieve_account_settings *set,
			 const char *salt)
{
	unsigned char digest[SHA256_RESULTLEN];
	struct sha256_ctx ctx;
	const char *fields;

	fields = t_strdup_printf("%s\n%s\n%s\n%d\n%d\n%d", set->url,
				 set->username, set->password, set->ssl_mode,
				 set->ssl_verify ? 1 : 0, set->apop ? 1 : 0);
	sha256_init(&ctx);
	sha256_loop(&ctx, salt, strlen(salt));
	sha256_loop(&ctx, fields, strlen(fields) + 1);
	sha256_result(&ctx, digest);
	return binary_to_hex(digest, sizeof(digest));
}

static void test_retrieve_schedule_pause_marker(void)
{
	struct retrieve_global_settings global;
	struct retrieve_account_settings set;
	enum retrieve_state_pause_marker marker;
	const char *dir, *error, *marker_path, *key_path, *data;
	const char *const *args;
	struct stat st;
	char tmpl[] = "/tmp/retrieve-test-schedule.XXXXXX";

	test_begin("retrieve schedule: keyed pause marker");
	dir = mkdtemp(tmpl);
	if (dir == NULL)
		i_fatal("mkdtemp() failed: %m");
	i_zero(&global);
	global.state_dir = dir;
	i_zero(&set);
	set.name = "acct";
	set.url = "pop3s://u@pop.example.org";
	set.protocol = RETRIEVE_PROTOCOL_POP3;
	set.host = "pop.example.org";
	set.port = 995;
	set.username = "u";
	set.password = "Secret-1";
	set.ssl_verify = TRUE;
	marker_path = t_strconcat(dir, "/", retrieve_account_identity(&set),
				  ".pause", NULL);
	key_path = t_strconcat(dir, "/pause.key", NULL);

	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_NONE);
	test_assert(retrieve_state_pause_write(&global, &set, &error) == 0);

	/* a random key, 0600, beside the markers */
	test_assert(stat(key_path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0777) == 0600 && st.st_size == 32);
	/* the marker can't be recomputed from the settings and its own
	   content: no offline password guessing */
	data = test_read_file(marker_path);
	test_assert(data != NULL && strstr(data, set.password) == NULL);
	args = t_strsplit(t_strcut(data == NULL ? "" : data, '\n'), "\t");
	test_assert(str_array_length(args) == 2);
	if (str_array_length(args) == 2) {
		test_assert(strcmp(args[1],
			test_unkeyed_fingerprint(&set, args[0])) != 0);
	}

	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_SAME);
	/* a new password: one more try */
	set.password = "Secret-2";
	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_CHANGED);
	set.password = "Secret-1";
	/* pausing again keeps the key */
	test_assert(retrieve_state_pause_write(&global, &set, &error) == 0);
	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_SAME);

	/* a version 1 marker (salted SHA-256) reads as "changed" */
	test_write_file(marker_path, t_strdup_printf("0011223344556677\t%s\n",
		test_unkeyed_fingerprint(&set, "0011223344556677")));
	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_CHANGED);

	/* a lost key: "changed" too, never paused forever */
	test_assert(retrieve_state_pause_write(&global, &set, &error) == 0);
	i_unlink(key_path);
	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_CHANGED);
	/* a FIFO is no marker and is never waited on */
	test_assert(retrieve_state_pause_remove(&global, &set, &error) == 0);
	test_assert(mkfifo(marker_path, 0600) == 0);
	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_CHANGED);
	test_assert(retrieve_state_pause_remove(&global, &set, &error) == 0);
	test_assert(retrieve_state_pause_read(&global, &set, &marker,
					      &error) == 0);
	test_assert(marker == RETRIEVE_STATE_PAUSE_MARKER_NONE);

	if (unlink_directory(dir, UNLINK_DIRECTORY_FLAG_RMDIR, &error) < 0)
		i_error("unlink_directory(%s) failed: %s", dir, error);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_schedule_basic,
		test_retrieve_schedule_backoff,
		test_retrieve_schedule_auth,
		test_retrieve_schedule_resp_codes,
		test_retrieve_schedule_oauth2_reauth,
		test_retrieve_schedule_pause_marker,
		NULL
	};
	return test_run(test_functions);
}
