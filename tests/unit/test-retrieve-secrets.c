/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "base64.h"
#include "test-common.h"
#include "retrieve-secrets.h"

static const char *b64(const void *data, size_t size)
{
	return str_c(t_base64_encode(0, SIZE_MAX, data, size));
}

static void test_retrieve_secrets_hide(void)
{
	struct retrieve_secrets *secrets;
	const char *plain, *plain_authz;

	test_begin("retrieve_secrets_hide");
	secrets = retrieve_secrets_init("user", "s3cret");
	plain = b64("\0user\0s3cret", 12);
	plain_authz = b64("user\0user\0s3cret", 16);

	test_assert_strcmp(retrieve_secrets_hide(secrets,
		"wrong password s3cret!"), "wrong password <hidden>!");
	test_assert_strcmp(retrieve_secrets_hide(secrets, "s3crets3cret"),
			   "<hidden><hidden>");
	test_assert_strcmp(retrieve_secrets_hide(secrets,
		t_strdup_printf("bad %s %s %s", plain, plain_authz,
				b64("s3cret", 6))),
		"bad <hidden> <hidden> <hidden>");
	test_assert_strcmp(retrieve_secrets_hide(secrets, "nothing here"),
			   "nothing here");
	test_assert_strcmp(retrieve_secrets_hide(secrets, ""), "");
	test_assert(retrieve_secrets_hide(secrets, NULL) == NULL);
	retrieve_secrets_deinit(&secrets);
	test_assert(secrets == NULL);

	/* IMAP LOGIN quotes '"' and '\\' */
	secrets = retrieve_secrets_init("u", "a\"b\\c");
	test_assert_strcmp(retrieve_secrets_hide(secrets,
		"BAD LOGIN u \"a\\\"b\\\\c\""), "BAD LOGIN u \"<hidden>\"");
	test_assert_strcmp(retrieve_secrets_hide(secrets, "x a\"b\\c y"),
			   "x <hidden> y");
	retrieve_secrets_deinit(&secrets);

	/* no password: nothing hidden */
	secrets = retrieve_secrets_init("u", "");
	test_assert_strcmp(retrieve_secrets_hide(secrets, "abc"), "abc");
	retrieve_secrets_deinit(&secrets);
	secrets = retrieve_secrets_init(NULL, NULL);
	test_assert_strcmp(retrieve_secrets_hide(secrets, "abc"), "abc");
	retrieve_secrets_deinit(&secrets);
	test_end();
}

static void test_retrieve_secrets_tokens(void)
{
	struct retrieve_secrets *secrets;
	const char *msg = "user=u\001auth=Bearer at-1\001\001";
	unsigned int i;

	test_begin("retrieve_secrets_add: tokens");
	secrets = retrieve_secrets_init("u", "pw-1");
	retrieve_secrets_add(secrets, "rt-1");
	retrieve_secrets_add(secrets, "at-1");
	retrieve_secrets_add(secrets, NULL);
	retrieve_secrets_add_base64(secrets, msg, strlen(msg));
	test_assert_strcmp(retrieve_secrets_hide(secrets,
		t_strdup_printf("a rt-1 b at-1 c %s d pw-1",
				b64(msg, strlen(msg)))),
		"a <hidden> b <hidden> c <hidden> d <hidden>");
	/* many tokens: the oldest token forms give way, never the
	   password's */
	for (i = 0; i < 40; i++)
		retrieve_secrets_add(secrets, t_strdup_printf("tok-%02u", i));
	test_assert_strcmp(retrieve_secrets_hide(secrets, "pw-1 tok-39"),
			   "<hidden> <hidden>");
	test_assert_strcmp(retrieve_secrets_hide(secrets, "tok-00"), "tok-00");
	retrieve_secrets_deinit(&secrets);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_secrets_hide,
		test_retrieve_secrets_tokens,
		NULL
	};
	return test_run(test_functions);
}
