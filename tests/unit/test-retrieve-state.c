/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "unlink-directory.h"
#include "test-common.h"
#include "retrieve-state.h"

#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEST_IDENTITY "pop3-alice%40example.org@mail.example.org-110"
/* version 1: the old files must stay readable */
#define TEST_STATE_HEADER "dovecot-retrieve-state\t1\n"
#define TEST_STATE_HEADER_V2 "dovecot-retrieve-state\t2\n"
#define TEST_STATE_HEADER_V3 "dovecot-retrieve-state\t3\n"
#define TEST_STATE_HEADER_V4 "dovecot-retrieve-state\t4\n"
#define TEST_STATE_HEADER_V5 "dovecot-retrieve-state\t5\n"
#define TEST_STATE_HEADER_V6 "dovecot-retrieve-state\t6\n"
#define TEST_STATE_HEADER_V7 "dovecot-retrieve-state\t7\n"
#define TEST_STATUS_LINE "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\n"
#define TEST_STATUS_LINE_V7 \
	"status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\t\t0\t0\t0\n"

static char test_root[] = "/tmp/test-retrieve-state.XXXXXX";
static char *test_dir;

static const char *test_path(const char *suffix)
{
	return t_strconcat(test_dir, "/"TEST_IDENTITY, suffix, NULL);
}

static void test_write_file(const char *path, const char *data, bool append)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
		  0600);
	if (fd == -1)
		i_fatal("open(%s) failed: %m", path);
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		i_fatal("write(%s) failed: %m", path);
	i_close_fd(&fd);
}

static const char *test_read_file(const char *path)
{
	string_t *str = t_str_new(1024);
	char buf[1024];
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		return NULL;
	while ((ret = read(fd, buf, sizeof(buf))) > 0)
		str_append_data(str, buf, ret);
	i_close_fd(&fd);
	return str_c(str);
}

static bool test_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void test_state_reset(void)
{
	const char *error;

	if (unlink_directory(test_dir, UNLINK_DIRECTORY_FLAG_RMDIR,
			     &error) < 0 && errno != ENOENT)
		i_fatal("%s", error);
}

/* A fresh state directory whose .state holds data (an old version, or
   damage) */
static void test_state_write_state_file(const char *data)
{
	test_state_reset();
	if (mkdir(test_dir, 0700) < 0)
		i_fatal("mkdir(%s) failed: %m", test_dir);
	test_write_file(test_path(".state"), data, FALSE);
}

static struct retrieve_state *test_state_open(void)
{
	struct retrieve_state *state;
	const char *error;

	if (retrieve_state_open(test_dir, TEST_IDENTITY, &state, &error) != 1)
		i_fatal("retrieve_state_open() failed: %s", error);
	return state;
}

static void test_state_commit(struct retrieve_state *state)
{
	const char *error;

	if (retrieve_state_commit(state, &error) < 0)
		i_fatal("retrieve_state_commit() failed: %s", error);
}

static void test_state_add(struct retrieve_state *state, const char *folder,
			   const char *uid)
{
	const char *error;

	if (retrieve_state_add_uid(state, folder, uid, &error) < 0)
		i_fatal("retrieve_state_add_uid() failed: %s", error);
}

static void test_retrieve_result_code(void)
{
	enum retrieve_result_code code, parsed;
	static const char *const names[] = {
		"ok", "remote_tempfail", "auth_failed", "remote_error",
		"local_tempfail", "config_error", "locked", "internal_error",
	};

	test_begin("retrieve_result_code_name() and _parse()");
	for (code = RETRIEVE_RESULT_OK;
	     code <= RETRIEVE_RESULT_INTERNAL_ERROR; code++) {
		test_assert_strcmp_idx(retrieve_result_code_name(code),
				       names[code], code);
		test_assert_idx(retrieve_result_code_parse(names[code],
							   &parsed), code);
		test_assert_idx(parsed == code, code);
	}
	test_assert(!retrieve_result_code_parse("OK", &parsed));
	test_assert(!retrieve_result_code_parse("", &parsed));
	test_assert(!retrieve_result_code_parse("okay", &parsed));
	test_end();
}

static void test_retrieve_state_create(void)
{
	struct retrieve_state_status status;
	struct retrieve_state *state;
	struct stat st;

	test_begin("retrieve state: create");
	test_state_reset();
	state = test_state_open();
	/* the directory is created, private */
	test_assert(stat(test_dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	test_assert(stat(test_path(".lock"), &st) == 0 &&
		    (st.st_mode & 0777) == 0600);
	retrieve_state_get_status(state, &status);
	test_assert(status.last_run == 0 && status.runs == 0 &&
		    status.last_error == NULL &&
		    status.last_result == RETRIEVE_RESULT_OK);
	test_assert(!retrieve_state_have_uid(state, "", "1"));
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 0);
	test_assert(!test_file_exists(test_path(".state")));

	/* nothing but the status to keep: .status only */
	test_state_commit(state);
	test_assert(!test_file_exists(test_path(".state")));
	test_assert(stat(test_path(".status"), &st) == 0 &&
		    (st.st_mode & 0777) == 0600);
	retrieve_state_close(&state);
	test_assert(state == NULL);

	state = test_state_open();
	test_state_add(state, "", "1");
	test_state_commit(state);
	test_assert(stat(test_path(".state"), &st) == 0 &&
		    (st.st_mode & 0777) == 0600);
	test_assert(!test_file_exists(test_path(".state.tmp")));
	test_assert(!test_file_exists(test_path(".log")));
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_roundtrip(void)
{
	static const char *const uids[] = {
		"1", "2", "AZ0123456789-xyz", "tab\there", "nl\nhere",
		"cr\rhere", "esc\001here", "sp ace", NULL
	};
	struct retrieve_state *state;
	unsigned int i;

	test_begin("retrieve state: commit and reopen");
	test_state_reset();
	state = test_state_open();
	for (i = 0; uids[i] != NULL; i++)
		test_state_add(state, "", uids[i]);
	retrieve_state_set_uidvalidity(state, "INBOX", 1234567890);
	test_state_add(state, "INBOX", "17");
	retrieve_state_set_uidvalidity(state, "Sent\tItems", 4294967295U);
	test_state_add(state, "Sent\tItems", "18");
	/* adding twice is harmless */
	test_state_add(state, "INBOX", "17");
	test_state_commit(state);
	test_assert(!test_file_exists(test_path(".log")));
	retrieve_state_close(&state);

	state = test_state_open();
	for (i = 0; uids[i] != NULL; i++)
		test_assert_idx(retrieve_state_have_uid(state, "", uids[i]), i);
	test_assert(!retrieve_state_have_uid(state, "", "3"));
	test_assert(!retrieve_state_have_uid(state, "", "tab"));
	test_assert(!retrieve_state_have_uid(state, "INBOX", "1"));
	test_assert(retrieve_state_have_uid(state, "INBOX", "17"));
	test_assert(retrieve_state_have_uid(state, "Sent\tItems", "18"));
	test_assert(!retrieve_state_have_uid(state, "Sent", "18"));
	test_assert(retrieve_state_get_uidvalidity(state, "") == 0);
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") ==
		    1234567890);
	test_assert(retrieve_state_get_uidvalidity(state, "Sent\tItems") ==
		    4294967295U);
	/* a second commit of the reopened state keeps it all */
	test_state_commit(state);
	retrieve_state_close(&state);
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "nl\nhere"));
	test_assert(retrieve_state_have_uid(state, "INBOX", "17"));
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_status(void)
{
	struct retrieve_state_status status;
	struct retrieve_state *state;
	const char *error;
	pool_t pool;

	test_begin("retrieve state: status");
	test_state_reset();
	pool = pool_alloconly_create("test status", 1024);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 0);

	state = test_state_open();
	retrieve_state_set_result(state, 1700000000, 1500,
				  RETRIEVE_RESULT_OK, NULL, NULL, 3, 3000);
	retrieve_state_set_result(state, 1700000600, 250,
				  RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
				  "connect\tfailed:\nrefused", 0, 0);
	retrieve_state_set_result(state, 1700001200, 42,
				  RETRIEVE_RESULT_AUTH_FAILED, "AUTH",
				  "-ERR [AUTH] bad password", 0, 0);
	retrieve_state_get_status(state, &status);
	test_assert(status.last_run == 1700001200);
	test_assert(status.last_duration_msecs == 42);
	test_assert(status.last_result == RETRIEVE_RESULT_AUTH_FAILED);
	test_assert_strcmp(status.last_error, "-ERR [AUTH] bad password");
	test_assert(status.runs == 3);
	/* a new kind of failure restarts the count */
	test_assert(status.consecutive_failures == 1);
	test_assert(status.total_messages == 3);
	test_assert(status.total_bytes == 3000);
	retrieve_state_set_result(state, 1700001300, 42,
				  RETRIEVE_RESULT_AUTH_FAILED, "AUTH",
				  "-ERR [AUTH] bad password", 0, 0);
	retrieve_state_get_status(state, &status);
	test_assert(status.runs == 4 && status.consecutive_failures == 2);

	retrieve_state_set_result(state, 1700001800, 1000,
				  RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
				  "connect\tfailed:\nrefused", 2, 5000000000ULL);
	test_state_commit(state);
	retrieve_state_close(&state);

	/* read without opening (and locking) the state */
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.last_run == 1700001800);
	test_assert(status.last_duration_msecs == 1000);
	test_assert(status.last_result == RETRIEVE_RESULT_REMOTE_TEMPFAIL);
	test_assert_strcmp(status.last_error, "connect\tfailed:\nrefused");
	test_assert(status.last_messages == 2);
	test_assert(status.last_bytes == 5000000000ULL);
	test_assert(status.total_messages == 5);
	test_assert(status.total_bytes == 5000003000ULL);
	test_assert(status.runs == 5);
	test_assert(status.consecutive_failures == 1);

	/* reopened, and an OK run resets the failure counter */
	state = test_state_open();
	retrieve_state_get_status(state, &status);
	test_assert(status.runs == 5 && status.consecutive_failures == 1);
	test_assert_strcmp(status.last_error, "connect\tfailed:\nrefused");
	retrieve_state_set_result(state, 1700002400, 1, RETRIEVE_RESULT_OK,
				  NULL, "", 0, 0);
	retrieve_state_get_status(state, &status);
	test_assert(status.consecutive_failures == 0 && status.runs == 6);
	test_assert(status.last_error == NULL);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.last_error == NULL && status.runs == 6);
	test_assert(status.last_resp_code == NULL);
	test_assert(status.login_delay_secs == 0);

	/* the response code and the announced LOGIN-DELAY are kept; the
	   delay stays when a later run reads none */
	state = test_state_open();
	retrieve_state_set_login_delay(state, 120);
	retrieve_state_set_result(state, 1700003000, 1,
				  RETRIEVE_RESULT_REMOTE_TEMPFAIL,
				  "LOGIN-DELAY", "PASS failed", 0, 0);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert_strcmp(status.last_resp_code, "LOGIN-DELAY");
	test_assert(status.login_delay_secs == 120);
	state = test_state_open();
	retrieve_state_set_result(state, 1700004000, 1, RETRIEVE_RESULT_OK,
				  NULL, NULL, 0, 0);
	retrieve_state_get_status(state, &status);
	test_assert(status.last_resp_code == NULL);
	test_assert(status.login_delay_secs == 120);
	retrieve_state_close(&state);
	pool_unref(&pool);
	test_end();
}

static int
test_read_folders(pool_t pool, struct retrieve_state_status *status_r,
		  const struct retrieve_state_folder_status **folders_r,
		  unsigned int *count_r, const char **error_r)
{
	return retrieve_state_read_folders(test_dir, TEST_IDENTITY, pool,
					   status_r, folders_r, count_r,
					   error_r);
}

static const struct retrieve_state_folder_status *
test_folder_find(const struct retrieve_state_folder_status *folders,
		 unsigned int count, const char *name)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (strcmp(folders[i].name, name) == 0)
			return &folders[i];
	}
	return NULL;
}

static void test_retrieve_state_folder_status(void)
{
	const struct retrieve_state_folder_status *folders, *f;
	struct retrieve_state_status status;
	struct retrieve_state *state;
	unsigned int count;
	const char *error;
	pool_t pool;

	test_begin("retrieve state: folder statistics");
	test_state_reset();
	pool = pool_alloconly_create("test folders", 1024);
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 0);
	test_assert(count == 0);

	state = test_state_open();
	retrieve_state_set_uidvalidity(state, "INBOX", 5);
	test_state_add(state, "INBOX", "1");
	retrieve_state_folder_set_result(state, "INBOX", 1700000000, 3, 3000,
					 0, NULL);
	retrieve_state_folder_set_result(state, "Work\tX", 1700000000, 1, 10,
					 2, "UID FETCH failed:\nNO");
	retrieve_state_set_result(state, 1700000000, 5, RETRIEVE_RESULT_OK,
				  NULL, NULL, 4, 3010);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert_strcmp(t_strcut(test_read_file(test_path(".state")), '\n'),
			   "dovecot-retrieve-state\t7");

	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	test_assert(count == 2 && status.runs == 1);
	f = test_folder_find(folders, count, "INBOX");
	test_assert(f != NULL && f->last_run == 1700000000 &&
		    f->last_messages == 3 && f->last_bytes == 3000 &&
		    f->last_errors == 0 && f->last_error == NULL &&
		    f->total_messages == 3 && f->total_bytes == 3000);
	f = test_folder_find(folders, count, "Work\tX");
	test_assert(f != NULL && f->last_errors == 2 &&
		    f->total_messages == 1 && f->total_bytes == 10);
	test_assert_strcmp(f == NULL ? NULL : f->last_error,
			   "UID FETCH failed:\nNO");

	/* the next run adds up; a new UIDVALIDITY keeps the totals, a
	   folder the run didn't touch keeps its last run */
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "INBOX", "1"));
	retrieve_state_set_uidvalidity(state, "INBOX", 6);
	retrieve_state_folder_set_result(state, "INBOX", 1700000600, 2,
					 5000000000ULL, 0, "");
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	f = test_folder_find(folders, count, "INBOX");
	test_assert(f != NULL && f->last_run == 1700000600 &&
		    f->last_messages == 2 && f->last_bytes == 5000000000ULL &&
		    f->last_error == NULL && f->total_messages == 5 &&
		    f->total_bytes == 5000003000ULL);
	f = test_folder_find(folders, count, "Work\tX");
	test_assert(f != NULL && f->last_run == 1700000000 &&
		    f->last_errors == 2);

	/* a forgotten folder takes its statistics along */
	state = test_state_open();
	retrieve_state_forget_folder(state, "Work\tX");
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	test_assert(count == 1 && strcmp(folders[0].name, "INBOX") == 0);
	pool_unref(&pool);
	test_end();
}

static void test_retrieve_state_old_versions(void)
{
	const struct retrieve_state_folder_status *folders, *f;
	struct retrieve_state_status status;
	struct retrieve_state *state;
	unsigned int count;
	const char *error;
	/* not the data stack: the reader parses in its own frames */
	pool_t pool = pool_alloconly_create("test old versions", 1024);

	test_begin("retrieve state: version 1 and 4 files");
	test_state_write_state_file(TEST_STATE_HEADER
		"status\t5\t0\tok\t\t0\t0\t7\t700\t3\t0\n"
		"journal\t4\nfolder\tINBOX\t9\nuid\t1\nuid\t2\n"
		"folder\t\t0\nuid\tUIDL-a\nend\t3\n");
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	test_assert(status.runs == 3 && status.total_messages == 7);
	test_assert(count == 2);
	f = test_folder_find(folders, count, "INBOX");
	test_assert(f != NULL && f->last_run == 0 && f->total_messages == 0 &&
		    f->last_error == NULL);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "INBOX", "2"));
	test_assert(retrieve_state_have_uid(state, "", "UIDL-a"));
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 9);
	retrieve_state_folder_set_result(state, "INBOX", 1700000000, 1, 100,
					 1, "STORE \\Deleted failed");
	test_state_commit(state);
	retrieve_state_close(&state);

	/* rewritten as the current version, nothing lost */
	test_assert_strcmp(t_strcut(test_read_file(test_path(".state")), '\n'),
			   "dovecot-retrieve-state\t7");
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "INBOX", "1"));
	test_assert(retrieve_state_have_uid(state, "", "UIDL-a"));
	retrieve_state_close(&state);
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	test_assert(status.runs == 3 && count == 2);
	f = test_folder_find(folders, count, "INBOX");
	test_assert(f != NULL && f->total_bytes == 100 && f->last_errors == 1);
	test_assert_strcmp(f == NULL ? NULL : f->last_error,
			   "STORE \\Deleted failed");

	/* version 4: no response code recorded, and none is guessed
	   from the error text */
	test_state_write_state_file(TEST_STATE_HEADER_V4
		"status\t5\t0\tremote_tempfail\t"
		"PASS failed: -ERR [LOGIN-DELAY] wait"
		"\t0\t0\t7\t700\t3\t2\n"
		"journal\t4\nfolder\t\t0\t0\t0\t0\t0\t\t0\t0\t0\n"
		"uid\tUIDL-a\nend\t1\n");
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.last_result == RETRIEVE_RESULT_REMOTE_TEMPFAIL);
	test_assert(status.consecutive_failures == 2 && status.runs == 3);
	test_assert(status.last_resp_code == NULL);
	test_assert(status.login_delay_secs == 0);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "UIDL-a"));
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert_strcmp(t_strcut(test_read_file(test_path(".state")), '\n'),
			   "dovecot-retrieve-state\t7");
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.consecutive_failures == 2 && status.runs == 3);
	test_assert_strcmp(status.last_error,
			   "PASS failed: -ERR [LOGIN-DELAY] wait");
	test_assert(status.last_resp_code == NULL);

	/* version 5: no spam counts, read as 0; then counted */
	test_state_write_state_file(TEST_STATE_HEADER_V5
		"status\t5\t0\tok\t\t1\t10\t7\t700\t3\t0\tIN-USE\t0\n"
		"journal\t4\nfolder\t\t0\t0\t0\t0\t0\t\t0\t0\t0\n"
		"uid\tUIDL-a\nend\t1\n");
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.last_spam == 0 && status.total_spam == 0);
	test_assert_strcmp(status.last_resp_code, "IN-USE");
	state = test_state_open();
	retrieve_state_set_result(state, 1700000000, 5, RETRIEVE_RESULT_OK,
				  NULL, NULL, 4, 3010);
	retrieve_state_set_spam(state, 2);
	test_state_commit(state);
	retrieve_state_close(&state);
	state = test_state_open();
	retrieve_state_set_result(state, 1700000100, 5, RETRIEVE_RESULT_OK,
				  NULL, NULL, 1, 10);
	retrieve_state_set_spam(state, 1);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert_strcmp(t_strcut(test_read_file(test_path(".state")), '\n'),
			   "dovecot-retrieve-state\t7");
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.last_spam == 1 && status.total_spam == 3);
	test_assert(status.runs == 5 && status.total_messages == 12);
	pool_unref(&pool);
	test_end();
}

static void test_retrieve_state_journal(void)
{
	struct retrieve_state *state;

	test_begin("retrieve state: journal replay after a crash");
	test_state_reset();
	state = test_state_open();
	test_state_add(state, "", "committed");
	test_state_commit(state);
	test_state_add(state, "", "a");
	test_state_add(state, "", "b");
	retrieve_state_set_uidvalidity(state, "INBOX", 7);
	test_state_add(state, "INBOX", "c\td");
	/* a crash: the state is never committed */
	test_assert(test_file_exists(test_path(".log")));
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "committed"));
	test_assert(retrieve_state_have_uid(state, "", "a"));
	test_assert(retrieve_state_have_uid(state, "", "b"));
	test_assert(retrieve_state_have_uid(state, "INBOX", "c\td"));
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 7);
	/* appending to a replayed journal continues it */
	test_state_add(state, "", "e");
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "a"));
	test_assert(retrieve_state_have_uid(state, "", "e"));
	test_state_commit(state);
	test_assert(!test_file_exists(test_path(".log")));
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "e"));
	test_assert(retrieve_state_have_uid(state, "INBOX", "c\td"));
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_pending(void)
{
	struct retrieve_state_pending msgs[3];
	const struct retrieve_state_pending *unresolved;
	struct retrieve_state *state;
	const char *error;
	unsigned int count;

	test_begin("retrieve state: pending batch records");
	test_state_reset();
	i_zero(&msgs);
	msgs[0].folder = msgs[1].folder = "";
	msgs[2].folder = "INBOX";
	msgs[0].uid = "a";
	msgs[1].uid = "b\tc";
	msgs[2].uid = "7";
	msgs[2].fingerprint = "<x@y> 10";
	msgs[0].local_folder = msgs[1].local_folder = "INBOX";
	msgs[2].local_folder = "Archive\t2";
	msgs[0].guid = "g0";
	msgs[1].guid = "g1";
	msgs[2].guid = "g2";
	msgs[2].uid_min = 4000000000U;

	state = test_state_open();
	test_assert(retrieve_state_add_pending(state, msgs, 3, &error) == 0);
	/* pending is no record: not retrieved */
	test_assert(!retrieve_state_have_uid(state, "", "a"));
	/* the batch's uid records follow, for the first message only:
	   the crash came in between */
	test_assert(retrieve_state_add_uids(state, msgs, 1, &error) == 0);
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "a"));
	unresolved = retrieve_state_get_unresolved(state, &count);
	test_assert(count == 2);
	if (count == 2) {
		test_assert_strcmp(unresolved[0].uid, "b\tc");
		test_assert_strcmp(unresolved[0].local_folder, "INBOX");
		test_assert_strcmp(unresolved[0].guid, "g1");
		test_assert(unresolved[0].fingerprint == NULL);
		test_assert_strcmp(unresolved[1].folder, "INBOX");
		test_assert_strcmp(unresolved[1].fingerprint, "<x@y> 10");
		test_assert_strcmp(unresolved[1].local_folder, "Archive\t2");
		test_assert(unresolved[1].uid_min == 4000000000U);
		test_assert(unresolved[0].uid_min == 0);
	}
	/* a run that ends before its recovery commits the state: the
	   unresolved records stay (in the state file, version 7) */
	test_state_commit(state);
	retrieve_state_close(&state);
	state = test_state_open();
	unresolved = retrieve_state_get_unresolved(state, &count);
	test_assert(count == 2);
	if (count == 2) {
		test_assert_strcmp(unresolved[0].folder, "");
		test_assert_strcmp(unresolved[0].uid, "b\tc");
		test_assert_strcmp(unresolved[0].guid, "g1");
		test_assert(unresolved[0].fingerprint == NULL);
		test_assert_strcmp(unresolved[1].local_folder, "Archive\t2");
		test_assert_strcmp(unresolved[1].fingerprint, "<x@y> 10");
		test_assert(unresolved[1].uid_min == 4000000000U);
	}
	/* and a second such commit does not double them */
	test_state_commit(state);
	retrieve_state_close(&state);
	state = test_state_open();
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 2);

	/* the found one is recorded, with its fingerprint */
	test_assert(retrieve_state_add_uids(state, &msgs[2], 1, &error) == 0);
	retrieve_state_clear_unresolved(state);
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 0);
	test_state_commit(state);
	retrieve_state_close(&state);

	/* committed: the pending records are gone with the journal */
	state = test_state_open();
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 0);
	test_assert(retrieve_state_have_uid(state, "INBOX", "7"));
	test_assert(!retrieve_state_have_uid(state, "", "b\tc"));

	/* a malformed pending record is corruption */
	test_state_add(state, "", "d");
	retrieve_state_close(&state);
	test_write_file(test_path(".log"), "pending\t\tx\n", TRUE);
	test_assert(retrieve_state_open(test_dir, TEST_IDENTITY,
					&state, &error) < 0);
	test_assert(strstr(error, "invalid pending record") != NULL);
	/* in the state file too */
	test_state_write_state_file(TEST_STATE_HEADER_V7 TEST_STATUS_LINE_V7
		"journal\t1\n" "pending\tINBOX\t5\t\tINBOX\tg\t1\n"
		"end\t0\n");
	state = test_state_open();
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 1);
	retrieve_state_close(&state);
	test_state_write_state_file(TEST_STATE_HEADER_V7 TEST_STATUS_LINE_V7
		"journal\t1\n" "pending\tINBOX\t\t\tINBOX\tg\t1\n"
		"end\t0\n");
	test_assert(retrieve_state_open(test_dir, TEST_IDENTITY,
					&state, &error) < 0);
	test_assert(strstr(error, "invalid pending record") != NULL);
	test_end();
}

static void test_retrieve_state_torn_journal(void)
{
	struct retrieve_state *state;
	const char *log;

	test_begin("retrieve state: torn journal line");
	test_state_reset();
	state = test_state_open();
	test_state_add(state, "", "a");
	retrieve_state_close(&state);
	test_write_file(test_path(".log"), "uid\t\tpartial", TRUE);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "a"));
	test_assert(!retrieve_state_have_uid(state, "", "partial"));
	/* the torn line was cut off, so this one is not glued to it */
	log = test_read_file(test_path(".log"));
	test_assert(log != NULL && strstr(log, "partial") == NULL);
	test_state_add(state, "", "b");
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "a"));
	test_assert(retrieve_state_have_uid(state, "", "b"));
	retrieve_state_close(&state);

	/* a torn journal header: the journal is as good as empty */
	test_state_reset();
	state = test_state_open();
	retrieve_state_close(&state);
	test_write_file(test_path(".log"), "dovecot-retrieve-jou", FALSE);
	state = test_state_open();
	test_state_add(state, "", "c");
	retrieve_state_close(&state);
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "c"));
	retrieve_state_close(&state);
	test_end();
}

struct corrupt_test {
	const char *state;
	const char *log;
	/* expected after "<path> line " */
	const char *error;
};

static void test_retrieve_state_corrupt(void)
{
	static const struct corrupt_test tests[] = {
		{ "", NULL, "1: truncated (file is empty)" },
		{ "dovecot-retrie", NULL,
		  "1: truncated (last line has no newline)" },
		{ "garbage\n", NULL,
		  "1: not a dovecot-retrieve state file (bad header)" },
		{ "dovecot-retrieve-state\t8\n", NULL,
		  "1: unsupported version '8'" },
		/* version 6 status records add the spam counts */
		{ TEST_STATE_HEADER_V6
		  "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\t\t0\n", NULL,
		  "2: status record has 12 fields, expected 14" },
		{ TEST_STATE_HEADER_V5
		  "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\t\t0\t0\t0\n",
		  NULL, "2: status record has 14 fields, expected 12" },
		{ TEST_STATE_HEADER_V6
		  "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\t\t0\tx\t0\n",
		  NULL, "2: invalid number in status field last_spam" },
		/* version 5 status records carry resp_code and
		   login_delay_secs, older ones don't */
		{ TEST_STATE_HEADER_V5 TEST_STATUS_LINE, NULL,
		  "2: status record has 10 fields, expected 12" },
		{ TEST_STATE_HEADER_V4
		  "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\t\t0\n", NULL,
		  "2: status record has 12 fields, expected 10" },
		{ TEST_STATE_HEADER_V5
		  "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t0\tIN-USE\t-1\n",
		  NULL, "2: invalid number in status field login_delay_secs" },
		{ "dovecot-retrieve-state\t0\n", NULL,
		  "1: unsupported version '0'" },
		/* a version 1 folder record in version 2, and vice versa */
		{ TEST_STATE_HEADER_V2 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nend\t0\n", NULL,
		  "4: invalid folder record" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\nend\t0\n", NULL,
		  "4: invalid folder record" },
		{ TEST_STATE_HEADER_V2 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\tx\t0\t0\t0\t0\t\t0\t0\nend\t0\n", NULL,
		  "4: invalid folder record" },
		{ TEST_STATE_HEADER_V2 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\tx\t0\t0\t0\t\t0\t0\nend\t0\n", NULL,
		  "4: invalid number in folder field last_run" },
		{ TEST_STATE_HEADER_V2 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t-1\t\t0\t0\nend\t0\n", NULL,
		  "4: invalid number in folder field last_errors" },
		{ TEST_STATE_HEADER_V2 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t1x\nend\t0\n", NULL,
		  "4: invalid number in folder field total_bytes" },
		{ TEST_STATE_HEADER_V2 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\nend\t0\n", NULL,
		  "5: duplicate folder 'INBOX'" },
		/* version 4 folder records carry absent_since, older ones
		   don't */
		{ TEST_STATE_HEADER_V4 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\nend\t0\n", NULL,
		  "4: invalid folder record" },
		{ TEST_STATE_HEADER_V3 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\t0\nend\t0\n",
		  NULL, "4: invalid folder record" },
		{ TEST_STATE_HEADER_V4 TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\t-5\nend\t0\n",
		  NULL, "4: invalid number in folder field absent_since" },
		{ TEST_STATE_HEADER, NULL,
		  "2: truncated (no status record)" },
		{ TEST_STATE_HEADER "folder\tINBOX\t1\n", NULL,
		  "2: expected a status record" },
		{ TEST_STATE_HEADER "status\tx\t0\tok\t\t0\t0\t0\t0\t0\t0\n",
		  NULL, "2: invalid number in status field last_run" },
		{ TEST_STATE_HEADER "status\t0\t0\tok\t\t0\t0\t0\t0\t0\t-1\n",
		  NULL, "2: invalid number in status field "
		  "consecutive_failures" },
		{ TEST_STATE_HEADER "status\t0\t0\tbogus\t\t0\t0\t0\t0\t0\t0\n",
		  NULL, "2: unknown result 'bogus'" },
		{ TEST_STATE_HEADER "status\t0\t0\tok\n", NULL,
		  "2: status record has 3 fields, expected 10" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE, NULL,
		  "3: truncated (no journal record)" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "folder\tINBOX\t1\n",
		  NULL, "3: expected a journal record" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nuid\t1\n", NULL,
		  "6: truncated (no end record)" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nuid\t1\nend\t1", NULL,
		  "6: truncated (last line has no newline)" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nuid\t1\ngarbage line\nend\t1\n", NULL,
		  "6: unknown record type 'garbage line'" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nuid\t1\n\nend\t1\n", NULL,
		  "6: empty line" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nuid\t1\nuid\t2\nend\t1\n", NULL,
		  "7: end record counts 1 uids, but 2 were read" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "uid\t1\nend\t1\n", NULL,
		  "4: uid record before any folder record" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\tx\nend\t0\n", NULL,
		  "4: invalid folder record" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t99999999999\nend\t0\n", NULL,
		  "4: invalid folder record" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nfolder\tINBOX\t1\nend\t0\n", NULL,
		  "5: duplicate folder 'INBOX'" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "folder\tINBOX\t1\nuid\t\nend\t0\n", NULL,
		  "5: invalid uid record" },
		{ TEST_STATE_HEADER TEST_STATUS_LINE "journal\t1\n"
		  "end\t0\nfolder\tINBOX\t1\n", NULL,
		  "5: data after the end record" },
		/* a journal that does not parse is as bad */
		{ NULL, "garbage\n",
		  "1: not a dovecot-retrieve journal (bad header)" },
		{ NULL, "dovecot-retrieve-journal\t0\nuid\tINBOX\n"
		  "uid\tINBOX\t2\n", "2: invalid journal record" },
		{ NULL, "dovecot-retrieve-journal\t0\nuid\tINBOX\t\n",
		  "2: empty uid" },
		{ NULL, "dovecot-retrieve-journal\t0\nuidvalidity\tINBOX\tx\n",
		  "2: invalid uidvalidity" },
		{ NULL, "dovecot-retrieve-journal\t0\nuid\tINBOX\t1\n"
		  "delete\tINBOX\t1\nuid\tINBOX\t2\n",
		  "3: unknown journal record type 'delete'" },
		{ NULL, "dovecot-retrieve-journal\t0\nuid\tINBOX\t1\n\n"
		  "uid\tINBOX\t2\n", "3: invalid journal record" },
	};
	struct retrieve_state_status status;
	struct retrieve_state *state;
	const char *error, *path;
	unsigned int i;

	const struct retrieve_state_folder_status *folders;
	unsigned int folders_count;
	pool_t pool;

	test_begin("retrieve state: corrupt files");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		test_state_reset();
		if (mkdir(test_dir, 0700) < 0)
			i_fatal("mkdir(%s) failed: %m", test_dir);
		if (tests[i].state != NULL)
			test_write_file(test_path(".state"), tests[i].state,
					FALSE);
		if (tests[i].log != NULL)
			test_write_file(test_path(".log"), tests[i].log, FALSE);
		path = test_path(tests[i].state != NULL ? ".state" : ".log");

		error = NULL;
		state = (void *)1;
		test_assert_idx(retrieve_state_open(test_dir, TEST_IDENTITY,
						    &state, &error) == -1, i);
		test_assert_idx(state == NULL, i);
		test_assert_strcmp_idx(error, t_strdup_printf("%s line %s",
				       path, tests[i].error), i);
	}

	/* the status alone is readable when the damage is further on */
	test_state_write_state_file(TEST_STATE_HEADER
		"status\t5\t0\tok\t\t0\t0\t0\t0\t9\t0\njournal\t1\n"
		"garbage\n");
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY,
					       pool_datastack_create(),
					       &status, &error) == 1);
	test_assert(status.last_run == 5 && status.runs == 9);
	test_write_file(test_path(".state"), TEST_STATE_HEADER, FALSE);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY,
					       pool_datastack_create(),
					       &status, &error) == -1);
	test_assert_strcmp(error, t_strconcat(test_path(".state"),
		" line 2: truncated (no status record)", NULL));
	/* the folders need the whole file */
	pool = pool_alloconly_create("test corrupt", 1024);
	test_write_file(test_path(".state"), TEST_STATE_HEADER_V2
			TEST_STATUS_LINE "journal\t1\n"
			"folder\tINBOX\t1\t0\t0\t0\t0\t\t0\t0\nuid\t1\n",
			FALSE);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY,
					       pool_datastack_create(),
					       &status, &error) == 1);
	test_assert(test_read_folders(pool, &status, &folders,
				      &folders_count, &error) == -1);
	test_assert_strcmp(error, t_strconcat(test_path(".state"),
		" line 6: truncated (no end record)", NULL));
	test_write_file(test_path(".state"), TEST_STATE_HEADER_V2
			TEST_STATUS_LINE "journal\t1\n"
			"folder\tINBOX\t1\t0\t0\t0\t0\t\t0\tx\nend\t0\n",
			FALSE);
	test_assert(test_read_folders(pool, &status, &folders,
				      &folders_count, &error) == -1);
	test_assert_strcmp(error, t_strconcat(test_path(".state"),
		" line 4: invalid number in folder field total_bytes", NULL));
	pool_unref(&pool);

	/* the lock of a failed open is released */
	i_unlink(test_path(".state"));
	state = test_state_open();
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_prune(void)
{
	static const char *const present[] = { "2", "4", "6", "99", "4", NULL };
	static const char *const other_present[] = { "5", NULL };
	static const char *const none[] = { NULL };
	struct retrieve_state *state;
	unsigned int i;

	test_begin("retrieve state: prune after two listings");
	test_state_reset();
	state = test_state_open();
	for (i = 1; i <= 10; i++)
		test_state_add(state, "", dec2str(i));
	test_state_add(state, "Other", "2");
	/* the first listing lacking them only marks them, also when the
	   same run lists again */
	retrieve_state_prune(state, "", present);
	retrieve_state_prune(state, "", present);
	/* an unknown folder is not an error */
	retrieve_state_prune(state, "Unknown", present);
	for (i = 1; i <= 10; i++)
		test_assert_idx(retrieve_state_have_uid(state, "", dec2str(i)), i);
	test_assert(!retrieve_state_have_uid(state, "", "99"));
	test_assert(retrieve_state_have_uid(state, "Other", "2"));
	test_state_commit(state);
	retrieve_state_close(&state);

	/* the marks survive the commit; the next run's listing lacking
	   them again forgets them, one that has them again (1) clears
	   the mark */
	state = test_state_open();
	for (i = 1; i <= 10; i++)
		test_assert_idx(retrieve_state_have_uid(state, "", dec2str(i)), i);
	{
		static const char *const present2[] = { "1", "2", "4", "6", NULL };
		retrieve_state_prune(state, "", present2);
	}
	for (i = 1; i <= 10; i++) {
		test_assert_idx(retrieve_state_have_uid(state, "", dec2str(i)) ==
				(i == 1 || i == 2 || i == 4 || i == 6), i);
	}
	/* an empty listing proves nothing: nothing marked or forgotten */
	retrieve_state_prune(state, "Other", none);
	test_state_commit(state);
	retrieve_state_close(&state);

	state = test_state_open();
	retrieve_state_prune(state, "Other", none);
	test_assert(retrieve_state_have_uid(state, "Other", "2"));
	retrieve_state_prune(state, "Other", other_present);
	test_assert(retrieve_state_have_uid(state, "Other", "2"));
	test_state_commit(state);
	retrieve_state_close(&state);
	state = test_state_open();
	retrieve_state_prune(state, "Other", other_present);
	test_assert(!retrieve_state_have_uid(state, "Other", "2"));
	/* 1 was listed again in the second run: its mark is gone, so one
	   listing lacking it only marks it again */
	retrieve_state_prune(state, "", present);
	test_assert(retrieve_state_have_uid(state, "", "1"));
	test_state_add(state, "Other", "3");
	test_assert(retrieve_state_have_uid(state, "Other", "3"));
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_folder_absent(void)
{
	const struct retrieve_state_folder_status *folders, *f;
	struct retrieve_state_status status;
	struct retrieve_state *state;
	unsigned int count;
	const char *error;
	pool_t pool = pool_alloconly_create("test folder absent", 1024);

	test_begin("retrieve state: folder forgotten after two listings");
	test_state_reset();
	state = test_state_open();
	test_state_add(state, "Work", "1");
	test_state_add(state, "Work", "2");
	test_state_add(state, "Old", "7");
	retrieve_state_folder_set_result(state, "Work", 1700000000, 2, 20,
					 0, NULL);
	/* the first listing lacking them only marks them, also when the
	   same run lists again; an unknown folder is not an error */
	test_assert(!retrieve_state_mark_folder_absent(state, "Work"));
	test_assert(!retrieve_state_mark_folder_absent(state, "Work"));
	test_assert(!retrieve_state_mark_folder_absent(state, "Old"));
	test_assert(!retrieve_state_mark_folder_absent(state, "Unknown"));
	test_assert(retrieve_state_have_uid(state, "Work", "2"));
	test_state_commit(state);
	retrieve_state_close(&state);

	/* the marks survive the commit and show in the folder status */
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	test_assert(count == 2);
	f = test_folder_find(folders, count, "Work");
	test_assert(f != NULL && f->absent_since > 0 &&
		    f->last_run == 1700000000 && f->total_messages == 2);

	/* the next run: Work is listed again (mark cleared, UIDs kept),
	   Old is missing again and forgotten */
	state = test_state_open();
	retrieve_state_mark_folder_listed(state, "Work");
	retrieve_state_mark_folder_listed(state, "Unknown");
	test_assert(retrieve_state_mark_folder_absent(state, "Old"));
	test_assert(!retrieve_state_have_uid(state, "Old", "7"));
	test_assert(retrieve_state_have_uid(state, "Work", "1"));
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	test_assert(count == 1);
	f = test_folder_find(folders, count, "Work");
	test_assert(f != NULL && f->absent_since == 0);

	/* Work was listed in between: missing once more only marks it */
	state = test_state_open();
	test_assert(!retrieve_state_mark_folder_absent(state, "Work"));
	test_assert(retrieve_state_have_uid(state, "Work", "2"));
	retrieve_state_close(&state);

	/* a version 3 file (no absent_since) reads as listed, its UID
	   marks kept */
	test_write_file(test_path(".state"), TEST_STATE_HEADER_V3
			TEST_STATUS_LINE "journal\t1\n"
			"folder\tWork\t5\t1700000000\t1\t10\t0\t\t1\t10\n"
			"uid\t1\nuid\t2\nabsent\t2\t1700000000\nend\t2\n",
			FALSE);
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	f = test_folder_find(folders, count, "Work");
	test_assert(f != NULL && f->absent_since == 0 &&
		    f->total_bytes == 10);
	state = test_state_open();
	test_assert(retrieve_state_get_uidvalidity(state, "Work") == 5);
	test_assert(!retrieve_state_mark_folder_absent(state, "Work"));
	{
		static const char *const present[] = { "1", NULL };
		/* uid 2 was marked by the version 3 run: forgotten now */
		retrieve_state_prune(state, "Work", present);
	}
	test_assert(retrieve_state_have_uid(state, "Work", "1"));
	test_assert(!retrieve_state_have_uid(state, "Work", "2"));
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert_strcmp(t_strcut(test_read_file(test_path(".state")), '\n'),
			   "dovecot-retrieve-state\t7");
	state = test_state_open();
	test_assert(retrieve_state_mark_folder_absent(state, "Work"));
	retrieve_state_close(&state);
	pool_unref(&pool);
	test_end();
}

static void test_retrieve_state_uidvalidity(void)
{
	struct retrieve_state *state;
	const char *old_log;

	test_begin("retrieve state: uidvalidity change");
	test_state_reset();
	state = test_state_open();
	/* first known value: nothing is forgotten */
	test_state_add(state, "INBOX", "1");
	retrieve_state_set_uidvalidity(state, "INBOX", 100);
	test_assert(retrieve_state_have_uid(state, "INBOX", "1"));
	test_state_add(state, "INBOX", "2");
	test_state_add(state, "Other", "2");
	retrieve_state_set_uidvalidity(state, "INBOX", 100);
	test_assert(retrieve_state_have_uid(state, "INBOX", "2"));
	retrieve_state_set_uidvalidity(state, "INBOX", 200);
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 200);
	test_assert(!retrieve_state_have_uid(state, "INBOX", "1"));
	test_assert(!retrieve_state_have_uid(state, "INBOX", "2"));
	test_assert(retrieve_state_have_uid(state, "Other", "2"));
	test_state_add(state, "INBOX", "3");
	/* uncommitted: the journal must carry the change */
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 200);
	test_assert(!retrieve_state_have_uid(state, "INBOX", "1"));
	test_assert(!retrieve_state_have_uid(state, "INBOX", "2"));
	test_assert(retrieve_state_have_uid(state, "INBOX", "3"));
	test_state_commit(state);
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 200);
	test_assert(retrieve_state_have_uid(state, "INBOX", "3"));
	test_assert(!retrieve_state_have_uid(state, "INBOX", "2"));

	/* A journal that survives its commit (the unlink was lost in a
	   crash) is not replayed over the newer state. */
	test_state_add(state, "INBOX", "4");
	old_log = test_read_file(test_path(".log"));
	test_assert(old_log != NULL);
	retrieve_state_set_uidvalidity(state, "INBOX", 300);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_write_file(test_path(".log"), old_log, FALSE);

	state = test_state_open();
	test_assert(retrieve_state_get_uidvalidity(state, "INBOX") == 300);
	test_assert(!retrieve_state_have_uid(state, "INBOX", "3"));
	test_assert(!retrieve_state_have_uid(state, "INBOX", "4"));
	test_assert(!test_file_exists(test_path(".log")));
	test_state_add(state, "INBOX", "5");
	retrieve_state_close(&state);
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "INBOX", "5"));
	retrieve_state_close(&state);
	test_end();
}

/* Forks a child that tries to open the state once test_opener_wait() is
   called. Forking before the parent opens keeps the parent's open state
   out of the child's memory, so that only the fcntl() lock can stop it. */
static pid_t test_opener_fork(int *sync_fd_r)
{
	struct retrieve_state *state;
	const char *error;
	int fds[2], ret;
	pid_t pid;
	char chr;

	if (pipe(fds) < 0)
		i_fatal("pipe() failed: %m");
	pid = fork();
	if (pid < 0)
		i_fatal("fork() failed: %m");
	if (pid == 0) {
		i_close_fd(&fds[1]);
		if (read(fds[0], &chr, 1) != 1)
			test_exit(1);
		i_close_fd(&fds[0]);
		ret = retrieve_state_open(test_dir, TEST_IDENTITY,
					  &state, &error);
		if (ret == 0 &&
		    strcmp(error, "another retrieval of this account "
				  "is running") != 0)
			ret = 5;
		retrieve_state_close(&state);
		test_exit(10 + ret);
	}
	i_close_fd(&fds[0]);
	*sync_fd_r = fds[1];
	return pid;
}

/* Returns the child's exit code: 10 + what retrieve_state_open() returned */
static int test_opener_wait(pid_t pid, int sync_fd)
{
	int status;

	if (write(sync_fd, "", 1) != 1)
		i_fatal("write() failed: %m");
	i_close_fd(&sync_fd);
	if (waitpid(pid, &status, 0) < 0)
		i_fatal("waitpid() failed: %m");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_retrieve_state_lock(void)
{
	struct retrieve_state *state, *state2;
	const char *error;
	int sync_fd1, sync_fd2, sync_fd3;
	pid_t pid1, pid2, pid3;

	test_begin("retrieve state: lock");
	test_state_reset();
	pid1 = test_opener_fork(&sync_fd1);
	pid2 = test_opener_fork(&sync_fd2);
	state = test_state_open();
	test_state_add(state, "", "1");

	/* another process is excluded by the fcntl() lock */
	test_assert(test_opener_wait(pid1, sync_fd1) == 10);

	/* fcntl() locks do not exclude within a process; the state
	   refuses a second open itself */
	state2 = (void *)1;
	test_assert(retrieve_state_open(test_dir, TEST_IDENTITY,
					&state2, &error) == 0);
	test_assert(state2 == NULL);
	test_assert_strcmp(error, "another retrieval of this account is "
			   "running");
	/* and the refused open did not drop the lock by closing a
	   descriptor of the lock file */
	test_assert(test_opener_wait(pid2, sync_fd2) == 10);

	/* another identity is independent */
	test_assert(retrieve_state_open(test_dir, TEST_IDENTITY"x",
					&state2, &error) == 1);
	retrieve_state_close(&state2);

	retrieve_state_close(&state);
	pid3 = test_opener_fork(&sync_fd3);
	test_assert(test_opener_wait(pid3, sync_fd3) == 11);
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "", "1"));
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_large(void)
{
#define LARGE_UID_COUNT 100000
	struct retrieve_state *state;
	string_t *log;
	unsigned int i;
	bool all = TRUE;

	test_begin("retrieve state: 100000 uids");
	test_state_reset();
	if (mkdir(test_dir, 0700) < 0)
		i_fatal("mkdir(%s) failed: %m", test_dir);
	/* a journal written in one go; add_uid() would fdatasync each */
	log = str_new(default_pool, LARGE_UID_COUNT * 40);
	str_append(log, "dovecot-retrieve-journal\t0\n");
	for (i = 0; i < LARGE_UID_COUNT; i++)
		str_printfa(log, "uid\t\t%08x-uidl-%u\n", i * 2654435761U, i);
	test_write_file(test_path(".log"), str_c(log), FALSE);
	str_free(&log);

	state = test_state_open();
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(!test_file_exists(test_path(".log")));

	state = test_state_open();
	for (i = 0; i < LARGE_UID_COUNT; i++) T_BEGIN {
		if (!retrieve_state_have_uid(state, "",
			t_strdup_printf("%08x-uidl-%u", i * 2654435761U, i)))
			all = FALSE;
	} T_END;
	test_assert(all);
	test_assert(!retrieve_state_have_uid(state, "", "00000000-uidl-1"));
	retrieve_state_close(&state);
	test_end();
}

/* Each special file at each state path: the open fails at once (a FIFO
   would block a plain open() forever) and names the path */
static void test_retrieve_state_special_files(void)
{
	static const char *const suffixes[] = { ".state", ".log", ".lock" };
	struct retrieve_state *state;
	struct retrieve_state_status status;
	const char *error;
	unsigned int i;

	test_begin("retrieve state: FIFOs and symlinks are refused");
	for (i = 0; i < N_ELEMENTS(suffixes); i++) {
		test_state_reset();
		state = test_state_open();
		test_state_add(state, "", "1");
		test_state_commit(state);
		retrieve_state_close(&state);
		i_unlink_if_exists(test_path(suffixes[i]));
		if (mkfifo(test_path(suffixes[i]), 0600) < 0)
			i_fatal("mkfifo() failed: %m");
		error = NULL;
		test_assert_idx(retrieve_state_open(test_dir, TEST_IDENTITY,
						    &state, &error) < 0, i);
		test_assert_idx(error != NULL &&
				strstr(error, "not a regular file") != NULL, i);
		if (i == 0) {
			test_assert(retrieve_state_read_status(test_dir,
				TEST_IDENTITY, pool_datastack_create(),
				&status, &error) < 0);
		}
		i_unlink(test_path(suffixes[i]));
		if (symlink("/etc/passwd", test_path(suffixes[i])) < 0)
			i_fatal("symlink() failed: %m");
		error = NULL;
		test_assert_idx(retrieve_state_open(test_dir, TEST_IDENTITY,
						    &state, &error) < 0, i);
		test_assert_idx(error != NULL &&
				strstr(error, "symbolic link") != NULL, i);
		i_unlink(test_path(suffixes[i]));
	}
	test_end();
}

/* Hostile values never make the file unreadable */
static void test_retrieve_state_caps(void)
{
	struct retrieve_state *state;
	struct retrieve_state_status status;
	const char *error, *long_text, *line;
	string_t *str;

	test_begin("retrieve state: long values are capped");
	test_state_reset();
	str = t_str_new(200000);
	str_append_c(str, 'x');
	while (str_len(str) < 100000)
		str_append(str, "\t\nabc");
	long_text = str_c(str);

	state = test_state_open();
	test_assert(retrieve_state_add_uid(state, "", long_text, &error) < 0);
	test_assert(retrieve_state_add_uid(state, long_text, "1", &error) < 0);
	test_assert(retrieve_state_add_uid_fingerprint(state, "INBOX", "2",
						       long_text, &error) == 0);
	retrieve_state_set_uidvalidity(state, long_text, 5);
	retrieve_state_folder_set_result(state, "INBOX", 1, 1, 1, 1,
					 long_text);
	retrieve_state_set_result(state, 1, 1, RETRIEVE_RESULT_REMOTE_ERROR,
				  NULL, long_text, 0, 0);
	test_state_commit(state);
	retrieve_state_close(&state);

	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "INBOX", "2"));
	test_assert(retrieve_state_get_fingerprints(state, "INBOX",
		pool_datastack_create())[0] == NULL);
	retrieve_state_get_status(state, &status);
	test_assert(strlen(status.last_error) <= RETRIEVE_STATE_MAX_TEXT_LEN);
	retrieve_state_close(&state);

	/* a line over the limit is refused with a clear error */
	test_state_reset();
	state = test_state_open();
	test_state_commit(state);
	retrieve_state_close(&state);
	str_truncate(str, 0);
	/* no .state was written (nothing changed): generation 0 */
	str_append(str, "dovecot-retrieve-journal\t0\nuid\t\t");
	while (str_len(str) < 70000)
		str_append(str, "yyyyyyyyyy");
	str_append_c(str, '\n');
	line = str_c(str);
	test_write_file(test_path(".log"), line, FALSE);
	error = NULL;
	test_assert(retrieve_state_open(test_dir, TEST_IDENTITY, &state,
					&error) < 0);
	test_assert(error != NULL && strstr(error, "line too long") != NULL);
	test_end();
}

/* A run that records nothing but its status */
static void test_state_empty_run(time_t started, unsigned int failures_kind)
{
	struct retrieve_state *state;

	state = test_state_open();
	retrieve_state_set_uidvalidity(state, "INBOX", 7);
	retrieve_state_folder_set_result(state, "INBOX", started, 0, 0, 0,
					 NULL);
	retrieve_state_set_result(state, started, 10,
				  failures_kind == 0 ? RETRIEVE_RESULT_OK :
				  RETRIEVE_RESULT_AUTH_FAILED, NULL,
				  failures_kind == 0 ? NULL : "bad login",
				  0, 0);
	test_state_commit(state);
	retrieve_state_close(&state);
}

static void test_state_stat(const char *suffix, struct stat *st_r)
{
	if (stat(test_path(suffix), st_r) < 0)
		i_fatal("stat(%s) failed: %m", test_path(suffix));
}

static bool test_state_same_file(const struct stat *st1,
				 const struct stat *st2)
{
	return st1->st_ino == st2->st_ino &&
		st1->st_mtim.tv_sec == st2->st_mtim.tv_sec &&
		st1->st_mtim.tv_nsec == st2->st_mtim.tv_nsec &&
		st1->st_size == st2->st_size;
}

static void test_retrieve_state_status_file(void)
{
	static const char *const present[] = { "1", "2", NULL };
	static const char *const present2[] = { "1", NULL };
	const struct retrieve_state_folder_status *folders, *f;
	struct retrieve_state_status status;
	struct retrieve_state *state;
	struct stat st, st2, st3;
	const char *error, *state_data, *data;
	unsigned int count;
	pool_t pool = pool_alloconly_create("test status file", 1024);

	test_begin("retrieve state: an empty run writes .status only");
	test_state_reset();
	state = test_state_open();
	retrieve_state_set_uidvalidity(state, "INBOX", 7);
	test_state_add(state, "INBOX", "1");
	test_state_add(state, "INBOX", "2");
	retrieve_state_set_result(state, 1700000000, 10, RETRIEVE_RESULT_OK,
				  NULL, NULL, 2, 200);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_state_stat(".state", &st);
	state_data = t_strdup(test_read_file(test_path(".state")));

	/* listing the same UIDs and recording the statistics leaves
	   .state alone: same inode, same mtime, same bytes */
	usleep(20000);
	state = test_state_open();
	retrieve_state_prune(state, "INBOX", present);
	test_assert(retrieve_state_add_uid(state, "INBOX", "2", &error) == 0);
	retrieve_state_folder_set_result(state, "INBOX", 1700000100, 0, 0, 1,
					 "a folder error");
	retrieve_state_set_result(state, 1700000100, 20,
				  RETRIEVE_RESULT_AUTH_FAILED, "AUTH",
				  "bad login", 0, 0);
	retrieve_state_set_login_delay(state, 300);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_state_stat(".state", &st2);
	test_assert(test_state_same_file(&st, &st2));
	test_assert_strcmp(test_read_file(test_path(".state")), state_data);
	test_assert(!test_file_exists(test_path(".log")));
	test_state_stat(".status", &st3);
	test_assert((st3.st_mode & 0777) == 0600);

	/* and the status is the empty run's, for every reader */
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.last_run == 1700000100 && status.runs == 2 &&
		    status.consecutive_failures == 1 &&
		    status.total_messages == 2 &&
		    status.login_delay_secs == 300 &&
		    status.last_result == RETRIEVE_RESULT_AUTH_FAILED);
	test_assert_strcmp(status.last_error, "bad login");
	test_assert_strcmp(status.last_resp_code, "AUTH");
	test_assert(test_read_folders(pool, &status, &folders, &count,
				      &error) == 1);
	f = test_folder_find(folders, count, "INBOX");
	test_assert(status.runs == 2);
	test_assert(f != NULL && f->last_run == 1700000100 &&
		    f->last_errors == 1);
	test_assert_strcmp(f == NULL ? NULL : f->last_error, "a folder error");
	state = test_state_open();
	retrieve_state_get_status(state, &status);
	test_assert(status.runs == 2 && status.consecutive_failures == 1);
	test_assert_strcmp(status.last_error, "bad login");
	retrieve_state_close(&state);

	/* a second empty run counts on from the first, in place */
	test_state_empty_run(1700000200, 1);
	test_state_stat(".state", &st2);
	test_assert(test_state_same_file(&st, &st2));
	test_state_stat(".status", &st2);
	test_assert(st2.st_ino == st3.st_ino);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.runs == 3 && status.consecutive_failures == 2);

	/* a crash can leave .status torn, cut, zeroed or gone: the status
	   of the last rewrite of .state holds, and every UID is there */
	data = t_strdup(test_read_file(test_path(".status")));
	static const char *const damage[] = {
		"", "dovecot-retrieve-status\t1\n", "\0\0\0\0\n",
		"garbage\n",
	};
	for (unsigned int i = 0; i <= N_ELEMENTS(damage) + 3; i++) {
		string_t *str = t_str_new(256);

		if (i < N_ELEMENTS(damage))
			str_append(str, damage[i]);
		else if (i == N_ELEMENTS(damage)) {
			/* cut before the end record */
			str_append_data(str, data, strstr(data, "end\t") - data);
		} else if (i == N_ELEMENTS(damage) + 1) {
			/* one byte changed: the CRC no longer matches */
			str_append(str, data);
			buffer_write(str, strstr(data, "\t3\t") - data + 1,
				     "4", 1);
		} else if (i == N_ELEMENTS(damage) + 2) {
			/* zeroes where a line was */
			str_append(str, data);
			buffer_write(str, strstr(data, "status\t") - data,
				     "\0\0\0", 3);
		} else {
			/* a line too long to read */
			str_append(str, "dovecot-retrieve-status\t1\njournal\t");
			while (str_len(str) < 70000)
				str_append(str, "0000000000");
			str_append_c(str, '\n');
		}
		if (i == 2) {
			/* a NUL inside the data */
			str_truncate(str, 0);
			str_append_data(str, "\0\0\0\0\n", 5);
		}
		i_unlink_if_exists(test_path(".status"));
		int fd = open(test_path(".status"), O_WRONLY | O_CREAT, 0600);
		if (fd == -1 ||
		    write(fd, str_data(str), str_len(str)) !=
		    (ssize_t)str_len(str))
			i_fatal("write(.status) failed: %m");
		i_close_fd(&fd);
		test_assert_idx(retrieve_state_read_status(test_dir,
			TEST_IDENTITY, pool, &status, &error) == 1, i);
		test_assert_idx(status.runs == 1 &&
				status.last_run == 1700000000 &&
				status.consecutive_failures == 0, i);
		state = test_state_open();
		test_assert_idx(retrieve_state_have_uid(state, "INBOX", "1") &&
				retrieve_state_have_uid(state, "INBOX", "2"), i);
		retrieve_state_get_status(state, &status);
		test_assert_idx(status.runs == 1, i);
		retrieve_state_close(&state);
	}
	i_unlink(test_path(".status"));
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.runs == 1);

	/* what follows the end record is ignored (a longer earlier
	   version whose truncation a crash lost) */
	test_write_file(test_path(".status"), data, FALSE);
	test_write_file(test_path(".status"), "status\tgarbage\n", TRUE);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.runs == 3);
	/* a shorter status is written over a longer one */
	test_state_empty_run(1700000300, 0);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.runs == 4 && status.last_error == NULL);
	test_assert(strstr(test_read_file(test_path(".status")),
			   "garbage") == NULL);

	/* any change rewrites .state, and .status follows its generation:
	   a leftover of the older one (a crash kept it) is ignored */
	data = t_strdup(test_read_file(test_path(".status")));
	state = test_state_open();
	retrieve_state_prune(state, "INBOX", present2);
	retrieve_state_set_result(state, 1700000400, 10, RETRIEVE_RESULT_OK,
				  NULL, NULL, 0, 0);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_state_stat(".state", &st2);
	test_assert(st2.st_ino != st.st_ino);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.runs == 5);
	test_write_file(test_path(".status"), data, FALSE);
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == 1);
	test_assert(status.runs == 5 && status.last_run == 1700000400);
	state = test_state_open();
	test_assert(retrieve_state_have_uid(state, "INBOX", "2"));
	retrieve_state_close(&state);

	/* a .status that is no regular file is an error, as for the
	   others */
	i_unlink(test_path(".status"));
	if (symlink("/dev/null", test_path(".status")) < 0)
		i_fatal("symlink() failed: %m");
	test_assert(retrieve_state_read_status(test_dir, TEST_IDENTITY, pool,
					       &status, &error) == -1);
	test_assert(strstr(error, "symbolic link") != NULL);
	test_assert(retrieve_state_open(test_dir, TEST_IDENTITY, &state,
					&error) == -1);
	i_unlink(test_path(".status"));
	pool_unref(&pool);
	test_end();
}

/* Every change of what .state records rewrites it */
static void test_retrieve_state_status_changes(void)
{
	static const char *const present[] = { "1", NULL };
	static const char *const present_all[] = { "1", "2", NULL };
	struct retrieve_state *state;
	struct stat st, st2;
	const char *error;
	unsigned int i;

	test_begin("retrieve state: what rewrites .state");
	for (i = 0; i < 9; i++) {
		test_state_reset();
		state = test_state_open();
		retrieve_state_set_uidvalidity(state, "INBOX", 7);
		test_state_add(state, "INBOX", "1");
		test_state_add(state, "INBOX", "2");
		retrieve_state_set_uidvalidity(state, "Old", 1);
		if (i == 8)
			retrieve_state_mark_folder_absent(state, "Old");
		test_state_commit(state);
		retrieve_state_close(&state);
		test_state_stat(".state", &st);

		state = test_state_open();
		switch (i) {
		case 0:
			/* nothing: the control */
			retrieve_state_prune(state, "INBOX", present_all);
			retrieve_state_mark_folder_listed(state, "Old");
			break;
		case 1:
			test_state_add(state, "INBOX", "3");
			break;
		case 2:
			retrieve_state_prune(state, "INBOX", present);
			break;
		case 3:
			retrieve_state_set_uidvalidity(state, "INBOX", 8);
			break;
		case 4:
			retrieve_state_set_uidvalidity(state, "New", 1);
			break;
		case 5:
			retrieve_state_forget_folder(state, "Old");
			break;
		case 6:
			(void)retrieve_state_mark_folder_absent(state, "Old");
			break;
		case 7: {
			struct retrieve_state_pending msg = {
				.folder = "INBOX", .uid = "5",
				.local_folder = "INBOX", .guid = "g",
			};
			test_assert(retrieve_state_add_pending(state, &msg, 1,
							&error) == 0);
			break;
		}
		case 8:
			retrieve_state_mark_folder_listed(state, "Old");
			break;
		}
		test_state_commit(state);
		retrieve_state_close(&state);
		test_state_stat(".state", &st2);
		test_assert_idx((st.st_ino == st2.st_ino) == (i == 0), i);
	}
	test_end();
}

/* Pending records carried in .state (a run ended before its recovery)
   stay until a recovery resolves them, which rewrites .state */
static void test_retrieve_state_status_pending(void)
{
	struct retrieve_state_pending msg = {
		.folder = "", .uid = "7", .local_folder = "INBOX",
		.guid = "00112233445566778899aabbccddeeff",
	};
	struct retrieve_state *state;
	unsigned int count;
	const char *error;
	struct stat st, st2;

	test_begin("retrieve state: resolving carried pending records");
	test_state_reset();
	/* a crash after the batch's pending records, then a run that ends
	   before its recovery: .state carries them */
	state = test_state_open();
	test_assert(retrieve_state_add_pending(state, &msg, 1, &error) == 0);
	retrieve_state_close(&state);
	state = test_state_open();
	test_state_commit(state);
	retrieve_state_close(&state);
	test_assert(!test_file_exists(test_path(".log")));
	test_state_stat(".state", &st);

	/* another such run changes nothing */
	state = test_state_open();
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 1);
	test_state_commit(state);
	retrieve_state_close(&state);
	test_state_stat(".state", &st2);
	test_assert(test_state_same_file(&st, &st2));

	/* one that resolves them drops them from .state */
	state = test_state_open();
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 1);
	retrieve_state_clear_unresolved(state);
	test_state_commit(state);
	retrieve_state_close(&state);
	state = test_state_open();
	(void)retrieve_state_get_unresolved(state, &count);
	test_assert(count == 0);
	retrieve_state_close(&state);
	test_end();
}

static void test_retrieve_state_init(void)
{
	/* lib_init() has run only once test_run() has started */
	if (mkdtemp(test_root) == NULL)
		i_fatal("mkdtemp() failed: %m");
	/* a missing parent must be created too */
	test_dir = i_strconcat(test_root, "/home/.dovecot-retrieve", NULL);
}

static void test_retrieve_state_deinit(void)
{
	const char *error;

	if (unlink_directory(test_root, UNLINK_DIRECTORY_FLAG_RMDIR,
			     &error) < 0)
		i_error("%s", error);
	i_free(test_dir);
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_state_init,
		test_retrieve_result_code,
		test_retrieve_state_create,
		test_retrieve_state_roundtrip,
		test_retrieve_state_status,
		test_retrieve_state_folder_status,
		test_retrieve_state_old_versions,
		test_retrieve_state_journal,
		test_retrieve_state_pending,
		test_retrieve_state_torn_journal,
		test_retrieve_state_corrupt,
		test_retrieve_state_prune,
		test_retrieve_state_status_file,
		test_retrieve_state_status_changes,
		test_retrieve_state_status_pending,
		test_retrieve_state_folder_absent,
		test_retrieve_state_uidvalidity,
		test_retrieve_state_lock,
		test_retrieve_state_large,
		test_retrieve_state_special_files,
		test_retrieve_state_caps,
		test_retrieve_state_deinit,
		NULL
	};
	return test_run(test_functions);
}
