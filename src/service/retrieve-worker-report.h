#ifndef RETRIEVE_WORKER_REPORT_H
#define RETRIEVE_WORKER_REPORT_H

#include "retrieve-settings.h"

/* A looked-up user's retrieval settings and what the worker tells the
   scheduler about them. */

struct mail_user;

struct retrieve_worker_user {
	struct mail_user *user;
	/* state_dir home-expanded */
	struct retrieve_global_settings global;
	/* the accounts that parsed */
	ARRAY(const struct retrieve_account_settings *) accounts;
};

/* Parses the user's settings (malformed accounts are logged and left
   out). Returns -1 with error_r when the global settings are unusable. */
int retrieve_worker_user_init(struct mail_user *user, pool_t pool,
			      struct retrieve_worker_user *wuser_r,
			      const char **error_r);

const struct retrieve_account_settings *
retrieve_worker_user_find(const struct retrieve_worker_user *wuser,
			  const char *key);

/* Appends USER, one ACCOUNT line per scheduled account and USEREND to
   str. login: a login asked, so mark the due-or-nearly-due accounts.
   Pauses an account (writes its marker) that is found paused without
   one. */
void retrieve_worker_report_user(struct retrieve_worker_user *wuser,
				 bool login, string_t *str);
/* The same for a user whose settings are unusable: no accounts */
void retrieve_worker_report_empty(const char *username, string_t *str);

/* After a run of set ended with result: pauses it after repeated
   authentication failures, unpauses it after a success. */
void retrieve_worker_after_run(struct retrieve_worker_user *wuser,
			       const struct retrieve_account_settings *set,
			       enum retrieve_result_code result);

#endif
