/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "llist.h"
#include "hash.h"
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
/* Login lookups waiting for a control slot; more are dropped (any local
   process can ask for them) */
#define RETRIEVE_WORKER_POOL_MAX_PENDING_LOOKUPS 1000

/* A job whose worker couldn't be reached ends (as failed) this much
   later: the retries that follow never spin or recurse */
#define RETRIEVE_WORKER_START_RETRY_MSECS 1000
/* A RUN may outlive retrieve_run_timeout (the worker's own limit) by
   this much (a tenth of it, at least this many seconds) before the
   scheduler abandons it */
#define RETRIEVE_JOB_DEADLINE_MIN_MARGIN_SECS 5
/* keeps the timer's msecs in range */
#define RETRIEVE_JOB_DEADLINE_MAX_SECS (7*24*60*60)

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
	/* USER: the uid of the process that sent the login notice, for the
	   worker to check against the user's; NULL when trusted */
	char *sender;
	/* USER while pending: its key in pending_lookups */
	char *pending_key;
	struct retrieve_queue_account *account;
	retrieve_worker_pool_scan_callback_t *scan_callback;
	void *scan_context;
	/* RUN: abandons a worker that never answers */
	struct timeout *to_deadline;

	bool connected:1;
	bool done:1;
	bool finished:1;
	bool start_failed:1;
	bool deadline_exceeded:1;
};

struct retrieve_worker_pool {
	char *socket_path;
	const struct retrieve_service_settings *set;
	struct retrieve_queue *queue;
	struct connection_list *conns;

	/* control jobs waiting for a free control slot */
	struct retrieve_job *pending_head, *pending_tail;
	unsigned int control_running;
	/* pending USER jobs by sender and user, so a burst of notices costs
	   one lookup */
	HASH_TABLE(char *, struct retrieve_job *) pending_lookups;
	bool pending_lookups_full_logged;
	/* jobs whose start failed, ended by to_failed */
	struct retrieve_job *failed_head, *failed_tail;
	struct timeout *to_failed;
	/* the last start failed to connect: log only the first failure */
	bool connect_failing;
	/* shutting down: aborted jobs are no failures to log */
	bool deinitializing;
};

static void retrieve_job_start(struct retrieve_job *job);

static bool retrieve_job_is_control(const struct retrieve_job *job)
{
	return job->type != RETRIEVE_JOB_RUN;
}

static void retrieve_job_free(struct retrieve_job *job)
{
	i_free(job->username);
	i_free(job->sender);
	i_free(job->pending_key);
	i_free(job);
}

static void retrieve_job_unpend(struct retrieve_worker_pool *pool,
				struct retrieve_job *job)
{
	DLLIST2_REMOVE(&pool->pending_head, &pool->pending_tail, job);
	if (job->pending_key != NULL) {
		hash_table_remove(pool->pending_lookups, job->pending_key);
		i_free(job->pending_key);
	}
}

static void retrieve_worker_pool_start_pending(struct retrieve_worker_pool *pool)
{
	struct retrieve_job *job;

	while (pool->pending_head != NULL &&
	       pool->control_running < RETRIEVE_WORKER_POOL_MAX_CONTROL) {
		job = pool->pending_head;
		retrieve_job_unpend(pool, job);
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

	timeout_remove(&job->to_deadline);
	if (job->start_failed || job->deadline_exceeded) {
		/* logged already */
	} else if (!success && !pool->deinitializing) {
		e_error(job->conn.event != NULL ? job->conn.event :
			retrieve_service_event,
			"Worker job for user %s failed: %s",
			job->username != NULL ? job->username : "(scan)",
			job->connected ? connection_disconnect_reason(&job->conn) :
			"couldn't connect to "RETRIEVE_WORKER_SOCKET_NAME);
	}
	switch (job->type) {
	case RETRIEVE_JOB_RUN:
		/* a run that hung for a whole run timeout waits as long
		   before the next try */
		retrieve_queue_account_finished(pool->queue, job->account,
			job->deadline_exceeded ?
			I_MAX(pool->set->min_interval_secs,
			      pool->set->run_timeout_secs) :
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
	retrieve_job_free(job);
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
	else if (strcmp(args[0], "NOUSER") == 0) {
		retrieve_queue_user_remove(queue, args[1]);
		if (job->login)
			retrieve_queue_login_refused(queue, args[1],
						     job->sender, TRUE);
	} else if (strcmp(args[0], "DENIED") == 0 &&
		   job->type == RETRIEVE_JOB_USER && job->sender != NULL) {
		/* the worker logged it */
		retrieve_queue_login_refused(queue, args[1], job->sender,
					     FALSE);
	}
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
	hash_table_create(&pool->pending_lookups, default_pool, 0,
			  str_hash, strcmp);
	return pool;
}

void retrieve_worker_pool_set_queue(struct retrieve_worker_pool *pool,
				    struct retrieve_queue *queue)
{
	pool->queue = queue;
}

static unsigned int
retrieve_job_deadline_secs(const struct retrieve_service_settings *set)
{
	unsigned int secs = set->run_timeout_secs;

	secs += I_MAX(secs / 10, RETRIEVE_JOB_DEADLINE_MIN_MARGIN_SECS);
	return I_MIN(secs, RETRIEVE_JOB_DEADLINE_MAX_SECS);
}

static void retrieve_job_deadline(struct retrieve_job *job)
{
	/* The worker is hung (or far slower than it may be): the account
	   must not stay "running" forever. Closing the connection makes a
	   live worker abort the run; its state keeps what was delivered. */
	e_error(job->conn.event, "User %s account %s: the run did not end "
		"within %u s (retrieve_run_timeout + margin): "
		"abandoning the worker, retrying later", job->username,
		job->account->key,
		retrieve_job_deadline_secs(job->pool->set));
	job->deadline_exceeded = TRUE;
	retrieve_job_finish(job);
}

static void retrieve_worker_pool_finish_failed(struct retrieve_worker_pool *pool)
{
	struct retrieve_job *head = pool->failed_head, *job;

	timeout_remove(&pool->to_failed);
	/* jobs failing again while these end go to a fresh list (and
	   timer) */
	pool->failed_head = pool->failed_tail = NULL;
	while ((job = head) != NULL) {
		head = job->next;
		retrieve_job_finish(job);
	}
}

static void retrieve_job_start_failed(struct retrieve_job *job)
{
	struct retrieve_worker_pool *pool = job->pool;

	if (!pool->connect_failing) {
		e_error(job->conn.event, "net_connect_unix(%s) failed: %m "
			"(failing jobs end after %u ms, further failures "
			"are logged only with debugging)", pool->socket_path,
			RETRIEVE_WORKER_START_RETRY_MSECS);
		pool->connect_failing = TRUE;
	} else {
		e_debug(job->conn.event, "net_connect_unix(%s) failed: %m",
			pool->socket_path);
	}
	connection_deinit(&job->conn);
	job->connected = FALSE;
	job->start_failed = TRUE;
	DLLIST2_APPEND(&pool->failed_head, &pool->failed_tail, job);
	if (pool->to_failed == NULL) {
		pool->to_failed = timeout_add(RETRIEVE_WORKER_START_RETRY_MSECS,
					      retrieve_worker_pool_finish_failed,
					      pool);
	}
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
		if (job->sender != NULL) {
			str_append_c(str, '\t');
			str_append(str, job->sender);
		}
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
		/* never finished from here: the caller may be dispatching
		   or starting the next pending job */
		retrieve_job_start_failed(job);
		return;
	}
	if (pool->connect_failing) {
		e_info(job->conn.event, "Connected to %s again",
		       pool->socket_path);
		pool->connect_failing = FALSE;
	}
	if (job->type == RETRIEVE_JOB_RUN) {
		job->to_deadline = timeout_add(
			retrieve_job_deadline_secs(pool->set) * 1000,
			retrieve_job_deadline, job);
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
				      const char *username, bool login,
				      const char *sender)
{
	struct retrieve_job *job;
	const char *key;

	key = t_strdup_printf("%s\t%s", sender == NULL ? "" : sender,
			      username);
	job = hash_table_lookup(pool->pending_lookups, key);
	if (job != NULL) {
		/* the same lookup waits already */
		job->login = job->login || login;
		return;
	}
	if (hash_table_count(pool->pending_lookups) >=
	    RETRIEVE_WORKER_POOL_MAX_PENDING_LOOKUPS) {
		if (!pool->pending_lookups_full_logged) {
			e_warning(retrieve_service_event, "%u user lookups "
				  "wait already: dropping login notices "
				  "(logged once until they drain)",
				  RETRIEVE_WORKER_POOL_MAX_PENDING_LOOKUPS);
			pool->pending_lookups_full_logged = TRUE;
		}
		return;
	}
	if (hash_table_count(pool->pending_lookups) == 0)
		pool->pending_lookups_full_logged = FALSE;

	job = retrieve_job_alloc(pool, RETRIEVE_JOB_USER, username);
	job->login = login;
	job->sender = i_strdup(sender);
	job->pending_key = i_strdup(key);
	hash_table_insert(pool->pending_lookups, job->pending_key, job);
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
	/* ahead of any login lookups: a flood of notices must not delay
	   learning the users and accounts */
	DLLIST2_PREPEND(&pool->pending_head, &pool->pending_tail, job);
	T_BEGIN {
		retrieve_worker_pool_start_pending(pool);
	} T_END;
}

void retrieve_worker_pool_deinit(struct retrieve_worker_pool **_pool)
{
	struct retrieve_worker_pool *pool = *_pool;
	struct retrieve_job *job;

	*_pool = NULL;
	pool->deinitializing = TRUE;
	/* pending jobs never started: drop them quietly */
	while ((job = pool->pending_head) != NULL) {
		retrieve_job_unpend(pool, job);
		if (job->type == RETRIEVE_JOB_SCAN)
			job->scan_callback(FALSE, job->scan_context);
		retrieve_job_free(job);
	}
	retrieve_worker_pool_finish_failed(pool);
	/* running ones end as failed, which the queue needs to know */
	while (pool->conns->connections != NULL) {
		job = container_of(pool->conns->connections,
				   struct retrieve_job, conn);
		retrieve_job_finish(job);
	}
	connection_list_deinit(&pool->conns);
	hash_table_destroy(&pool->pending_lookups);
	i_free(pool->socket_path);
	i_free(pool);
}
