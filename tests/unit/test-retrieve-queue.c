/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "ioloop.h"
#include "test-common.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"

/* The scheduler's queue on its own: what it starts, in which order, what
   waits for a host, and which users a scan drops. The worker pool is
   replaced by a callback that only notes the jobs. */

/* the scheduler program defines it (retrieve-service-settings.c) */
struct event *retrieve_service_event;

struct test_queue {
	struct retrieve_service_settings set;
	struct retrieve_queue *queue;
	/* "user/key" of every job started, in order */
	string_t *started;
	ARRAY(struct retrieve_queue_account *) running;
};

static void test_queue_run(struct retrieve_queue_account *account,
			   void *context)
{
	struct test_queue *ctx = context;

	if (str_len(ctx->started) > 0)
		str_append_c(ctx->started, ' ');
	str_printfa(ctx->started, "%s/%s", account->username, account->key);
	array_push_back(&ctx->running, &account);
}

static void test_queue_init(struct test_queue *ctx, unsigned int max_parallel,
			    unsigned int max_per_host)
{
	i_zero(ctx);
	ctx->set.max_parallel = max_parallel;
	ctx->set.max_per_host = max_per_host;
	ctx->set.min_interval_secs = 60;
	ctx->started = str_new(default_pool, 128);
	i_array_init(&ctx->running, 8);
	ctx->queue = retrieve_queue_init(&ctx->set, test_queue_run, ctx);
}

static void test_queue_deinit(struct test_queue *ctx)
{
	struct retrieve_queue_account *account;

	/* the pool ends every job before the queue goes */
	array_foreach_elem(&ctx->running, account)
		retrieve_queue_account_finished(ctx->queue, account, 60);
	retrieve_queue_deinit(&ctx->queue);
	array_free(&ctx->running);
	str_free(&ctx->started);
}

/* Lets the queue's 0 ms dispatch timer fire; returns the jobs started
   since the last call. */
static const char *test_queue_dispatch(struct test_queue *ctx)
{
	struct timeout *to;
	const char *started;

	to = timeout_add_short(20, io_loop_stop, current_ioloop);
	io_loop_run(current_ioloop);
	timeout_remove(&to);
	started = t_strdup(str_c(ctx->started));
	str_truncate(ctx->started, 0);
	return started;
}

/* Ends the running job of user/key */
static void test_queue_finish(struct test_queue *ctx, const char *username,
			      const char *key, unsigned int retry_secs)
{
	struct retrieve_queue_account *account;
	unsigned int i;

	for (i = 0; i < array_count(&ctx->running); i++) {
		account = array_idx_elem(&ctx->running, i);
		if (strcmp(account->username, username) == 0 &&
		    strcmp(account->key, key) == 0) {
			array_delete(&ctx->running, i, 1);
			retrieve_queue_account_finished(ctx->queue, account,
							retry_secs);
			return;
		}
	}
	test_assert_failed(t_strdup_printf("%s/%s is running", username, key),
			   __FILE__, __LINE__);
}

/* One user with one account, as a worker's report brings it */
static void test_queue_report(struct test_queue *ctx, const char *username,
			      const char *host, time_t next_due,
			      bool login_due)
{
	retrieve_queue_user_begin(ctx->queue, username);
	retrieve_queue_account_update(ctx->queue, username, "retrieve", host,
				      next_due, login_due);
	retrieve_queue_user_end(ctx->queue, username);
}

static void test_retrieve_queue_priorities(void)
{
	struct test_queue ctx;

	test_begin("retrieve queue: the account due first runs first");
	test_queue_init(&ctx, 1, 10);
	test_queue_report(&ctx, "u1", "h1", ioloop_time - 10, FALSE);
	test_queue_report(&ctx, "u2", "h2", ioloop_time - 30, FALSE);
	test_queue_report(&ctx, "u3", "h3", ioloop_time - 20, FALSE);
	/* not due for an hour */
	test_queue_report(&ctx, "u4", "h4", ioloop_time + 3600, FALSE);
	test_assert(retrieve_queue_count_users(ctx.queue) == 4);
	test_assert(retrieve_queue_count_accounts(ctx.queue) == 4);

	/* one slot: the most overdue */
	test_assert_strcmp(test_queue_dispatch(&ctx), "u2/retrieve");
	test_queue_finish(&ctx, "u2", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u3/retrieve");
	test_queue_finish(&ctx, "u3", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u1/retrieve");
	/* a login makes a later account due now */
	test_queue_report(&ctx, "u4", "h4", ioloop_time + 3600, TRUE);
	test_queue_finish(&ctx, "u1", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u4/retrieve");
	test_queue_finish(&ctx, "u4", "retrieve", 60);
	/* every account ran and waits out its retry */
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue_parallel(void)
{
	struct test_queue ctx;

	test_begin("retrieve queue: retrieve_max_parallel");
	test_queue_init(&ctx, 2, 10);
	test_queue_report(&ctx, "u1", "h1", 0, FALSE);
	test_queue_report(&ctx, "u2", "h2", ioloop_time - 5, FALSE);
	test_queue_report(&ctx, "u3", "h3", ioloop_time - 1, FALSE);
	test_assert_strcmp(test_queue_dispatch(&ctx),
			   "u1/retrieve u2/retrieve");
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	test_queue_finish(&ctx, "u1", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u3/retrieve");
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue_per_host(void)
{
	struct test_queue ctx;

	test_begin("retrieve queue: per-host waits");
	test_queue_init(&ctx, 10, 2);
	test_queue_report(&ctx, "u1", "pop.example.org", ioloop_time - 40, FALSE);
	/* host names compare without case */
	test_queue_report(&ctx, "u2", "POP.example.org", ioloop_time - 30, FALSE);
	test_queue_report(&ctx, "u3", "pop.example.org", ioloop_time - 10, FALSE);
	test_queue_report(&ctx, "u4", "pop.example.org", ioloop_time - 20, FALSE);
	test_queue_report(&ctx, "u5", "imap.example.org", ioloop_time - 5, FALSE);
	/* two slots on the busy host; the other host is not held up */
	test_assert_strcmp(test_queue_dispatch(&ctx),
			   "u1/retrieve u2/retrieve u5/retrieve");
	test_queue_finish(&ctx, "u5", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	/* a slot on the host goes to the waiting account due first */
	test_queue_finish(&ctx, "u2", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u4/retrieve");
	/* a report that it is due keeps it waiting, not duplicated */
	test_queue_report(&ctx, "u3", "pop.example.org", 0, TRUE);
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	test_queue_finish(&ctx, "u1", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u3/retrieve");
	/* another host's slots are its own */
	test_queue_report(&ctx, "u9", "imap.example.org", 0, FALSE);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u9/retrieve");
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue_retry_floor(void)
{
	struct test_queue ctx;

	test_begin("retrieve queue: a finished run waits retry_secs");
	test_queue_init(&ctx, 10, 10);
	test_queue_report(&ctx, "u1", "h1", 0, FALSE);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u1/retrieve");
	/* the worker reports it due again at once (or a login does) while
	   it runs: the job's end still holds it back */
	test_queue_report(&ctx, "u1", "h1", 0, TRUE);
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	test_queue_finish(&ctx, "u1", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	/* a later report may move it, when no longer running */
	test_queue_report(&ctx, "u1", "h1", 0, TRUE);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u1/retrieve");
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue_scan(void)
{
	struct test_queue ctx;
	time_t later = ioloop_time + 3600;

	test_begin("retrieve queue: scan generations");
	test_queue_init(&ctx, 10, 10);
	test_queue_report(&ctx, "u1", "h1", later, FALSE);
	test_queue_report(&ctx, "u2", "h1", later, FALSE);
	test_queue_report(&ctx, "u3", "h1", later, FALSE);
	test_assert(retrieve_queue_count_users(ctx.queue) == 3);

	/* a failed scan drops nobody */
	retrieve_queue_scan_begin(ctx.queue);
	test_queue_report(&ctx, "u1", "h1", later, FALSE);
	retrieve_queue_scan_end(ctx.queue, FALSE);
	test_assert(retrieve_queue_count_users(ctx.queue) == 3);

	/* a complete one drops the users it did not see; a user whose
	   lookup failed temporarily is kept */
	retrieve_queue_scan_begin(ctx.queue);
	test_queue_report(&ctx, "u1", "h1", later, FALSE);
	retrieve_queue_user_keep(ctx.queue, "u3");
	/* a user new during the scan (a login) counts as seen */
	test_queue_report(&ctx, "u4", "h1", later, FALSE);
	retrieve_queue_scan_end(ctx.queue, TRUE);
	test_assert(retrieve_queue_count_users(ctx.queue) == 3);
	test_assert(retrieve_queue_count_accounts(ctx.queue) == 3);

	/* the next complete scan that lacks them drops them */
	retrieve_queue_scan_begin(ctx.queue);
	test_queue_report(&ctx, "u4", "h1", later, FALSE);
	retrieve_queue_scan_end(ctx.queue, TRUE);
	test_assert(retrieve_queue_count_users(ctx.queue) == 1);
	test_assert(retrieve_queue_count_accounts(ctx.queue) == 1);
	test_assert_strcmp(test_queue_dispatch(&ctx), "");
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue_user_accounts(void)
{
	struct test_queue ctx;

	test_begin("retrieve queue: a user's report replaces its accounts");
	test_queue_init(&ctx, 10, 10);
	retrieve_queue_user_begin(ctx.queue, "u1");
	retrieve_queue_account_update(ctx.queue, "u1", "retrieve", "h1",
				      0, FALSE);
	retrieve_queue_account_update(ctx.queue, "u1", "retrieve2", "h2",
				      ioloop_time + 3600, FALSE);
	retrieve_queue_user_end(ctx.queue, "u1");
	test_assert(retrieve_queue_count_accounts(ctx.queue) == 2);
	test_assert_strcmp(test_queue_dispatch(&ctx), "u1/retrieve");

	/* retrieve is gone from the userdb while it runs; its job still
	   ends normally */
	retrieve_queue_user_begin(ctx.queue, "u1");
	retrieve_queue_account_update(ctx.queue, "u1", "retrieve2", "h2",
				      ioloop_time + 3600, FALSE);
	retrieve_queue_user_end(ctx.queue, "u1");
	test_assert(retrieve_queue_count_accounts(ctx.queue) == 1);
	test_queue_finish(&ctx, "u1", "retrieve", 60);
	test_assert_strcmp(test_queue_dispatch(&ctx), "");

	/* no accounts left: the user goes */
	retrieve_queue_user_begin(ctx.queue, "u1");
	retrieve_queue_user_end(ctx.queue, "u1");
	test_assert(retrieve_queue_count_users(ctx.queue) == 0);
	test_assert(retrieve_queue_count_accounts(ctx.queue) == 0);

	/* removed from the userdb */
	test_queue_report(&ctx, "u2", "h1", ioloop_time + 3600, FALSE);
	retrieve_queue_user_remove(ctx.queue, "u2");
	test_assert(retrieve_queue_count_users(ctx.queue) == 0);
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue_login_notices(void)
{
	struct test_queue ctx;

	test_begin("retrieve queue: login notices");
	test_queue_init(&ctx, 10, 10);
	test_assert(retrieve_queue_login_allowed(ctx.queue, "u1", NULL));
	/* many connections at once cost one lookup */
	test_assert(!retrieve_queue_login_allowed(ctx.queue, "u1", NULL));
	/* a sender never mutes another sender's notices */
	test_assert(retrieve_queue_login_allowed(ctx.queue, "u1", "1000"));
	test_assert(retrieve_queue_login_allowed(ctx.queue, "u2", "1000"));
	/* not the sender's user: that sender is ignored for a while */
	retrieve_queue_login_refused(ctx.queue, "u3", "1000", FALSE);
	test_assert(!retrieve_queue_login_allowed(ctx.queue, "u3", "1000"));
	test_assert(retrieve_queue_login_allowed(ctx.queue, "u3", NULL));
	/* no such user: ignored whoever sends it */
	retrieve_queue_login_refused(ctx.queue, "u4", "1000", TRUE);
	test_assert(!retrieve_queue_login_allowed(ctx.queue, "u4", NULL));
	test_assert(!retrieve_queue_login_allowed(ctx.queue, "u4", "1001"));
	test_queue_deinit(&ctx);
	test_end();
}

static void test_retrieve_queue(void)
{
	struct ioloop *ioloop = io_loop_create();

	retrieve_service_event = event_create(NULL);
	test_retrieve_queue_priorities();
	test_retrieve_queue_parallel();
	test_retrieve_queue_per_host();
	test_retrieve_queue_retry_floor();
	test_retrieve_queue_scan();
	test_retrieve_queue_user_accounts();
	test_retrieve_queue_login_notices();
	event_unref(&retrieve_service_event);
	io_loop_destroy(&ioloop);
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_queue,
		NULL
	};
	return test_run(test_functions);
}
