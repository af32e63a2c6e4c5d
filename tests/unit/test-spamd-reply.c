/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "test-common.h"
#include "retrieve-spam.h"
#include "spamd-reply.h"
#include "retrieve-dovecot.h"

static int
test_parse(const char *data, bool eof, struct spamd_reply *reply_r,
	   const char **error_r)
{
	*error_r = NULL;
	return spamd_reply_parse((const unsigned char *)data, strlen(data),
				 eof, reply_r, error_r);
}

static void test_spamd_reply_parse_ok(void)
{
	static const char *spam =
		"SPAMD/1.1 0 EX_OK\r\nContent-length: 18\r\n"
		"Spam: True ; 1002.7 / 5.0\r\n\r\nGTUBE,MISSING_DATE";
	struct spamd_reply reply;
	const char *error;
	size_t i;

	test_begin("spamd_reply_parse: verdicts");
	test_assert(test_parse(spam, TRUE, &reply, &error) == 1);
	test_assert(reply.code == 0);
	test_assert_strcmp(reply.message, "EX_OK");
	test_assert(reply.spam);
	test_assert_strcmp(reply.score, "1002.7");
	test_assert_strcmp(reply.required, "5.0");
	test_assert_strcmp(reply.symbols, "GTUBE,MISSING_DATE");
	/* every prefix is incomplete, not an error, until the end */
	for (i = 0; i < strlen(spam); i++) {
		test_assert_idx(spamd_reply_parse((const void *)spam, i, FALSE,
						  &reply, &error) == 0, i);
	}
	/* complete without waiting for the close */
	test_assert(test_parse(spam, FALSE, &reply, &error) == 1);

	test_assert(test_parse("SPAMD/1.1 0 EX_OK\r\n"
			       "Spam: False ; -0.1 / 5.0\r\n\r\n",
			       TRUE, &reply, &error) == 1);
	test_assert(!reply.spam);
	test_assert_strcmp(reply.score, "-0.1");
	test_assert_strcmp(reply.symbols, "");
	/* no Content-length: the list runs to the close */
	test_assert(test_parse("SPAMD/1.1 0 EX_OK\r\n"
			       "Spam: Yes ; 6 / 5\r\n\r\nA_B\r\n",
			       FALSE, &reply, &error) == 0);
	test_assert(test_parse("SPAMD/1.1 0 EX_OK\r\n"
			       "Spam: Yes ; 6 / 5\r\n\r\nA_B\r\n",
			       TRUE, &reply, &error) == 1);
	test_assert_strcmp(reply.symbols, "A_B");
	/* unknown headers are ignored */
	test_assert(test_parse("SPAMD/1.5 0 EX_OK\r\nX-Other: 1\r\n"
			       "Content-length: 0\r\n"
			       "Spam: False ; 1.0 / 5.0\r\n\r\n",
			       TRUE, &reply, &error) == 1);
	/* spamd's own error */
	test_assert(test_parse("SPAMD/1.0 76 Bad header line: x\r\n",
			       TRUE, &reply, &error) == 1);
	test_assert(reply.code == 76);
	test_assert_strcmp(reply.message, "Bad header line: x");
	test_end();
}

static void test_spamd_reply_parse_bad(void)
{
	static const struct {
		const char *data, *error;
	} tests[] = {
		{ "", "Connection closed without a reply" },
		{ "SPAMD/1.1 0 EX_OK\r\n", "Reply ended early" },
		{ "HTTP/1.0 200 OK\r\n\r\n", "Not a spamd reply" },
		{ "SPAMD/1.1 x EX_OK\r\n", "Invalid status line" },
		{ "SPAMD/1 0 EX_OK\r\n", "Invalid status line" },
		{ "SPAMD/1.\r\n", "Invalid status line" },
		{ "SPAMD/1.1 0000 EX_OK\r\n", "Invalid status line" },
		{ "SPAMD/1.1 0 EX_OK\r\n\r\n", "Reply without a Spam header" },
		{ "SPAMD/1.1 0 EX_OK\r\nSpam: Maybe ; 1 / 5\r\n\r\n",
		  "Invalid Spam header" },
		{ "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1e9 / 5\r\n\r\n",
		  "Invalid Spam header" },
		{ "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5 / 6\r\n\r\n",
		  "Invalid Spam header" },
		{ "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1234567890123 / 5\r\n\r\n",
		  "Invalid Spam header" },
		{ "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n"
		  "Spam: False ; 1 / 5\r\n\r\n", "Duplicate Spam header" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: 99999999999\r\n\r\n",
		  "Content-Length 99999999999 is over" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: -1\r\n\r\n",
		  "Invalid Content-Length" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: 1\r\n"
		  "Content-length: 1\r\n\r\nA", "Invalid Content-Length" },
		{ "SPAMD/1.1 0 EX_OK\r\nno colon\r\n", "Invalid reply header" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\n"
		  "Spam: True ; 1 / 5\r\n\r\nAB", "Reply ended before" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: 1\r\n"
		  "Spam: True ; 1 / 5\r\n\r\nAB", "Reply longer than" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: 3\r\n"
		  "Spam: True ; 1 / 5\r\n\r\nA B", "Invalid rule name" },
		{ "SPAMD/1.1 0 EX_OK\r\nContent-length: 3\r\n"
		  "Spam: True ; 1 / 5\r\n\r\nA\rB", "Invalid rule name" },
	};
	struct spamd_reply reply;
	const char *error;
	unsigned int i;

	test_begin("spamd_reply_parse: malformed");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		test_assert_idx(test_parse(tests[i].data, TRUE, &reply,
					   &error) == -1, i);
		test_assert_idx(error != NULL &&
				str_begins_with(error, tests[i].error), i);
	}
	test_end();
}

static void test_spamd_reply_parse_bounds(void)
{
	struct spamd_reply reply;
	string_t *str = t_str_new(8192);
	const char *error;
	unsigned int i;

	test_begin("spamd_reply_parse: bounds");
	/* a line without end is an error as soon as it is too long */
	str_append(str, "SPAMD/1.1 0 EX_OK\r\nSpam: ");
	for (i = 0; i < SPAM_REPLY_MAX_LINE; i++)
		str_append_c(str, 'A');
	test_assert(spamd_reply_parse(str_data(str), str_len(str), FALSE,
				      &reply, &error) == -1);
	test_assert(str_begins_with(error, "Reply line longer than"));

	str_truncate(str, 0);
	str_append(str, "SPAMD/1.1 0 EX_OK\r\n");
	for (i = 0; i <= SPAM_REPLY_MAX_HEADERS; i++)
		str_append(str, "X: y\r\n");
	test_assert(spamd_reply_parse(str_data(str), str_len(str), FALSE,
				      &reply, &error) == -1);
	test_assert(str_begins_with(error, "More than"));

	str_truncate(str, 0);
	str_append(str, "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n\r\n");
	for (i = 0; i <= SPAM_REPLY_MAX_RULE_NAME; i++)
		str_append_c(str, 'A');
	test_assert(spamd_reply_parse(str_data(str), str_len(str), TRUE,
				      &reply, &error) == -1);
	test_assert(str_begins_with(error, "Invalid rule name"));

	str_truncate(str, 0);
	str_append(str, "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n\r\n");
	for (i = 0; i <= SPAMD_REPLY_MAX_BODY / 4; i++)
		str_append(str, "AAA,");
	test_assert(spamd_reply_parse(str_data(str), str_len(str), FALSE,
				      &reply, &error) == -1);
	test_assert(str_begins_with(error, "Reply body over"));
	/* a NUL inside a line */
	test_assert(spamd_reply_parse((const void *)"SPAMD/1.1 0 E\0X\r\n", 17,
				      TRUE, &reply, &error) == -1);
	test_end();
}

static void test_retrieve_spam_verdict_headers(void)
{
	struct retrieve_spam_verdict verdict = {
		.spam = TRUE,
		.score = "1002.7",
		.required = "5.0",
		.tests = "GTUBE,MISSING_DATE",
	};
	string_t *str = t_str_new(256), *tests = t_str_new(1024);
	const char *const *lines;
	unsigned int i;

	test_begin("retrieve_spam_verdict_headers()");
	retrieve_spam_verdict_headers(NULL, &verdict, str);
	test_assert_strcmp(str_c(str),
		"X-Spam-Flag: YES\r\n"
		"X-Spam-Score: 1002.7\r\n"
		"X-Spam-Status: Yes, score=1002.7 required=5.0 "
		"tests=GTUBE,MISSING_DATE\r\n");

	verdict.spam = FALSE;
	verdict.tests = "";
	str_truncate(str, 0);
	retrieve_spam_verdict_headers(NULL, &verdict, str);
	test_assert_strcmp(str_c(str),
		"X-Spam-Flag: NO\r\n"
		"X-Spam-Score: 1002.7\r\n"
		"X-Spam-Status: No, score=1002.7 required=5.0\r\n");

	/* configured names */
	str_truncate(str, 0);
	retrieve_spam_verdict_headers(&(const struct retrieve_spam_header_names){
		.flag = "X-Junk", .status = "X-Junk-Status",
		.score = "X-Junk-Score" }, &verdict, str);
	retrieve_spam_unscanned_header(&(const struct retrieve_spam_header_names){
		.status = "X-Junk-Status" }, "too large", str);
	test_assert_strcmp(str_c(str),
		"X-Junk: NO\r\n"
		"X-Junk-Score: 1002.7\r\n"
		"X-Junk-Status: No, score=1002.7 required=5.0\r\n"
		"X-Junk-Status: Unscanned (too large)\r\n");

	/* a long list is folded after commas */
	for (i = 0; i < 60; i++)
		str_printfa(tests, "%sRULE_NUMBER_%u", i == 0 ? "" : ",", i);
	verdict.tests = str_c(tests);
	str_truncate(str, 0);
	retrieve_spam_verdict_headers(NULL, &verdict, str);
	lines = t_strsplit(str_c(str), "\n");
	test_assert(str_array_length(lines) > 10);
	for (i = 0; lines[i] != NULL; i++) {
		test_assert_idx(strlen(lines[i]) <= 80, i);
		if (i >= 3 && lines[i][0] != '\0')
			test_assert_idx(lines[i][0] == '\t', i);
	}
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_spamd_reply_parse_ok,
		test_spamd_reply_parse_bad,
		test_spamd_reply_parse_bounds,
		test_retrieve_spam_verdict_headers,
		NULL
	};
	return test_run(test_functions);
}
