/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "test-common.h"
#include "retrieve-setting-value.h"
#include "test-retrieve-env.h"
#include "retrieve-dovecot.h"

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

enum test_value_kind {
	TEST_BOOL,
	TEST_TIME,
	TEST_TIME_POSITIVE,
	TEST_SIZE,
	TEST_SIZE_NONZERO,
	TEST_COUNT,
	TEST_KEYWORD,
};

/* Parses value as kind: returns the getter's result, *result_r the
   value (the default, 7, when unset) */
static int
test_value_get(enum test_value_kind kind, const char *value,
	       uintmax_t *result_r, const char **error_r)
{
	static const char *const names[] = { "inbox", "merge", "mirror", NULL };
	struct retrieve_setting_source src = test_source(NULL, "v", value);
	unsigned int num = 0;
	uoff_t size = 0;
	bool flag = FALSE;
	int ret = -1;

	switch (kind) {
	case TEST_BOOL:
		ret = retrieve_setting_get_bool(&src, "v", TRUE, &flag,
						error_r);
		num = flag ? 1 : 0;
		break;
	case TEST_TIME:
	case TEST_TIME_POSITIVE:
		ret = retrieve_setting_get_time(&src, "v", 7,
				kind == TEST_TIME_POSITIVE, &num, error_r);
		break;
	case TEST_SIZE:
	case TEST_SIZE_NONZERO:
		ret = retrieve_setting_get_size(&src, "v", 7,
				kind == TEST_SIZE, &size, error_r);
		*result_r = size;
		return ret;
	case TEST_COUNT:
		ret = retrieve_setting_get_count(&src, "v", 7, &num, error_r);
		break;
	case TEST_KEYWORD:
		ret = retrieve_setting_get_keyword(&src, "v", names, 7, &num,
						   error_r);
		break;
	}
	*result_r = num;
	return ret;
}

static void test_retrieve_setting_values(void)
{
#define BAD_BOOL "retrieve_v: invalid boolean (use yes or no) (value '"
#define BAD_TIME \
	"retrieve_v: invalid time interval (e.g. 30s, 15m, 1h) (value '"
#define BAD_COUNT "retrieve_v: not a positive number (value '"
	static const struct {
		enum test_value_kind kind;
		const char *value;
		uintmax_t result;
		/* NULL when valid, else the error's beginning */
		const char *error;
	} tests[] = {
		{ TEST_BOOL, NULL, 1, NULL }, { TEST_BOOL, "yes", 1, NULL },
		{ TEST_BOOL, "YES", 1, NULL }, { TEST_BOOL, "y", 1, NULL },
		{ TEST_BOOL, "True", 1, NULL }, { TEST_BOOL, "1", 1, NULL },
		{ TEST_BOOL, "no", 0, NULL }, { TEST_BOOL, "No", 0, NULL },
		{ TEST_BOOL, "n", 0, NULL }, { TEST_BOOL, "FALSE", 0, NULL },
		{ TEST_BOOL, "0", 0, NULL }, { TEST_BOOL, "", 0, BAD_BOOL },
		{ TEST_BOOL, "maybe", 0, BAD_BOOL },
		{ TEST_BOOL, "2", 0, BAD_BOOL },
		{ TEST_BOOL, "yes ", 0, BAD_BOOL },
		{ TEST_BOOL, "on", 0, BAD_BOOL },
		{ TEST_BOOL, "-1", 0, BAD_BOOL },

		{ TEST_TIME, NULL, 7, NULL }, { TEST_TIME, "0", 0, NULL },
		{ TEST_TIME, "30", 30, NULL }, { TEST_TIME, "30s", 30, NULL },
		{ TEST_TIME, "15m", 15*60, NULL },
		{ TEST_TIME, "2 mins", 120, NULL },
		{ TEST_TIME, "1h", 3600, NULL },
		{ TEST_TIME, "4294967295", 4294967295U, NULL },
		{ TEST_TIME, "", 0, BAD_TIME },
		{ TEST_TIME, "soon", 0, BAD_TIME },
		{ TEST_TIME, "-1", 0, BAD_TIME },
		{ TEST_TIME, "-1m", 0, BAD_TIME },
		{ TEST_TIME, "5x", 0, BAD_TIME },
		{ TEST_TIME, "4294967296", 0, BAD_TIME },
		{ TEST_TIME_POSITIVE, NULL, 7, NULL },
		{ TEST_TIME_POSITIVE, "1s", 1, NULL },
		{ TEST_TIME_POSITIVE, "0s", 0,
		  "retrieve_v: must be greater than zero (value '0s')" },
		{ TEST_TIME_POSITIVE, "2147483", 2147483, NULL },
		{ TEST_TIME_POSITIVE, "2147484", 0,
		  "retrieve_v: must be at most 2147483s (24 days) (value '2147484')" },
		{ TEST_TIME_POSITIVE, "536870912", 0,
		  "retrieve_v: must be at most 2147483s" },

		{ TEST_SIZE, NULL, 7, NULL }, { TEST_SIZE, "0", 0, NULL },
		{ TEST_SIZE, "500k", 500*1024, NULL },
		{ TEST_SIZE, "huge", 0,
		  "retrieve_v: invalid size (e.g. 500k, 10M, 0 for no limit)" },
		{ TEST_SIZE, "-1", 0, "retrieve_v: invalid size (e.g. 500k" },
		{ TEST_SIZE_NONZERO, "10M", 10*1024*1024, NULL },
		{ TEST_SIZE_NONZERO, "1G", 1024*1024*1024, NULL },
		{ TEST_SIZE_NONZERO, "123", 123, NULL },
		{ TEST_SIZE_NONZERO, "0", 0,
		  "retrieve_v: invalid size (e.g. 100M, 1G; not 0)" },
		{ TEST_SIZE_NONZERO, "", 0,
		  "retrieve_v: invalid size (e.g. 100M" },

		{ TEST_COUNT, NULL, 7, NULL }, { TEST_COUNT, "1", 1, NULL },
		{ TEST_COUNT, "10", 10, NULL },
		{ TEST_COUNT, "0", 0, BAD_COUNT },
		{ TEST_COUNT, "", 0, BAD_COUNT },
		{ TEST_COUNT, "ten", 0, BAD_COUNT },
		{ TEST_COUNT, "-3", 0, BAD_COUNT },
		{ TEST_COUNT, "3s", 0, BAD_COUNT },

		{ TEST_KEYWORD, NULL, 7, NULL },
		{ TEST_KEYWORD, "inbox", 0, NULL },
		{ TEST_KEYWORD, "Merge", 1, NULL },
		{ TEST_KEYWORD, "MIRROR", 2, NULL },
		{ TEST_KEYWORD, "all", 0,
		  "retrieve_v: invalid value (use inbox, merge or mirror) "
		  "(value 'all')" },
	};
	const char *error;
	uintmax_t result;
	unsigned int i;
	int ret;

	test_begin("retrieve setting: values");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		error = NULL;
		ret = test_value_get(tests[i].kind, tests[i].value,
				     &result, &error);
		test_assert_idx(ret == (tests[i].error == NULL ? 0 : -1), i);
		if (tests[i].error == NULL)
			test_assert_idx(result == tests[i].result, i);
		else {
			test_assert_idx(error != NULL &&
					str_begins_with(error, tests[i].error), i);
		}
	}
	test_end();
}

static void test_retrieve_setting_time_parse(void)
{
	const char *error;
	unsigned int secs;

	test_begin("retrieve setting: bare durations");
	test_assert(retrieve_setting_time_parse("90", &secs, &error) == 0 &&
		    secs == 90);
	test_assert(retrieve_setting_time_parse("1 hour", &secs,
						&error) == 0 && secs == 3600);
	test_assert(retrieve_setting_time_parse("x", &secs, &error) < 0);
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
	test_assert(str_begins_with(error, "retrieve_min_interval: invalid time"));

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
	test_assert(str_begins_with(error, "retrieve3: folder: must not be empty "
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
		test_retrieve_setting_values,
		test_retrieve_setting_time_parse,
		test_retrieve_setting_shared,
		test_retrieve_setting_error,
		NULL
	};
	return test_run(test_functions);
}
