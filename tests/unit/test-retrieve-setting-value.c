/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "test-common.h"
#include "retrieve-setting-value.h"
#include "test-retrieve-env.h"

/* A source serving field=value as the administrator's retrieve_<field>
   (key NULL) or as <key>_<field> */
static struct retrieve_setting_source
test_source(const char *key, const char *field, const char *value)
{
	const char **env = t_new(const char *, 3);
	struct retrieve_setting_source src = {
		.getenv = test_env_getenv,
		.context = env,
		.key = key,
	};

	if (value != NULL) {
		env[0] = key == NULL ?
			t_strconcat("retrieve_", field, NULL) :
			t_strconcat(key, "_", field, NULL);
		env[1] = value;
	}
	return src;
}

static void test_retrieve_setting_bool(void)
{
	static const struct {
		const char *value;
		bool valid, result;
	} tests[] = {
		{ "yes", TRUE, TRUE }, { "YES", TRUE, TRUE },
		{ "y", TRUE, TRUE }, { "true", TRUE, TRUE },
		{ "True", TRUE, TRUE }, { "1", TRUE, TRUE },
		{ "no", TRUE, FALSE }, { "No", TRUE, FALSE },
		{ "n", TRUE, FALSE }, { "false", TRUE, FALSE },
		{ "FALSE", TRUE, FALSE }, { "0", TRUE, FALSE },
		{ "", FALSE, FALSE }, { "maybe", FALSE, FALSE },
		{ "2", FALSE, FALSE }, { "yes ", FALSE, FALSE },
		{ "on", FALSE, FALSE }, { "-1", FALSE, FALSE },
	};
	struct retrieve_setting_source src;
	const char *error;
	unsigned int i;
	bool result;

	test_begin("retrieve setting: booleans");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		result = !tests[i].result;
		test_assert_idx(retrieve_setting_bool_parse(tests[i].value,
					&result) == tests[i].valid, i);
		if (tests[i].valid)
			test_assert_idx(result == tests[i].result, i);

		src = test_source(NULL, "flag", tests[i].value);
		error = NULL;
		test_assert_idx(retrieve_setting_get_bool(&src, "flag", TRUE,
				&result, &error) == (tests[i].valid ? 0 : -1), i);
		if (!tests[i].valid) {
			test_assert_idx(error != NULL && str_begins(error,
				"retrieve_flag: invalid boolean (use yes or "
				"no) (value '"), i);
		}
	}
	/* unset: the default */
	src = test_source(NULL, "flag", NULL);
	test_assert(retrieve_setting_get_bool(&src, "flag", TRUE, &result,
					      &error) == 0 && result);
	test_assert(retrieve_setting_get_bool(&src, "flag", FALSE, &result,
					      &error) == 0 && !result);
	test_end();
}

static void test_retrieve_setting_time(void)
{
	static const struct {
		const char *value;
		int ret;
		unsigned int secs;
	} tests[] = {
		{ "0", 0, 0 }, { "30", 0, 30 }, { "30s", 0, 30 },
		{ "15m", 0, 15*60 }, { "2 mins", 0, 120 }, { "1h", 0, 3600 },
		{ "4294967295", 0, 4294967295U },
		{ "", -1, 0 }, { "soon", -1, 0 }, { "-1", -1, 0 },
		{ "-1m", -1, 0 }, { "5x", -1, 0 }, { "4294967296", -1, 0 },
	};
	struct retrieve_setting_source src;
	const char *error;
	unsigned int i, secs;

	test_begin("retrieve setting: durations");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		src = test_source("retrieve2", "interval", tests[i].value);
		error = NULL;
		test_assert_idx(retrieve_setting_get_time(&src, "interval",
				7, FALSE, &secs, &error) == tests[i].ret, i);
		if (tests[i].ret == 0)
			test_assert_idx(secs == tests[i].secs, i);
		else {
			/* an account's field reads "<key>: <field>" */
			test_assert_idx(error != NULL && str_begins(error,
				"retrieve2: interval: invalid time interval "
				"(e.g. 30s, 15m, 1h) (value '"), i);
		}
	}
	/* positive: zero is refused, naming the value */
	src = test_source(NULL, "timeout", "0s");
	test_assert(retrieve_setting_get_time(&src, "timeout", 7, TRUE,
					      &secs, &error) == -1);
	test_assert_strcmp(error, "retrieve_timeout: must be greater than "
			   "zero (value '0s')");
	src = test_source(NULL, "timeout", NULL);
	test_assert(retrieve_setting_get_time(&src, "timeout", 7, TRUE,
					      &secs, &error) == 0 && secs == 7);
	test_end();
}

static void test_retrieve_setting_size(void)
{
	static const struct {
		const char *value;
		bool zero_allowed;
		int ret;
		uoff_t size;
	} tests[] = {
		{ "0", TRUE, 0, 0 },
		{ "0", FALSE, -1, 0 },
		{ "500k", TRUE, 0, 500*1024 },
		{ "10M", FALSE, 0, 10*1024*1024 },
		{ "1G", FALSE, 0, 1024*1024*1024 },
		{ "123", FALSE, 0, 123 },
		{ "huge", TRUE, -1, 0 },
		{ "", FALSE, -1, 0 },
		{ "-1", TRUE, -1, 0 },
	};
	struct retrieve_setting_source src;
	const char *error;
	unsigned int i;
	uoff_t size;

	test_begin("retrieve setting: sizes");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		src = test_source(NULL, "max_message_size", tests[i].value);
		error = NULL;
		test_assert_idx(retrieve_setting_get_size(&src,
				"max_message_size", 99, tests[i].zero_allowed,
				&size, &error) == tests[i].ret, i);
		if (tests[i].ret == 0)
			test_assert_idx(size == tests[i].size, i);
		else {
			test_assert_idx(error != NULL && str_begins(error,
				"retrieve_max_message_size: invalid size"), i);
			/* the hint says whether 0 is allowed */
			test_assert_idx(error != NULL &&
				(strstr(error, "0 for no limit") != NULL) ==
				tests[i].zero_allowed, i);
		}
	}
	src = test_source(NULL, "max_message_size", NULL);
	test_assert(retrieve_setting_get_size(&src, "max_message_size", 99,
					      FALSE, &size, &error) == 0 &&
		    size == 99);
	test_end();
}

static void test_retrieve_setting_count(void)
{
	static const struct {
		const char *value;
		int ret;
		unsigned int count;
	} tests[] = {
		{ "1", 0, 1 }, { "10", 0, 10 }, { "0", -1, 0 },
		{ "", -1, 0 }, { "ten", -1, 0 }, { "-3", -1, 0 },
		{ "3s", -1, 0 },
	};
	struct retrieve_setting_source src;
	const char *error;
	unsigned int i, count;

	test_begin("retrieve setting: counts");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		src = test_source(NULL, "max_parallel", tests[i].value);
		error = NULL;
		test_assert_idx(retrieve_setting_get_count(&src,
				"max_parallel", 4, &count,
				&error) == tests[i].ret, i);
		if (tests[i].ret == 0)
			test_assert_idx(count == tests[i].count, i);
		else {
			test_assert_idx(error != NULL && str_begins(error,
				"retrieve_max_parallel: not a positive "
				"number (value '"), i);
		}
	}
	src = test_source(NULL, "max_parallel", NULL);
	test_assert(retrieve_setting_get_count(&src, "max_parallel", 4,
					       &count, &error) == 0 &&
		    count == 4);
	test_end();
}

static void test_retrieve_setting_shared(void)
{
	struct retrieve_setting_source src;
	const char *error;
	unsigned int secs;

	test_begin("retrieve setting: min_interval and run_timeout");
	/* the defaults both the core and the scheduler use */
	src = test_source(NULL, "min_interval", NULL);
	test_assert(retrieve_setting_get_min_interval(&src, &secs,
						      &error) == 0);
	test_assert(secs == RETRIEVE_DEFAULT_MIN_INTERVAL_SECS && secs == 60);
	src = test_source(NULL, "run_timeout", NULL);
	test_assert(retrieve_setting_get_run_timeout(&src, &secs,
						     &error) == 0);
	test_assert(secs == RETRIEVE_DEFAULT_RUN_TIMEOUT_SECS &&
		    secs == 30*60);

	/* min_interval: 0 is one second */
	src = test_source(NULL, "min_interval", "0");
	test_assert(retrieve_setting_get_min_interval(&src, &secs,
						      &error) == 0);
	test_assert(secs == 1);
	src = test_source(NULL, "min_interval", "5m");
	test_assert(retrieve_setting_get_min_interval(&src, &secs,
						      &error) == 0);
	test_assert(secs == 300);
	src = test_source(NULL, "min_interval", "often");
	test_assert(retrieve_setting_get_min_interval(&src, &secs,
						      &error) == -1);
	test_assert(str_begins(error, "retrieve_min_interval: invalid time"));

	/* run_timeout: 0 is an error */
	src = test_source(NULL, "run_timeout", "0");
	test_assert(retrieve_setting_get_run_timeout(&src, &secs,
						     &error) == -1);
	test_assert_strcmp(error, "retrieve_run_timeout: must be greater "
			   "than zero (value '0')");
	src = test_source(NULL, "run_timeout", "2s");
	test_assert(retrieve_setting_get_run_timeout(&src, &secs,
						     &error) == 0);
	test_assert(secs == 2);
	test_end();
}

static void test_retrieve_setting_error(void)
{
	struct retrieve_setting_source src = test_source("retrieve3", "x", "");
	string_t *long_value = t_str_new(1000);
	const char *error;

	test_begin("retrieve setting: errors");
	/* one line: control characters in the value are not copied */
	error = retrieve_setting_error(&src, "folder", "must not be empty",
				       "a\nb\rc");
	test_assert(str_begins(error, "retrieve3: folder: must not be empty "
			       "(value 'a"));
	test_assert(strchr(error, '\n') == NULL && strchr(error, '\r') == NULL);
	/* long values are cut */
	while (str_len(long_value) < 1000)
		str_append(long_value, "xxxxxxxxxx");
	error = retrieve_setting_error(&src, "folder", "bad",
				       str_c(long_value));
	test_assert(strlen(error) < 200);
	/* NULL leaves the value out */
	test_assert_strcmp(retrieve_setting_error(&src, "password", "missing",
						  NULL),
			   "retrieve3: password: missing");
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_setting_bool,
		test_retrieve_setting_time,
		test_retrieve_setting_size,
		test_retrieve_setting_count,
		test_retrieve_setting_shared,
		test_retrieve_setting_error,
		NULL
	};
	return test_run(test_functions);
}
