/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-common.h"
#include "retrieve-secrets.h"
#include "retrieve-client-private.h"
#include "retrieve-imap-log.h"

#define PREFIX "imapc(example.org:993): "

static void test_client_init(struct retrieve_client *client)
{
	i_zero(client);
	client->event = event_create(NULL);
	client->secrets = retrieve_secrets_init("user", "s3cret");
}

static void test_client_deinit(struct retrieve_client *client)
{
	retrieve_secrets_deinit(&client->secrets);
	event_unref(&client->event);
}

static void test_log_init(struct retrieve_imap_log *log,
			  struct retrieve_client *client, const char *prefix)
{
	i_zero(log);
	log->client = client;
	log->prefix = prefix;
	retrieve_imap_log_capture_start(log);
}

static void test_log_deinit(struct retrieve_imap_log *log)
{
	retrieve_imap_log_capture_stop(log);
	i_free(log->error);
}

static void test_retrieve_imap_log_capture(void)
{
	struct retrieve_client client;
	struct retrieve_imap_log log;
	failure_callback_t *fatal, *error, *info, *debug, *orig;

	test_begin("retrieve imap log: capture and result code");
	i_get_failure_handlers(&fatal, &orig, &info, &debug);
	test_client_init(&client);
	test_log_init(&log, &client, PREFIX);
	test_assert(log.error == NULL);
	test_assert(retrieve_imap_log_error_code(&log) ==
		    RETRIEVE_RESULT_REMOTE_TEMPFAIL);

	/* ours: taken over, try_reconnect()'s suffix cut, secrets hidden */
	i_error(PREFIX"connect(1.2.3.4:993) failed: s3cret - disconnecting");
	test_assert_strcmp(log.error,
			   "connect(1.2.3.4:993) failed: <hidden>");
	test_assert(retrieve_imap_log_error_code(&log) ==
		    RETRIEVE_RESULT_REMOTE_TEMPFAIL);
	i_error(PREFIX"SSL handshake failed: certificate not trusted");
	test_assert(retrieve_imap_log_error_code(&log) ==
		    RETRIEVE_RESULT_REMOTE_ERROR);
	i_error(PREFIX"Remote server doesn't support STARTTLS");
	test_assert(retrieve_imap_log_error_code(&log) ==
		    RETRIEVE_RESULT_REMOTE_ERROR);

	/* another client's line passes on */
	test_expect_error_string("imapc(other:143): elsewhere");
	i_error("imapc(other:143): elsewhere");
	test_expect_no_more_errors();
	test_assert_strcmp(log.error, "Remote server doesn't support STARTTLS");

	/* a warning is passed on as well as kept */
	test_expect_error_string(PREFIX"slow");
	i_warning(PREFIX"slow");
	test_expect_no_more_errors();
	test_assert_strcmp(log.error, "slow");

	/* a quoted command while logging in is the login's: never kept */
	log.logging_in = TRUE;
	i_error(PREFIX"Command 'LOGIN user s3cret' failed with BAD");
	test_assert(log.login_bad);
	test_assert_strcmp(log.error, RETRIEVE_IMAP_LOGIN_BAD_ERROR);
	log.logging_in = FALSE;

	/* after LOGOUT the goodbye is no error, and no warning */
	log.logout_sent = TRUE;
	i_error(PREFIX"Server disconnected unexpectedly");
	i_warning(PREFIX"bye");
	test_assert_strcmp(log.error, RETRIEVE_IMAP_LOGIN_BAD_ERROR);

	test_log_deinit(&log);
	i_get_failure_handlers(&fatal, &error, &info, &debug);
	test_assert(error == orig);
	test_expect_error_string(PREFIX"after");
	i_error(PREFIX"after");
	test_expect_no_more_errors();
	test_client_deinit(&client);
	test_end();
}

static void test_retrieve_imap_log_two(void)
{
	struct retrieve_client client1, client2;
	struct retrieve_imap_log log1, log2;
	failure_callback_t *fatal, *error, *info, *debug, *orig;

	test_begin("retrieve imap log: two captures at once");
	i_get_failure_handlers(&fatal, &orig, &info, &debug);
	test_client_init(&client1);
	test_client_init(&client2);
	test_log_init(&log1, &client1, "imapc(a:143): ");
	test_log_init(&log2, &client2, "imapc(b:143): ");
	i_error("imapc(b:143): for b");
	i_error("imapc(a:143): for a");
	test_assert_strcmp(log1.error, "for a");
	test_assert_strcmp(log2.error, "for b");

	/* the handler stays until the last capture stops */
	test_log_deinit(&log1);
	i_get_failure_handlers(&fatal, &error, &info, &debug);
	test_assert(error != orig);
	i_error("imapc(b:143): again");
	test_assert_strcmp(log2.error, "again");
	test_log_deinit(&log2);
	i_get_failure_handlers(&fatal, &error, &info, &debug);
	test_assert(error == orig);
	test_client_deinit(&client1);
	test_client_deinit(&client2);
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_imap_log_capture,
		test_retrieve_imap_log_two,
		NULL
	};
	return test_run(test_functions);
}
