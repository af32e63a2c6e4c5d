/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "istream.h"
#include "unlink-directory.h"
#include "guid.h"
#include "mail-user.h"
#include "test-common.h"
#include "retrieve-state.h"
#include "retrieve-client-private.h"
#include "retrieve-dovecot.h"

#include <stdlib.h>
#include <stdio.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

/* The client's rules, with a stub backend that plays a scripted run and a
   stub delivery that can be made to fail: what is counted, what is
   recorded in the state, and when the backend may delete (or has to
   stop), for deliveries that succeed, fail, and runs that end early. The
   state is the real one, in a temporary directory. */

#define TEST_PASSWORD "Pw-secret-42"

/* --- stub delivery --- */

struct retrieve_deliver {
	unsigned int unused;
};

/* deliveries the stub made (committed); it fails the one numbered
   fail_at (1-based, 0 = never) */
static unsigned int test_delivered;
static unsigned int test_deliver_fail_at;
/* direct saves (batched) instead of Sieve-like immediate commits: saved
   but not committed yet, and whether the commit fails */
static bool test_direct;
static unsigned int test_staged;
static bool test_commit_fails;
/* the GUIDs find_guid() finds, and the last one saved */
static const char *test_found_guid;
static char test_last_guid[GUID_128_SIZE * 2 + 1];
static char test_last_folder[256];
/* when set, where the direct saves go (as Sieve run by us files one
   message into several folders), and how many of those folders' commits
   succeed before the commit fails: a crash between two folders' commits */
static const char *const *test_save_folders;
static unsigned int test_commit_folders_ok;
/* the copies committed so far, "folder/guid": what find_guids() finds */
static ARRAY_TYPE(const_string) test_committed;
static ARRAY_TYPE(const_string) test_uncommitted;
static pool_t test_copy_pool;
static void test_state_snapshot(void);

int retrieve_deliver_init(struct mail_user *user ATTR_UNUSED,
			  const struct retrieve_account_settings *set ATTR_UNUSED,
			  struct event *event_parent ATTR_UNUSED,
			  struct retrieve_deliver **deliver_r,
			  const char **error_r ATTR_UNUSED)
{
	*deliver_r = i_new(struct retrieve_deliver, 1);
	return 0;
}

/* retrieve_deliver_prepare() calls, and its error (NULL: it succeeds) */
static unsigned int test_prepared;
static const char *test_prepare_error;

int retrieve_deliver_prepare(struct retrieve_deliver *deliver ATTR_UNUSED,
			     const char **error_r)
{
	test_prepared++;
	if (test_prepare_error != NULL) {
		*error_r = test_prepare_error;
		return -1;
	}
	return 0;
}

void retrieve_deliver_deinit(struct retrieve_deliver **deliver)
{
	i_free_and_null(*deliver);
}

int retrieve_deliver_message(struct retrieve_deliver *deliver ATTR_UNUSED,
			     const struct retrieve_deliver_message *msg,
			     const char **error_r)
{
	if (test_deliver_fail_at == test_delivered + test_staged + 1) {
		test_deliver_fail_at = 0;
		*error_r = "Quota exceeded";
		return -1;
	}
	if (!test_direct) {
		test_delivered++;
		return 1;
	}
	test_assert(msg->guid != NULL && strlen(msg->guid) == GUID_128_SIZE * 2);
	i_strocpy(test_last_guid, msg->guid, sizeof(test_last_guid));
	i_strocpy(test_last_folder, msg->folder != NULL ? msg->folder : "INBOX",
		  sizeof(test_last_folder));
	if (test_save_folders != NULL) {
		unsigned int i;

		for (i = 0; test_save_folders[i] != NULL; i++) {
			const char *copy = p_strdup_printf(test_copy_pool,
				"%s/%s",
				test_save_folders[i], msg->guid);
			array_push_back(&test_uncommitted, &copy);
		}
	}
	test_staged++;
	return 0;
}

bool retrieve_deliver_is_multi_folder(struct retrieve_deliver *deliver ATTR_UNUSED)
{
	return test_save_folders != NULL;
}

const struct retrieve_deliver_saved *
retrieve_deliver_last_saved(struct retrieve_deliver *deliver ATTR_UNUSED,
			    unsigned int *count_r)
{
	static struct retrieve_deliver_saved saved[4];
	unsigned int i;

	if (test_save_folders == NULL) {
		saved[0].folder = test_last_folder;
		saved[0].uid_min = 42;
		*count_r = 1;
		return saved;
	}
	for (i = 0; test_save_folders[i] != NULL; i++) {
		i_assert(i < N_ELEMENTS(saved));
		saved[i].folder = test_save_folders[i];
		saved[i].uid_min = 42;
	}
	*count_r = i;
	return saved;
}

bool retrieve_deliver_is_direct(struct retrieve_deliver *deliver ATTR_UNUSED,
				const struct retrieve_deliver_message *msg ATTR_UNUSED)
{
	return test_direct;
}

const char *
retrieve_deliver_message_folder(struct retrieve_deliver *deliver ATTR_UNUSED,
				const struct retrieve_deliver_message *msg)
{
	return msg->folder != NULL ? msg->folder : "INBOX";
}

int retrieve_deliver_commit(struct retrieve_deliver *deliver ATTR_UNUSED,
			    const char **error_r)
{
	const char *copy;
	unsigned int i, n_folders;

	if (test_save_folders != NULL) {
		/* the folders commit one after the other, each all of its
		   copies: the first test_commit_folders_ok of them make it */
		for (n_folders = 0; test_save_folders[n_folders] != NULL;
		     n_folders++) ;
		array_foreach_elem(&test_uncommitted, copy) {
			for (i = 0; i < n_folders; i++) {
				if (str_begins_with(copy, t_strconcat(
					test_save_folders[i], "/", NULL)))
					break;
			}
			if (!test_commit_fails || i < test_commit_folders_ok) {
				array_push_back(&test_committed, &copy);
			}
		}
		array_clear(&test_uncommitted);
		/* the process dies here: what is on disk now is what the
		   next run finds */
		if (test_commit_fails)
			test_state_snapshot();
	}
	if (test_commit_fails) {
		test_staged = 0;
		*error_r = "Commit failed";
		return -1;
	}
	test_delivered += test_staged;
	test_staged = 0;
	return 0;
}

void retrieve_deliver_rollback(struct retrieve_deliver *deliver ATTR_UNUSED)
{
	if (array_is_created(&test_uncommitted))
		array_clear(&test_uncommitted);
	test_staged = 0;
}

uint32_t retrieve_deliver_batch_uid_min(struct retrieve_deliver *deliver ATTR_UNUSED)
{
	return 42;
}

int retrieve_deliver_find_guids(struct retrieve_deliver *deliver ATTR_UNUSED,
				const char *folder, uint32_t uid_min,
				const char *const *guids, unsigned int count,
				bool *found, const char **error_r ATTR_UNUSED)
{
	const char *copy;
	unsigned int i;

	if (test_save_folders != NULL) {
		test_assert(uid_min == 42);
		for (i = 0; i < count; i++) {
			found[i] = FALSE;
			array_foreach_elem(&test_committed, copy) {
				if (strcmp(copy, t_strdup_printf("%s/%s",
						folder, guids[i])) == 0)
					found[i] = TRUE;
			}
		}
		return 0;
	}
	test_assert_strcmp(folder, "INBOX");
	test_assert(uid_min == 7);
	for (i = 0; i < count; i++) {
		found[i] = test_found_guid != NULL &&
			strcmp(guids[i], test_found_guid) == 0;
	}
	return 0;
}

int retrieve_deliver_spam_init(struct retrieve_deliver *deliver ATTR_UNUSED,
			       const struct retrieve_spam_settings *set ATTR_UNUSED,
			       const char **error_r ATTR_UNUSED)
{
	return 0;
}

enum retrieve_deliver_spam
retrieve_deliver_get_last_spam(struct retrieve_deliver *deliver ATTR_UNUSED)
{
	return RETRIEVE_DELIVER_SPAM_NONE;
}

const char *retrieve_deliver_temp_prefix(struct retrieve_deliver *deliver ATTR_UNUSED)
{
	return "/tmp/test-retrieve-client.";
}

/* --- stub backend --- */

/* what the backend does when run */
static void (*test_script)(struct retrieve_client *client);
/* the backend's deinit calls, and whether the run had finished at the
   first one */
static unsigned int test_backend_deinits;
static bool test_backend_deinit_finished;
static unsigned int test_runs;
/* the backend's pending work: a "signal" to come */
static struct timeout *test_to_signal;

static struct retrieve_client *test_backend_alloc(void)
{
	struct retrieve_client *client;
	pool_t pool;

	pool = pool_alloconly_create("test retrieve client", 1024);
	client = p_new(pool, struct retrieve_client, 1);
	client->pool = pool;
	return client;
}

static void test_backend_run(struct retrieve_client *client)
{
	test_runs++;
	test_script(client);
}

/* committed and recorded: a backend deletes it now */
static void test_backend_committed(struct retrieve_client *client,
				   uint32_t id ATTR_UNUSED)
{
	retrieve_client_deleted(client);
}

static void test_backend_deinit(struct retrieve_client *client)
{
	timeout_remove(&test_to_signal);
	if (test_backend_deinits++ == 0)
		test_backend_deinit_finished = client->finished;
}

/* These two interpose the library's backends on purpose (the client's
   source is built into this test, the library still defines them):
   ASan's one-definition check would abort an instrumented build. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_odr_violation=0";
}

const struct retrieve_backend retrieve_backend_pop3 = {
	.name = "pop3",
	.protocol = RETRIEVE_PROTOCOL_POP3,
	.v = {
		.alloc = test_backend_alloc,
		.run = test_backend_run,
		.deinit = test_backend_deinit,
		.committed = test_backend_committed,
	},
};
const struct retrieve_backend retrieve_backend_imap = {
	.name = "imap",
	.protocol = RETRIEVE_PROTOCOL_IMAP,
	.v = {
		.alloc = test_backend_alloc,
		.run = test_backend_run,
		.deinit = test_backend_deinit,
		.committed = test_backend_committed,
	},
};

/* --- the world --- */

static char test_root[] = "/tmp/test-retrieve-client.XXXXXX";
static char *test_state_dir;
static struct mail_user test_user;
static struct retrieve_global_settings test_global_set;
static struct retrieve_account_settings test_set;

/* Delivers uid (a message of len bytes) as a POP3 backend does, deleting
   it on the remote only when delivery and recording succeeded. Returns
   the deliver call's result. */
static int test_deliver(struct retrieve_client *client, const char *uid,
			size_t len)
{
	struct retrieve_deliver_message msg;
	char *data = i_malloc(len);
	int ret;

	memset(data, 'x', len);
	i_zero(&msg);
	msg.input = i_stream_create_from_data(data, len);
	msg.protocol = "pop3";
	msg.remote_folder = "";
	msg.remote_uid = uid;
	msg.received_date = (time_t)-1;
	ret = retrieve_client_deliver(client, &msg, NULL, 0);
	i_stream_unref(&msg.input);
	i_free(data);
	return ret;
}

static void test_client_run(void (*script)(struct retrieve_client *client),
		     struct retrieve_result *result_r, pool_t pool)
{
	test_script = script;
	test_delivered = 0;
	test_backend_deinits = 0;
	test_backend_deinit_finished = FALSE;
	test_runs = 0;
	retrieve_client_run_sync(&test_user, &test_global_set, &test_set,
				 result_r, pool);
	/* freed exactly once, aborted or not */
	test_assert(test_backend_deinits == 1);
	test_assert(test_runs == 1);
}

static bool test_state_has(const char *uid)
{
	struct retrieve_state *state;
	const char *error;
	bool ret;

	if (retrieve_state_open(test_global_set.state_dir,
				retrieve_account_identity(&test_set),
				&state, &error) <= 0)
		i_fatal("retrieve_state_open() failed: %s", error);
	ret = retrieve_state_have_uid(state, "", uid);
	retrieve_state_close(&state);
	return ret;
}

static void test_state_status(pool_t pool,
			      struct retrieve_state_status *status_r)
{
	const char *error;

	if (retrieve_state_read_status(test_global_set.state_dir,
				       retrieve_account_identity(&test_set),
				       pool, status_r, &error) <= 0)
		i_fatal("retrieve_state_read_status() failed: %s", error);
}

/* Copies the state directory (flat) to <state_dir>.crash */
static void test_state_snapshot(void)
{
	const char *dest = t_strconcat(test_state_dir, ".crash", NULL);
	struct dirent *d;
	DIR *dir;

	if (mkdir(dest, 0700) < 0)
		i_fatal("mkdir(%s) failed: %m", dest);
	dir = opendir(test_state_dir);
	if (dir == NULL)
		i_fatal("opendir(%s) failed: %m", test_state_dir);
	while ((d = readdir(dir)) != NULL) {
		const char *src_path, *dest_path;
		char buf[4096];
		ssize_t n;
		int in, out;

		if (d->d_name[0] == '.')
			continue;
		src_path = t_strconcat(test_state_dir, "/", d->d_name, NULL);
		dest_path = t_strconcat(dest, "/", d->d_name, NULL);
		in = open(src_path, O_RDONLY);
		out = open(dest_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (in < 0 || out < 0)
			i_fatal("copying %s failed: %m", src_path);
		while ((n = read(in, buf, sizeof(buf))) > 0) {
			if (write(out, buf, n) != n)
				i_fatal("write(%s) failed: %m", dest_path);
		}
		if (n < 0)
			i_fatal("read(%s) failed: %m", src_path);
		i_close_fd(&in);
		i_close_fd(&out);
	}
	(void)closedir(dir);
}

static void test_reset_state(void)
{
	const char *error;

	if (unlink_directory(test_global_set.state_dir,
			     UNLINK_DIRECTORY_FLAG_RMDIR, &error) < 0)
		i_fatal("%s", error);
}

/* --- the cases --- */

static void test_script_all_delivered(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 100) == 0);
	test_assert(test_deliver(client, "u2", 50) == 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
	/* only the first finish counts */
	retrieve_client_finish(client, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			       "too late");
}

static void test_client_delivered(void)
{
	struct retrieve_result result;
	struct retrieve_state_status status;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: deliveries succeed");
	test_prepared = 0;
	test_client_run(test_script_all_delivered, &result, pool);
	test_assert(test_prepared > 0);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(result.error == NULL);
	test_assert(result.messages == 2);
	test_assert(result.bytes == 150);
	test_assert(result.deleted == 2);
	test_assert(test_delivered == 2);
	test_assert(test_state_has("u1"));
	test_assert(test_state_has("u2"));
	test_state_status(pool, &status);
	test_assert(status.last_result == RETRIEVE_RESULT_OK);
	test_assert(status.last_messages == 2);
	test_assert(status.last_bytes == 150);
	test_assert(status.runs == 1);
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_script_delivery_fails(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 100) == 0);
	/* the second fails: not deleted, and nothing after it either */
	test_assert(test_deliver(client, "u2", 100) < 0);
	test_assert(test_deliver(client, "u3", 100) < 0);
	test_assert(retrieve_client_record(client, "", "u4", NULL) < 0);
	/* the backend then ends as it would: the local failure wins */
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_delivery_fails(void)
{
	struct retrieve_result result;
	struct retrieve_state_status status;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: a delivery fails");
	test_deliver_fail_at = 2;
	test_expect_error_string("Quota exceeded");
	test_client_run(test_script_delivery_fails, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(result.error != NULL &&
		    strstr(result.error, "message left on the server") != NULL &&
		    strstr(result.error, "Quota exceeded") != NULL);
	/* after the failure delivery is not even tried */
	test_assert(test_delivered == 1);
	test_assert(result.messages == 1);
	test_assert(result.bytes == 100);
	test_assert(result.deleted == 1);
	test_assert(test_state_has("u1"));
	test_assert(!test_state_has("u2"));
	test_assert(!test_state_has("u3"));
	test_assert(!test_state_has("u4"));
	test_state_status(pool, &status);
	test_assert(status.last_result == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(status.last_messages == 1);
	test_assert(status.consecutive_failures == 1);
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_script_remote_fails(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
	/* server text carries the password: never kept or logged */
	retrieve_client_finish(client, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			       "IN-USE", "Mailbox busy, "TEST_PASSWORD"\r\nx");
}

static void test_client_remote_fails(void)
{
	struct retrieve_result result;
	struct retrieve_state_status status;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: the remote ends the run early");
	test_expect_error_string("Mailbox busy, <hidden>");
	test_client_run(test_script_remote_fails, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_REMOTE_TEMPFAIL);
	test_assert_strcmp(result.resp_code, "IN-USE");
	test_assert(result.error != NULL &&
		    strstr(result.error, TEST_PASSWORD) == NULL &&
		    strchr(result.error, '\r') == NULL &&
		    strstr(result.error, "Mailbox busy") != NULL);
	/* what was delivered before stays delivered and recorded */
	test_assert(result.messages == 1);
	test_assert(test_state_has("u1"));
	test_state_status(pool, &status);
	test_assert(status.last_result == RETRIEVE_RESULT_REMOTE_TEMPFAIL);
	test_assert(status.last_error != NULL &&
		    strstr(status.last_error, TEST_PASSWORD) == NULL);
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_signal(void *context ATTR_UNUSED)
{
	timeout_remove(&test_to_signal);
	io_loop_stop(current_ioloop);
}

static void test_script_interrupted(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
	/* a signal handler stops the ioloop; the backend never finishes */
	test_to_signal = timeout_add_short(1, test_signal, NULL);
}

static void test_script_hangs(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
}

static void test_client_ended_early(void)
{
	struct retrieve_result result;
	struct retrieve_state_status status;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: a run interrupted");
	test_expect_error_string("Run interrupted");
	test_client_run(test_script_interrupted, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(result.error != NULL &&
		    strstr(result.error, "interrupted") != NULL);
	/* the backend is freed before the outcome is recorded: nothing
	   more reaches the remote */
	test_assert(!test_backend_deinit_finished);
	test_assert(result.messages == 1);
	test_assert(test_state_has("u1"));
	test_state_status(pool, &status);
	test_assert(status.last_result == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_reset_state();
	test_end();

	test_begin("retrieve client: retrieve_run_timeout");
	test_global_set.run_timeout_secs = 1;
	test_expect_error_string("Run timeout after 1 s");
	test_client_run(test_script_hangs, &result, pool);
	test_global_set.run_timeout_secs = 60;
	test_assert(result.code == RETRIEVE_RESULT_REMOTE_TEMPFAIL);
	test_assert(result.error != NULL &&
		    strstr(result.error, "retrieve_run_timeout") != NULL);
	test_assert(!test_backend_deinit_finished);
	test_assert(result.messages == 1);
	test_assert(test_state_has("u1"));
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_script_want(struct retrieve_client *client)
{
	/* recorded by the first run */
	test_assert(!retrieve_client_want(client, "", "u1", 10));
	test_assert(retrieve_client_is_retrieved(client, "", "u1"));
	test_assert(retrieve_client_want(client, "", "u2", 1000));
	/* over max_size: left there, counted as skipped */
	test_assert(!retrieve_client_want(client, "", "u3", 1001));
	test_assert(!retrieve_client_want(client, "", "u4", 5000));
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_script_one(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_want(void)
{
	struct retrieve_result result;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: which messages are wanted");
	test_client_run(test_script_one, &result, pool);
	test_set.max_size = 1000;
	test_expect_errors(2);
	test_client_run(test_script_want, &result, pool);
	test_set.max_size = 0;
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(result.skipped_too_large == 2);
	test_assert(result.messages == 0);
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_script_folders(struct retrieve_client *client)
{
	retrieve_client_folder_begin(client, "INBOX", "INBOX");
	test_assert(test_deliver(client, "u1", 10) == 0);
	retrieve_client_folder_begin(client, "Sent", "Sent");
	test_assert(test_deliver(client, "u2", 20) == 0);
	test_assert(test_deliver(client, "u3", 30) == 0);
	retrieve_client_folder_error(client, "FETCH failed");
	retrieve_client_folder_error(client, "second error");
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_folders(void)
{
	struct retrieve_result result;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: per-folder counts");
	test_client_run(test_script_folders, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(result.messages == 3);
	test_assert(result.bytes == 60);
	test_assert(result.folders_count == 2);
	if (result.folders_count == 2) {
		test_assert(result.folders[0].messages == 1);
		test_assert(result.folders[0].bytes == 10);
		test_assert(result.folders[0].errors == 0);
		test_assert(result.folders[1].messages == 2);
		test_assert(result.folders[1].bytes == 50);
		test_assert(result.folders[1].errors == 2);
		/* the first error says why */
		test_assert_strcmp(result.folders[1].error, "FETCH failed");
	}
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_script_batch(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
	test_assert(test_deliver(client, "u2", 20) == 0);
	/* saved, not committed: not recorded, not to be deleted */
	test_assert(test_delivered == 0);
	test_assert(client->result.deleted == 0);
	test_assert(!retrieve_client_is_retrieved(client, "", "u1"));
	test_assert(retrieve_client_commit(client) == 0);
	test_assert(test_delivered == 2);
	test_assert(client->result.deleted == 2);
	test_assert(retrieve_client_is_retrieved(client, "", "u2"));
	/* the last one is committed by the end of the run, and never
	   deleted after it */
	test_assert(test_deliver(client, "u3", 30) == 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_batch(void)
{
	struct retrieve_result result;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: direct saves are committed in batches");
	test_direct = TRUE;
	test_client_run(test_script_batch, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(result.messages == 3);
	test_assert(result.bytes == 60);
	test_assert(result.deleted == 2);
	test_assert(test_delivered == 3);
	test_assert(test_state_has("u3"));
	test_reset_state();
	test_direct = FALSE;
	pool_unref(&pool);
	test_end();
}

static void test_script_batch_fails(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
	test_assert(test_deliver(client, "u2", 20) == 0);
	/* the commit fails: nothing of the batch counts or is deleted */
	test_assert(retrieve_client_commit(client) < 0);
	test_assert(client->result.deleted == 0);
	test_assert(test_deliver(client, "u3", 30) < 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_script_save_fails(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 10) == 0);
	/* the batch before a failed save is committed still */
	test_assert(test_deliver(client, "u2", 20) < 0);
	test_assert(client->result.deleted == 1);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_batch_fails(void)
{
	struct retrieve_result result;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: a batch fails to commit");
	test_direct = TRUE;
	test_commit_fails = TRUE;
	test_expect_error_string("Commit failed");
	test_client_run(test_script_batch_fails, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(result.error != NULL &&
		    strstr(result.error, "2 messages left on the server") != NULL);
	test_assert(result.messages == 0);
	test_assert(result.deleted == 0);
	test_assert(!test_state_has("u1"));
	test_assert(!test_state_has("u2"));
	test_assert(!test_state_has("u3"));
	test_reset_state();
	test_commit_fails = FALSE;
	test_end();

	test_begin("retrieve client: a save in a batch fails");
	test_deliver_fail_at = 2;
	test_expect_error_string("Quota exceeded");
	test_client_run(test_script_save_fails, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(result.messages == 1);
	test_assert(test_state_has("u1"));
	test_assert(!test_state_has("u2"));
	test_reset_state();
	test_direct = FALSE;
	pool_unref(&pool);
	test_end();
}

static void test_script_nothing(struct retrieve_client *client)
{
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_script_prepare_fails(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u1", 100) < 0);
	test_assert(test_deliver(client, "u2", 100) < 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_lazy_prepare(void)
{
	struct retrieve_result result;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: delivery is prepared by the first message");
	/* a run that retrieves nothing touches no folder and no Sieve */
	test_prepared = 0;
	test_client_run(test_script_nothing, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(test_prepared == 0);

	/* a folder or Sieve that fails fails the first message: nothing is
	   recorded, so it stays on the server */
	test_prepare_error = "Couldn't create folder Fetched: blocked";
	test_expect_error_string("Fetched: blocked");
	test_client_run(test_script_prepare_fails, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(result.error != NULL &&
		    strstr(result.error, "Fetched: blocked") != NULL);
	test_assert(result.messages == 0);
	test_assert(result.deleted == 0);
	test_assert(!test_state_has("u1"));
	test_prepare_error = NULL;
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_client_batch_recover(void)
{
	struct retrieve_state_pending msgs[2];
	struct retrieve_state *state;
	struct retrieve_result result;
	const char *error;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: an interrupted batch is recovered");
	/* a crash came after the pending records (and maybe the local
	   commit), before the uid records */
	if (retrieve_state_open(test_global_set.state_dir,
				retrieve_account_identity(&test_set),
				&state, &error) <= 0)
		i_fatal("retrieve_state_open() failed: %s", error);
	i_zero(&msgs);
	msgs[0].folder = msgs[1].folder = "";
	msgs[0].uid = "u1";
	msgs[1].uid = "u2";
	msgs[0].local_folder = msgs[1].local_folder = "INBOX";
	msgs[0].guid = "00112233445566778899aabbccddeeff";
	msgs[1].guid = "ffeeddccbbaa99887766554433221100";
	msgs[0].uid_min = 9;
	msgs[1].uid_min = 7;
	test_assert(retrieve_state_add_pending(state, msgs, 2, &error) == 0);
	retrieve_state_close(&state);

	/* only u1 was committed locally */
	test_found_guid = msgs[0].guid;
	test_expect_error_string("interrupted while committing 2 messages: "
				 "1 of them");
	test_prepared = 0;
	test_client_run(test_script_nothing, &result, pool);
	/* delivery is prepared before the recovery, not left to a message */
	test_assert(test_prepared > 0);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(test_state_has("u1"));
	test_assert(!test_state_has("u2"));
	test_found_guid = NULL;
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_script_two_folders(struct retrieve_client *client)
{
	/* a message in two folders ends its batch: committed at once,
	   Other's commit makes it, INBOX's does not (as a crash between the
	   two), so the delivery fails right there */
	test_assert(test_deliver(client, "u1", 10) < 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_script_two_folders_ok(struct retrieve_client *client)
{
	test_assert(test_deliver(client, "u3", 10) == 0);
	retrieve_client_finish(client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void test_client_batch_recover_copies(void)
{
	static const char *const folders[] = { "Other", "INBOX", NULL };
	struct retrieve_result result;
	pool_t pool = pool_alloconly_create("test", 1024);

	test_begin("retrieve client: a batch over two folders is recovered "
		   "copy by copy");
	test_copy_pool = pool_alloconly_create("test copies", 1024);
	i_array_init(&test_committed, 8);
	i_array_init(&test_uncommitted, 8);
	test_direct = TRUE;
	test_save_folders = folders;
	/* Sieve filed each message into Other and kept it in INBOX; the
	   batch's pending records are journaled, Other's commit made it,
	   INBOX's did not */
	test_commit_fails = TRUE;
	test_commit_folders_ok = 1;
	test_expect_error_string("Commit failed");
	test_client_run(test_script_two_folders, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_LOCAL_TEMPFAIL);
	test_assert(array_count(&test_committed) == 1);
	test_commit_fails = FALSE;
	/* the crash left what the snapshot holds */
	test_reset_state();
	if (rename(t_strconcat(test_state_dir, ".crash", NULL),
		   test_state_dir) < 0)
		i_fatal("rename() failed: %m");

	/* the next run finds the copy in Other but not the one in INBOX:
	   the message is not recorded, so retrieved again, and the INBOX
	   copy is not lost */
	test_expect_error_string("interrupted while committing 1 messages: "
				 "0 of them");
	test_client_run(test_script_nothing, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(!test_state_has("u1"));

	/* without a crash a batch over two folders is recorded */
	test_client_run(test_script_two_folders_ok, &result, pool);
	test_assert(result.code == RETRIEVE_RESULT_OK);
	test_assert(test_state_has("u3"));

	array_free(&test_committed);
	array_free(&test_uncommitted);
	pool_unref(&test_copy_pool);
	test_save_folders = NULL;
	test_direct = FALSE;
	test_reset_state();
	pool_unref(&pool);
	test_end();
}

static void test_retrieve_client(void)
{
	struct ioloop *ioloop = io_loop_create();

	if (mkdtemp(test_root) == NULL)
		i_fatal("mkdtemp() failed: %m");
	test_user.refcount = 1;
	test_user.event = event_create(NULL);
	test_state_dir = i_strconcat(test_root, "/state", NULL);
	test_global_set.state_dir = test_state_dir;
	test_global_set.timeout_secs = 60;
	test_global_set.run_timeout_secs = 60;
	test_set.name = "retrieve";
	test_set.protocol = RETRIEVE_PROTOCOL_POP3;
	test_set.host = "pop.example.org";
	test_set.port = 110;
	test_set.username = "alice";
	test_set.password = TEST_PASSWORD;
	test_set.keep = FALSE;

	test_client_delivered();
	test_client_delivery_fails();
	test_client_remote_fails();
	test_client_ended_early();
	test_client_want();
	test_client_folders();
	test_client_batch();
	test_client_batch_fails();
	test_client_lazy_prepare();
	test_client_batch_recover();
	test_client_batch_recover_copies();

	/* the clients' references are gone */
	test_assert(test_user.refcount == 1);
	event_unref(&test_user.event);
	(void)rmdir(test_root);
	i_free(test_state_dir);
	io_loop_destroy(&ioloop);
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_client,
		NULL
	};
	return test_run(test_functions);
}
