/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "test-common.h"
#include "spam-envelope.h"

static const char *test_received_ip(const char *value)
{
	struct ip_addr ip;

	if (!spam_envelope_received_ip((const void *)value, strlen(value),
				       &ip)) {
		test_assert(ip.family == 0);
		return NULL;
	}
	return net_ip2addr(&ip);
}

static void test_spam_envelope_received_ip(void)
{
	static const struct {
		const char *value, *ip;
	} tests[] = {
		{ "from mx.example.net (mx.example.net [192.0.2.25]) by "
		  "mail.example.org (Postfix) with ESMTPS id X; date", "192.0.2.25" },
		{ " FROM mx (mx [IPv6:2001:db8::25])\tby y", "2001:db8::25" },
		{ "from mx (HELO x) ([203.0.113.7]:4567) by y", "203.0.113.7" },
		{ "from [198.51.100.1] by y", "198.51.100.1" },
		{ "from mx ([IPv6:::ffff:8.8.8.8]) by y", NULL },
		/* a literal after "by" is the receiver's */
		{ "from mx by y ([192.0.2.1])", NULL },
		{ "from mx (mx) by y [192.0.2.1]", NULL },
		{ "by y with LMTP from [192.0.2.1]", NULL },
		{ "fromx [192.0.2.1]", NULL },
		{ "", NULL },
		{ "from", NULL },
		{ "from [", NULL },
		{ "from [192.0.2.1", NULL },
		{ "from []", NULL },
		{ "from [IPv6:]", NULL },
		/* not an IP literal: never looked up */
		{ "from x ([localhost]) by y", NULL },
		{ "from x ([mx.example.net]) by y", NULL },
		{ "from x ([192.0.2.1 ]) by y", NULL },
		{ "from x ([192.0.2.256]) by y", NULL },
		{ "from x ([1.2.3.4.5]) by y", NULL },
		{ "from x ([1111:2222:3333:4444:5555:6666:7777:8888:9999:"
		  "aaaa]) by y", NULL },
		/* not public: only says "local" to rspamd */
		{ "from localhost (localhost [127.0.0.1]) by y", NULL },
		{ "from x ([10.1.2.3]) by y", NULL },
		{ "from x ([172.16.0.1]) by y", NULL },
		{ "from x ([192.168.1.1]) by y", NULL },
		{ "from x ([169.254.1.1]) by y", NULL },
		{ "from x ([100.64.0.1]) by y", NULL },
		{ "from x ([0.0.0.0]) by y", NULL },
		{ "from x ([IPv6:::1]) by y", NULL },
		{ "from x ([IPv6:fe80::1]) by y", NULL },
		{ "from x ([IPv6:fd00::1]) by y", NULL },
		{ "from x ([IPv6:::ffff:127.0.0.1]) by y", NULL },
	};
	struct ip_addr ip;
	string_t *str;
	unsigned int i;

	test_begin("spam_envelope_received_ip");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		const char *ip = test_received_ip(tests[i].value);

		test_assert_idx(null_strcmp(ip, tests[i].ip) == 0, i);
	}
	/* only the start of a long value is looked at */
	str = t_str_new(SPAM_ENVELOPE_MAX_VALUE + 64);
	str_append(str, "from x (");
	while (str_len(str) < SPAM_ENVELOPE_MAX_VALUE)
		str_append_c(str, 'a');
	str_append(str, " [192.0.2.1]) by y");
	test_assert(test_received_ip(str_c(str)) == NULL);
	/* a NUL inside the literal does not cut it short */
	test_assert(!spam_envelope_received_ip(
		(const void *)"from [192.0.2.1\0x]", 18, &ip));
	test_assert(spam_envelope_received_ip(
		(const void *)"from \0 [192.0.2.1]", 18, &ip));
	test_end();
}

static void test_spam_envelope_addresses(void)
{
	const char *long_addr;
	string_t *str;

#define RP(s) spam_envelope_return_path((const void *)(s), strlen(s))
#define FROM(s) spam_envelope_from((const void *)(s), strlen(s))
	test_begin("spam_envelope_return_path");
	test_assert_strcmp(RP("<bounce@example.net>"), "bounce@example.net");
	test_assert_strcmp(RP(" <bounce@example.net> \r\n"), "bounce@example.net");
	test_assert(RP("<>") == NULL);
	test_assert(RP("") == NULL);
	test_assert(RP("bounce@example.net") == NULL);
	test_assert(RP("Name <bounce@example.net>") == NULL);
	test_assert(RP("<a@example.net>, <b@example.net>") == NULL);
	test_assert(RP("<\"a b\"@example.net>") == NULL);
	test_assert(RP("<\"a\rb\"@example.net>") == NULL);
	test_assert(RP("<user@>") == NULL);
	test_end();

	test_begin("spam_envelope_from");
	test_assert_strcmp(FROM("Sender <sender@example.org>"), "sender@example.org");
	test_assert_strcmp(FROM("sender@example.org (Sender)"), "sender@example.org");
	test_assert_strcmp(FROM("a@example.org, b@example.org"), "a@example.org");
	test_assert_strcmp(FROM("list: a@example.org;"), "a@example.org");
	test_assert(FROM("") == NULL);
	test_assert(FROM("Undisclosed") == NULL);
	/* the parser drops a line break: nothing of it is left */
	test_assert_strcmp(FROM("\"x\ny\"@example.org"), "xy@example.org");
	test_assert(FROM("\"x\x01y\"@example.org") == NULL);
	test_assert(FROM("\"x y\"@example.org") == NULL);
	test_assert(FROM("<@route:x@example.org>") != NULL);

	str = t_str_new(512);
	while (str_len(str) < SPAM_ENVELOPE_MAX_ADDRESS - 12)
		str_append_c(str, 'a');
	long_addr = t_strconcat(str_c(str), "@example.org", NULL);
	test_assert_strcmp(FROM(long_addr), long_addr);
	test_assert(FROM(t_strconcat("a", long_addr, NULL)) == NULL);
	str_truncate(str, 0);
	str_append(str, "x@example.org ");
	while (str_len(str) <= SPAM_ENVELOPE_MAX_VALUE)
		str_append_c(str, ' ');
	test_assert(FROM(str_c(str)) == NULL);
	test_end();
#undef RP
#undef FROM
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_spam_envelope_received_ip,
		test_spam_envelope_addresses,
		NULL
	};
	return test_run(test_functions);
}
