/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "net.h"
#include "test-common.h"
#include "retrieve-url.h"

struct valid_url_test {
	const char *url;
	enum retrieve_protocol protocol;
	bool implicit_ssl;
	const char *user;
	const char *host;
	in_port_t port;
};

struct invalid_url_test {
	const char *url;
	/* a substring the error must contain */
	const char *error;
};

static const char *t_repeat(char chr, unsigned int count)
{
	char *str = t_malloc0(count + 1);

	memset(str, chr, count);
	return str;
}

static void test_retrieve_url_valid(void)
{
	static const struct valid_url_test tests[] = {
		{ "pop3://mail.example.org", RETRIEVE_PROTOCOL_POP3, FALSE,
		  NULL, "mail.example.org", 0 },
		{ "pop3s://alice@mail.example.org:1995/",
		  RETRIEVE_PROTOCOL_POP3, TRUE,
		  "alice", "mail.example.org", 1995 },
		{ "imap://bob%40example.org@imap.example.org:143",
		  RETRIEVE_PROTOCOL_IMAP, FALSE,
		  "bob@example.org", "imap.example.org", 143 },
		{ "imaps://host", RETRIEVE_PROTOCOL_IMAP, TRUE,
		  NULL, "host", 0 },
		{ "POP3S://Host.Example.ORG", RETRIEVE_PROTOCOL_POP3, TRUE,
		  NULL, "Host.Example.ORG", 0 },
		{ "ImAp://h:1", RETRIEVE_PROTOCOL_IMAP, FALSE, NULL, "h", 1 },
		{ "pop3://192.0.2.1:65535", RETRIEVE_PROTOCOL_POP3, FALSE,
		  NULL, "192.0.2.1", 65535 },
		{ "imaps://[::1]:993", RETRIEVE_PROTOCOL_IMAP, TRUE,
		  NULL, "::1", 993 },
		{ "imap://u@[2001:db8::1]/", RETRIEVE_PROTOCOL_IMAP, FALSE,
		  "u", "2001:db8::1", 0 },
		{ "pop3://a%2Fb%20c%25@host", RETRIEVE_PROTOCOL_POP3, FALSE,
		  "a/b c%", "host", 0 },
		{ "pop3://user.name+tag@x_y-z.example:0110",
		  RETRIEVE_PROTOCOL_POP3, FALSE,
		  "user.name+tag", "x_y-z.example", 110 },
		{ "pop3://%C3%A4rger@host", RETRIEVE_PROTOCOL_POP3, FALSE,
		  "\xc3\xa4rger", "host", 0 },
	};
	struct retrieve_url url;
	const char *error;
	unsigned int i;
	pool_t pool;

	test_begin("retrieve_url_parse() valid");
	pool = pool_alloconly_create("test url", 1024);
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		error = NULL;
		test_assert_idx(retrieve_url_parse(tests[i].url, pool, &url,
						   &error) == 0, i);
		test_assert_idx(error == NULL, i);
		test_assert_idx(url.protocol == tests[i].protocol, i);
		test_assert_idx(url.implicit_ssl == tests[i].implicit_ssl, i);
		test_assert_strcmp_idx(url.user, tests[i].user, i);
		test_assert_strcmp_idx(url.host, tests[i].host, i);
		test_assert_idx(url.port == tests[i].port, i);
	}
	pool_unref(&pool);
	test_end();
}

static void test_retrieve_url_invalid(void)
{
	static const struct invalid_url_test tests[] = {
		{ "", "missing scheme" },
		{ "mail.example.org", "missing scheme" },
		{ "pop3:/host", "missing scheme" },
		{ "http://host", "unsupported scheme 'http'" },
		{ "pop://host", "unsupported scheme 'pop'" },
		{ "a b://host", "invalid scheme" },
		{ "://host", "invalid scheme" },
		{ "pop3://", "missing host" },
		{ "pop3:///", "missing host" },
		{ "pop3://alice@", "missing host" },
		{ "pop3://:110", "missing host" },
		{ "pop3://host:", "invalid port" },
		{ "pop3://host:0", "invalid port" },
		{ "pop3://host:65536", "invalid port" },
		{ "pop3://host:-1", "invalid port" },
		{ "pop3://host:+110", "invalid port" },
		{ "pop3://host:11a", "invalid port" },
		{ "pop3://host:99999999999999999999999", "invalid port" },
		{ "pop3://host/INBOX", "path, query or fragment" },
		{ "pop3://host//", "path, query or fragment" },
		{ "pop3://host?x=1", "path, query or fragment" },
		{ "pop3://host#frag", "path, query or fragment" },
		{ "pop3://host:110/x", "path, query or fragment" },
		{ "imap://[::1", "missing ']'" },
		{ "imap://[zz::1]", "invalid IPv6" },
		{ "imap://[192.0.2.1]", "invalid IPv6" },
		{ "imap://[]", "invalid IPv6" },
		{ "imap://[::1]x", "after IPv6" },
		{ "imap://[::1]:0", "invalid port" },
		{ "imap://::1", "brackets" },
		{ "imap://999.1.1.1", "invalid IPv4" },
		{ "imap://1.2.3", "invalid IPv4" },
		{ "imap://010.0.0.1", "invalid IPv4" },
		{ "imap://1.2.3.4.5", "invalid IPv4" },
		{ "imap://ho st", "invalid character in host" },
		{ "imap://h%41st", "invalid character in host" },
		{ "imap://a..b", "invalid host name" },
		{ "imap://.a", "invalid host name" },
		{ "imap://a.", "invalid host name" },
		{ "imap://a@b@", "missing host" },
		{ "pop3://%zz@host", "percent-encoding" },
		{ "pop3://%4@host", "percent-encoding" },
		{ "pop3://a%@host", "percent-encoding" },
		{ "pop3://%00@host", "control character" },
		{ "pop3://a%0D%0ADELE%201@host", "control character" },
		{ "pop3://a b@host", "space" },
		{ "pop3://@host", "empty user" },
	};
	struct retrieve_url url;
	const char *error;
	unsigned int i;
	pool_t pool;

	test_begin("retrieve_url_parse() invalid");
	pool = pool_alloconly_create("test url", 1024);
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		error = NULL;
		test_assert_idx(retrieve_url_parse(tests[i].url, pool, &url,
						   &error) == -1, i);
		test_assert_idx(error != NULL &&
				strstr(error, tests[i].error) != NULL, i);
	}
	/* 253 bytes is the longest DNS name, 63 the longest label */
	test_assert(retrieve_url_parse(t_strdup_printf("pop3://%s.%s.%s.%s",
		t_repeat('a', 63), t_repeat('b', 63), t_repeat('c', 63),
		t_repeat('d', 61)), pool, &url, &error) == 0);
	test_assert(url.host != NULL && strlen(url.host) == 253);
	test_assert(retrieve_url_parse(t_strdup_printf("pop3://%s.%s.%s.%s",
		t_repeat('a', 63), t_repeat('b', 63), t_repeat('c', 63),
		t_repeat('d', 62)), pool, &url, &error) == -1);
	test_assert(strstr(error, "too long") != NULL);
	test_assert(retrieve_url_parse(t_strdup_printf("pop3://%s.a",
		t_repeat('a', 64)), pool, &url, &error) == -1);
	test_assert(strstr(error, "invalid host name") != NULL);
	pool_unref(&pool);
	test_end();
}

static void test_retrieve_url_password(void)
{
	static const char *const urls[] = {
		"pop3://alice:s3cret@mail.example.org",
		"pop3s://alice:s3cret@mail.example.org:995/",
		"imap://alice%40example.org:s3cret@[::1]",
		"imaps://alice:@mail.example.org",
		/* an unencoded '@' in the password is still a password */
		"pop3://alice:s3c@ret@mail.example.org",
		"imap://alice:s3cret%zz@mail.example.org",
	};
	struct retrieve_url url;
	const char *error;
	unsigned int i;

	test_begin("retrieve_url_parse() refuses passwords");
	for (i = 0; i < N_ELEMENTS(urls); i++) {
		error = NULL;
		test_assert_idx(retrieve_url_parse(urls[i], pool_datastack_create(),
						   &url, &error) == -1, i);
		test_assert_strcmp_idx(error, "password in URL is not "
				       "allowed; use the _password setting", i);
		test_assert_idx(error != NULL &&
				strstr(error, "s3c") == NULL &&
				strstr(error, "ret") == NULL &&
				strstr(error, "alice") == NULL, i);
	}
	/* a '/' in an unencoded password makes the rest unparseable; the
	   error still quotes nothing of it */
	test_assert(retrieve_url_parse("pop3://alice:s3c/ret@host",
				       pool_datastack_create(),
				       &url, &error) == -1);
	test_assert(strstr(error, "s3c") == NULL &&
		    strstr(error, "alice") == NULL);
	test_end();
}

static void test_retrieve_protocol(void)
{
	test_begin("retrieve_protocol_name() and default ports");
	test_assert_strcmp(retrieve_protocol_name(RETRIEVE_PROTOCOL_POP3),
			   "pop3");
	test_assert_strcmp(retrieve_protocol_name(RETRIEVE_PROTOCOL_IMAP),
			   "imap");
	test_assert(retrieve_protocol_default_port(RETRIEVE_PROTOCOL_POP3,
						   FALSE) == 110);
	test_assert(retrieve_protocol_default_port(RETRIEVE_PROTOCOL_POP3,
						   TRUE) == 995);
	test_assert(retrieve_protocol_default_port(RETRIEVE_PROTOCOL_IMAP,
						   FALSE) == 143);
	test_assert(retrieve_protocol_default_port(RETRIEVE_PROTOCOL_IMAP,
						   TRUE) == 993);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_url_valid,
		test_retrieve_url_invalid,
		test_retrieve_url_password,
		test_retrieve_protocol,
		NULL
	};
	return test_run(test_functions);
}
