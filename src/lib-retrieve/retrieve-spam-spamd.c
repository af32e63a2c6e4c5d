/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* SpamAssassin's spamd (SPAMC/1.5 SYMBOLS). Delivery is synchronous, so
   the exchange is too: a non-blocking socket driven by poll() against
   one wall-clock deadline (retrieve_spam_timeout), whatever the scanner
   trickles. The message is streamed from its spool, never read whole. */

#include "lib.h"
#include "str.h"
#include "net.h"
#include "istream.h"
#include "retrieve-spam-private.h"
#include "spamd-reply.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define SPAMD_DEFAULT_PORT 783

struct spamd_scanner {
	struct retrieve_spam spam;

	/* a UNIX socket's path, or NULL for ip:port */
	const char *path;
	struct ip_addr ip;
	in_port_t port;
};

/* one exchange */
struct spamd_conn {
	struct spamd_scanner *scanner;
	int fd;
	/* CLOCK_MONOTONIC milliseconds */
	long long deadline;
};

static struct retrieve_spam *spamd_alloc(void)
{
	struct spamd_scanner *scanner;
	pool_t pool;

	pool = pool_alloconly_create("spamd scanner", 512);
	scanner = p_new(pool, struct spamd_scanner, 1);
	scanner->spam.pool = pool;
	return &scanner->spam;
}

static int
spamd_init(struct retrieve_spam *spam, const char *address,
	   const char **error_r)
{
	struct spamd_scanner *scanner =
		container_of(spam, struct spamd_scanner, spam);
	const char *host;

	if (address[0] == '/') {
		scanner->path = p_strdup(spam->pool, address);
		return 0;
	}
	/* an IP address: a DNS lookup would block delivery on its own */
	if (net_str2hostport(address, SPAMD_DEFAULT_PORT, &host,
			     &scanner->port) < 0 ||
	    net_addr2ip(host, &scanner->ip) < 0) {
		*error_r = "spamd needs an IP address and optional port "
			"(spamd:127.0.0.1:783, spamd:[::1]:783) or a "
			"socket path (spamd:/run/spamd.sock)";
		return -1;
	}
	return 0;
}

static void spamd_deinit(struct retrieve_spam *spam)
{
	pool_unref(&spam->pool);
}

static long long spamd_now_msecs(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		i_fatal("clock_gettime(CLOCK_MONOTONIC) failed: %m");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on the socket until the deadline. Returns 1 when
   ready, 0 on timeout, -1 on error (error_r). */
static int
spamd_conn_wait(struct spamd_conn *conn, short events, const char **error_r)
{
	struct pollfd pfd;
	long long left;
	int ret;

	for (;;) {
		left = conn->deadline - spamd_now_msecs();
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
				   conn->scanner->spam.timeout_secs);
	return 0;
}

static int spamd_conn_connect(struct spamd_conn *conn, const char **error_r)
{
	struct spamd_scanner *scanner = conn->scanner;
	int err;

	if (scanner->path != NULL)
		conn->fd = net_connect_unix(scanner->path);
	else
		conn->fd = net_connect_ip(&scanner->ip, scanner->port, NULL);
	if (conn->fd == -1) {
		*error_r = t_strdup_printf("connect() failed: %m");
		return -1;
	}
	if (spamd_conn_wait(conn, POLLOUT, error_r) <= 0)
		return -1;
	err = net_geterror(conn->fd);
	if (err != 0) {
		*error_r = t_strdup_printf("connect() failed: %s",
					   strerror(err));
		return -1;
	}
	return 0;
}

static int
spamd_conn_send(struct spamd_conn *conn, const void *data, size_t size,
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
		if (spamd_conn_wait(conn, POLLOUT, error_r) <= 0)
			return -1;
	}
	return 0;
}

static int
spamd_conn_send_message(struct spamd_conn *conn, struct istream *input,
			uoff_t size, const char **error_r)
{
	const char *request;
	const unsigned char *data;
	size_t len;
	uoff_t sent = 0;
	int ret;

	request = t_strdup_printf("SYMBOLS SPAMC/1.5\r\n"
				  "Content-length: %"PRIuUOFF_T"\r\n\r\n",
				  size);
	if (spamd_conn_send(conn, request, strlen(request), error_r) < 0)
		return -1;
	while ((ret = i_stream_read_more(input, &data, &len)) > 0) {
		if (len > size - sent) {
			*error_r = "The message grew while it was scanned";
			return -1;
		}
		if (spamd_conn_send(conn, data, len, error_r) < 0)
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

static int
spamd_conn_read_reply(struct spamd_conn *conn, struct spamd_reply *reply_r,
		      const char **error_r)
{
	unsigned char *buf;
	size_t size = 0;
	bool eof = FALSE;
	ssize_t ret;
	int pret;

	/* one more byte than a reply can be, to tell "too long" */
	buf = t_malloc_no0(SPAMD_REPLY_MAX_SIZE + 1);
	for (;;) {
		ret = read(conn->fd, buf + size, SPAMD_REPLY_MAX_SIZE + 1 - size);
		if (ret > 0)
			size += ret;
		else if (ret == 0)
			eof = TRUE;
		else if (errno == ECONNRESET)
			eof = TRUE;
		else if (errno != EAGAIN && errno != EINTR) {
			*error_r = t_strdup_printf("read() failed: %m");
			return -1;
		}
		if (ret != 0 || eof) {
			pret = spamd_reply_parse(buf, size, eof, reply_r,
						 error_r);
			if (pret != 0)
				return pret < 0 ? -1 : 0;
			if (size > SPAMD_REPLY_MAX_SIZE) {
				*error_r = t_strdup_printf(
					"Reply longer than %u bytes",
					SPAMD_REPLY_MAX_SIZE);
				return -1;
			}
		}
		if (ret < 0 && spamd_conn_wait(conn, POLLIN, error_r) <= 0)
			return -1;
	}
}

static int
spamd_scan(struct retrieve_spam *spam, struct istream *input, uoff_t size,
	   const char *rcpt ATTR_UNUSED,
	   struct retrieve_spam_verdict *verdict_r, const char **error_r)
{
	struct spamd_conn conn = {
		.scanner = container_of(spam, struct spamd_scanner, spam),
		.fd = -1,
	};
	struct spamd_reply reply;
	int ret;

	conn.deadline = spamd_now_msecs() + (long long)spam->timeout_secs * 1000;
	if (spamd_conn_connect(&conn, error_r) < 0 ||
	    spamd_conn_send_message(&conn, input, size, error_r) < 0 ||
	    spamd_conn_read_reply(&conn, &reply, error_r) < 0)
		ret = -1;
	else if (reply.code != 0) {
		*error_r = t_strdup_printf("spamd error %u: %s", reply.code,
					   reply.message);
		ret = -1;
	} else {
		verdict_r->spam = reply.spam;
		verdict_r->score = reply.score;
		verdict_r->required = reply.required;
		verdict_r->tests = reply.symbols;
		ret = 0;
	}
	if (conn.fd != -1)
		net_disconnect(conn.fd);
	return ret;
}

const struct retrieve_spam_backend retrieve_spam_backend_spamd = {
	.name = "spamd",
	.v = {
		.alloc = spamd_alloc,
		.init = spamd_init,
		.deinit = spamd_deinit,
		.scan = spamd_scan,
	},
};
