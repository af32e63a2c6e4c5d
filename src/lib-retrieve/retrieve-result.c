/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "retrieve-result.h"

/* the names the state file, doveadm and the worker's reports use */
static const char *const retrieve_result_code_names[] = {
	[RETRIEVE_RESULT_OK] = "ok",
	[RETRIEVE_RESULT_REMOTE_TEMPFAIL] = "remote_tempfail",
	[RETRIEVE_RESULT_AUTH_FAILED] = "auth_failed",
	[RETRIEVE_RESULT_REMOTE_ERROR] = "remote_error",
	[RETRIEVE_RESULT_LOCAL_TEMPFAIL] = "local_tempfail",
	[RETRIEVE_RESULT_CONFIG_ERROR] = "config_error",
	[RETRIEVE_RESULT_LOCKED] = "locked",
	[RETRIEVE_RESULT_INTERNAL_ERROR] = "internal_error",
};

const char *retrieve_result_code_name(enum retrieve_result_code code)
{
	i_assert((unsigned int)code < N_ELEMENTS(retrieve_result_code_names));
	return retrieve_result_code_names[code];
}

bool retrieve_result_code_parse(const char *name,
				enum retrieve_result_code *code_r)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(retrieve_result_code_names); i++) {
		if (strcmp(name, retrieve_result_code_names[i]) == 0) {
			*code_r = (enum retrieve_result_code)i;
			return TRUE;
		}
	}
	return FALSE;
}
