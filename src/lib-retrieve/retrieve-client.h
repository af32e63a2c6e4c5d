#ifndef RETRIEVE_CLIENT_H
#define RETRIEVE_CLIENT_H

#include "retrieve-result.h"

struct mail_user;
struct retrieve_account_settings;
struct retrieve_global_settings;

/* One remote folder's part of a run (IMAP) */
struct retrieve_folder_result {
	/* the remote name, UTF-8 */
	const char *name;
	/* the name the state keys it by (IMAP: modified UTF-7) */
	const char *remote_name;
	unsigned int messages;
	uoff_t bytes;
	/* messages that couldn't be retrieved, plus 1 when the folder
	   itself failed (error says why) */
	unsigned int errors;
	const char *error;
	/* the folder was retrieved before but no longer exists on the
	   remote (two runs' folder lists lacked it): its state is
	   forgotten (not an error) */
	bool vanished;
	/* this run's folder list lacked it for the first time: its state
	   is kept, marked (not an error) */
	bool absent;
};

/* The outcome of one account's run */
struct retrieve_result {
	enum retrieve_result_code code;
	/* One line naming the cause; NULL on success */
	const char *error;
	/* POP3 RESP-CODE or IMAP response code behind a failure
	   ("IN-USE", "LOGIN-DELAY", ...), NULL when none */
	const char *resp_code;
	unsigned int messages;
	uoff_t bytes;
	/* Left on the server because of max_size, or (POP3) because the
	   server's listings made them unsafe to retrieve (duplicate or
	   invalid UIDL, cut short, ...): the "skipped" column */
	unsigned int skipped_too_large;
	/* Deleted on the remote (keep=no) */
	unsigned int deleted;
	/* Delivered and marked as spam by retrieve_spam_scanner */
	unsigned int spam;
	/* Delivered unscanned although a scanner is set (over
	   retrieve_spam_max_size, or the scanner failed and
	   retrieve_spam_failure=accept) */
	unsigned int spam_unscanned;
	time_t started;
	unsigned int duration_msecs;
	/* IMAP: per remote folder, in the order retrieved */
	const struct retrieve_folder_result *folders;
	unsigned int folders_count;
};

/* The parent category of every retrieval event ("retrieve") */
extern struct event_category event_category_retrieve;

struct retrieve_client;

typedef void retrieve_client_callback_t(const struct retrieve_result *result,
					void *context);

/* Retrieves one account of user asynchronously in the current ioloop.
   callback is called exactly once, from the ioloop, after the outcome is
   logged (one line naming user, account and cause) and recorded in the
   state. The client must be freed with retrieve_client_deinit() after
   that (or before, which aborts the run). */
struct retrieve_client *
retrieve_client_init(struct mail_user *user,
		     const struct retrieve_global_settings *global_set,
		     const struct retrieve_account_settings *set,
		     retrieve_client_callback_t *callback, void *context);
#define retrieve_client_init(user, global_set, set, callback, context) \
	retrieve_client_init(user - \
		CALLBACK_TYPECHECK(callback, void (*)( \
			const struct retrieve_result *, typeof(context))), \
		global_set, set, (retrieve_client_callback_t *)callback, \
		context)
void retrieve_client_run(struct retrieve_client *client);
void retrieve_client_deinit(struct retrieve_client **client);

/* Runs one account to completion in a private ioloop (for doveadm and the
   worker). */
void retrieve_client_run_sync(struct mail_user *user,
			      const struct retrieve_global_settings *global_set,
			      const struct retrieve_account_settings *set,
			      struct retrieve_result *result_r, pool_t pool);

#endif
