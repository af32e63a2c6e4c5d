/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* rspamd's HTTP protocol (POST <base>/checkv2) through Dovecot's
   http-client. Delivery is synchronous, so each scan runs the client in a
   private ioloop until the reply is read, within retrieve_spam_timeout
   (http-client's absolute request timeout plus our own for the payload).
   The message is the request's payload, streamed from its spool. */

#include "lib.h"
#include "str.h"
#include "buffer.h"
#include "ioloop.h"
#include "istream.h"
#include "net.h"
#include "http-url.h"
#include "http-client.h"
#include "str-sanitize.h"
#include "retrieve-spam-private.h"
#include "rspamd-reply.h"

struct rspamd_scanner {
	struct retrieve_spam spam;

	/* <base>/checkv2 */
	const char *check_url;
};

/* one exchange */
struct rspamd_request {
	struct rspamd_scanner *scanner;
	/* what the callbacks keep: they run in data stack frames of
	   their own */
	pool_t pool;
	struct ioloop *ioloop;
	struct istream *payload;
	struct io *io;
	buffer_t *body;
	const char *error;
	bool done;
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
	/* an IP address: http-client would look a name up blocking */
	if (url->have_ssl || url->host.ip.family == 0 ||
	    url->enc_query != NULL) {
		*error_r = "rspamd needs an http:// URL with an IP address "
			"(rspamd:http://127.0.0.1:11333)";
		return -1;
	}
	path = url->path == NULL ? "" : url->path;
	if (path[0] != '\0' && path[strlen(path) - 1] == '/')
		path = t_strndup(path, strlen(path) - 1);
	scanner->check_url = p_strdup_printf(spam->pool, "http://%s%s/checkv2",
		url->host.ip.family == AF_INET6 ?
		t_strdup_printf("[%s]:%u", net_ip2addr(&url->host.ip),
				url->port != 0 ? url->port : 80) :
		t_strdup_printf("%s:%u", net_ip2addr(&url->host.ip),
				url->port != 0 ? url->port : 80), path);
	return 0;
}

static void rspamd_deinit(struct retrieve_spam *spam)
{
	pool_unref(&spam->pool);
}

static void rspamd_request_finish(struct rspamd_request *req,
				  const char *error)
{
	if (req->done)
		return;
	req->done = TRUE;
	req->error = p_strdup(req->pool, error);
	io_remove(&req->io);
	io_loop_stop(req->ioloop);
}

static void rspamd_payload_input(struct rspamd_request *req)
{
	const unsigned char *data;
	size_t size;
	int ret;

	while ((ret = i_stream_read_more(req->payload, &data, &size)) > 0) {
		if (req->body->used + size > RSPAMD_REPLY_MAX_SIZE) {
			rspamd_request_finish(req, t_strdup_printf(
				"Reply over %u bytes", RSPAMD_REPLY_MAX_SIZE));
			return;
		}
		buffer_append(req->body, data, size);
		i_stream_skip(req->payload, size);
	}
	if (ret == 0)
		return;
	if (req->payload->stream_errno != 0) {
		rspamd_request_finish(req, t_strdup_printf(
			"Reading the reply failed: %s",
			i_stream_get_error(req->payload)));
		return;
	}
	rspamd_request_finish(req, NULL);
}

static void
rspamd_response(const struct http_response *response,
		struct rspamd_request *req)
{
	if (response->status / 100 != 2) {
		rspamd_request_finish(req, t_strdup_printf("HTTP %u %s",
			response->status,
			str_sanitize(response->reason, 128)));
		return;
	}
	if (response->payload == NULL) {
		rspamd_request_finish(req, "Reply without a body");
		return;
	}
	req->payload = response->payload;
	i_stream_ref(req->payload);
	req->io = io_add_istream(req->payload, rspamd_payload_input, req);
	rspamd_payload_input(req);
}

static void rspamd_timeout(struct rspamd_request *req)
{
	rspamd_request_finish(req, t_strdup_printf(
		"Timed out after %u s (retrieve_spam_timeout)",
		req->scanner->spam.timeout_secs));
}

static int
rspamd_scan(struct retrieve_spam *spam, struct istream *input,
	    uoff_t size ATTR_UNUSED, const char *rcpt,
	    struct retrieve_spam_verdict *verdict_r, const char **error_r)
{
	struct rspamd_request req;
	struct http_client_settings http_set;
	struct http_client *client;
	struct http_client_request *hreq;
	struct ioloop *prev_ioloop = current_ioloop;
	struct timeout *to;
	struct rspamd_reply reply;
	unsigned int timeout_msecs = spam->timeout_secs * 1000;
	int ret;

	i_zero(&req);
	req.scanner = container_of(spam, struct rspamd_scanner, spam);
	req.pool = pool_alloconly_create("rspamd request", 1024);
	req.body = buffer_create_dynamic(default_pool, 4096);

	i_zero(&http_set);
	http_set.max_attempts = 1;
	http_set.max_redirects = 0;
	http_set.max_idle_time_msecs = 1;
	http_set.connect_timeout_msecs = timeout_msecs;
	http_set.request_timeout_msecs = timeout_msecs;
	http_set.request_absolute_timeout_msecs = timeout_msecs;
	http_set.event_parent = spam->event;
	http_set.user_agent = "dovecot-retrieve";

	req.ioloop = io_loop_create();
	to = timeout_add(timeout_msecs, rspamd_timeout, &req);
	client = http_client_init(&http_set);
	hreq = http_client_request_url_str(client, "POST",
		req.scanner->check_url, rspamd_response, &req);
	if (rcpt != NULL) {
		http_client_request_add_header(hreq, "Rcpt", rcpt);
		http_client_request_add_header(hreq, "Deliver-To", rcpt);
	}
	if (spam->settings_id != NULL) {
		http_client_request_add_header(hreq, "Settings-ID",
					       spam->settings_id);
	}
	http_client_request_set_payload(hreq, input, FALSE);
	http_client_request_submit(hreq);
	if (!req.done)
		io_loop_run(req.ioloop);

	/* a timeout may leave the request in flight: aborted here */
	io_remove(&req.io);
	if (req.payload != NULL)
		i_stream_unref(&req.payload);
	http_client_deinit(&client);
	timeout_remove(&to);
	io_loop_destroy(&req.ioloop);
	i_assert(current_ioloop == prev_ioloop);

	if (req.error != NULL) {
		*error_r = t_strdup(req.error);
		ret = -1;
	} else {
		ret = rspamd_reply_parse(req.body->data, req.body->used,
					 &reply, error_r);
	}
	if (ret == 0) {
		verdict_r->spam = reply.spam;
		verdict_r->score = reply.score;
		verdict_r->required = reply.required;
		verdict_r->tests = reply.symbols;
	}
	buffer_free(&req.body);
	pool_unref(&req.pool);
	return ret < 0 ? -1 : 0;
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
