#ifndef RETRIEVE_WORKER_DOVECOT_H
#define RETRIEVE_WORKER_DOVECOT_H

/* The worker's calls that differ between Dovecot 2.3 and 2.4, one
   function per difference (src/service/dovecot-2.x/). */

#include "mail-storage-service.h"

struct mail_user;

/* master_service_init() for the worker: 2.3 keeps the config connection
   open for the lookups after a privilege drop (2.4 reads the whole
   configuration once and keeps it) */
void retrieve_worker_master_service_init(int *argc, char **argv[]);
/* Reads the configuration before the service drops its privileges:
   2.3 only when dropping (the connection), 2.4 always (nothing reads it
   later). Fatal when 2.4 can't. */
void retrieve_worker_config_read(bool dropping);
/* A fork server's child lets go of the config connection (2.3; 2.4 has
   none left) */
void retrieve_worker_config_close(void);
struct mail_storage_service_ctx *
retrieve_worker_storage_service_init(enum mail_storage_service_flags flags);

/* A fork server loads what each job's child would otherwise load and
   build itself: the mail plugins of the service's settings and the TLS
   client context of its ssl_client_* settings. Only the configuration
   is read: no user is looked up, no remote data parsed. */
void retrieve_worker_preload(struct mail_storage_service_ctx *ctx);
/* The shared part of it (retrieve-worker.c): loads and initialises the
   plugins (names separated by spaces) from plugin_dir */
void retrieve_worker_preload_plugins(const char *plugin_dir,
				     const char *plugins);

/* Looks input's user up and creates its mail user (2.3: with the mail
   module's settings); the service user is referenced for the caller
   (mail_storage_service_user_unref() after mail_user_deinit()).
   Returns 1, 0 (no such user) or -1 with error_r. */
int retrieve_worker_user_lookup(struct mail_storage_service_ctx *ctx,
				struct mail_storage_service_input *input,
				struct mail_storage_service_user **service_user_r,
				struct mail_user **user_r,
				const char **error_r);

/* Starts listing every user of the userdb (2.3: no mask; 2.4's auth
   matches each name against the mask, and an empty one matches none) */
void retrieve_worker_users_iter_init(struct mail_storage_service_ctx *ctx);

/* The process ends after the connection it serves */
void retrieve_worker_set_last_connection(void);

#endif
