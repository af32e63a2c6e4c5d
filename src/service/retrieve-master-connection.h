#ifndef RETRIEVE_MASTER_CONNECTION_H
#define RETRIEVE_MASTER_CONNECTION_H

/* A retrieve-worker process's connection from the scheduler, its master
   (named as Dovecot's indexer-worker names its connection from indexer;
   not Dovecot's master process). One at a time (client_limit = 1): SCAN,
   USER and RUN requests, see retrieve-service-protocol.h. */

struct master_service_connection;
struct mail_storage_service_ctx;

void retrieve_master_connections_init(struct mail_storage_service_ctx *ctx);
void retrieve_master_connections_deinit(void);
/* In a fork server's child: the job's end stops the current ioloop
   instead of telling the master, and the process doesn't set its
   service count. */
void retrieve_master_connections_set_forked(void);

/* Returns FALSE when the process already has a connection */
bool retrieve_master_connection_create(struct master_service_connection *conn);

#endif
