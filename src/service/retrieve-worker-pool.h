#ifndef RETRIEVE_WORKER_POOL_H
#define RETRIEVE_WORKER_POOL_H

/* The scheduler's jobs on retrieve-worker processes: one connection per
   job, replies fed into the queue. Account runs are bounded by the queue;
   lookups and scans ("control jobs") by RETRIEVE_WORKER_POOL_MAX_CONTROL,
   so the worker service needs process_limit >= retrieve_max_parallel +
   RETRIEVE_WORKER_POOL_MAX_CONTROL. */

#define RETRIEVE_WORKER_POOL_MAX_CONTROL 2

struct retrieve_queue;
struct retrieve_queue_account;
struct retrieve_service_settings;

typedef void retrieve_worker_pool_scan_callback_t(bool success,
						  void *context);

struct retrieve_worker_pool *
retrieve_worker_pool_init(const char *socket_path,
			  const struct retrieve_service_settings *set);
void retrieve_worker_pool_deinit(struct retrieve_worker_pool **pool);

/* The queue is created after the pool (it needs the run callback) */
void retrieve_worker_pool_set_queue(struct retrieve_worker_pool *pool,
				    struct retrieve_queue *queue);

void retrieve_worker_pool_run(struct retrieve_worker_pool *pool,
			      struct retrieve_queue_account *account);
/* sender: NULL, or the uid (as text) of the process that sent a login
   notice, which the worker checks against the user's uid. Lookups
   already waiting are not queued twice; beyond a cap they are dropped. */
void retrieve_worker_pool_lookup_user(struct retrieve_worker_pool *pool,
				      const char *username, bool login,
				      const char *sender);
void retrieve_worker_pool_scan(struct retrieve_worker_pool *pool,
			       retrieve_worker_pool_scan_callback_t *callback,
			       void *context);

#endif
