#ifndef RETRIEVE_QUEUE_H
#define RETRIEVE_QUEUE_H

/* The scheduler's view of every automatically retrieved account: when it
   is due, whether it runs now, and the concurrency bounds (accounts at
   once, connections per remote host). It knows only what the workers
   report; it never reads settings or state itself. */

struct retrieve_service_settings;

struct retrieve_queue_account {
	/* for the worker pool: the account a job runs */
	const char *username;
	const char *key;
	const char *host;
};

/* Starts a worker job running the account. The job must end with
   retrieve_queue_account_finished(). */
typedef void retrieve_queue_run_callback_t(struct retrieve_queue_account *account,
					   void *context);

struct retrieve_queue *
retrieve_queue_init(const struct retrieve_service_settings *set,
		    retrieve_queue_run_callback_t *run_callback,
		    void *context);
void retrieve_queue_deinit(struct retrieve_queue **queue);

/* --- what workers report about a user (a scan, a login, a run) --- */

/* The user exists; the accounts reported until user_end replace the
   ones known so far. */
void retrieve_queue_user_begin(struct retrieve_queue *queue,
			       const char *username);
/* next_due 0 = due now; login_due = run now because the user logged in */
void retrieve_queue_account_update(struct retrieve_queue *queue,
				   const char *username, const char *key,
				   const char *host, time_t next_due,
				   bool login_due);
void retrieve_queue_user_end(struct retrieve_queue *queue,
			     const char *username);
/* The userdb no longer has the user */
void retrieve_queue_user_remove(struct retrieve_queue *queue,
				const char *username);
/* The lookup failed temporarily: keep what is known */
void retrieve_queue_user_keep(struct retrieve_queue *queue,
			      const char *username);

/* A run ended (however). Unless a report moved the account since, it is
   retried after retry_secs, so a lost worker never causes a busy loop. */
void retrieve_queue_account_finished(struct retrieve_queue *queue,
				     struct retrieve_queue_account *account,
				     unsigned int retry_secs);

/* A full userdb scan: users not reported between begin and end are
   dropped (when the scan completed). */
void retrieve_queue_scan_begin(struct retrieve_queue *queue);
void retrieve_queue_scan_end(struct retrieve_queue *queue, bool success);

/* TRUE when a login notice of the user may trigger a lookup now: at most
   one per user and sender every RETRIEVE_QUEUE_LOGIN_MIN_SECS, none while
   a refusal is cached; records it. sender: NULL for a trusted sender
   (root, the scheduler's own uid), else the sender's uid. */
bool retrieve_queue_login_allowed(struct retrieve_queue *queue,
				  const char *username, const char *sender);
/* The lookup a notice triggered was refused: no_user (the userdb has no
   such user), else the sender's uid is not the user's. Later notices
   like it are ignored for a while. */
void retrieve_queue_login_refused(struct retrieve_queue *queue,
				  const char *username, const char *sender,
				  bool no_user);

unsigned int retrieve_queue_count_users(struct retrieve_queue *queue);
unsigned int retrieve_queue_count_accounts(struct retrieve_queue *queue);

#endif
