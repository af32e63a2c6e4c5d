/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "net.h"
#include "connection.h"
#include "master-service.h"
#include "retrieve-service-protocol.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"
#include "retrieve-worker-pool.h"
#include "retrieve-listener.h"

#include <unistd.h>

#define RETRIEVE_LISTENER_IDLE_TIMEOUT_SECS 10
/* longer names are no users */
#define RETRIEVE_LISTENER_MAX_USERNAME_LEN 255

/* The socket is open to every local process (IMAP and POP3 processes run
   as their users). A notice from root or from the scheduler's own uid
   (Dovecot's internal user) is trusted; any other sender must have the
   uid the userdb gives the user it names, which the worker's lookup
   checks (a shared vmail uid may so name any of its users). */
struct retrieve_listener {
	struct connection conn;
	/* NULL: trusted; else the peer's uid */
	char *sender;
};

static struct connection_list *retrieve_listeners;
static struct retrieve_queue *listener_queue;
static struct retrieve_worker_pool *listener_pool;

static int
retrieve_listener_input_args(struct connection *conn, const char *const *args)
{
	struct retrieve_listener *listener =
		container_of(conn, struct retrieve_listener, conn);

	if (args[0] == NULL || args[1] == NULL ||
	    strcmp(args[0], RETRIEVE_CLIENT_CMD_LOGIN) != 0 ||
	    args[1][0] == '\0' ||
	    strlen(args[1]) > RETRIEVE_LISTENER_MAX_USERNAME_LEN) {
		e_error(conn->event, "Invalid input (sender uid %s)",
			listener->sender == NULL ? "trusted" :
			listener->sender);
		return -1;
	}
	/* a user's many parallel logins cost one lookup */
	if (retrieve_queue_login_allowed(listener_queue, args[1],
					 listener->sender)) {
		e_debug(conn->event, "Login of user %s", args[1]);
		retrieve_worker_pool_lookup_user(listener_pool, args[1], TRUE,
						 listener->sender);
	}
	return 1;
}

static void retrieve_listener_destroy(struct connection *conn)
{
	struct retrieve_listener *listener =
		container_of(conn, struct retrieve_listener, conn);

	connection_deinit(conn);
	i_free(listener->sender);
	i_free(listener);
	master_service_client_connection_destroyed(master_service);
}

static const struct connection_vfuncs retrieve_listener_vfuncs = {
	.destroy = retrieve_listener_destroy,
	.input_args = retrieve_listener_input_args,
};

static const struct connection_settings retrieve_listener_set = {
	.service_name_in = RETRIEVE_CLIENT_PROTOCOL_NAME,
	.service_name_out = RETRIEVE_CLIENT_PROTOCOL_NAME,
	.major_version = RETRIEVE_PROTOCOL_MAJOR_VERSION,
	.minor_version = RETRIEVE_PROTOCOL_MINOR_VERSION,
	.input_idle_timeout_secs = RETRIEVE_LISTENER_IDLE_TIMEOUT_SECS,
	.input_max_size = 1024,
	.output_max_size = 1024,
	.client = FALSE,
};

void retrieve_listener_create(struct master_service_connection *master_conn)
{
	struct retrieve_listener *listener;
	struct net_unix_cred cred;

	if (net_getunixcred(master_conn->fd, &cred) < 0) {
		e_error(retrieve_service_event,
			"net_getunixcred() failed: %m (notice ignored)");
		return;
	}
	master_service_client_connection_accept(master_conn);
	listener = i_new(struct retrieve_listener, 1);
	if (cred.uid != 0 && cred.uid != geteuid())
		listener->sender = i_strdup_printf("%ld", (long)cred.uid);
	listener->conn.event_parent = retrieve_service_event;
	connection_init_server(retrieve_listeners, &listener->conn,
			       master_conn->name, master_conn->fd,
			       master_conn->fd);
}

void retrieve_listeners_init(struct retrieve_queue *queue,
			     struct retrieve_worker_pool *pool)
{
	listener_queue = queue;
	listener_pool = pool;
	retrieve_listeners = connection_list_init(&retrieve_listener_set,
						  &retrieve_listener_vfuncs);
}

void retrieve_listeners_deinit(void)
{
	connection_list_deinit(&retrieve_listeners);
}
