/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-common.h"
#include "retrieve-sieve-version.h"

static void test_retrieve_sieve_version_compatible(void)
{
	static const struct {
		const char *built, *running;
		bool compatible;
	} tests[] = {
		{ "0.5.19", "0.5.19", TRUE },
		{ "0.5.19", "0.5.19.1", TRUE },
		{ "0.5.19", "0.5.19 (4eae2f79)", TRUE },
		{ "0.5.19", "0.5.19-2+deb12u1", TRUE },
		/* another ABI version */
		{ "0.5.19", "0.5.20", FALSE },
		{ "0.5.19", "0.5.18", FALSE },
		{ "0.5.19", "0.5.1", FALSE },
		{ "0.5.19", "0.5.190", FALSE },
		{ "0.5.19", "0.6.19", FALSE },
		{ "0.5.19", "2.4.1", FALSE },
		/* built against something this code wasn't written for */
		{ "2.4.1", "2.4.1", FALSE },
		/* unreadable */
		{ "0.5.19", NULL, FALSE },
		{ "0.5.19", "", FALSE },
		{ "0.5.19", "0.5", FALSE },
		{ "0.5.19", "0.5.x", FALSE },
		{ "0.5.19", "0.5.19x", FALSE },
	};
	unsigned int i;

	test_begin("retrieve sieve version: compatible");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		test_assert_idx(retrieve_sieve_version_compatible(
			tests[i].built, tests[i].running) ==
			tests[i].compatible, i);
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
