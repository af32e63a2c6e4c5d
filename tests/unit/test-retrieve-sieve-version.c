/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-common.h"
#include "retrieve-sieve-version.h"

static void test_retrieve_sieve_version_compatible(void)
{
	/* series: compatible when built against this Pigeonhole series
	   (0.5 for Dovecot 2.3, 2.4 for 2.4), NULL: never */
	static const struct {
		const char *built, *running, *series;
	} tests[] = {
		{ "0.5.19", "0.5.19", "0.5" },
		{ "0.5.19", "0.5.19.1", "0.5" },
		{ "0.5.19", "0.5.19 (4eae2f79)", "0.5" },
		{ "0.5.19", "0.5.19-2+deb12u1", "0.5" },
		{ "2.4.1", "2.4.1", "2.4" },
		{ "2.4.1", "2.4.1-4", "2.4" },
		/* another ABI version */
		{ "0.5.19", "0.5.20", NULL },
		{ "0.5.19", "0.5.18", NULL },
		{ "0.5.19", "0.5.1", NULL },
		{ "0.5.19", "0.5.190", NULL },
		{ "0.5.19", "0.6.19", NULL },
		{ "0.5.19", "2.4.1", NULL },
		{ "2.4.1", "2.4.2", NULL },
		{ "2.4.1", "0.5.19", NULL },
		/* built against something no version of this code was
		   written for */
		{ "2.5.0", "2.5.0", NULL },
		{ "0.4.24", "0.4.24", NULL },
		/* unreadable */
		{ "0.5.19", NULL, NULL },
		{ "0.5.19", "", NULL },
		{ "0.5.19", "0.5", NULL },
		{ "0.5.19", "0.5.x", NULL },
		{ "0.5.19", "0.5.19x", NULL },
	};
	const char *ours = t_strdup_printf("%u.%u",
					   retrieve_sieve_version_series[0],
					   retrieve_sieve_version_series[1]);
	unsigned int i;

	test_begin("retrieve sieve version: compatible");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		bool expected = tests[i].series != NULL &&
			strcmp(tests[i].series, ours) == 0;

		test_assert_idx(retrieve_sieve_version_compatible(
			tests[i].built, tests[i].running) == expected, i);
	}
	test_end();
}

static void test_retrieve_sieve_version_running(void)
{
	const char *error;

	test_begin("retrieve sieve version: the loaded libdovecot-sieve");
	/* the one installed here, which we were built against */
	test_assert_strcmp(retrieve_sieve_version_running(),
			   retrieve_sieve_version_built);
	test_assert(retrieve_sieve_version_check(NULL, &error));
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_sieve_version_compatible,
		test_retrieve_sieve_version_running,
		NULL
	};
	return test_run(test_functions);
}
