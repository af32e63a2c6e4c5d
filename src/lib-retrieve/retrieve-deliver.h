#ifndef RETRIEVE_DELIVER_H
#define RETRIEVE_DELIVER_H

#include "mail-types.h"

struct mail_user;
struct retrieve_account_settings;
struct retrieve_spam_settings;

/* What the spam scanner made of a delivered message */
enum retrieve_deliver_spam {
	/* not scanned: no scanner, filter=no or a direct save */
	RETRIEVE_DELIVER_SPAM_NONE = 0,
	RETRIEVE_DELIVER_SPAM_HAM,
	RETRIEVE_DELIVER_SPAM_SPAM,
	/* a scanner is set, but the message was over
	   retrieve_spam_max_size or the scanner failed with
	   retrieve_spam_failure=accept */
	RETRIEVE_DELIVER_SPAM_UNSCANNED,
};

/* One retrieved message to deliver. */
struct retrieve_deliver_message {
	/* Seekable and complete (spooled); delivery does not unref it */
	struct istream *input;
	/* "pop3", "imap": for the Received: header */
	const char *protocol;
	/* Remote folder ("" for POP3) and UID/UIDL, for logging */
	const char *remote_folder;
	const char *remote_uid;
	/* (time_t)-1 = now; IMAP passes INTERNALDATE */
	time_t received_date;
	int received_tz_offset;
	/* Flags and keywords to save with the message (IMAP). Through
	   Sieve only MAIL_SEEN counts: it is kept where the keep lands. */
	enum mail_flags flags;
	const char *const *keywords;
	/* The local folder (vname), NULL for the account's folder */
	const char *folder;
	/* Save straight into the folder even when the account filters
	   (IMAP folders other than INBOX) */
	bool no_filter;
};

struct retrieve_deliver;

/* Once per process, after mail_storage_init() and before the first
   mail_user is created: sets up lib-lda's hooks and loads Pigeonhole's
   sieve plugin (bypassing its lda/lmtp-only check, see design.md).
   Returns -1 with error_r when the sieve plugin cannot be loaded; filter=no
   accounts still work then. */
int retrieve_deliver_global_init(const char **error_r);
void retrieve_deliver_global_deinit(void);

/* Prepares delivery for one account of user: filter=yes goes through
   mail_deliver() (Sieve; implicit keep into set->folder), filter=no saves
   straight into set->folder (created when missing). */
int retrieve_deliver_init(struct mail_user *user,
			  const struct retrieve_account_settings *set,
			  struct event *event_parent,
			  struct retrieve_deliver **deliver_r,
			  const char **error_r);
void retrieve_deliver_deinit(struct retrieve_deliver **deliver);

/* With filter=yes, every message that goes through Sieve is first
   scanned by set's scanner (set->scanner non-empty): the verdict is
   added as X-Spam-* headers, spam goes to set->folder when set, and a
   failed scan fails the delivery (retrieve_spam_failure=tempfail). Does
   nothing with filter=no. */
int retrieve_deliver_spam_init(struct retrieve_deliver *deliver,
			       const struct retrieve_spam_settings *set,
			       const char **error_r);
/* The scanner's verdict on the message the last successful
   retrieve_deliver_message() delivered */
enum retrieve_deliver_spam
retrieve_deliver_get_last_spam(struct retrieve_deliver *deliver);

/* Delivers and commits one message. Returns 0 when the message is
   committed locally; -1 when not (error_r says why; the caller leaves the
   message and the rest on the server and retries later). */
int retrieve_deliver_message(struct retrieve_deliver *deliver,
			     const struct retrieve_deliver_message *msg,
			     const char **error_r);

/* Creates (and subscribes) the local folder when missing; for mirroring
   folders that are empty on the remote. */
int retrieve_deliver_folder_prepare(struct retrieve_deliver *deliver,
				    const char *folder, const char **error_r);
/* The hierarchy separator of the local namespace the account's folder is
   in. */
char retrieve_deliver_get_separator(struct retrieve_deliver *deliver);
/* The user's local folder with this special use ("\\Sent"), or NULL */
const char *
retrieve_deliver_special_use_folder(struct retrieve_deliver *deliver,
				    const char *special_use);

/* The temp file prefix for spooling messages of this user */
const char *retrieve_deliver_temp_prefix(struct retrieve_deliver *deliver);

#endif
