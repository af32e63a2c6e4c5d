/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "net.h"
#include "istream.h"
#include "retrieve-spam-conn.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

struct retrieve_spam_conn {
	int fd;
	unsigned int timeout_secs;
	/* CLOCK_MONOTONIC milliseconds */
	long long deadline;
};

static long long retrieve_spam_conn_now_msecs(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		i_fatal("clock_gettime(CLOCK_MONOTONIC) failed: %m");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on the socket until the deadline. Returns 1 when
   ready, 0 on timeout, -1 on error (error_r set in both). */
static int
retrieve_spam_conn_wait(struct retrieve_spam_conn *conn, short events,
			const char **error_r)
{
	struct pollfd pfd;
	long long left;
	int ret;

	for (;;) {
		left = conn->deadline - retrieve_spam_conn_now_msecs();
		if (left <= 0)
			break;
		i_zero(&pfd);
		pfd.fd = conn->fd;
		pfd.events = events;
		ret = poll(&pfd, 1, (int)I_MIN(left, INT_MAX));
		if (ret > 0)
			return 1;
		if (ret < 0 && errno != EINTR) {
			*error_r = t_strdup_printf("poll() failed: %m");
			return -1;
		}
	}
	*error_r = t_strdup_printf("Timed out after %u s "
				   "(retrieve_spam_timeout)",
				   conn->timeout_secs);
	return 0;
}

int retrieve_spam_conn_open(const char *path, const struct ip_addr *ip,
			    in_port_t port, unsigned int timeout_secs,
			    struct retrieve_spam_conn **conn_r,
			    const char **error_r)
{
	struct retrieve_spam_conn *conn;
	int err;

	conn = i_new(struct retrieve_spam_conn, 1);
	conn->timeout_secs = timeout_secs;
	conn->deadline = retrieve_spam_conn_now_msecs() +
		(long long)timeout_secs * 1000;
	if (path != NULL)
		conn->fd = net_connect_unix(path);
	else
		conn->fd = net_connect_ip(ip, port, NULL);
	if (conn->fd == -1) {
		*error_r = t_strdup_printf("connect() failed: %m");
		retrieve_spam_conn_close(&conn);
		return -1;
	}
	if (retrieve_spam_conn_wait(conn, POLLOUT, error_r) <= 0) {
		retrieve_spam_conn_close(&conn);
		return -1;
	}
	err = net_geterror(conn->fd);
	if (err != 0) {
		*error_r = t_strdup_printf("connect() failed: %s",
					   strerror(err));
		retrieve_spam_conn_close(&conn);
		return -1;
	}
	*conn_r = conn;
	return 0;
}

void retrieve_spam_conn_close(struct retrieve_spam_conn **_conn)
{
	struct retrieve_spam_conn *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	if (conn->fd != -1)
		net_disconnect(conn->fd);
	i_free(conn);
}

int retrieve_spam_conn_send(struct retrieve_spam_conn *conn,
			    const void *data, size_t size,
			    const char **error_r)
{
	ssize_t ret;

	while (size > 0) {
		/* a scanner that hung up must not kill us with SIGPIPE */
		ret = send(conn->fd, data, size, MSG_NOSIGNAL);
		if (ret > 0) {
			data = CONST_PTR_OFFSET(data, ret);
			size -= ret;
			continue;
		}
		if (ret < 0 && errno != EAGAIN && errno != EINTR) {
			*error_r = t_strdup_printf("send() failed: %m");
			return -1;
		}
		if (retrieve_spam_conn_wait(conn, POLLOUT, error_r) <= 0)
			return -1;
	}
	return 0;
}

int retrieve_spam_conn_send_stream(struct retrieve_spam_conn *conn,
				   struct istream *input, uoff_t size,
				   const char **error_r)
{
	const unsigned char *data;
	size_t len;
	uoff_t sent = 0;
	int ret;

	while ((ret = i_stream_read_more(input, &data, &len)) > 0) {
		if (len > size - sent) {
			*error_r = "The message grew while it was scanned";
			return -1;
		}
		if (retrieve_spam_conn_send(conn, data, len, error_r) < 0)
			return -1;
		i_stream_skip(input, len);
		sent += len;
	}
	i_assert(ret == -1);
	if (input->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(input));
		return -1;
	}
	if (sent != size) {
		*error_r = "The message shrank while it was scanned";
		return -1;
	}
	return 0;
}

int retrieve_spam_conn_read_reply(struct retrieve_spam_conn *conn,
				  size_t max_size,
				  retrieve_spam_conn_parse_t *parse,
				  void *context, const char **error_r)
{
	unsigned char *buf;
	size_t size = 0;
	bool eof = FALSE;
	ssize_t ret;
	int pret;

	/* one more byte than a reply can be, to tell "too long" */
	buf = t_malloc_no0(max_size + 1);
	for (;;) {
		ret = read(conn->fd, buf + size, max_size + 1 - size);
		if (ret > 0)
			size += ret;
		else if (ret == 0 || errno == ECONNRESET)
			eof = TRUE;
		else if (errno != EAGAIN && errno != EINTR) {
			*error_r = t_strdup_printf("read() failed: %m");
			return -1;
		}
		if (ret > 0 || eof) {
			pret = parse(buf, size, eof, context, error_r);
			if (pret != 0)
				return pret < 0 ? -1 : 0;
			/* with the close, a parser must decide */
			i_assert(!eof);
			if (size > max_size) {
				*error_r = t_strdup_printf(
					"Reply longer than %zu bytes",
					max_size);
				return -1;
			}
		}
		if (ret < 0 &&
		    retrieve_spam_conn_wait(conn, POLLIN, error_r) <= 0)
			return -1;
	}
}
