/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* rspamd's HTTP protocol: POST <base>/checkv2 with the message as the
   body, over retrieve-spam-conn.c's deadline-bounded socket like spamd.
   Not Dovecot's http-client: its 2.3.19 response parser buffers a header
   line without end until the timeout (2 GB in 3 s, response_hdr_limits
   set), and it would need a nested ioloop inside the synchronous
   delivery. One request per connection (Connection: close), Content-Length
   framing both ways; the reply is bounded by rspamd-reply.c. */

#include "lib.h"
#include "str.h"
#include "net.h"
#include "istream.h"
#include "http-url.h"
#include "retrieve-spam-private.h"
#include "retrieve-spam-conn.h"
#include "rspamd-reply.h"

struct rspamd_scanner {
	struct retrieve_spam spam;

	struct ip_addr ip;
	in_port_t port;
	/* "127.0.0.1:11333" for the Host header */
	const char *host;
	/* <base path>/checkv2 */
	const char *path;
};

static struct retrieve_spam *rspamd_alloc(void)
{
	struct rspamd_scanner *scanner;
	pool_t pool;

	pool = pool_alloconly_create("rspamd scanner", 512);
	scanner = p_new(pool, struct rspamd_scanner, 1);
	scanner->spam.pool = pool;
	return &scanner->spam;
}

static int
rspamd_init(struct retrieve_spam *spam, const char *address,
	    const char **error_r)
{
	struct rspamd_scanner *scanner =
		container_of(spam, struct rspamd_scanner, spam);
	struct http_url *url;
	const char *error, *path;

	if (http_url_parse(address, NULL, 0, pool_datastack_create(),
			   &url, &error) < 0) {
		*error_r = t_strdup_printf("rspamd needs an http:// URL "
			"(rspamd:http://127.0.0.1:11333): %s", error);
		return -1;
	}
	/* an IP address: a DNS lookup would block delivery on its own */
	if (url->have_ssl || url->host.ip.family == 0 ||
	    url->enc_query != NULL) {
		*error_r = "rspamd needs an http:// URL with an IP address "
			"(rspamd:http://127.0.0.1:11333)";
		return -1;
	}
	scanner->ip = url->host.ip;
	scanner->port = url->port != 0 ? url->port : 80;
	scanner->host = p_strdup_printf(spam->pool,
		scanner->ip.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		net_ip2addr(&scanner->ip), scanner->port);
	path = url->path == NULL ? "" : url->path;
	if (path[0] != '\0' && path[strlen(path) - 1] == '/')
		path = t_strndup(path, strlen(path) - 1);
	scanner->path = p_strconcat(spam->pool, path, "/checkv2", NULL);
	return 0;
}

static void rspamd_deinit(struct retrieve_spam *spam)
{
	pool_unref(&spam->pool);
}

static int
rspamd_http_reply_parse_more(const unsigned char *data, size_t size,
			     bool eof, void *context, const char **error_r)
{
	return rspamd_http_reply_parse(data, size, eof, context, error_r);
}

/* A header value we send: what the administrator or the userdb gave,
   never with a line break */
static bool rspamd_header_value_is_safe(const char *value)
{
	for (; *value != '\0'; value++) {
		if ((unsigned char)*value < 0x20 || *value == 0x7f)
			return FALSE;
	}
	return TRUE;
}

static int
rspamd_scan(struct retrieve_spam *spam, struct istream *input, uoff_t size,
	    const char *rcpt, struct retrieve_spam_verdict *verdict_r,
	    const char **error_r)
{
	struct rspamd_scanner *scanner =
		container_of(spam, struct rspamd_scanner, spam);
	struct retrieve_spam_conn *conn;
	struct rspamd_http_reply http_reply;
	struct rspamd_reply reply;
	string_t *request = t_str_new(256);
	int ret;

	str_printfa(request, "POST %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: dovecot-retrieve\r\nConnection: close\r\n"
		    "Content-Length: %"PRIuUOFF_T"\r\n",
		    scanner->path, scanner->host, size);
	if (rcpt != NULL && rspamd_header_value_is_safe(rcpt)) {
		str_printfa(request, "Rcpt: %s\r\nDeliver-To: %s\r\n",
			    rcpt, rcpt);
	}
	if (spam->settings_id != NULL)
		str_printfa(request, "Settings-ID: %s\r\n", spam->settings_id);
	str_append(request, "\r\n");

	if (retrieve_spam_conn_open(NULL, &scanner->ip, scanner->port,
				    spam->timeout_secs, &conn, error_r) < 0)
		return -1;
	if (retrieve_spam_conn_send(conn, str_data(request),
				    str_len(request), error_r) < 0 ||
	    retrieve_spam_conn_send_stream(conn, input, size, error_r) < 0 ||
	    retrieve_spam_conn_read_reply(conn, RSPAMD_HTTP_REPLY_MAX_SIZE,
					  rspamd_http_reply_parse_more,
					  &http_reply, error_r) < 0)
		ret = -1;
	else if (http_reply.status != 200) {
		*error_r = t_strdup_printf("HTTP %u %s", http_reply.status,
					   http_reply.reason);
		ret = -1;
	} else {
		ret = rspamd_reply_parse(http_reply.body,
					 http_reply.body_size, &reply, error_r);
	}
	retrieve_spam_conn_close(&conn);
	if (ret < 0)
		return -1;
	verdict_r->spam = reply.spam;
	verdict_r->score = reply.score;
	verdict_r->required = reply.required;
	verdict_r->tests = reply.symbols;
	return 0;
}

const struct retrieve_spam_backend retrieve_spam_backend_rspamd = {
	.name = "rspamd",
	.v = {
		.alloc = rspamd_alloc,
		.init = rspamd_init,
		.deinit = rspamd_deinit,
		.scan = rspamd_scan,
	},
};
