#ifndef RETRIEVE_SCAN_H
#define RETRIEVE_SCAN_H

/* Learns the accounts of every userdb user: at start and every
   retrieve_userdb_scan_interval. The iteration itself runs in a worker
   (auth-master calls block), the scheduler only merges the replies. */

struct retrieve_queue;
struct retrieve_worker_pool;
struct retrieve_service_settings;

struct retrieve_scan *
retrieve_scan_init(const struct retrieve_service_settings *set,
		   struct retrieve_queue *queue,
		   struct retrieve_worker_pool *pool);
void retrieve_scan_deinit(struct retrieve_scan **scan);

#endif
