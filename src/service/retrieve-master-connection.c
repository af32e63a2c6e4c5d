/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "ioloop.h"
#include "array.h"
#include "str.h"
#include "strescape.h"
#include "strnum.h"
#include "net.h"
#include "restrict-access.h"
#include "ostream.h"
#include "connection.h"
#include "master-service.h"
#include "mail-user.h"
#include "mail-storage-service.h"
#include "retrieve-client.h"
#include "retrieve-service-protocol.h"
#include "retrieve-worker-report.h"
#include "retrieve-worker-dovecot.h"
#include "retrieve-master-connection.h"

#include <unistd.h>

/* During a scan, flush the replies whenever this much is buffered */
#define RETRIEVE_WORKER_SCAN_FLUSH_SIZE (64*1024)

struct retrieve_master_connection {
	struct connection conn;

	/* the running RUN request */
	pool_t pool;
	struct mail_storage_service_user *service_user;
	struct retrieve_worker_user wuser;
	const struct retrieve_account_settings *set;
	struct retrieve_client *client;
};

static struct connection_list *master_connections;
static struct mail_storage_service_ctx *storage_service;
/* a fork server's child: one job, then the process ends */
static bool worker_forked = FALSE;

static void retrieve_worker_send(struct retrieve_master_connection *mconn,
				 string_t *str)
{
	o_stream_nsend(mconn->conn.output, str_data(str), str_len(str));
	str_truncate(str, 0);
}

static void
retrieve_worker_send_done(struct retrieve_master_connection *mconn)
{
	o_stream_nsend_str(mconn->conn.output, "DONE\n");
}

/* TEMP_PRIV_DROP leaves the euid of the last user until the next
   lookup; scans (auth lists users only to root) and a RUN's final drop
   need root back */
static void retrieve_worker_restore_root(void)
{
	if (geteuid() != 0 && getuid() == 0 && seteuid(0) < 0)
		i_fatal("seteuid(0) failed: %m");
}

/* Looks the user up; on failure appends NOUSER or KEEP to str.
   run: the process becomes the user for good (a RUN).
   Returns 1 with the user, 0/-1 without. */
static int
retrieve_worker_lookup(const char *username, bool run, string_t *str,
		       struct mail_storage_service_user **service_user_r,
		       struct mail_user **user_r)
{
	struct mail_storage_service_input input;
	const char *error;
	int ret;

	i_zero(&input);
	input.service = "retrieve-worker";
	input.username = username;
	if (!run) {
		/* reading settings and state needs no mailboxes */
		input.flags_override_add =
			MAIL_STORAGE_SERVICE_FLAG_NO_NAMESPACES;
	} else {
		/* A run parses remote data (POP3/IMAP, TLS, Sieve): no root
		   left to regain. A root process can't serve anyone else
		   afterwards, so it ends with this connection; a worker
		   running as a single vmail uid has no root to lose and
		   stays for more. */
		if (getuid() == 0) {
			if (!worker_forked)
				retrieve_worker_set_last_connection();
			retrieve_worker_restore_root();
		}
		input.flags_override_remove =
			MAIL_STORAGE_SERVICE_FLAG_TEMP_PRIV_DROP;
	}
	ret = retrieve_worker_user_lookup(storage_service, &input,
					  service_user_r, user_r, &error);
	if (ret > 0) {
		/* the storage service allows core dumps after its drop:
		   a core would hold the remote password */
		if (run)
			restrict_access_set_dumpable(FALSE);
		return 1;
	}
	if (ret == 0) {
		e_debug(master_connections->connections->event,
			"User %s not found in the userdb", username);
		str_append(str, "NOUSER\t");
	} else {
		e_error(master_connections->connections->event,
			"User %s lookup failed: %s", username, error);
		str_append(str, "KEEP\t");
	}
	str_append_tabescaped(str, username);
	str_append_c(str, '\n');
	return ret;
}

static void retrieve_worker_user_deinit(struct mail_user **user,
	struct mail_storage_service_user **service_user)
{
	mail_user_deinit(user);
	mail_storage_service_user_unref(service_user);
}

/* A login notice from a process that is not root or Dovecot's must come
   from the user's own uid (or the shared uid all its users have) */
static bool
retrieve_worker_sender_allowed(struct mail_user *user, const char *sender)
{
	uid_t uid;

	if (sender == NULL)
		return TRUE;
	if (str_to_uid(sender, &uid) < 0 || uid != user->uid) {
		e_warning(user->event, "retrieve: Ignoring a login notice "
			  "for user %s from uid %s: the user's uid is %ld",
			  user->username, sender, (long)user->uid);
		return FALSE;
	}
	return TRUE;
}

/* Reports one user (SCAN, USER). sender: see retrieve_worker_pool. */
static void
retrieve_worker_report(const char *username, bool login, const char *sender,
		       string_t *str)
{
	struct mail_storage_service_user *service_user;
	struct retrieve_worker_user wuser;
	struct mail_user *user;
	const char *error;
	pool_t pool;

	if (retrieve_worker_lookup(username, FALSE, str, &service_user,
				   &user) <= 0)
		return;
	if (!retrieve_worker_sender_allowed(user, sender)) {
		str_append(str, "DENIED\t");
		str_append_tabescaped(str, username);
		str_append_c(str, '\n');
		retrieve_worker_user_deinit(&user, &service_user);
		return;
	}
	/* _clean: the account settings hold passwords, zeroed on free */
	pool = pool_alloconly_create_clean("retrieve worker user", 1024);
	if (retrieve_worker_user_init(user, pool, &wuser, &error) < 0) {
		e_error(user->event, "retrieve: Not scheduling the accounts "
			"of user %s: %s", username, error);
		retrieve_worker_report_empty(username, str);
	} else if (array_count(&wuser.accounts) > 0 || login) {
		retrieve_worker_report_user(&wuser, login, str);
	}
	pool_unref(&pool);
	retrieve_worker_user_deinit(&user, &service_user);
}

static int retrieve_worker_scan(struct retrieve_master_connection *mconn)
{
	struct connection *conn = &mconn->conn;
	string_t *str = str_new(default_pool, 1024);
	const char *username;
	int ret;

	retrieve_worker_restore_root();

	/* The scheduler reads as we write; blocking writes keep the
	   buffer small however large the userdb is. */
	net_set_nonblock(conn->fd_out, FALSE);
	retrieve_worker_users_iter_init(storage_service);
	while ((ret = mail_storage_service_all_next(storage_service,
						    &username)) > 0) {
		T_BEGIN {
			retrieve_worker_report(username, FALSE, NULL, str);
		} T_END;
		if (str_len(str) >= RETRIEVE_WORKER_SCAN_FLUSH_SIZE) {
			retrieve_worker_send(mconn, str);
			if (o_stream_flush(conn->output) < 0)
				break;
		}
	}
	retrieve_worker_send(mconn, str);
	str_free(&str);
	if (ret < 0) {
		e_error(conn->event, "Userdb iteration failed");
		return -1;
	}
	retrieve_worker_send_done(mconn);
	(void)o_stream_flush(conn->output);
	net_set_nonblock(conn->fd_out, TRUE);
	return 0;
}

static void
retrieve_worker_run_callback(const struct retrieve_result *result,
			     struct retrieve_master_connection *mconn)
{
	struct mail_user *user = mconn->wuser.user;
	string_t *str = t_str_new(256);

	retrieve_worker_after_run(&mconn->wuser, mconn->set, result->code);
	retrieve_worker_report_user(&mconn->wuser, FALSE, str);
	str_append(str, "RESULT\t");
	str_append_tabescaped(str, user->username);
	str_append_c(str, '\t');
	str_append_tabescaped(str, mconn->set->name);
	str_append_c(str, '\t');
	str_append(str, retrieve_result_code_name(result->code));
	str_append_c(str, '\n');

	/* done with the user before the scheduler hears of it, so this
	   process is free for its next job as soon as possible */
	retrieve_client_deinit(&mconn->client);
	retrieve_worker_user_deinit(&user, &mconn->service_user);
	mconn->wuser.user = NULL;
	pool_unref(&mconn->pool);
	retrieve_worker_send(mconn, str);
	retrieve_worker_send_done(mconn);
	/* notice the scheduler closing the connection */
	connection_input_resume(&mconn->conn);
}

static void
retrieve_worker_run(struct retrieve_master_connection *mconn,
		    const char *username, const char *key)
{
	struct mail_user *user;
	string_t *str = t_str_new(256);
	const char *error;

	if (retrieve_worker_lookup(username, TRUE, str, &mconn->service_user,
				   &user) <= 0) {
		retrieve_worker_send(mconn, str);
		retrieve_worker_send_done(mconn);
		return;
	}
	mconn->pool = pool_alloconly_create_clean("retrieve worker run", 2048);
	if (retrieve_worker_user_init(user, mconn->pool, &mconn->wuser,
				      &error) < 0) {
		e_error(user->event, "retrieve: Not retrieving for user %s: %s",
			username, error);
		retrieve_worker_report_empty(username, str);
	} else if ((mconn->set = retrieve_worker_user_find(&mconn->wuser,
							   key)) == NULL) {
		/* removed (or broken) since the scheduler learned it */
		retrieve_worker_report_user(&mconn->wuser, FALSE, str);
	} else {
		connection_input_halt(&mconn->conn);
		mconn->client = retrieve_client_init(user, &mconn->wuser.global,
			mconn->set, retrieve_worker_run_callback, mconn);
		retrieve_client_run(mconn->client);
		return;
	}
	retrieve_worker_send(mconn, str);
	retrieve_worker_send_done(mconn);
	mconn->wuser.user = NULL;
	pool_unref(&mconn->pool);
	retrieve_worker_user_deinit(&user, &mconn->service_user);
}

static int
retrieve_master_connection_input_args(struct connection *conn, const char *const *args)
{
	struct retrieve_master_connection *mconn =
		container_of(conn, struct retrieve_master_connection, conn);
	string_t *str;

	if (mconn->client != NULL) {
		e_error(conn->event, "Request while a run is in progress");
		return -1;
	}
	if (args[0] != NULL && strcmp(args[0], "SCAN") == 0)
		return retrieve_worker_scan(mconn) < 0 ? -1 : 1;
	if (args[0] != NULL && strcmp(args[0], "USER") == 0 &&
	    str_array_length(args) >= 3) {
		str = t_str_new(256);
		/* USER <user> <login> [<sender uid>] */
		retrieve_worker_report(args[1], strcmp(args[2], "1") == 0,
				       args[3], str);
		retrieve_worker_send(mconn, str);
		retrieve_worker_send_done(mconn);
		return 1;
	}
	if (args[0] != NULL && strcmp(args[0], "RUN") == 0 &&
	    str_array_length(args) >= 3) {
		retrieve_worker_run(mconn, args[1], args[2]);
		return 1;
	}
	e_error(conn->event, "Invalid request: %s", t_strarray_join(args, " "));
	return -1;
}

static void retrieve_master_connection_destroy(struct connection *conn)
{
	struct retrieve_master_connection *mconn =
		container_of(conn, struct retrieve_master_connection, conn);

	if (mconn->client != NULL) {
		/* aborts the run; the state keeps what was delivered */
		retrieve_client_deinit(&mconn->client);
		retrieve_worker_user_deinit(&mconn->wuser.user,
					    &mconn->service_user);
		pool_unref(&mconn->pool);
	}
	connection_deinit(conn);
	i_free(mconn);
	if (worker_forked) {
		/* the fork server's master accounting is its own */
		io_loop_stop(current_ioloop);
		return;
	}
	master_service_client_connection_destroyed(master_service);
}

static const struct connection_vfuncs retrieve_master_connection_vfuncs = {
	.destroy = retrieve_master_connection_destroy,
	.input_args = retrieve_master_connection_input_args,
};

static const struct connection_settings retrieve_master_connection_set = {
	.service_name_in = RETRIEVE_WORKER_PROTOCOL_NAME,
	.service_name_out = RETRIEVE_WORKER_PROTOCOL_NAME,
	.major_version = RETRIEVE_PROTOCOL_MAJOR_VERSION,
	.minor_version = RETRIEVE_PROTOCOL_MINOR_VERSION,
	.input_max_size = 1024*16,
	.output_max_size = SIZE_MAX,
	.client = FALSE,
};

bool retrieve_master_connection_create(struct master_service_connection *conn)
{
	struct retrieve_master_connection *mconn;

	if (master_connections->connections != NULL)
		return FALSE;
	mconn = i_new(struct retrieve_master_connection, 1);
	connection_init_server(master_connections, &mconn->conn, conn->name,
			       conn->fd, conn->fd);
	return TRUE;
}

void retrieve_master_connections_init(struct mail_storage_service_ctx *ctx)
{
	storage_service = ctx;
	master_connections = connection_list_init(&retrieve_master_connection_set,
						  &retrieve_master_connection_vfuncs);
}

void retrieve_master_connections_set_forked(void)
{
	worker_forked = TRUE;
}

void retrieve_master_connections_deinit(void)
{
	connection_list_deinit(&master_connections);
}
