/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "test-common.h"
#include "rspamd-reply.h"
#include "retrieve-dovecot.h"

static int
test_parse(const char *data, struct rspamd_reply *reply_r,
	   const char **error_r)
{
	*error_r = NULL;
	return rspamd_reply_parse((const unsigned char *)data, strlen(data),
				  reply_r, error_r);
}

static void test_rspamd_reply_parse_ok(void)
{
	struct rspamd_reply reply;
	const char *error;

	test_begin("rspamd_reply_parse: verdicts");
	test_assert(test_parse("{\"is_skipped\":true,\"score\":15.0,"
		"\"required_score\":15.0,\"action\":\"reject\",\"symbols\":"
		"{\"GTUBE\":{\"name\":\"GTUBE\",\"score\":0.0,"
		"\"metric_score\":0.0}},\"messages\":{\"smtp_message\":"
		"\"Gtube pattern\"},\"message-id\":\"x@y\","
		"\"time_real\":0.064275}", &reply, &error) == 0);
	test_assert(reply.spam);
	test_assert_strcmp(reply.action, "reject");
	test_assert_strcmp(reply.score, "15.0");
	test_assert_strcmp(reply.required, "15.0");
	test_assert_strcmp(reply.symbols, "GTUBE");

	test_assert(test_parse("{\"score\":3.900000,\"required_score\":15,"
		"\"action\":\"no action\",\"symbols\":{\"A_B\":{\"options\":"
		"[\"x\",{\"y\":[1,2]}]},\"C.D-E\":{}},\"urls\":[]}",
		&reply, &error) == 0);
	test_assert(!reply.spam);
	test_assert_strcmp(reply.score, "3.900000");
	test_assert_strcmp(reply.symbols, "A_B,C.D-E");

	test_assert(test_parse("{\"action\":\"add header\",\"score\":-1,"
		"\"required_score\":15}", &reply, &error) == 0);
	test_assert(reply.spam);
	test_assert_strcmp(reply.symbols, "");
	test_assert(test_parse("{\"action\":\"rewrite subject\",\"score\":9,"
		"\"required_score\":15}", &reply, &error) == 0);
	test_assert(reply.spam);
	test_assert(test_parse("{\"action\":\"greylist\",\"score\":5,"
		"\"required_score\":15}", &reply, &error) == 0);
	test_assert(!reply.spam);
	test_end();
}

static void test_rspamd_reply_parse_bad(void)
{
	static const struct {
		const char *data, *error;
	} tests[] = {
		{ "", "Invalid JSON" },
		{ "<html>", "Invalid JSON" },
		{ "[1,2]", "Invalid JSON" },
		{ "{\"score\":1,\"required_score\":2", "Invalid JSON" },
		{ "{\"score\":1,\"required_score\":2}",
		  "Reply without action" },
		{ "{\"action\":\"reject\",\"required_score\":2}",
		  "Reply without action" },
		{ "{\"action\":\"discard\",\"score\":1,\"required_score\":2}",
		  "Unknown action" },
		{ "{\"action\":1,\"score\":1,\"required_score\":2}",
		  "Invalid action" },
		{ "{\"action\":\"reject\",\"action\":\"no action\"}",
		  "Invalid action" },
		{ "{\"action\":\"reject\",\"score\":\"1\",\"required_score\":2}",
		  "Invalid score" },
		{ "{\"action\":\"reject\",\"score\":1e300,\"required_score\":2}",
		  "Invalid score" },
		{ "{\"action\":\"reject\",\"score\":1,"
		  "\"required_score\":123456789012345}",
		  "Invalid required_score" },
		{ "{\"symbols\":[1]}", "Invalid symbols object" },
		{ "{\"symbols\":{\"A B\":{}}}", "Invalid symbol name" },
		{ "{\"symbols\":{\"\":{}}}", "Invalid symbol name" },
		{ "{\"symbols\":{\"A\\r\\nX-Spam-Flag: NO\":{}}}",
		  "Invalid symbol name" },
	};
	struct rspamd_reply reply;
	const char *error;
	unsigned int i;

	test_begin("rspamd_reply_parse: malformed");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		test_assert_idx(test_parse(tests[i].data, &reply,
					   &error) == -1, i);
		test_assert_idx(error != NULL &&
				str_begins_with(error, tests[i].error), i);
	}
	test_end();
}

static void test_rspamd_reply_parse_bounds(void)
{
	struct rspamd_reply reply;
	string_t *str = t_str_new(8192);
	const char *error;
	unsigned int i;

	test_begin("rspamd_reply_parse: bounds");
	str_append(str, "{\"action\":\"reject\",\"score\":1,"
		   "\"required_score\":2,\"symbols\":{");
	for (i = 0; i < RSPAMD_REPLY_MAX_SYMBOLS + 50; i++)
		str_printfa(str, "%s\"S%u\":{}", i == 0 ? "" : ",", i);
	str_append(str, "}}");
	test_assert(rspamd_reply_parse(str_data(str), str_len(str), &reply,
				       &error) == 0);
	test_assert(str_array_length(t_strsplit(reply.symbols, ",")) ==
		    RSPAMD_REPLY_MAX_SYMBOLS);

	test_assert(rspamd_reply_parse(str_data(str),
				       RSPAMD_REPLY_MAX_SIZE + 1, &reply,
				       &error) == -1);
	test_assert(str_begins_with(error, "Reply over"));
	test_end();
}

static int
test_http_parse(const char *data, bool eof, struct rspamd_http_reply *reply_r,
		const char **error_r)
{
	*error_r = NULL;
	return rspamd_http_reply_parse((const unsigned char *)data,
				       strlen(data), eof, reply_r, error_r);
}

static void test_rspamd_http_reply_parse(void)
{
	static const char *ok =
		"HTTP/1.1 200 OK\r\nConnection: close\r\n"
		"Server: rspamd/3.4\r\nContent-Length: 2\r\n\r\n{}";
	static const struct {
		const char *data, *error;
	} bad[] = {
		{ "", "Connection closed without a reply" },
		{ "SPAMD/1.1 0 EX_OK\r\n", "Not an HTTP reply" },
		{ "HTTP/1.1 2000 OK\r\n", "Not an HTTP reply" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		  "Unsupported Transfer-Encoding" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n",
		  "Content-Length 1000000000000 is over" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		  "Invalid Content-Length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}",
		  "Reply ended before" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{}",
		  "Reply longer than" },
		{ "HTTP/1.1 200 OK\r\nno colon\r\n", "Invalid reply header" },
		{ "HTTP/1.1 200 OK\r\n", "Reply ended early" },
	};
	struct rspamd_http_reply reply;
	const char *error;
	unsigned int i;
	size_t n;

	test_begin("rspamd_http_reply_parse()");
	test_assert(test_http_parse(ok, FALSE, &reply, &error) == 1);
	test_assert(reply.status == 200);
	test_assert_strcmp(reply.reason, "OK");
	test_assert(reply.body_size == 2 && memcmp(reply.body, "{}", 2) == 0);
	for (n = 0; n < strlen(ok); n++) {
		test_assert_idx(rspamd_http_reply_parse((const void *)ok, n,
			FALSE, &reply, &error) == 0, n);
	}
	/* no Content-Length: the body runs to the close */
	test_assert(test_http_parse("HTTP/1.0 500 Oops\r\n\r\nx", FALSE,
				    &reply, &error) == 0);
	test_assert(test_http_parse("HTTP/1.0 500 Oops\r\n\r\nx", TRUE,
				    &reply, &error) == 1);
	test_assert(reply.status == 500 && reply.body_size == 1);
	test_assert_strcmp(reply.reason, "Oops");
	for (i = 0; i < N_ELEMENTS(bad); i++) {
		test_assert_idx(test_http_parse(bad[i].data, TRUE, &reply,
						&error) == -1, i);
		test_assert_idx(error != NULL &&
				str_begins_with(error, bad[i].error), i);
	}
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_rspamd_reply_parse_ok,
		test_rspamd_reply_parse_bad,
		test_rspamd_reply_parse_bounds,
		test_rspamd_http_reply_parse,
		NULL
	};
	return test_run(test_functions);
}
