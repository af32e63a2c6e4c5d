/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* SpamAssassin's spamd (SPAMC/1.5 SYMBOLS) over retrieve-spam-conn.c's
   deadline-bounded socket. The message is streamed from its spool, never
   read whole. */

#include "lib.h"
#include "str.h"
#include "net.h"
#include "istream.h"
#include "retrieve-spam-private.h"
#include "retrieve-spam-conn.h"
#include "spamd-reply.h"

#define SPAMD_DEFAULT_PORT 783

struct spamd_scanner {
	struct retrieve_spam spam;

	/* a UNIX socket's path, or NULL for ip:port */
	const char *path;
	struct ip_addr ip;
	in_port_t port;
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

static int
spamd_reply_parse_more(const unsigned char *data, size_t size, bool eof,
		       void *context, const char **error_r)
{
	return spamd_reply_parse(data, size, eof, context, error_r);
}

static int
spamd_scan(struct retrieve_spam *spam, struct istream *input, uoff_t size,
	   const char *rcpt ATTR_UNUSED,
	   struct retrieve_spam_verdict *verdict_r, const char **error_r)
{
	struct spamd_scanner *scanner =
		container_of(spam, struct spamd_scanner, spam);
	struct retrieve_spam_conn *conn;
	struct spamd_reply reply;
	const char *request;
	int ret;

	if (retrieve_spam_conn_open(scanner->path, &scanner->ip,
				    scanner->port, spam->timeout_secs,
				    &conn, error_r) < 0)
		return -1;
	request = t_strdup_printf("SYMBOLS SPAMC/1.5\r\n"
				  "Content-length: %"PRIuUOFF_T"\r\n\r\n",
				  size);
	if (retrieve_spam_conn_send(conn, request, strlen(request),
				    error_r) < 0 ||
	    retrieve_spam_conn_send_stream(conn, input, size, error_r) < 0 ||
	    retrieve_spam_conn_read_reply(conn, SPAMD_REPLY_MAX_SIZE,
					  spamd_reply_parse_more, &reply,
					  error_r) < 0)
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
	retrieve_spam_conn_close(&conn);
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
