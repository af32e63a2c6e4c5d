/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"
#include "retrieve-worker-pool.h"
#include "retrieve-scan.h"

/* After a failed scan (no worker, userdb down) */
#define RETRIEVE_SCAN_RETRY_SECS 60

struct retrieve_scan {
	const struct retrieve_service_settings *set;
	struct retrieve_queue *queue;
	struct retrieve_worker_pool *pool;
	struct timeout *to;
	bool running;
};

static void retrieve_scan_start(struct retrieve_scan *scan);

static void retrieve_scan_callback(bool success, void *context)
{
	struct retrieve_scan *scan = context;
	unsigned int secs;

	scan->running = FALSE;
	retrieve_queue_scan_end(scan->queue, success);

	secs = success ? scan->set->userdb_scan_interval_secs :
		I_MIN(RETRIEVE_SCAN_RETRY_SECS,
		      scan->set->userdb_scan_interval_secs);
	e_debug(retrieve_service_event, "Userdb scan %s: %u users with "
		"accounts, %u accounts; next in %u s",
		success ? "done" : "failed",
		retrieve_queue_count_users(scan->queue),
		retrieve_queue_count_accounts(scan->queue), secs);
	timeout_remove(&scan->to);
	scan->to = timeout_add(secs * 1000, retrieve_scan_start, scan);
}

static void retrieve_scan_start(struct retrieve_scan *scan)
{
	timeout_remove(&scan->to);
	if (scan->running)
		return;
	scan->running = TRUE;
	retrieve_queue_scan_begin(scan->queue);
	retrieve_worker_pool_scan(scan->pool, retrieve_scan_callback, scan);
}

struct retrieve_scan *
retrieve_scan_init(const struct retrieve_service_settings *set,
		   struct retrieve_queue *queue,
		   struct retrieve_worker_pool *pool)
{
	struct retrieve_scan *scan;

	scan = i_new(struct retrieve_scan, 1);
	scan->set = set;
	scan->queue = queue;
	scan->pool = pool;
	/* from the ioloop, once the service is up */
	scan->to = timeout_add_short(0, retrieve_scan_start, scan);
	return scan;
}

void retrieve_scan_deinit(struct retrieve_scan **_scan)
{
	struct retrieve_scan *scan = *_scan;

	*_scan = NULL;
	/* the pool is gone by now: a running scan was already ended */
	i_assert(!scan->running);
	timeout_remove(&scan->to);
	i_free(scan);
}
