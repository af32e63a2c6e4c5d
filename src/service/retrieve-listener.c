/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "connection.h"
#include "master-service.h"
#include "retrieve-service-protocol.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"
#include "retrieve-worker-pool.h"
#include "retrieve-listener.h"

#define RETRIEVE_LISTENER_IDLE_TIMEOUT_SECS 10

static struct connection_list *retrieve_listeners;
static struct retrieve_queue *listener_queue;
static struct retrieve_worker_pool *listener_pool;

static int
retrieve_listener_input_args(struct connection *conn, const char *const *args)
{
	if (args[0] == NULL || args[1] == NULL ||
	    strcmp(args[0], "LOGIN") != 0) {
		e_error(conn->event, "Invalid input: %s",
			t_strarray_join(args, " "));
		return -1;
	}
	/* a user's many parallel logins cost one lookup */
	if (retrieve_queue_login_allowed(listener_queue, args[1])) {
		e_debug(conn->event, "Login of user %s", args[1]);
		retrieve_worker_pool_lookup_user(listener_pool, args[1], TRUE);
	}
	return 1;
}

static void retrieve_listener_destroy(struct connection *conn)
{
	connection_deinit(conn);
	i_free(conn);
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
	struct connection *conn;

	master_service_client_connection_accept(master_conn);
	conn = i_new(struct connection, 1);
	conn->event_parent = retrieve_service_event;
	connection_init_server(retrieve_listeners, conn, master_conn->name,
			       master_conn->fd, master_conn->fd);
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
