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
	/* A direct save is saved with this GUID (recovery after a crash
	   looks for it), NULL for a generated one */
	const char *guid;
};

struct retrieve_deliver;

/* Once per process, after mail_storage_init() and before the first
   mail_user is created: sets up lib-lda's hooks and loads Pigeonhole's
   sieve plugin (bypassing its lda/lmtp-only check, see design.md).
   Returns -1 with error_r when the sieve plugin cannot be loaded; filter=no
   accounts still work then. */
int retrieve_deliver_global_init(const char **error_r);
void retrieve_deliver_global_deinit(void);

/* Delivery for one account of user: filter=yes goes through Sieve
   (implicit keep into set->folder), filter=no saves straight into
   set->folder (created when missing). Reads the settings only: the
   folder and Sieve wait for retrieve_deliver_prepare(). */
int retrieve_deliver_init(struct mail_user *user,
			  const struct retrieve_account_settings *set,
			  struct event *event_parent,
			  struct retrieve_deliver **deliver_r,
			  const char **error_r);
/* Opens (creates) the account's folder and sets up Sieve, once; needed
   before retrieve_deliver_message() and retrieve_deliver_is_direct().
   Left until the first message, so that a run that retrieves nothing
   touches neither the user's mail storage nor the Sieve scripts. */
int retrieve_deliver_prepare(struct retrieve_deliver *deliver,
			     const char **error_r);
/* An uncommitted batch is rolled back */
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

/* Delivers one message. Through Sieve it is committed at once: returns
   1. A direct save goes into the transaction (the batch) of its folder,
   which retrieve_deliver_commit() commits: returns 0. Returns -1 when the
   message is not delivered (error_r says why; the caller leaves it and
   the rest on the server and retries later); the batch's earlier
   messages stay in it. */
int retrieve_deliver_message(struct retrieve_deliver *deliver,
			     const struct retrieve_deliver_message *msg,
			     const char **error_r);
/* TRUE when msg is saved straight into a folder (batched), not through
   Sieve */
bool retrieve_deliver_is_direct(struct retrieve_deliver *deliver,
				const struct retrieve_deliver_message *msg);
/* The local folder (vname) msg is saved into when direct */
const char *
retrieve_deliver_message_folder(struct retrieve_deliver *deliver,
				const struct retrieve_deliver_message *msg);
/* Commits the batch: 0 when done (or nothing was in it), -1 when
   nothing of it was saved. */
int retrieve_deliver_commit(struct retrieve_deliver *deliver,
			    const char **error_r);
/* Drops the batch: nothing of it is saved */
void retrieve_deliver_rollback(struct retrieve_deliver *deliver);
/* A copy of a delivered message, saved into an open batch */
struct retrieve_deliver_saved {
	/* the local folder (vname) */
	const char *folder;
	/* the folder's UIDNEXT when its batch began */
	uint32_t uid_min;
};
/* Where the last direct or captured-Sieve message was saved: one entry
   per folder it went into (Sieve's fileinto plus keep: two), none when
   Sieve discarded it. Valid until the next message. */
const struct retrieve_deliver_saved *
retrieve_deliver_last_saved(struct retrieve_deliver *deliver,
			    unsigned int *count_r);
/* TRUE when one batch may span several folders (Sieve run by us) */
bool retrieve_deliver_is_multi_folder(struct retrieve_deliver *deliver);
/* The folder's UIDNEXT when the open batch began */
uint32_t retrieve_deliver_batch_uid_min(struct retrieve_deliver *deliver);
/* Looks for the messages saved with these GUIDs in the local folder,
   among those with UID uid_min and up: found[i] is set for guids[i] when
   a message has it as its GUID or as the id of its Received: header
   (maildir keeps a GUID that is no valid file name only in its uidlist,
   which a crash can cut off). Returns 0 (also when the folder does not
   exist), -1 on error. */
int retrieve_deliver_find_guids(struct retrieve_deliver *deliver,
				const char *folder, uint32_t uid_min,
				const char *const *guids, unsigned int count,
				bool *found, const char **error_r);

/* Creates (and subscribes) the local folder when missing; for mirroring
   folders that are empty on the remote. No batch may be open. */
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
