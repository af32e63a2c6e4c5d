/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "env-util.h"
#include "restrict-access.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "mail-storage-service.h"
#include "retrieve-deliver.h"
#include "retrieve-master-connection.h"

/* The "retrieve-worker" service: runs as root, one scheduler connection
   at a time (client_limit = 1). Scans and userdb lookups (no remote
   data) drop to each user only temporarily (TEMP_PRIV_DROP) and the
   process is reused; a RUN drops to its user for good (setuid, no way
   back) before any network input, and the process exits after it. */

static struct mail_storage_service_ctx *storage_service;

static void client_connected(struct master_service_connection *conn)
{
	master_service_client_connection_accept(conn);
	if (!retrieve_master_connection_create(conn)) {
		i_error("retrieve-worker must be configured with "
			"client_limit=1");
		i_close_fd(&conn->fd);
		master_service_client_connection_destroyed(master_service);
	}
}

static void drop_privileges(void)
{
	struct restrict_access_settings set;
	struct master_service_settings_input input;
	struct master_service_settings_output output;
	const char *error;

	/* normally root; a single-uid setup may run it as vmail */
	restrict_access_get_env(&set);
	if (set.uid != 0) {
		/* open the config connection before dropping privileges */
		i_zero(&input);
		input.module = "mail";
		input.service = "retrieve-worker";
		(void)master_service_settings_read(master_service,
						   &input, &output, &error);
	}
	restrict_access_by_env(RESTRICT_ACCESS_FLAG_ALLOW_ROOT, NULL);
}

int main(int argc, char *argv[])
{
	enum mail_storage_service_flags storage_service_flags =
		MAIL_STORAGE_SERVICE_FLAG_USERDB_LOOKUP |
		MAIL_STORAGE_SERVICE_FLAG_TEMP_PRIV_DROP |
		MAIL_STORAGE_SERVICE_FLAG_NO_IDLE_TIMEOUT;
	const char *error;

	master_service = master_service_init("retrieve-worker",
					     MASTER_SERVICE_FLAG_KEEP_CONFIG_OPEN,
					     &argc, &argv, "");
	if (master_getopt(master_service) > 0)
		return FATAL_DEFAULT;

	drop_privileges();
	master_service_init_log_with_pid(master_service);

	storage_service = mail_storage_service_init(master_service, NULL,
						    storage_service_flags);
	/* after storage init, before the first user */
	if (retrieve_deliver_global_init(&error) < 0) {
		i_warning("retrieve: %s (accounts with filter=yes will fail)",
			  error);
	}
	/* Never dumpable: a root process that will hold remote passwords.
	   The master's PR_SET_DUMPABLE would let the storage service turn
	   core dumps back on after each privilege drop; without it a RUN's
	   process stays undumpable as the user too (no core with the
	   password, no ptrace by the user's other processes). */
	env_remove("PR_SET_DUMPABLE");
	restrict_access_set_dumpable(FALSE);
	retrieve_master_connections_init(storage_service);
	master_service_init_finish(master_service);

	master_service_run(master_service, client_connected);

	retrieve_master_connections_deinit();
	retrieve_deliver_global_deinit();
	mail_storage_service_deinit(&storage_service);
	master_service_deinit(&master_service);
	return 0;
}
