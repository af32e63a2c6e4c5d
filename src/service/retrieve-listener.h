#ifndef RETRIEVE_LISTENER_H
#define RETRIEVE_LISTENER_H

/* The scheduler's socket for the mail plugin: "LOGIN <user>" when a user
   with accounts logs in over IMAP or POP3. */

struct master_service_connection;
struct retrieve_queue;
struct retrieve_worker_pool;

void retrieve_listeners_init(struct retrieve_queue *queue,
			     struct retrieve_worker_pool *pool);
void retrieve_listeners_deinit(void);

void retrieve_listener_create(struct master_service_connection *conn);

#endif
