/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "istream.h"
#include "retrieve-dovecot.h"
#include "iostream-ssl.h"
#include "ostream.h"
#include "net.h"
#include "dns-lookup.h"
#include "retrieve-client-private.h"
#include "retrieve-pop3-conn.h"

static const char *const pop3_cmd_names[] = {
	"greeting", "CAPA", "STLS", "APOP", "AUTH", "USER", "PASS",
	"STAT", "UIDL", "LIST", "RETR", "DELE", "QUIT",
};

struct pop3_conn {
	struct retrieve_client *client;
	pop3_conn_input_callback_t *input_callback;
	pop3_conn_failure_callback_t *failure_callback;
	void *context;

	struct dns_lookup *dns_lookup;
	struct ip_addr ip;
	int fd;
	struct istream *input;
	struct ostream *output;
	struct ssl_iostream *ssl_io;
	struct io *io;
	/* retrieve_timeout: any step, restarted by input */
	struct timeout *to;

	/* sent, awaiting replies, oldest first from cmds_head */
	ARRAY(struct pop3_cmd) cmds;
	unsigned int cmds_head;

	/* the body of a multi-line reply being read */
	struct istream *dot_input;
};

const char *pop3_cmd_name(enum pop3_cmd_type type)
{
	i_assert((unsigned int)type < N_ELEMENTS(pop3_cmd_names));
	return pop3_cmd_names[type];
}

static void
pop3_conn_fail(struct pop3_conn *conn, enum retrieve_result_code code,
	       const char *error)
{
	conn->failure_callback(code, error, conn->context);
}

/* The TLS handshake failed, or the connection ended in it (a server
   answering garbage may close before OpenSSL reports the failure) */
static bool pop3_conn_tls_handshake_failed(struct pop3_conn *conn)
{
	return conn->ssl_io != NULL &&
		(ssl_iostream_has_handshake_failed(conn->ssl_io) ||
		 !ssl_iostream_is_handshaked(conn->ssl_io));
}

static const char *pop3_conn_input_error(struct pop3_conn *conn)
{
	/* copied: the caller disconnects, which frees the ssl_iostream */
	if (conn->ssl_io != NULL &&
	    ssl_iostream_has_handshake_failed(conn->ssl_io))
		return t_strdup(ssl_iostream_get_last_error(conn->ssl_io));
	if (pop3_conn_tls_handshake_failed(conn)) {
		return t_strdup_printf("TLS handshake failed: %s",
			conn->input->stream_errno == 0 ?
			"Connection closed by the server" :
			i_stream_get_error(conn->input));
	}
	if (conn->input->stream_errno == 0 ||
	    conn->input->stream_errno == EPIPE)
		return "Connection closed by the server";
	return t_strdup_printf("Connection lost: %s",
			       i_stream_get_error(conn->input));
}

static void pop3_conn_fail_input(struct pop3_conn *conn)
{
	enum retrieve_result_code code = RETRIEVE_RESULT_REMOTE_TEMPFAIL;

	/* an untrusted certificate, or a server that can't speak TLS, does
	   not fix itself */
	if (pop3_conn_tls_handshake_failed(conn))
		code = RETRIEVE_RESULT_REMOTE_ERROR;
	pop3_conn_fail(conn, code, pop3_conn_input_error(conn));
}

static void pop3_conn_timeout(struct pop3_conn *conn)
{
	const struct pop3_cmd *cmd;
	const char *waiting = "the server";

	if (conn->dns_lookup != NULL)
		waiting = "DNS";
	else if (conn->input == NULL)
		waiting = "connect()";
	else if ((cmd = pop3_conn_cmd_head(conn)) != NULL) {
		waiting = t_strdup_printf("the reply to %s",
					  pop3_cmd_name(cmd->type));
	}
	pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
		t_strdup_printf("Timed out after %u seconds waiting for %s",
				conn->client->global_set->timeout_secs,
				waiting));
}

static void pop3_conn_input(struct pop3_conn *conn)
{
	timeout_reset(conn->to);
	conn->input_callback(conn->context);
}

struct pop3_conn *
pop3_conn_init(struct retrieve_client *client,
	       pop3_conn_input_callback_t *input_callback,
	       pop3_conn_failure_callback_t *failure_callback,
	       void *context)
{
	struct pop3_conn *conn;

	conn = p_new(client->pool, struct pop3_conn, 1);
	conn->client = client;
	conn->input_callback = input_callback;
	conn->failure_callback = failure_callback;
	conn->context = context;
	conn->fd = -1;
	p_array_init(&conn->cmds, client->pool, 32);
	return conn;
}

void pop3_conn_deinit(struct pop3_conn **_conn)
{
	struct pop3_conn *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	pop3_conn_disconnect(conn);
	/* the rest is in the client's pool */
}

void pop3_conn_disconnect(struct pop3_conn *conn)
{
	if (conn->dns_lookup != NULL)
		dns_lookup_abort(&conn->dns_lookup);
	io_remove(&conn->io);
	timeout_remove(&conn->to);
	i_stream_unref(&conn->dot_input);
	if (conn->ssl_io != NULL) {
		retrieve_client_ssl_session_save(conn->client, conn->ssl_io);
		ssl_iostream_destroy(&conn->ssl_io);
	}
	i_stream_destroy(&conn->input);
	o_stream_destroy(&conn->output);
	if (conn->fd != -1) {
		net_disconnect(conn->fd);
		conn->fd = -1;
	}
}

/* --- TLS --- */

static int pop3_conn_handshaked(const char **error_r, void *context)
{
	struct pop3_conn *conn = context;

	return retrieve_client_ssl_check_cert(conn->client, conn->ssl_io,
					      error_r);
}

int pop3_conn_start_tls(struct pop3_conn *conn)
{
	const char *error;

	io_remove(&conn->io);
	if (retrieve_client_ssl_wrap(conn->client, &conn->input,
				     &conn->output, &conn->ssl_io,
				     &error) < 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_INTERNAL_ERROR, error);
		return -1;
	}
	ssl_iostream_set_handshake_callback(conn->ssl_io,
					    pop3_conn_handshaked, conn);
	if (ssl_iostream_handshake(conn->ssl_io) < 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_ERROR,
			t_strdup_printf("TLS handshake failed: %s",
				ssl_iostream_get_last_error(conn->ssl_io)));
		return -1;
	}
	conn->io = io_add_istream(conn->input, pop3_conn_input, conn);
	return 0;
}

bool pop3_conn_has_tls(struct pop3_conn *conn)
{
	return conn->ssl_io != NULL;
}

/* --- connecting --- */

static void pop3_conn_connected(struct pop3_conn *conn)
{
	const struct retrieve_account_settings *set = conn->client->set;
	struct pop3_cmd *cmd;
	int err;

	io_remove(&conn->io);
	err = net_geterror(conn->fd);
	if (err != 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			t_strdup_printf("connect(%s:%u) failed: %s",
					net_ip2addr(&conn->ip), set->port,
					strerror(err)));
		return;
	}
	conn->input = i_stream_create_fd(conn->fd, POP3_MAX_LINE_LENGTH);
	conn->output = o_stream_create_fd(conn->fd, SIZE_MAX);
	i_stream_set_name(conn->input, set->host);
	o_stream_set_name(conn->output, set->host);
	o_stream_set_no_error_handling(conn->output, TRUE);

	/* the server speaks first */
	cmd = array_append_space(&conn->cmds);
	cmd->type = POP3_CMD_GREETING;

	if (set->ssl_mode == RETRIEVE_SSL_MODE_IMPLICIT) {
		if (pop3_conn_start_tls(conn) < 0)
			return;
	} else {
		conn->io = io_add_istream(conn->input, pop3_conn_input, conn);
	}
	timeout_reset(conn->to);
}

static void pop3_conn_connect_ip(struct pop3_conn *conn)
{
	const char *error;

	/* the administrator's network lists (SSRF) */
	if (retrieve_client_check_ip(conn->client, &conn->ip, &error) < 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_CONFIG_ERROR, error);
		return;
	}
	conn->fd = net_connect_ip(&conn->ip, conn->client->set->port, NULL);
	if (conn->fd == -1) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			t_strdup_printf("connect(%s:%u) failed: %m",
					net_ip2addr(&conn->ip),
					conn->client->set->port));
		return;
	}
	conn->io = io_add(conn->fd, IO_WRITE, pop3_conn_connected, conn);
}

static void
pop3_conn_dns_callback(const struct dns_lookup_result *result,
		       struct pop3_conn *conn)
{
	conn->dns_lookup = NULL;
	if (result->ret != 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			       retrieve_client_dns_error(conn->client, result));
		return;
	}
	conn->ip = result->ips[0];
	pop3_conn_connect_ip(conn);
}

void pop3_conn_connect(struct pop3_conn *conn)
{
	struct retrieve_client *client = conn->client;
	struct dns_lookup_settings dns_set;

	conn->to = timeout_add(client->global_set->timeout_secs * 1000,
			       pop3_conn_timeout, conn);
	if (net_addr2ip(client->set->host, &conn->ip) == 0) {
		pop3_conn_connect_ip(conn);
		return;
	}
	retrieve_client_dns_settings(client, &dns_set);
	if (dns_lookup(client->set->host, &dns_set, pop3_conn_dns_callback,
		       conn, &conn->dns_lookup) < 0) {
		/* the callback already failed the run */
		conn->dns_lookup = NULL;
	}
}

/* --- commands --- */

void pop3_conn_send(struct pop3_conn *conn, enum pop3_cmd_type type,
		    unsigned int msg_idx, const char *line)
{
	struct pop3_cmd *cmd;

	cmd = array_append_space(&conn->cmds);
	cmd->type = type;
	cmd->msg_idx = msg_idx;
	o_stream_nsend_str(conn->output, t_strconcat(line, "\r\n", NULL));
	if (type != POP3_CMD_PASS && type != POP3_CMD_AUTH &&
	    type != POP3_CMD_APOP)
		e_debug(conn->client->event, "C: %s", line);
}

void pop3_conn_send_continuation(struct pop3_conn *conn, const char *line)
{
	/* a SASL response: part of the AUTH command, never logged */
	o_stream_nsend_str(conn->output, t_strconcat(line, "\r\n", NULL));
}

int pop3_conn_flush(struct pop3_conn *conn)
{
	if (o_stream_flush(conn->output) < 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			       t_strdup_printf("Connection lost: %s",
					o_stream_get_error(conn->output)));
		return -1;
	}
	return 0;
}

void pop3_conn_send_simple(struct pop3_conn *conn, enum pop3_cmd_type type)
{
	pop3_conn_send(conn, type, 0, pop3_cmd_name(type));
	(void)pop3_conn_flush(conn);
}

unsigned int pop3_conn_cmds_in_flight(struct pop3_conn *conn)
{
	return array_count(&conn->cmds) - conn->cmds_head;
}

const struct pop3_cmd *pop3_conn_cmd_head(struct pop3_conn *conn)
{
	if (conn->cmds_head == array_count(&conn->cmds))
		return NULL;
	return array_idx(&conn->cmds, conn->cmds_head);
}

const struct pop3_cmd *pop3_conn_cmd_pop(struct pop3_conn *conn)
{
	const struct pop3_cmd *cmd;

	i_assert(conn->cmds_head < array_count(&conn->cmds));
	cmd = array_idx(&conn->cmds, conn->cmds_head++);
	if (conn->cmds_head == array_count(&conn->cmds)) {
		/* the pointer stays valid: clearing does not free */
		array_clear(&conn->cmds);
		conn->cmds_head = 0;
	}
	return cmd;
}

/* --- replies --- */

int pop3_conn_next_line(struct pop3_conn *conn, const char **line_r)
{
	ssize_t ret;

	for (;;) {
		*line_r = i_stream_next_line(conn->input);
		if (*line_r != NULL)
			return 1;
		ret = i_stream_read(conn->input);
		if (ret == 0)
			return 0;
		if (ret == -2) {
			pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_ERROR,
				       "Server sent a too long line");
			return -1;
		}
		if (ret < 0) {
			pop3_conn_fail_input(conn);
			return -1;
		}
	}
}

void pop3_conn_multiline_begin(struct pop3_conn *conn)
{
	i_assert(conn->dot_input == NULL);
	conn->dot_input = retrieve_i_stream_create_dot(conn->input);
}

bool pop3_conn_in_multiline(struct pop3_conn *conn)
{
	return conn->dot_input != NULL;
}

int pop3_conn_multiline_read(struct pop3_conn *conn,
			     const unsigned char **data_r, size_t *size_r)
{
	ssize_t ret;

	ret = i_stream_read_more(conn->dot_input, data_r, size_r);
	if (ret > 0)
		return 1;
	if (ret == 0)
		return 0;
	i_assert(ret == -1);
	if (conn->dot_input->stream_errno != 0) {
		pop3_conn_fail(conn, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			t_strdup_printf("%s in the middle of a response",
					pop3_conn_input_error(conn)));
		return -2;
	}
	i_stream_unref(&conn->dot_input);
	return -1;
}

void pop3_conn_multiline_skip(struct pop3_conn *conn, size_t size)
{
	i_stream_skip(conn->dot_input, size);
}
