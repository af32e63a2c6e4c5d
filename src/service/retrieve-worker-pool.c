/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "llist.h"
#include "str.h"
#include "strnum.h"
#include "strescape.h"
#include "ostream.h"
#include "connection.h"
#include "retrieve-service-protocol.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"
#include "retrieve-worker-pool.h"

/* If the backlog of the worker socket is full, retry for this long */
#define RETRIEVE_WORKER_CONNECT_MSECS 5000

enum retrieve_job_type {
	RETRIEVE_JOB_SCAN,
	RETRIEVE_JOB_USER,
	RETRIEVE_JOB_RUN,
};

struct retrieve_job {
	/* first: the connection API hands us this pointer */
	struct connection conn;
	struct retrieve_job *prev, *next;
	struct retrieve_worker_pool *pool;

	enum retrieve_job_type type;
	char *username;
	bool login;
	struct retrieve_queue_account *account;
	retrieve_worker_pool_scan_callback_t *scan_callback;
	void *scan_context;

	bool connected:1;
	bool done:1;
	bool finished:1;
};

struct retrieve_worker_pool {
	char *socket_path;
	const struct retrieve_service_settings *set;
	struct retrieve_queue *queue;
	struct connection_list *conns;

	/* control jobs waiting for a free control slot */
	struct retrieve_job *pending_head, *pending_tail;
	unsigned int control_running;
	/* shutting down: aborted jobs are no failures to log */
	bool deinitializing;
};

static void retrieve_job_start(struct retrieve_job *job);

static bool retrieve_job_is_control(const struct retrieve_job *job)
{
	return job->type != RETRIEVE_JOB_RUN;
}

static void retrieve_worker_pool_start_pending(struct retrieve_worker_pool *pool)
{
	struct retrieve_job *job;

	while (pool->pending_head != NULL &&
	       pool->control_running < RETRIEVE_WORKER_POOL_MAX_CONTROL) {
		job = pool->pending_head;
		DLLIST2_REMOVE(&pool->pending_head, &pool->pending_tail, job);
		pool->control_running++;
		retrieve_job_start(job);
	}
}

static void retrieve_job_finish(struct retrieve_job *job)
{
	struct retrieve_worker_pool *pool = job->pool;
	bool success = job->done;

	if (job->finished)
		return;
	job->finished = TRUE;

	if (!success && !pool->deinitializing) {
		e_error(job->conn.event != NULL ? job->conn.event :
			retrieve_service_event,
			"Worker job for user %s failed: %s",
			job->username != NULL ? job->username : "(scan)",
			job->connected ? connection_disconnect_reason(&job->conn) :
			"couldn't connect to "RETRIEVE_WORKER_SOCKET_NAME);
	}
	switch (job->type) {
	case RETRIEVE_JOB_RUN:
		retrieve_queue_account_finished(pool->queue, job->account,
						pool->set->min_interval_secs);
		break;
	case RETRIEVE_JOB_USER:
		break;
	case RETRIEVE_JOB_SCAN:
		job->scan_callback(success, job->scan_context);
		break;
	}
	if (retrieve_job_is_control(job)) {
		i_assert(pool->control_running > 0);
		pool->control_running--;
	}
	if (job->connected)
		connection_deinit(&job->conn);
	i_free(job->username);
	i_free(job);
	retrieve_worker_pool_start_pending(pool);
}

static void retrieve_job_destroy(struct connection *conn)
{
	struct retrieve_job *job = container_of(conn, struct retrieve_job, conn);

	retrieve_job_finish(job);
}

static int
retrieve_job_input_account(struct retrieve_job *job, const char *const *args)
{
	time_t next_due;

	/* ACCOUNT <user> <key> <host> <next_due> <login_due> */
	if (str_array_length(args) < 6 || str_to_time(args[4], &next_due) < 0)
		return -1;
	retrieve_queue_account_update(job->pool->queue, args[1], args[2],
				      args[3], next_due,
				      strcmp(args[5], "1") == 0);
	return 0;
}

static int
retrieve_job_input_args(struct connection *conn, const char *const *args)
{
	struct retrieve_job *job = container_of(conn, struct retrieve_job, conn);
	struct retrieve_queue *queue = job->pool->queue;
	int ret = 0;

	if (args[0] == NULL)
		ret = -1;
	else if (strcmp(args[0], "DONE") == 0) {
		job->done = TRUE;
		/* destroy() finishes the job */
		return -1;
	} else if (args[1] == NULL)
		ret = -1;
	else if (strcmp(args[0], "ACCOUNT") == 0)
		ret = retrieve_job_input_account(job, args);
	else if (strcmp(args[0], "USER") == 0)
		retrieve_queue_user_begin(queue, args[1]);
	else if (strcmp(args[0], "USEREND") == 0)
		retrieve_queue_user_end(queue, args[1]);
	else if (strcmp(args[0], "NOUSER") == 0)
		retrieve_queue_user_remove(queue, args[1]);
	else if (strcmp(args[0], "KEEP") == 0)
		retrieve_queue_user_keep(queue, args[1]);
	else if (strcmp(args[0], "RESULT") == 0) {
		/* the worker logged the outcome; this is for debugging */
		e_debug(conn->event, "User %s account %s: %s", args[1],
			args[2] == NULL ? "" : args[2],
			args[2] == NULL || args[3] == NULL ? "" : args[3]);
	} else
		ret = -1;
	if (ret < 0) {
		e_error(conn->event, "Worker sent invalid input: %s",
			t_strarray_join(args, " "));
		return -1;
	}
	return 1;
}

static const struct connection_vfuncs retrieve_job_vfuncs = {
	.destroy = retrieve_job_destroy,
	.input_args = retrieve_job_input_args,
};

static const struct connection_settings retrieve_job_set = {
	.service_name_in = RETRIEVE_WORKER_PROTOCOL_NAME,
	.service_name_out = RETRIEVE_WORKER_PROTOCOL_NAME,
	.major_version = RETRIEVE_PROTOCOL_MAJOR_VERSION,
	.minor_version = RETRIEVE_PROTOCOL_MINOR_VERSION,
	.unix_client_connect_msecs = RETRIEVE_WORKER_CONNECT_MSECS,
	.input_max_size = 1024*64,
	.output_max_size = SIZE_MAX,
	.client = TRUE,
};

struct retrieve_worker_pool *
retrieve_worker_pool_init(const char *socket_path,
			  const struct retrieve_service_settings *set)
{
	struct retrieve_worker_pool *pool;

	pool = i_new(struct retrieve_worker_pool, 1);
	pool->socket_path = i_strdup(socket_path);
	pool->set = set;
	pool->conns = connection_list_init(&retrieve_job_set,
					   &retrieve_job_vfuncs);
	return pool;
}

void retrieve_worker_pool_set_queue(struct retrieve_worker_pool *pool,
				    struct retrieve_queue *queue)
{
	pool->queue = queue;
}

static void retrieve_job_start(struct retrieve_job *job)
{
	struct retrieve_worker_pool *pool = job->pool;
	string_t *str = t_str_new(128);

	switch (job->type) {
	case RETRIEVE_JOB_SCAN:
		str_append(str, "SCAN");
		break;
	case RETRIEVE_JOB_USER:
		str_append(str, "USER\t");
		str_append_tabescaped(str, job->username);
		str_append(str, job->login ? "\t1" : "\t0");
		break;
	case RETRIEVE_JOB_RUN:
		str_append(str, "RUN\t");
		str_append_tabescaped(str, job->username);
		str_append_c(str, '\t');
		str_append_tabescaped(str, job->account->key);
		break;
	}
	str_append_c(str, '\n');

	job->conn.event_parent = retrieve_service_event;
	connection_init_client_unix(pool->conns, &job->conn,
				    pool->socket_path);
	job->connected = TRUE;
	if (connection_client_connect(&job->conn) < 0) {
		e_error(job->conn.event, "net_connect_unix(%s) failed: %m",
			pool->socket_path);
		retrieve_job_finish(job);
		return;
	}
	o_stream_nsend(job->conn.output, str_data(str), str_len(str));
}

static struct retrieve_job *
retrieve_job_alloc(struct retrieve_worker_pool *pool,
		   enum retrieve_job_type type, const char *username)
{
	struct retrieve_job *job;

	job = i_new(struct retrieve_job, 1);
	job->pool = pool;
	job->type = type;
	job->username = i_strdup(username);
	return job;
}

void retrieve_worker_pool_run(struct retrieve_worker_pool *pool,
			      struct retrieve_queue_account *account)
{
	struct retrieve_job *job;

	job = retrieve_job_alloc(pool, RETRIEVE_JOB_RUN, account->username);
	job->account = account;
	T_BEGIN {
		retrieve_job_start(job);
	} T_END;
}

static void
retrieve_worker_pool_add_control(struct retrieve_worker_pool *pool,
				 struct retrieve_job *job)
{
	DLLIST2_APPEND(&pool->pending_head, &pool->pending_tail, job);
	T_BEGIN {
		retrieve_worker_pool_start_pending(pool);
	} T_END;
}

void retrieve_worker_pool_lookup_user(struct retrieve_worker_pool *pool,
				      const char *username, bool login)
{
	struct retrieve_job *job;

	job = retrieve_job_alloc(pool, RETRIEVE_JOB_USER, username);
	job->login = login;
	retrieve_worker_pool_add_control(pool, job);
}

void retrieve_worker_pool_scan(struct retrieve_worker_pool *pool,
			       retrieve_worker_pool_scan_callback_t *callback,
			       void *context)
{
	struct retrieve_job *job;

	job = retrieve_job_alloc(pool, RETRIEVE_JOB_SCAN, NULL);
	job->scan_callback = callback;
	job->scan_context = context;
	retrieve_worker_pool_add_control(pool, job);
}

bool retrieve_worker_pool_is_busy(struct retrieve_worker_pool *pool)
{
	return pool->conns->connections_count > 0 ||
		pool->pending_head != NULL;
}

void retrieve_worker_pool_deinit(struct retrieve_worker_pool **_pool)
{
	struct retrieve_worker_pool *pool = *_pool;
	struct retrieve_job *job;

	*_pool = NULL;
	pool->deinitializing = TRUE;
	/* pending jobs never started: drop them quietly */
	while ((job = pool->pending_head) != NULL) {
		DLLIST2_REMOVE(&pool->pending_head, &pool->pending_tail, job);
		if (job->type == RETRIEVE_JOB_SCAN)
			job->scan_callback(FALSE, job->scan_context);
		i_free(job->username);
		i_free(job);
	}
	/* running ones end as failed, which the queue needs to know */
	while (pool->conns->connections != NULL) {
		job = container_of(pool->conns->connections,
				   struct retrieve_job, conn);
		retrieve_job_finish(job);
	}
	connection_list_deinit(&pool->conns);
	i_free(pool->socket_path);
	i_free(pool);
}
