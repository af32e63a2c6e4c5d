/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-common.h"
#include "pop3-reply.h"

static void test_pop3_reply_parse(void)
{
	static const struct {
		const char *line;
		int ret;
		enum pop3_reply_status status;
		const char *resp_code, *text;
	} tests[] = {
		{ "+OK", 0, POP3_REPLY_OK, NULL, "" },
		{ "+OK Dovecot ready.", 0, POP3_REPLY_OK, NULL, "Dovecot ready." },
		{ "-ERR [IN-USE] Mailbox locked", 0, POP3_REPLY_ERR,
		  "IN-USE", "Mailbox locked" },
		{ "-ERR [LOGIN-DELAY] wait", 0, POP3_REPLY_ERR,
		  "LOGIN-DELAY", "wait" },
		{ "-ERR [SYS/TEMP] try later", 0, POP3_REPLY_ERR,
		  "SYS/TEMP", "try later" },
		{ "-ERR [AUTH] Authentication failed.", 0, POP3_REPLY_ERR,
		  "AUTH", "Authentication failed." },
		{ "-ERR [] empty", 0, POP3_REPLY_ERR, NULL, "[] empty" },
		{ "-ERR [unterminated", 0, POP3_REPLY_ERR, NULL, "[unterminated" },
		{ "+OKAY", -1, 0, NULL, NULL },
		{ "OK", -1, 0, NULL, NULL },
		{ "", -1, 0, NULL, NULL },
		{ "* OK imap", -1, 0, NULL, NULL },
	};
	struct pop3_reply reply;

	test_begin("pop3_reply_parse");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		int ret = pop3_reply_parse(tests[i].line, &reply);
		test_assert_idx(ret == tests[i].ret, i);
		if (ret < 0 || tests[i].ret < 0)
			continue;
		test_assert_idx(reply.status == tests[i].status, i);
		test_assert_idx(null_strcmp(reply.resp_code,
					    tests[i].resp_code) == 0, i);
		test_assert_idx(strcmp(reply.text, tests[i].text) == 0, i);
	}
	test_end();
}

static void test_pop3_apop(void)
{
	test_begin("pop3 apop");
	test_assert_strcmp(pop3_reply_apop_timestamp(
		"POP3 server ready <1896.697170952@dbc.mtview.ca.us>"),
		"<1896.697170952@dbc.mtview.ca.us>");
	test_assert(pop3_reply_apop_timestamp("Dovecot ready.") == NULL);
	test_assert(pop3_reply_apop_timestamp("ready <no-at-sign>") == NULL);
	test_assert(pop3_reply_apop_timestamp("ready <x@y") == NULL);
	/* the example of RFC 1939 section 7 */
	test_assert_strcmp(pop3_apop_digest("<1896.697170952@dbc.mtview.ca.us>",
					    "tanstaaf"),
			   "c4c9334bac560ecc979e58001b3e22fb");
	test_end();
}

static void test_pop3_capa_line_parse(void)
{
	test_begin("pop3_capa_line_parse");
	test_assert(pop3_capa_line_parse("STLS") == POP3_CAP_STLS);
	test_assert(pop3_capa_line_parse("stls") == POP3_CAP_STLS);
	test_assert(pop3_capa_line_parse("UIDL") == POP3_CAP_UIDL);
	test_assert(pop3_capa_line_parse("PIPELINING") == POP3_CAP_PIPELINING);
	test_assert(pop3_capa_line_parse("RESP-CODES") == POP3_CAP_RESP_CODES);
	test_assert(pop3_capa_line_parse("SASL LOGIN PLAIN") == POP3_CAP_SASL_PLAIN);
	test_assert(pop3_capa_line_parse("SASL CRAM-MD5") == 0);
	test_assert(pop3_capa_line_parse("SASL") == 0);
	test_assert(pop3_capa_line_parse("TOP") == POP3_CAP_TOP);
	test_assert(pop3_capa_line_parse("USER") == POP3_CAP_USER);
	test_assert(pop3_capa_line_parse("IMPLEMENTATION Dovecot") == 0);
	test_assert(pop3_capa_line_parse("") == 0);
	test_end();
}

static void test_pop3_capa_login_delay_parse(void)
{
	static const char *const bad[] = {
		"LOGIN-DELAY", "LOGIN-DELAY -5", "LOGIN-DELAY 12x",
		"LOGIN-DELAY 99999999999999999999", "EXPIRE 120", "",
	};
	unsigned int i, secs = 0;

	test_begin("pop3_capa_login_delay_parse");
	test_assert(pop3_capa_login_delay_parse("LOGIN-DELAY 120", &secs) &&
		    secs == 120);
	test_assert(pop3_capa_login_delay_parse("login-delay 900 USER",
						&secs) && secs == 900);
	test_assert(pop3_capa_login_delay_parse("LOGIN-DELAY 0", &secs) &&
		    secs == 0);
	/* hostile or malformed values are no delay at all */
	for (i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(!pop3_capa_login_delay_parse(bad[i], &secs), i);
	test_end();
}

static void test_pop3_uidl_line_parse(void)
{
	unsigned int num;
	const char *uidl;
	char long_uidl[POP3_UIDL_MAX_LEN + 4];

	test_begin("pop3_uidl_line_parse");
	test_assert(pop3_uidl_line_parse("1 whqtswO00WBw418f9t5JxYwZ", &num, &uidl) == 0);
	test_assert(num == 1);
	test_assert_strcmp(uidl, "whqtswO00WBw418f9t5JxYwZ");
	test_assert(pop3_uidl_line_parse("42 abc ", &num, &uidl) == 0);
	test_assert(num == 42 && strcmp(uidl, "abc") == 0);
	test_assert(pop3_uidl_line_parse("0 abc", &num, &uidl) < 0);
	test_assert(pop3_uidl_line_parse("1", &num, &uidl) < 0);
	test_assert(pop3_uidl_line_parse("1 ", &num, &uidl) == -2 && num == 1);
	test_assert(pop3_uidl_line_parse("x abc", &num, &uidl) == -1);
	test_assert(pop3_uidl_line_parse("99999999999 abc", &num, &uidl) == -1);
	test_assert(pop3_uidl_line_parse("1 a\tb", &num, &uidl) < 0);
	test_assert(pop3_uidl_line_parse("1 a b", &num, &uidl) < 0);
	test_assert(pop3_uidl_line_parse("1 \xc3\xa9", &num, &uidl) == -2);
	test_assert(pop3_uidl_line_parse("7 a\x7f", &num, &uidl) == -2 && num == 7);

	memcpy(long_uidl, "1 ", 2);
	memset(long_uidl + 2, 'a', POP3_UIDL_MAX_LEN);
	long_uidl[2 + POP3_UIDL_MAX_LEN] = '\0';
	test_assert(pop3_uidl_line_parse(long_uidl, &num, &uidl) == 0);
	long_uidl[2 + POP3_UIDL_MAX_LEN] = 'a';
	long_uidl[3 + POP3_UIDL_MAX_LEN] = '\0';
	test_assert(pop3_uidl_line_parse(long_uidl, &num, &uidl) == -2);
	test_end();
}

static void test_pop3_stat_parse(void)
{
	unsigned int count;

	test_begin("pop3_stat_parse");
	test_assert(pop3_stat_parse("3 1200", &count) == 0 && count == 3);
	test_assert(pop3_stat_parse("0 0", &count) == 0 && count == 0);
	test_assert(pop3_stat_parse("2 320 extra", &count) == 0 && count == 2);
	test_assert(pop3_stat_parse("", &count) < 0);
	test_assert(pop3_stat_parse("3", &count) < 0);
	test_assert(pop3_stat_parse("x 3", &count) < 0);
	test_assert(pop3_stat_parse("99999999999 3", &count) < 0);
	test_assert(pop3_stat_parse("3 12x", &count) < 0);
	test_end();
}

static void test_pop3_list_line_parse(void)
{
	unsigned int num;
	uoff_t size;

	test_begin("pop3_list_line_parse");
	test_assert(pop3_list_line_parse("3 120", &num, &size) == 0);
	test_assert(num == 3 && size == 120);
	test_assert(pop3_list_line_parse("3 20971520 extra", &num, &size) == 0);
	test_assert(size == 20971520);
	test_assert(pop3_list_line_parse("3", &num, &size) < 0);
	test_assert(pop3_list_line_parse("3 -1", &num, &size) < 0);
	test_assert(pop3_list_line_parse("3 12x", &num, &size) < 0);
	test_assert(pop3_list_line_parse("3 99999999999999999999999", &num, &size) < 0);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_pop3_reply_parse,
		test_pop3_apop,
		test_pop3_capa_line_parse,
		test_pop3_capa_login_delay_parse,
		test_pop3_uidl_line_parse,
		test_pop3_list_line_parse,
		test_pop3_stat_parse,
		NULL
	};
	return test_run(test_functions);
}
