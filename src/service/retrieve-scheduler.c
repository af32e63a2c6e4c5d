/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "restrict-access.h"
#include "master-service.h"
#include "retrieve-service-protocol.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"
#include "retrieve-worker-pool.h"
#include "retrieve-scan.h"
#include "retrieve-listener.h"

/* The "retrieve" service: keeps the queue of due accounts and hands them
   to retrieve-worker processes. One process (process_limit = 1). */

static struct retrieve_service_settings retrieve_set;
static struct retrieve_worker_pool *worker_pool;
static struct retrieve_queue *queue;
static struct retrieve_scan *scan;

static bool retrieve_scheduler_idle_die(void)
{
	/* the schedule lives in this process: never idle */
	return FALSE;
}

static void
retrieve_scheduler_run(struct retrieve_queue_account *account,
		       void *context ATTR_UNUSED)
{
	retrieve_worker_pool_run(worker_pool, account);
}

static void client_connected(struct master_service_connection *conn)
{
	retrieve_listener_create(conn);
}

int main(int argc, char *argv[])
{
	const char *error;

	master_service = master_service_init("retrieve", 0, &argc, &argv, "");
	if (master_getopt(master_service) > 0)
		return FATAL_DEFAULT;

	if (retrieve_service_settings_read(&retrieve_set, &error) < 0)
		i_fatal("%s", error);
	master_service_init_log(master_service);
	restrict_access_by_env(RESTRICT_ACCESS_FLAG_ALLOW_ROOT, NULL);
	restrict_access_allow_coredumps(TRUE);
	master_service_set_idle_die_callback(master_service,
					     retrieve_scheduler_idle_die);

	retrieve_service_event = event_create(NULL);
	event_add_category(retrieve_service_event,
			   &event_category_retrieve_service);
	event_set_append_log_prefix(retrieve_service_event, "retrieve: ");
	worker_pool = retrieve_worker_pool_init(RETRIEVE_WORKER_SOCKET_NAME,
						&retrieve_set);
	queue = retrieve_queue_init(&retrieve_set, retrieve_scheduler_run,
				    NULL);
	retrieve_worker_pool_set_queue(worker_pool, queue);
	retrieve_listeners_init(queue, worker_pool);
	scan = retrieve_scan_init(&retrieve_set, queue, worker_pool);
	e_debug(retrieve_service_event, "Started: max_parallel=%u "
		"max_per_host=%u userdb_scan_interval=%us min_interval=%us",
		retrieve_set.max_parallel, retrieve_set.max_per_host,
		retrieve_set.userdb_scan_interval_secs,
		retrieve_set.min_interval_secs);

	master_service_init_finish(master_service);
	master_service_run(master_service, client_connected);

	retrieve_listeners_deinit();
	retrieve_worker_pool_deinit(&worker_pool);
	retrieve_scan_deinit(&scan);
	retrieve_queue_deinit(&queue);
	event_unref(&retrieve_service_event);
	master_service_deinit(&master_service);
	return 0;
}
