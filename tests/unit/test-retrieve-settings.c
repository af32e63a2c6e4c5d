/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "net.h"
#include "wildcard-match.h"
#include "test-common.h"
#include "retrieve-settings.h"
#include "test-retrieve-env.h"
#include "retrieve-dovecot.h"

#define TEST_PASSWORD "Top$ecret-42"

static struct retrieve_global_settings test_global_defaults(void)
{
	static const char *const empty[] = { NULL };
	struct retrieve_global_settings global;
	const char *error;

	if (retrieve_global_settings_parse(test_env_getenv, (void *)empty,
					   &global, &error) < 0)
		i_unreached();
	return global;
}

/* Parses account idx from env; returns the parse result */
static int
test_parse_account(const struct retrieve_global_settings *global,
		   const char *const *env, unsigned int idx,
		   struct retrieve_account_settings **set_r,
		   const char **error_r)
{
	*error_r = NULL;
	return retrieve_account_settings_parse(pool_datastack_create(), global,
					       test_env_getenv, (void *)env, idx,
					       set_r, error_r);
}

static void test_retrieve_global_settings_defaults(void)
{
	struct retrieve_global_settings global;

	test_begin("retrieve global settings: defaults");
	global = test_global_defaults();
	test_assert(!global.allow_plaintext);
	test_assert(global.default_interval_secs == 600);
	test_assert(global.min_interval_secs == 60);
	test_assert(global.timeout_secs == 60);
	test_assert_strcmp(global.state_dir, "~/.dovecot-retrieve");
	test_assert(global.max_message_size == 512*1024*1024);
	test_assert(global.run_timeout_secs == 30*60);
	test_assert(global.message_timeout_secs == 10*60);
	test_assert(!global.allow_ssl_verify_no);
	test_assert(global.on_login);
	test_assert_strcmp(global.spam.scanner, "");
	test_assert(global.spam.timeout_secs == 30);
	test_assert(global.spam.failure == RETRIEVE_SPAM_FAILURE_TEMPFAIL);
	test_assert(global.spam.max_size == 20*1024*1024);
	test_assert(global.spam.folder == NULL);
	test_assert_strcmp(global.spam.headers.flag, "X-Spam-Flag");
	test_assert_strcmp(global.spam.headers.status, "X-Spam-Status");
	test_assert_strcmp(global.spam.headers.score, "X-Spam-Score");
	test_end();
}

static void test_retrieve_global_settings_spam(void)
{
	static const char *const env[] = {
		"retrieve_spam_scanner", "spamd:127.0.0.1:1783",
		"retrieve_spam_timeout", "10s",
		"retrieve_spam_failure", "accept",
		"retrieve_spam_max_size", "1M",
		"retrieve_spam_folder", "Junk",
		"retrieve_spam_settings_id", "retrieve-1.x",
		"retrieve_spam_header_flag", "X-Junk",
		"retrieve_spam_header_score", "X-Spamd-Score~1!",
		NULL
	};
	static const char *const valid[] = {
		"spamd:127.0.0.1", "spamd:[::1]:783", "spamd:::1",
		"spamd:/run/spamd.sock", "rspamd:http://127.0.0.1:11333",
		"rspamd:http://[::1]:11333/", "rspamd:http://127.0.0.1/rspamd",
	};
	struct retrieve_global_settings global;
	const char *env2[3], *error;
	unsigned int i;

	test_begin("retrieve global settings: spam");
	test_assert(retrieve_global_settings_parse(test_env_getenv, (void *)env,
						   &global, &error) == 0);
	test_assert_strcmp(global.spam.scanner, "spamd:127.0.0.1:1783");
	test_assert(global.spam.timeout_secs == 10);
	test_assert(global.spam.failure == RETRIEVE_SPAM_FAILURE_ACCEPT);
	test_assert(global.spam.max_size == 1024*1024);
	test_assert_strcmp(global.spam.folder, "Junk");
	test_assert_strcmp(global.spam.settings_id, "retrieve-1.x");
	test_assert_strcmp(global.spam.headers.flag, "X-Junk");
	test_assert_strcmp(global.spam.headers.status, "X-Spam-Status");
	test_assert_strcmp(global.spam.headers.score, "X-Spamd-Score~1!");
	for (i = 0; i < N_ELEMENTS(valid); i++) {
		env2[0] = "retrieve_spam_scanner";
		env2[1] = valid[i];
		env2[2] = NULL;
		test_assert_idx(retrieve_global_settings_parse(test_env_getenv,
			(void *)env2, &global, &error) == 0, i);
	}
	test_end();
}

static void test_retrieve_global_settings_values(void)
{
	static const char *const env[] = {
		"retrieve_allow_plaintext", "yes",
		"retrieve_default_interval", "5m",
		"retrieve_min_interval", "30",
		"retrieve_timeout", "2 mins",
		"retrieve_state_dir", "/var/lib/retrieve/%u",
		"retrieve_max_message_size", "64M",
		"retrieve_run_timeout", "5m",
		"retrieve_message_timeout", "90s",
		"retrieve_allow_ssl_verify_no", "yes",
		NULL
	};
	struct retrieve_global_settings global;
	const char *error;

	test_begin("retrieve global settings: values");
	test_assert(retrieve_global_settings_parse(test_env_getenv, (void *)env,
						   &global, &error) == 0);
	test_assert(global.allow_plaintext);
	test_assert(global.default_interval_secs == 300);
	test_assert(global.min_interval_secs == 30);
	test_assert(global.max_message_size == 64*1024*1024);
	test_assert(global.run_timeout_secs == 300);
	test_assert(global.message_timeout_secs == 90);
	test_assert(global.allow_ssl_verify_no);
	test_assert(global.timeout_secs == 120);
	test_assert_strcmp(global.state_dir, "/var/lib/retrieve/%u");
	test_end();
}

static void test_retrieve_global_settings_invalid(void)
{
	static const struct {
		const char *key, *value, *error;
	} tests[] = {
		{ "retrieve_allow_plaintext", "maybe",
		  "retrieve_allow_plaintext: invalid boolean" },
		{ "retrieve_allow_plaintext", "",
		  "retrieve_allow_plaintext: invalid boolean" },
		{ "retrieve_default_interval", "soon",
		  "retrieve_default_interval: invalid time interval" },
		{ "retrieve_default_interval", "0",
		  "retrieve_default_interval: must be greater than zero" },
		{ "retrieve_min_interval", "5x",
		  "retrieve_min_interval: invalid time interval" },
		{ "retrieve_min_interval", "-1m",
		  "retrieve_min_interval: invalid time interval" },
		{ "retrieve_timeout", "0s",
		  "retrieve_timeout: must be greater than zero (value '0s')" },
		{ "retrieve_timeout", "long",
		  "retrieve_timeout: invalid time interval (e.g. 30s, 15m, 1h) "
		  "(value 'long')" },
		{ "retrieve_state_dir", "",
		  "retrieve_state_dir: must not be empty" },
		{ "retrieve_max_message_size", "0",
		  "retrieve_max_message_size: invalid size" },
		{ "retrieve_max_message_size", "huge",
		  "retrieve_max_message_size: invalid size" },
		{ "retrieve_run_timeout", "0",
		  "retrieve_run_timeout: must be greater than zero" },
		{ "retrieve_message_timeout", "x",
		  "retrieve_message_timeout: invalid time interval" },
		{ "retrieve_allow_ssl_verify_no", "perhaps",
		  "retrieve_allow_ssl_verify_no: invalid boolean" },
		{ "retrieve_on_login", "on",
		  "retrieve_on_login: invalid boolean" },
		{ "retrieve_spam_scanner", "clamd:127.0.0.1:3310",
		  "retrieve_spam_scanner: unknown scanner" },
		{ "retrieve_spam_scanner", "spamd",
		  "retrieve_spam_scanner: unknown scanner" },
		{ "retrieve_spam_scanner", "spamd:spamd.example.org:783",
		  "retrieve_spam_scanner: spamd needs an IP address" },
		{ "retrieve_spam_scanner", "spamd:127.0.0.1:0",
		  "retrieve_spam_scanner: spamd needs an IP address" },
		{ "retrieve_spam_scanner", "spamd:",
		  "retrieve_spam_scanner: spamd needs an IP address" },
		{ "retrieve_spam_timeout", "0",
		  "retrieve_spam_timeout: must be greater than zero" },
		{ "retrieve_spam_failure", "maybe",
		  "retrieve_spam_failure: " },
		{ "retrieve_spam_max_size", "0",
		  "retrieve_spam_max_size: invalid size" },
		{ "retrieve_spam_folder", "Junk\nX",
		  "retrieve_spam_folder: not a valid folder name" },
		{ "retrieve_spam_scanner", "rspamd:https://127.0.0.1:11333",
		  "retrieve_spam_scanner: rspamd needs an http:// URL with an IP" },
		{ "retrieve_spam_scanner", "rspamd:http://rspamd.example.org",
		  "retrieve_spam_scanner: rspamd needs an http:// URL with an IP" },
		{ "retrieve_spam_scanner", "rspamd:127.0.0.1:11333",
		  "retrieve_spam_scanner: rspamd needs an http:// URL" },
		{ "retrieve_spam_settings_id", "a b",
		  "retrieve_spam_settings_id: use letters" },
		{ "retrieve_spam_settings_id", "a\r\nX-Evil: 1",
		  "retrieve_spam_settings_id: use letters" },
		{ "retrieve_spam_header_flag", "X Spam",
		  "retrieve_spam_header_flag: not a header field name" },
		{ "retrieve_spam_header_status", "X-Spam-Status:",
		  "retrieve_spam_header_status: not a header field name" },
		{ "retrieve_spam_header_score", "X-Score\r\nX-Evil",
		  "retrieve_spam_header_score: not a header field name" },
		{ "retrieve_spam_header_score", "X-Sp\xc3\xa4m",
		  "retrieve_spam_header_score: not a header field name" },
		{ "retrieve_spam_header_flag", "X-Very-Long-Name-0123456789-"
		  "0123456789-0123456789-0123456789-0123456789",
		  "retrieve_spam_header_flag: not a header field name" },
		{ "retrieve_spam_header_score", "x-spam-FLAG",
		  "retrieve_spam_header_score: the same name as "
		  "retrieve_spam_header_flag" },
	};
	struct retrieve_global_settings global;
	const char *env[3], *error;
	unsigned int i;

	test_begin("retrieve global settings: invalid");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		env[0] = tests[i].key;
		env[1] = tests[i].value;
		env[2] = NULL;
		error = NULL;
		test_assert_idx(retrieve_global_settings_parse(test_env_getenv,
			(void *)env, &global, &error) == -1, i);
		test_assert_idx(error != NULL &&
				str_begins_with(error, tests[i].error), i);
		test_assert_idx(error != NULL && strchr(error, '\n') == NULL, i);
	}
	test_end();
}

static void test_retrieve_account_key(void)
{
	test_begin("retrieve_account_key()");
	test_assert_strcmp(retrieve_account_key(1), "retrieve");
	test_assert_strcmp(retrieve_account_key(2), "retrieve2");
	test_assert_strcmp(retrieve_account_key(10), "retrieve10");
	test_end();
}

static void test_retrieve_account_defaults(void)
{
	static const char *const pop3_env[] = {
		"retrieve", "pop3://alice@mail.example.org",
		"retrieve_password", TEST_PASSWORD,
		NULL
	};
	static const char *const imaps_env[] = {
		"retrieve", "imaps://bob@[2001:db8::1]",
		"retrieve_password", TEST_PASSWORD,
		NULL
	};
	struct retrieve_global_settings global = test_global_defaults();
	struct retrieve_account_settings *set;
	const char *error;

	test_begin("retrieve account settings: defaults");
	test_assert(test_parse_account(&global, pop3_env, 1, &set, &error) == 1);
	test_assert(error == NULL);
	test_assert_strcmp(set->name, "retrieve");
	test_assert_strcmp(set->url, "pop3://alice@mail.example.org");
	test_assert(set->protocol == RETRIEVE_PROTOCOL_POP3);
	test_assert_strcmp(set->host, "mail.example.org");
	test_assert(set->port == 110);
	test_assert_strcmp(set->username, "alice");
	test_assert_strcmp(set->password, TEST_PASSWORD);
	test_assert(!set->interval_manual);
	test_assert(set->interval_secs == 600);
	test_assert_strcmp(set->folder, "INBOX");
	test_assert(set->ssl_mode == RETRIEVE_SSL_MODE_STARTTLS);
	test_assert(set->ssl_verify);
	test_assert(!set->apop);
	test_assert(!set->keep);
	test_assert(set->filter);
	test_assert(set->max_size == 0);

	test_assert(test_parse_account(&global, imaps_env, 1, &set, &error) == 1);
	test_assert(set->protocol == RETRIEVE_PROTOCOL_IMAP);
	test_assert_strcmp(set->host, "2001:db8::1");
	test_assert(set->port == 993);
	test_assert(set->ssl_mode == RETRIEVE_SSL_MODE_IMPLICIT);
	test_end();
}

static void test_retrieve_account_options(void)
{
	static const char *const env[] = {
		"retrieve", "pop3://mail.example.org:1100/",
		"retrieve_user", "carol@example.org",
		"retrieve_password", TEST_PASSWORD,
		"retrieve_interval", "15m",
		"retrieve_folder", "Posteingang/\xc3\x84rger",
		"retrieve_apop", "yes",
		"retrieve_keep", "true",
		"retrieve_filter", "0",
		"retrieve_ssl_verify", "n",
		"retrieve_ssl", "yes",
		"retrieve_max_size", "10M",
		"retrieve2", "POP3://dave@host",
		"retrieve2_user", "ignored",
		"retrieve2_password", TEST_PASSWORD,
		"retrieve2_interval", "manual",
		"retrieve2_ssl", "yes",
		"retrieve2_max_size", "500k",
		"retrieve2_keep", "Y",
		"retrieve3", "pop3://eve@host",
		"retrieve3_password", TEST_PASSWORD,
		"retrieve3_ssl", "no",
		"retrieve3_interval", "auto",
		"retrieve3_max_size", "0",
		"retrieve3_apop", "FALSE",
		NULL
	};
	struct retrieve_global_settings global = test_global_defaults();
	struct retrieve_account_settings *set;
	const char *error;

	test_begin("retrieve account settings: options");
	/* ssl_verify=no is the administrator's to allow */
	test_assert(test_parse_account(&global, env, 1, &set, &error) == -1);
	test_assert(strstr(error, "requires retrieve_allow_ssl_verify_no") != NULL);
	global.allow_ssl_verify_no = TRUE;
	test_assert(test_parse_account(&global, env, 1, &set, &error) == 1);
	test_assert_strcmp(set->username, "carol@example.org");
	test_assert(set->port == 1100);
	test_assert(!set->interval_manual);
	test_assert(set->interval_secs == 15*60);
	test_assert_strcmp(set->folder, "Posteingang/\xc3\x84rger");
	test_assert(set->apop);
	test_assert(set->keep);
	test_assert(!set->filter);
	test_assert(!set->ssl_verify);
	test_assert(set->ssl_mode == RETRIEVE_SSL_MODE_IMPLICIT);
	test_assert(set->max_size == 10*1024*1024);

	/* the URL's user wins over _user; ssl=yes moves the default port */
	test_assert(test_parse_account(&global, env, 2, &set, &error) == 1);
	test_assert_strcmp(set->name, "retrieve2");
	test_assert_strcmp(set->username, "dave");
	test_assert(set->interval_manual);
	test_assert(set->ssl_mode == RETRIEVE_SSL_MODE_IMPLICIT);
	test_assert(set->port == 995);
	test_assert(set->max_size == 500*1024);
	test_assert(set->keep);

	/* ssl=no needs retrieve_allow_plaintext */
	test_assert(test_parse_account(&global, env, 3, &set, &error) == -1);
	test_assert_strcmp(error, "retrieve3: ssl: ssl=no requires "
			   "retrieve_allow_plaintext=yes (value 'no')");
	global.allow_plaintext = TRUE;
	test_assert(test_parse_account(&global, env, 3, &set, &error) == 1);
	test_assert(set->ssl_mode == RETRIEVE_SSL_MODE_NONE);
	test_assert(set->port == 110);
	test_assert(set->interval_secs == 600);
	test_assert(set->max_size == 0);
	test_assert(!set->apop);

	test_assert(test_parse_account(&global, env, 4, &set, &error) == 0);
	test_assert(set == NULL);
	test_end();
}

static void test_retrieve_account_interval(void)
{
	static const struct {
		const char *value;
		bool manual;
		unsigned int secs;
	} tests[] = {
		{ "manual", TRUE, 0 },
		{ "MANUAL", TRUE, 0 },
		{ "auto", FALSE, 300 },
		{ "15m", FALSE, 900 },
		{ "1h", FALSE, 3600 },
		{ "2 hours", FALSE, 7200 },
		{ "3600", FALSE, 3600 },
		/* clamped to the minimum, not refused */
		{ "30s", FALSE, 120 },
		{ "1", FALSE, 120 },
		{ "2m", FALSE, 120 },
	};
	struct retrieve_global_settings global = test_global_defaults();
	struct retrieve_account_settings *set;
	const char *env[7], *error;
	unsigned int i;

	test_begin("retrieve account settings: interval");
	global.default_interval_secs = 300;
	global.min_interval_secs = 120;
	env[0] = "retrieve"; env[1] = "imap://u@h";
	env[2] = "retrieve_password"; env[3] = TEST_PASSWORD;
	env[4] = "retrieve_interval"; env[6] = NULL;
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		env[5] = tests[i].value;
		test_assert_idx(test_parse_account(&global, env, 1,
						   &set, &error) == 1, i);
		test_assert_idx(set->interval_manual == tests[i].manual, i);
		test_assert_idx(set->interval_secs == tests[i].secs, i);
	}
	/* the default interval is clamped too */
	global.default_interval_secs = 10;
	env[4] = NULL;
	test_assert(test_parse_account(&global, env, 1, &set, &error) == 1);
	test_assert(set->interval_secs == 120);
	test_end();
}

struct invalid_account_test {
	const char *url;
	const char *option, *value;
	/* the exact error, or its beginning when it ends with '*' */
	const char *error;
};

static void test_retrieve_account_invalid(void)
{
	static const struct invalid_account_test tests[] = {
		{ "pop3://u@h", "password", NULL,
		  "retrieve: password: missing: set retrieve_password" },
		{ "pop3://u@h", "password", "",
		  "retrieve: password: missing: set retrieve_password" },
		{ "pop3://u@h", "password", "a\r\nDELE 1",
		  "retrieve: password: contains control characters" },
		{ "pop3://h", "user", NULL,
		  "retrieve: user: no user: put it in the URL or set "
		  "retrieve_user" },
		{ "pop3://h", "user", "",
		  "retrieve: user: no user*" },
		{ "pop3://h", "user", "a\nb",
		  "retrieve: user: contains control characters (value 'a?b')" },
		{ "http://u@h", NULL, NULL,
		  "retrieve: url: unsupported scheme 'http' (use pop3, pop3s, "
		  "imap or imaps) (value 'http://***@h')" },
		{ "pop3://u@h:0", NULL, NULL,
		  "retrieve: url: invalid port (must be 1..65535) "
		  "(value 'pop3://***@h:0')" },
		{ "pop3://h/INBOX", NULL, NULL,
		  "retrieve: url: URL must not have a path, query or fragment "
		  "(value 'pop3://h/INBOX')" },
		{ "pop3://u:" TEST_PASSWORD "@h", NULL, NULL,
		  "retrieve: url: password in URL is not allowed; use the "
		  "_password setting (value 'pop3://***@h')" },
		{ "pop3://u:pw" TEST_PASSWORD "@h", NULL, NULL,
		  "retrieve: url: password in URL*" },
		{ "u:" TEST_PASSWORD "@h", NULL, NULL,
		  "retrieve: url: missing scheme*" },
		{ "pop3://u@h", "interval", "soon",
		  "retrieve: interval: invalid interval (use manual, auto or a "
		  "time like 15m) (value 'soon')" },
		{ "pop3://u@h", "interval", "0",
		  "retrieve: interval: must be greater than zero*" },
		{ "pop3://u@h", "interval", "",
		  "retrieve: interval: invalid interval*" },
		{ "pop3://u@h", "folder", "",
		  "retrieve: folder: must not be empty (value '')" },
		{ "pop3://u@h", "folder", "a\xff\xfe",
		  "retrieve: folder: not valid UTF-8 (value 'a?" "?')" },
		{ "pop3://u@h", "apop", "maybe",
		  "retrieve: apop: invalid boolean (use yes or no) "
		  "(value 'maybe')" },
		{ "pop3://u@h", "keep", "2",
		  "retrieve: keep: invalid boolean*" },
		{ "pop3://u@h", "filter", "",
		  "retrieve: filter: invalid boolean*" },
		{ "pop3://u@h", "ssl_verify", "on",
		  "retrieve: ssl_verify: invalid boolean*" },
		{ "pop3://u@h", "ssl", "tls",
		  "retrieve: ssl: invalid value (use yes, starttls or no) "
		  "(value 'tls')" },
		{ "pop3s://u@h", "ssl", "starttls",
		  "retrieve: ssl: conflicts with the URL scheme pop3s:// "
		  "(value 'starttls')" },
		{ "imaps://u@h", "ssl", "no",
		  "retrieve: ssl: conflicts with the URL scheme imaps:// "
		  "(value 'no')" },
		{ "pop3://u@h", "ssl", "no",
		  "retrieve: ssl: ssl=no requires retrieve_allow_plaintext=yes "
		  "(value 'no')" },
		{ "imap://u@h", "apop", "yes",
		  "retrieve: apop: APOP exists only in POP3 (value 'yes')" },
		{ "pop3://u@h", "max_size", "10Q",
		  "retrieve: max_size: invalid size (e.g. 500k, 10M, 0 for no "
		  "limit) (value '10Q')" },
		{ "pop3://u@h", "max_size", "lots",
		  "retrieve: max_size: invalid size*" },
	};
	struct retrieve_global_settings global = test_global_defaults();
	struct retrieve_account_settings *set;
	const char *env[7], *error, *expected;
	unsigned int i, n;

	test_begin("retrieve account settings: invalid");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		n = 0;
		env[n++] = "retrieve";
		env[n++] = tests[i].url;
		if (tests[i].option == NULL ||
		    strcmp(tests[i].option, "password") != 0) {
			env[n++] = "retrieve_password";
			env[n++] = TEST_PASSWORD;
		}
		if (tests[i].option != NULL && tests[i].value != NULL) {
			env[n++] = t_strconcat("retrieve_",
					       tests[i].option, NULL);
			env[n++] = tests[i].value;
		}
		env[n] = NULL;

		test_assert_idx(test_parse_account(&global, env, 1,
						   &set, &error) == -1, i);
		test_assert_idx(set == NULL, i);
		expected = tests[i].error;
		if (expected[strlen(expected)-1] == '*') {
			expected = t_strcut(expected, '*');
			test_assert_idx(error != NULL &&
					str_begins_with(error, expected), i);
		} else {
			test_assert_strcmp_idx(error, expected, i);
		}
		test_assert_idx(error != NULL &&
				strstr(error, TEST_PASSWORD) == NULL &&
				strstr(error, "DELE") == NULL &&
				strchr(error, '\n') == NULL, i);
	}
	test_end();
}

static void test_retrieve_account_list_end(void)
{
	static const char *const env[] = {
		"retrieve", "pop3://a@h1",
		"retrieve_password", TEST_PASSWORD,
		"retrieve2", "imap://b@h2",
		"retrieve2_password", TEST_PASSWORD,
		"retrieve3", "",
		"retrieve4", "pop3://d@h4",
		"retrieve4_password", TEST_PASSWORD,
		"retrieve5", "pop3://e@h5",
		NULL
	};
	static const char *const empty_first[] = {
		"retrieve", "",
		"retrieve2", "pop3://b@h2",
		"retrieve2_password", TEST_PASSWORD,
		NULL
	};
	struct retrieve_global_settings global = test_global_defaults();
	struct retrieve_account_settings *set;
	const char *error;
	unsigned int idx;
	int ret;

	test_begin("retrieve account settings: list end");
	for (idx = 1;; idx++) {
		ret = test_parse_account(&global, env, idx, &set, &error);
		if (ret <= 0)
			break;
		test_assert_idx(strcmp(set->name,
				       retrieve_account_key(idx)) == 0, idx);
	}
	test_assert(ret == 0);
	test_assert(idx == 3);
	/* parsed one by one, the later ones are not looked at */
	test_assert(test_parse_account(&global, env, 4, &set, &error) == 1);
	test_assert_strcmp(set->username, "d");
	test_assert(test_parse_account(&global, env, 5, &set, &error) == -1);
	test_assert(str_begins_with(error, "retrieve5: password: "));
	test_assert(test_parse_account(&global, empty_first, 1,
				       &set, &error) == 0);
	test_end();
}

static const char *
test_identity(enum retrieve_protocol protocol, const char *user,
	      const char *host, in_port_t port)
{
	struct retrieve_account_settings set;

	i_zero(&set);
	set.protocol = protocol;
	set.username = user;
	set.host = host;
	set.port = port;
	return retrieve_account_identity(&set);
}

static void test_retrieve_account_identity(void)
{
	const char *id, *id2, *long_user;

	test_begin("retrieve_account_identity()");
	test_assert_strcmp(test_identity(RETRIEVE_PROTOCOL_POP3,
					 "alice@example.org",
					 "mail.example.org", 110),
			   "pop3-alice%40example.org@mail.example.org-110");
	test_assert_strcmp(test_identity(RETRIEVE_PROTOCOL_IMAP, "Bob_1.x-y",
					 "IMAP.Example.ORG", 993),
			   "imap-Bob_1.x-y@imap.example.org-993");
	/* no path can leave the state directory or hide */
	id = test_identity(RETRIEVE_PROTOCOL_POP3, "../../etc/passwd",
			   "h", 110);
	test_assert_strcmp(id, "pop3-%2E.%2F..%2Fetc%2Fpasswd@h-110");
	test_assert(strchr(id, '/') == NULL);
	test_assert_strcmp(test_identity(RETRIEVE_PROTOCOL_POP3, ".hidden",
					 "h", 110),
			   "pop3-%2Ehidden@h-110");
	test_assert_strcmp(test_identity(RETRIEVE_PROTOCOL_POP3,
					 "a b\t%\xc3\xa4", "h", 110),
			   "pop3-a%20b%09%25%C3%A4@h-110");
	/* one address, one identity */
	test_assert_strcmp(test_identity(RETRIEVE_PROTOCOL_IMAP, "u",
					 "2001:DB8:0::1", 143),
			   "imap-u@2001%3Adb8%3A%3A1-143");
	test_assert_strcmp(test_identity(RETRIEVE_PROTOCOL_IMAP, "u",
					 "2001:db8::1", 143),
			   "imap-u@2001%3Adb8%3A%3A1-143");
	/* too long for a file name: cut and made unique by a hash */
	long_user = t_strdup_printf("%0300d", 1);
	id = test_identity(RETRIEVE_PROTOCOL_POP3, long_user, "h", 110);
	id2 = test_identity(RETRIEVE_PROTOCOL_POP3,
			    t_strdup_printf("%0300d", 2), "h", 110);
	test_assert(strlen(id) <= 200);
	test_assert(str_begins_with(id, "pop3-000"));
	test_assert(strcmp(id, id2) != 0);
	test_assert_strcmp(id, test_identity(RETRIEVE_PROTOCOL_POP3,
					     long_user, "h", 110));
	test_end();
}

static bool test_ip_allowed(const struct retrieve_global_settings *global,
			    const char *addr)
{
	struct ip_addr ip;
	const char *error;

	if (net_addr2ip(addr, &ip) < 0)
		i_unreached();
	return retrieve_global_settings_check_ip(global, &ip, &error) == 0;
}

static void test_retrieve_networks(void)
{
	static const char *const denied[] = {
		"127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "100.64.0.1",
		"169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
	};
	static const char *const allowed[] = {
		"192.0.2.1", "8.8.8.8", "172.32.0.1", "100.128.0.1",
		"2001:db8::1", "::ffff:8.8.8.8",
	};
	static const char *const env[] = {
		"retrieve_allow_networks", "127.0.0.0/8, fd00::/8",
		"retrieve_deny_networks", "192.0.2.0/24 2001:db8::/32",
		NULL
	};
	static const char *const bad_env[] = {
		"retrieve_deny_networks", "10.0.0.0/8 nonsense", NULL
	};
	struct retrieve_global_settings global;
	const char *error;
	unsigned int i;

	test_begin("retrieve networks: built-in deny list");
	global = test_global_defaults();
	for (i = 0; i < N_ELEMENTS(denied); i++)
		test_assert_idx(!test_ip_allowed(&global, denied[i]), i);
	for (i = 0; i < N_ELEMENTS(allowed); i++)
		test_assert_idx(test_ip_allowed(&global, allowed[i]), i);
	test_end();

	test_begin("retrieve networks: allow wins, deny adds");
	test_assert(retrieve_global_settings_parse(test_env_getenv, (void *)env,
						   &global, &error) == 0);
	test_assert(test_ip_allowed(&global, "127.0.0.1"));
	test_assert(test_ip_allowed(&global, "::ffff:127.0.0.1"));
	test_assert(test_ip_allowed(&global, "fd12::1"));
	test_assert(!test_ip_allowed(&global, "fc00::1"));
	test_assert(!test_ip_allowed(&global, "10.0.0.1"));
	test_assert(!test_ip_allowed(&global, "192.0.2.1"));
	test_assert(!test_ip_allowed(&global, "2001:db8::1"));
	test_assert(test_ip_allowed(&global, "8.8.8.8"));
	test_end();

	test_begin("retrieve networks: malformed list");
	test_assert(retrieve_global_settings_parse(test_env_getenv, (void *)bad_env,
						   &global, &error) < 0);
	test_assert(strstr(error, "retrieve_deny_networks") != NULL);
	test_assert(strstr(error, "nonsense") != NULL);
	test_end();
}

#define TEST_REFRESH "1//rt-Secret.42_x"
#define TEST_OAUTH2_PROVIDER \
	"retrieve_oauth2_google_token_url", "https://oauth2.example.com/token", \
	"retrieve_oauth2_google_client_id", "cid.apps", \
	"retrieve_oauth2_google_client_secret", "Client$ecret"

static void test_retrieve_account_oauth2(void)
{
	static const char *const env[] = {
		TEST_OAUTH2_PROVIDER,
		"retrieve_oauth2_google_scope", "https://mail.google.com/",
		"retrieve_oauth2_ms_token_url", "https://login.example.net/t",
		"retrieve_oauth2_ms_client_id", "ms-id",
		"retrieve_oauth2_ms_mechanism", "OAuthBearer",
		"retrieve", "imaps://alice@imap.example.com",
		"retrieve_auth", "oauth2",
		"retrieve_oauth2_provider", "Google",
		"retrieve_oauth2_refresh_token", TEST_REFRESH,
		"retrieve2", "pop3s://bob@pop.example.net",
		"retrieve2_auth", "OAuth2",
		"retrieve2_oauth2_provider", "ms",
		"retrieve2_oauth2_refresh_token", TEST_REFRESH,
		"retrieve2_oauth2_user", "bob@example.net",
		"retrieve3", "pop3://carol@h",
		"retrieve3_auth", "password",
		"retrieve3_password", TEST_PASSWORD,
		NULL
	};
	struct retrieve_global_settings global = test_global_defaults();
	struct retrieve_account_settings *set;
	const char *error;

	test_begin("retrieve account settings: oauth2");
	test_assert(test_parse_account(&global, env, 1, &set, &error) == 1);
	test_assert(set->auth == RETRIEVE_AUTH_OAUTH2);
	test_assert(set->password == NULL);
	test_assert_strcmp(set->oauth2->provider, "google");
	test_assert_strcmp(set->oauth2->token_url,
			   "https://oauth2.example.com/token");
	test_assert_strcmp(set->oauth2->client_id, "cid.apps");
	test_assert_strcmp(set->oauth2->client_secret, "Client$ecret");
	test_assert_strcmp(set->oauth2->scope, "https://mail.google.com/");
	test_assert(set->oauth2->mechanism == RETRIEVE_OAUTH2_MECH_XOAUTH2);
	test_assert_strcmp(set->oauth2->refresh_token, TEST_REFRESH);
	test_assert_strcmp(set->oauth2->user, "alice");

	test_assert(test_parse_account(&global, env, 2, &set, &error) == 1);
	test_assert(set->oauth2->mechanism == RETRIEVE_OAUTH2_MECH_OAUTHBEARER);
	test_assert_strcmp(set->oauth2->client_secret, "");
	test_assert_strcmp(set->oauth2->scope, "");
	test_assert_strcmp(set->oauth2->user, "bob@example.net");

	test_assert(test_parse_account(&global, env, 3, &set, &error) == 1);
	test_assert(set->auth == RETRIEVE_AUTH_PASSWORD);
	test_assert(set->oauth2 == NULL);
	test_end();

	test_begin("retrieve settings: provider settings are recognised");
	test_assert(retrieve_settings_is_oauth2_provider(
		"retrieve_oauth2_google_token_url"));
	test_assert(retrieve_settings_is_oauth2_provider(
		"retrieve_oauth2_a-b_client_secret"));
	test_assert(retrieve_settings_is_oauth2_provider(
		"retrieve_oauth2_x_mechanism"));
	test_assert(!retrieve_settings_is_oauth2_provider(
		"retrieve_oauth2_provider"));
	test_assert(!retrieve_settings_is_oauth2_provider(
		"retrieve_oauth2_refresh_token"));
	test_assert(!retrieve_settings_is_oauth2_provider(
		"retrieve_oauth2_user"));
	test_assert(!retrieve_settings_is_oauth2_provider("retrieve_password"));
	test_end();
}

static void test_retrieve_account_oauth2_invalid(void)
{
	const struct {
		const char *const *extra;
		const char *error;
	} tests[] = {
		{ (const char *const[]){ "retrieve_auth", "token", NULL },
		  "retrieve: auth: * (value 'token')" },
		{ (const char *const[]){ "retrieve_auth", "oauth2", NULL },
		  "retrieve: oauth2_provider: missing: auth=oauth2 needs "
		  "retrieve_oauth2_provider" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "goo_gle", NULL },
		  "retrieve: oauth2_provider: use letters, digits and '-' "
		  "(value 'goo_gle')" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "yahoo", NULL },
		  "retrieve: oauth2_provider: unknown provider: the "
		  "administrator has no retrieve_oauth2_yahoo_token_url "
		  "(value 'yahoo')" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "plain", NULL },
		  "retrieve_oauth2_plain_token_url: must be an https:// URL "
		  "(value 'http://127.0.0.1/token')" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "noid", NULL },
		  "retrieve_oauth2_noid_client_id: missing*" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "badmech", NULL },
		  "retrieve_oauth2_badmech_mechanism: * (value 'plain')" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "google", NULL },
		  "retrieve: oauth2_refresh_token: missing: set "
		  "retrieve_oauth2_refresh_token" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "google",
			"retrieve_oauth2_refresh_token", "a b"TEST_REFRESH,
			NULL },
		  "retrieve: oauth2_refresh_token: not a token*" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "google",
			"retrieve_oauth2_refresh_token", TEST_REFRESH,
			"retrieve_oauth2_user", "a,b", NULL },
		  "retrieve: oauth2_user: *" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "google",
			"retrieve_oauth2_refresh_token", TEST_REFRESH,
			"retrieve_password", TEST_PASSWORD, NULL },
		  "retrieve: password: auth=oauth2 uses no password: "
		  "remove it" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "google",
			"retrieve_oauth2_refresh_token", TEST_REFRESH,
			"retrieve_apop", "yes", NULL },
		  "retrieve: apop: APOP sends a password digest*" },
		{ (const char *const[]){ "retrieve_auth", "oauth2",
			"retrieve_oauth2_provider", "google",
			"retrieve_oauth2_refresh_token", TEST_REFRESH,
			"retrieve_ssl", "no", NULL },
		  "retrieve: ssl: auth=oauth2 is never sent without TLS*" },
	};
	static const char *const base[] = {
		TEST_OAUTH2_PROVIDER,
		"retrieve_oauth2_plain_token_url", "http://127.0.0.1/token",
		"retrieve_oauth2_plain_client_id", "x",
		"retrieve_oauth2_noid_token_url", "https://h/t",
		"retrieve_oauth2_badmech_token_url", "https://h/t",
		"retrieve_oauth2_badmech_client_id", "x",
		"retrieve_oauth2_badmech_mechanism", "plain",
		"retrieve_allow_plaintext", "yes",
		"retrieve", "pop3://u@h",
	};
	struct retrieve_global_settings global;
	struct retrieve_account_settings *set;
	const char *env[64], *error;
	unsigned int i, j, n;

	test_begin("retrieve account settings: oauth2 errors");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		n = 0;
		for (j = 0; j < N_ELEMENTS(base); j++)
			env[n++] = base[j];
		for (j = 0; tests[i].extra[j] != NULL; j++)
			env[n++] = tests[i].extra[j];
		env[n] = NULL;
		if (retrieve_global_settings_parse(test_env_getenv,
						   (void *)env, &global,
						   &error) < 0)
			i_unreached();
		test_assert_idx(test_parse_account(&global, env, 1, &set,
						   &error) == -1, i);
		test_assert_idx(error != NULL &&
				wildcard_match(error, tests[i].error), i);
		if (error != NULL && !wildcard_match(error, tests[i].error))
			i_info("got: %s", error);
		/* the secrets are never quoted */
		test_assert_idx(error == NULL ||
				(strstr(error, TEST_REFRESH) == NULL &&
				 strstr(error, "Client$ecret") == NULL &&
				 strstr(error, TEST_PASSWORD) == NULL), i);
	}
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_global_settings_defaults,
		test_retrieve_global_settings_values,
		test_retrieve_global_settings_invalid,
		test_retrieve_global_settings_spam,
		test_retrieve_account_key,
		test_retrieve_account_defaults,
		test_retrieve_account_options,
		test_retrieve_account_interval,
		test_retrieve_account_invalid,
		test_retrieve_account_list_end,
		test_retrieve_account_identity,
		test_retrieve_networks,
		test_retrieve_account_oauth2,
		test_retrieve_account_oauth2_invalid,
		NULL
	};
	return test_run(test_functions);
}
