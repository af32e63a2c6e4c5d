#ifndef RETRIEVE_RESULT_H
#define RETRIEVE_RESULT_H

/* How a run of one account ended: what the client reports, the state
   records and the scheduler plans the next run by. */
enum retrieve_result_code {
	RETRIEVE_RESULT_OK = 0,
	/* network trouble, timeout, [IN-USE], [LOGIN-DELAY], [SYS/TEMP] */
	RETRIEVE_RESULT_REMOTE_TEMPFAIL,
	/* the remote refused our credentials */
	RETRIEVE_RESULT_AUTH_FAILED,
	/* remote protocol violation or permanent refusal (no STLS, ...) */
	RETRIEVE_RESULT_REMOTE_ERROR,
	/* local delivery failed: quota, lock, ...: retry later */
	RETRIEVE_RESULT_LOCAL_TEMPFAIL,
	/* malformed settings */
	RETRIEVE_RESULT_CONFIG_ERROR,
	/* another run of the account holds its lock */
	RETRIEVE_RESULT_LOCKED,
	/* state file unreadable/corrupt, or other local internal error */
	RETRIEVE_RESULT_INTERNAL_ERROR,
};

/* The response code of an auth_failed run whose OAuth2 refresh token
   the provider refused (invalid_grant): paused until re-authorised.
   Set by the core only; a remote's response code of that name is
   dropped. */
#define RETRIEVE_RESP_CODE_OAUTH2_REAUTH "OAUTH2-REAUTH"

const char *retrieve_result_code_name(enum retrieve_result_code code);
bool retrieve_result_code_parse(const char *name,
				enum retrieve_result_code *code_r);

#endif
