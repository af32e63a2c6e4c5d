/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "fd-util.h"
#include "hostpid.h"
#include "iostream-ssl.h"
#include "env-util.h"
#include "restrict-access.h"
#include "master-interface.h"
#include "master-service.h"
#include "module-dir.h"
#include "mail-storage-service.h"
#include "retrieve-dovecot.h"
#include "retrieve-deliver.h"
#include "retrieve-master-connection.h"
#include "retrieve-worker-dovecot.h"

#include <unistd.h>
#include <sys/wait.h>

/* The "retrieve-worker" service: runs as root, one scheduler connection
   at a time (client_limit = 1). A root worker is a fork server: it
   initialises the storage service once and never looks up a user
   itself; every job runs in a child forked for it, which ends with the
   job. Scans and userdb lookups (no remote data) drop to each user only
   temporarily (TEMP_PRIV_DROP); a RUN drops to its user for good
   (setuid, no way back) before any network input. A worker running as
   a single vmail uid has no root to lose and serves its jobs itself. */

static struct mail_storage_service_ctx *storage_service;

/* the job's child of a fork server */
static pid_t child_pid = -1;
static int child_fd = -1;
static struct io *child_io;

static void child_ended(void *context ATTR_UNUSED)
{
	int status = 0;

	/* EOF: the child and its copy of the pipe are gone */
	io_remove(&child_io);
	i_close_fd(&child_fd);
	while (waitpid(child_pid, &status, 0) < 0) {
		if (errno != EINTR) {
			i_error("waitpid(%ld) failed: %m", (long)child_pid);
			break;
		}
	}
	if (WIFSIGNALED(status)) {
		i_error("Job process %ld killed by signal %d",
			(long)child_pid, WTERMSIG(status));
	}
	child_pid = -1;
	master_service_client_connection_destroyed(master_service);
}

/* The children inherit the plugins instead of each running the dynamic
   loader and the plugins' init. A user whose userdb adds plugins still
   gets those loaded in the job's child. A child would load the same
   plugins as root too, before its privileges are dropped. */
void retrieve_worker_preload_plugins(const char *plugin_dir,
				     const char *plugins)
{
	struct module_dir_load_settings mod_set;
	const char *error;

	if (*plugins == '\0')
		return;
	i_zero(&mod_set);
	mod_set.abi_version = DOVECOT_ABI_VERSION;
	mod_set.binary_name = master_service_get_name(master_service);
	mod_set.setting_name = "mail_plugins";
	mod_set.require_init_funcs = TRUE;
	if (retrieve_module_dir_try_load_missing(&mail_storage_service_modules,
						 plugin_dir, plugins,
						 &mod_set, &error) < 0) {
		i_warning("retrieve: Not preloading mail plugins: %s", error);
		return;
	}
	module_dir_init(mail_storage_service_modules);
}

static void ATTR_NORETURN
child_run(struct master_service_connection *conn)
{
	unsigned int i, count;
	struct ioloop *ioloop;

	hostpid_init();
	master_service_init_log_with_pid(master_service);
	/* The parent's ioloop (its epoll instance is shared with us) is
	   never run, changed or freed here; the job gets its own. */
	ioloop = io_loop_create();
	/* Nothing of the master's for a process that becomes the user:
	   no listeners to accept others' jobs on, no status pipe, no
	   config connection (a lookup reconnects while still root). */
	count = master_service_get_socket_count(master_service);
	for (i = 0; i < count; i++)
		(void)close(MASTER_LISTEN_FD_FIRST + i);
	(void)close(MASTER_STATUS_FD);
	retrieve_worker_config_close();

	retrieve_master_connections_set_forked();
	if (!retrieve_master_connection_create(conn))
		i_unreached();
	io_loop_run(ioloop);
	/* The run's user and pools are freed (and the secrets zeroed) when
	   the connection ends; the parent's state must stay untouched. */
	_exit(0);
}

/* Runs the connection's job in a forked child; this process stays busy
   (its one client) until the child ends. */
static void client_fork(struct master_service_connection *conn)
{
	int fd[2];

	if (pipe(fd) < 0)
		i_fatal("pipe() failed: %m");
	child_pid = fork();
	if (child_pid < 0) {
		i_error("fork() failed: %m");
		i_close_fd(&fd[0]);
		i_close_fd(&fd[1]);
		i_close_fd(&conn->fd);
		master_service_client_connection_destroyed(master_service);
		return;
	}
	if (child_pid == 0) {
		i_close_fd(&fd[0]);
		/* a program the job runs must not keep the parent busy */
		fd_close_on_exec(fd[1], TRUE);
		child_run(conn);
	}
	i_close_fd(&fd[1]);
	i_close_fd(&conn->fd);
	child_fd = fd[0];
	child_io = io_add(child_fd, IO_READ, child_ended, NULL);
}

static void client_connected(struct master_service_connection *conn)
{
	master_service_client_connection_accept(conn);
	if (getuid() == 0) {
		i_assert(child_pid == -1);
		client_fork(conn);
		return;
	}
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

	/* normally root; a single-uid setup may run it as vmail */
	restrict_access_get_env(&set);
	retrieve_worker_config_read(set.uid != 0);
	restrict_access_by_env(RESTRICT_ACCESS_FLAG_ALLOW_ROOT, NULL);
}

int main(int argc, char *argv[])
{
	enum mail_storage_service_flags storage_service_flags =
		MAIL_STORAGE_SERVICE_FLAG_USERDB_LOOKUP |
		MAIL_STORAGE_SERVICE_FLAG_TEMP_PRIV_DROP |
		MAIL_STORAGE_SERVICE_FLAG_NO_IDLE_TIMEOUT;
	const char *error;

	retrieve_worker_master_service_init(&argc, &argv);
	if (master_getopt(master_service) > 0)
		return FATAL_DEFAULT;

	drop_privileges();
	master_service_init_log_with_pid(master_service);

	storage_service =
		retrieve_worker_storage_service_init(storage_service_flags);
	/* after storage init, before the first user */
	if (retrieve_deliver_global_init(&error) < 0) {
		i_warning("retrieve: %s (accounts with filter=yes will fail)",
			  error);
	}
	/* a fork server's children inherit TLS (the module and OpenSSL's
	   init) instead of loading it for every run */
	if (getuid() == 0) {
		if (ssl_module_load(&error) < 0)
			i_warning("retrieve: %s", error);
		retrieve_worker_preload(storage_service);
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

	if (child_pid != -1) {
		/* shutting down: the job's child ends with its
		   connection (the scheduler is going too) */
		io_remove(&child_io);
		i_close_fd(&child_fd);
	}
	retrieve_master_connections_deinit();
	ssl_iostream_context_cache_free();
	retrieve_deliver_global_deinit();
	mail_storage_service_deinit(&storage_service);
	master_service_deinit(&master_service);
	return 0;
}
