#ifndef RETRIEVE_CLIENT_PRIVATE_H
#define RETRIEVE_CLIENT_PRIVATE_H

#include "retrieve-client.h"
#include "retrieve-settings.h"
#include "retrieve-deliver.h"
#include "retrieve-state.h"

struct ssl_iostream;
struct dns_lookup_settings;
struct dns_lookup_result;
struct retrieve_secrets;
struct ssl_iostream_context;
struct retrieve_deliver;

/* A protocol backend (POP3, IMAP), as quota's backends. */
struct retrieve_backend_vfuncs {
	struct retrieve_client *(*alloc)(void);
	/* Connects, logs in and retrieves. Ends by calling
	   retrieve_client_finish() exactly once (possibly from within
	   run() itself on an immediate failure). */
	void (*run)(struct retrieve_client *client);
	/* Closes connections, frees everything run() allocated; may be
	   called in the middle of a run (abort). */
	void (*deinit)(struct retrieve_client *client);
	/* The message the backend delivered with this id is committed
	   locally and recorded: it may be deleted on the remote now. Not
	   called after the run finished. */
	void (*committed)(struct retrieve_client *client, uint32_t id);
};

struct retrieve_backend {
	const char *name;
	enum retrieve_protocol protocol;
	struct retrieve_backend_vfuncs v;
};

extern const struct retrieve_backend retrieve_backend_pop3;
extern const struct retrieve_backend retrieve_backend_imap;

struct retrieve_client {
	pool_t pool;
	const struct retrieve_backend *backend;
	/* "retrieve(<account>): " prefixed, child of the user's event */
	struct event *event;
	struct mail_user *user;
	const struct retrieve_global_settings *global_set;
	const struct retrieve_account_settings *set;
	/* the forms of set->password that server text may echo */
	struct retrieve_secrets *secrets;

	struct retrieve_state *state;
	struct retrieve_deliver *deliver;

	retrieve_client_callback_t *callback;
	void *context;

	struct retrieve_result result;
	ARRAY(struct retrieve_folder_result) folders;
	/* the folder being retrieved: deliveries count here */
	int cur_folder_idx;
	struct timeval start_time;
	struct timeout *to_finish;
	/* retrieve_run_timeout: the whole run's wall-clock deadline */
	struct timeout *to_run;
	/* IMAP: the core's own lookup of the host, for the network check */
	struct dns_lookup *dns_lookup;
	/* auth=oauth2: the access token (retrieve-oauth2.c) */
	struct retrieve_oauth2 *oauth2;
	/* a rejected token: the backend restarts with a new one */
	struct timeout *to_restart;

	/* direct saves not committed yet (retrieve-client-batch.c) */
	pool_t batch_pool;
	ARRAY(struct retrieve_client_staged) batch;
	/* the batch's pending records: one per copy saved (a message that
	   Sieve filed into two folders has two), one with local folder ""
	   for a message Sieve discarded */
	ARRAY_TYPE(retrieve_state_pending) batch_pending;
	uoff_t batch_bytes;
	/* the local folder the batch saves into */
	const char *batch_folder;

	bool finished:1;
	/* the one refresh and retry of a run was used */
	bool oauth2_retried:1;
	/* finished is set only to stop the backend until the restart */
	bool restarting:1;
	/* the result's resp_code is the token endpoint's verdict */
	bool oauth2_resp_code:1;
	/* the backend's deinit ran already (aborted run) */
	bool backend_freed:1;
	/* TLS: a cached session was offered for this connection; the
	   certificate (or the resumed session) passed our check */
	bool ssl_session_offered:1;
	bool ssl_cert_verified:1;
};

/* --- for backends --- */

/* TRUE when the message is already retrieved (recorded in state). */
bool retrieve_client_is_retrieved(struct retrieve_client *client,
				  const char *folder, const char *uid);
/* TRUE when the message should be fetched now: not yet retrieved and not
   over max_size (that case is counted and logged as skipped). */
bool retrieve_client_want(struct retrieve_client *client, const char *folder,
			  const char *uid, uoff_t size);
/* TRUE when a message received bytes long was cut short of the size
   the server announced (POP3 LIST, IMAP RFC822.SIZE): more than a tenth
   and more than RETRIEVE_SIZE_SHORT_SLACK bytes are missing. Such a
   message is neither delivered nor deleted. A smaller shortfall is not
   a cut: servers count line ends differently, and some announce
   estimates (Exchange without EnableExactRFC822Size). */
#define RETRIEVE_SIZE_SHORT_SLACK 64
bool retrieve_client_size_cut_short(uoff_t announced, uoff_t received);

/* Delivers one complete message (msg->input seekable), with a
   fingerprint recorded with the UID (IMAP: matching after a UIDVALIDITY
   change) or NULL. The backend's v.committed(id) says when the message
   is committed locally and recorded durably: only then may the backend
   delete it on the remote. Direct saves are committed in batches
   (retrieve-client-batch.c), so that may come later, from another
   retrieve_client_deliver() or retrieve_client_commit(). Returns 0 when
   the message is on its way; -1 after a local failure: the backend must
   stop retrieving, delete nothing more than what v.committed() names and
   finish; the client has already set the result
   (retrieve_client_finish() still has to be called, with any code: the
   local failure wins). */
int retrieve_client_deliver(struct retrieve_client *client,
			    const struct retrieve_deliver_message *msg,
			    const char *fingerprint, uint32_t id);
/* Commits the batch: v.committed() is called for each of its messages.
   The backend calls it before it would end the session or the folder
   (POP3 QUIT, IMAP EXPUNGE). Returns -1 after a local failure, as
   retrieve_client_deliver() does. */
int retrieve_client_commit(struct retrieve_client *client);
/* At the start of a run: messages of a batch that a crash interrupted
   are looked up locally by GUID; the found ones are recorded. */
int retrieve_client_batch_recover(struct retrieve_client *client,
				  const char **error_r);
void retrieve_client_batch_deinit(struct retrieve_client *client);
/* Records a message as retrieved without delivering it (it was, under an
   older UIDVALIDITY). Returns -1 after a failure, as deliver does. */
int retrieve_client_record(struct retrieve_client *client, const char *folder,
			   const char *uid, const char *fingerprint);
/* The remote folder's UIDVALIDITY; a changed one forgets its UIDs */
void retrieve_client_set_uidvalidity(struct retrieve_client *client,
				     const char *folder, uint32_t uidvalidity);
/* The remote no longer has any UID but these (POP3 UIDL list) */
void retrieve_client_prune(struct retrieve_client *client, const char *folder,
			   const char *const *present);
/* Deliveries count for this remote folder from now on (IMAP); name as
   the state keys it, display_name UTF-8 */
void retrieve_client_folder_begin(struct retrieve_client *client,
				  const char *name, const char *display_name);
/* The current folder failed or lost a message: counted, and error (when
   not NULL) names why. */
void retrieve_client_folder_error(struct retrieve_client *client,
				  const char *error);

/* A folder of the state is missing from the remote's folder list (name:
   its remote name; display_name: UTF-8): reported in its own row, marked
   absent the first time, forgotten when an earlier run missed it too. */
void retrieve_client_folder_vanished(struct retrieve_client *client,
				     const char *name,
				     const char *display_name);

/* Counts a remote deletion */
void retrieve_client_deleted(struct retrieve_client *client);
/* Counts messages left on the server (the "skipped" column); the
   backend logs why */
void retrieve_client_skipped(struct retrieve_client *client,
			     unsigned int count);
/* The most bytes one message may have: retrieve_max_message_size, or the
   account's max_size when smaller */
uoff_t retrieve_client_max_message_size(struct retrieve_client *client);

/* The local side, for mapping remote folders (IMAP): the hierarchy
   separator of the account folder's namespace, the user's folder with a
   special use ("\\Sent") or NULL, and a local folder created (and
   subscribed) when missing */
char retrieve_client_local_separator(struct retrieve_client *client);
const char *
retrieve_client_local_special_use(struct retrieve_client *client,
				  const char *special_use);
int retrieve_client_local_folder_prepare(struct retrieve_client *client,
					 const char *folder,
					 const char **error_r);

/* The state, read by the backends only through these (IMAP): */
/* The remote folder's recorded UIDVALIDITY, 0 when none */
uint32_t retrieve_client_get_uidvalidity(struct retrieve_client *client,
					 const char *folder);
/* The fingerprints recorded with the folder's UIDs, NULL-terminated */
const char *const *
retrieve_client_get_fingerprints(struct retrieve_client *client,
				 const char *folder, pool_t pool);
/* The remote folders the state knows, NULL-terminated */
const char *const *
retrieve_client_get_folders(struct retrieve_client *client, pool_t pool);
/* This run's folder list has the folder: an absent mark is dropped */
void retrieve_client_folder_listed(struct retrieve_client *client,
				   const char *folder);

/* Spool prefix for message temp files */
const char *retrieve_client_temp_prefix(struct retrieve_client *client);

/* TLS: creates the client context for this account (verification per
   ssl_verify, CAs from Dovecot's ssl_client_ca_* settings) and wraps the
   streams in place. The handshake's outcome arrives via
   ssl_iostream_set_handshake_callback(); use
   retrieve_client_ssl_check_cert() from that callback. */
int retrieve_client_ssl_wrap(struct retrieve_client *client,
			     struct istream **input, struct ostream **output,
			     struct ssl_iostream **ssl_io_r,
			     const char **error_r);
int retrieve_client_ssl_check_cert(struct retrieve_client *client,
				   struct ssl_iostream *ssl_io,
				   const char **error_r);
/* TLS session resumption (per process, per remote; retrieve-ssl-session.c,
   Dovecot 2.3 and 2.4.1): retrieve_client_ssl_wrap() offers a kept session,
   retrieve_client_ssl_check_cert() accepts it resumed, and
   retrieve_client_ssl_session_save(), called before the stream is
   destroyed, keeps the connection's session if its certificate was
   verified. */
void retrieve_client_ssl_session_offer(struct retrieve_client *client,
				       struct ssl_iostream *ssl_io);
bool retrieve_client_ssl_session_resumed(struct retrieve_client *client,
					 struct ssl_iostream *ssl_io);
void retrieve_client_ssl_session_save(struct retrieve_client *client,
				      struct ssl_iostream *ssl_io);

/* text with every form of the account's password (as it is, quoted,
   base64, AUTH PLAIN) replaced by "<hidden>": for any server text before
   it is logged or kept. Data stack. */
const char *retrieve_client_hide_secrets(struct retrieve_client *client,
					 const char *text);
/* text fit for logs and the state: retrieve_client_hide_secrets(),
   control characters replaced by '?', invalid
   UTF-8 replaced, at most max_len bytes ("..." marks a cut). NULL stays
   NULL. Data stack. */
const char *retrieve_client_sanitize(struct retrieve_client *client,
				     const char *text, size_t max_len);

/* Resolving the account's host: the user's DNS client, within
   retrieve_timeout; and the error of a failed lookup (data stack) */
void retrieve_client_dns_settings(struct retrieve_client *client,
				  struct dns_lookup_settings *set_r);
const char *
retrieve_client_dns_error(struct retrieve_client *client,
			  const struct dns_lookup_result *result);

/* Checks a resolved remote address against the administrator's network
   lists (retrieve_allow_networks, retrieve_deny_networks and the built-in
   denied networks) before connecting to it: -1 with error_r naming the
   address, host and network when refused (finish with config_error). */
int retrieve_client_check_ip(struct retrieve_client *client,
			     const struct ip_addr *ip, const char **error_r);

/* The remote announced a minimum delay between logins (POP3 CAPA
   LOGIN-DELAY): recorded in the state; a [LOGIN-DELAY] refusal is
   retried after it (retrieve-schedule.c). */
void retrieve_client_set_login_delay(struct retrieve_client *client,
				     unsigned int secs);

/* auth=oauth2: the access token to log in with (never logged; every
   form of it is hidden by retrieve_client_hide_secrets()) */
const char *retrieve_client_oauth2_token(struct retrieve_client *client);

/* Ends the run: code/error become the result unless a local failure
   already set one. Safe to call from anywhere in the backend; the
   callback is deferred to the ioloop. An auth=oauth2 login refused
   (auth_failed) before anything was delivered, with a token from the
   cache, does not end the run: the backend is freed and run again with a
   new token, once per run. */
void retrieve_client_finish(struct retrieve_client *client,
			    enum retrieve_result_code code,
			    const char *resp_code, const char *error);

#endif
