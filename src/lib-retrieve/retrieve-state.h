#ifndef RETRIEVE_STATE_H
#define RETRIEVE_STATE_H

/* Per-account state in the user's home: which remote messages were
   retrieved (by folder and UID/UIDL), and the last run's outcome.

   Files: <dir>/<identity>.state, rewritten atomically (temp + fsync +
   rename) by retrieve_state_commit() when a record in it changed,
   <identity>.status, the status and statistics of the last run, written
   in place without a sync by every commit, and <identity>.log, a journal
   that retrieve_state_add_uid() appends to and fdatasync()s after each
   message, so a crash at any point loses no record of a delivered
   message (at most the one in flight is delivered twice).
   <identity>.lock is held (fcntl) while the state is open, so two runs
   of one account exclude each other. */

#include "retrieve-result.h"

struct retrieve_state_status {
	time_t last_run;	/* 0 = never */
	unsigned int last_duration_msecs;
	enum retrieve_result_code last_result;
	const char *last_error;	/* NULL when none */
	unsigned int last_messages;
	uoff_t last_bytes;
	uint64_t total_messages;
	uint64_t total_bytes;
	unsigned int runs;
	/* failures in a row with the same result code */
	unsigned int consecutive_failures;
	/* the remote's response code behind the last result ("IN-USE",
	   "LOGIN-DELAY", "AUTH", "SYS/TEMP", ...; POP3 RESP-CODE or IMAP
	   response code), NULL when none: the schedule acts on it */
	const char *last_resp_code;
	/* the POP3 server's announced LOGIN-DELAY (CAPA, RFC 2449), as
	   the last run that saw one read it; 0 = none known */
	unsigned int login_delay_secs;
	/* delivered and marked as spam (retrieve_spam_scanner): by the
	   last run, by all runs */
	unsigned int last_spam;
	uint64_t total_spam;
};

/* One remote folder's part of the runs (IMAP) */
struct retrieve_state_folder_status {
	/* as the state keys it: the remote name (IMAP: modified UTF-7) */
	const char *name;
	/* the start of the last run that retrieved from the folder;
	   0 = none recorded yet */
	time_t last_run;
	unsigned int last_messages;
	uoff_t last_bytes;
	/* the last run's failed messages, plus 1 when the folder itself
	   failed; last_error (NULL when none) names the first */
	unsigned int last_errors;
	const char *last_error;
	uint64_t total_messages;
	uint64_t total_bytes;
	/* when the remote's folder list first lacked the folder; 0 while
	   it is listed */
	time_t absent_since;
};

struct retrieve_state;

/* Longest folder name or UID the state records (longer ones are refused
   before delivery), and longest error text and fingerprint it stores
   (longer errors are cut, longer fingerprints left out): no remote value
   can make a state line exceed what reading accepts. */
#define RETRIEVE_STATE_MAX_KEY_LEN 4096
#define RETRIEVE_STATE_MAX_TEXT_LEN 1024

/* open() for every file of the state directory: O_NOFOLLOW, O_NONBLOCK,
   and only a regular file is accepted (a FIFO or device would wedge or
   confuse the reader). Returns the fd, or -1 with errno (ENOENT when it
   does not exist) and error_r set. */
int retrieve_state_file_open(const char *path, int flags, mode_t mode,
			     const char **error_r);

/* Opens (creating dir as needed) and locks the state. Returns 1 when
   opened, 0 when another process holds the lock (error_r says so), -1 on
   error (unreadable or corrupt file: error_r names the file and line). */
int retrieve_state_open(const char *dir, const char *identity,
			struct retrieve_state **state_r, const char **error_r);
/* Unlocks and frees; uncommitted journal records stay on disk and are
   replayed by the next open. */
void retrieve_state_close(struct retrieve_state **state);

/* Reads the status without locking or replaying (for doveadm status).
   Returns 1 when read, 0 when no state exists yet, -1 on error. */
int retrieve_state_read_status(const char *dir, const char *identity,
			       pool_t pool,
			       struct retrieve_state_status *status_r,
			       const char **error_r);

/* Like retrieve_state_read_status(), also returning every folder's
   statistics (in no particular order, allocated from pool). Reads and
   checks the whole file. */
int retrieve_state_read_folders(const char *dir, const char *identity,
	pool_t pool, struct retrieve_state_status *status_r,
	const struct retrieve_state_folder_status **folders_r,
	unsigned int *count_r, const char **error_r);

/* Folder "" is the POP3 maildrop. uidvalidity 0 means "none" (POP3). */
uint32_t retrieve_state_get_uidvalidity(struct retrieve_state *state,
					const char *folder);
/* Sets a folder's UIDVALIDITY; a changed value forgets its UIDs. */
void retrieve_state_set_uidvalidity(struct retrieve_state *state,
				    const char *folder, uint32_t uidvalidity);

bool retrieve_state_have_uid(struct retrieve_state *state,
			     const char *folder, const char *uid);
/* Records a delivered message durably (journal append + fdatasync).
   Must be called before the message is deleted on the remote. */
int retrieve_state_add_uid(struct retrieve_state *state, const char *folder,
			   const char *uid, const char **error_r);

/* Like retrieve_state_add_uid(), remembering a fingerprint of the message
   (IMAP: Message-ID and size) for matching after a UIDVALIDITY change. */
int retrieve_state_add_uid_fingerprint(struct retrieve_state *state,
				       const char *folder, const char *uid,
				       const char *fingerprint,
				       const char **error_r);
/* A message saved locally in a batch (retrieve-client-batch.c) */
struct retrieve_state_pending {
	/* remote folder ("" for POP3), UID and fingerprint (or NULL) */
	const char *folder, *uid, *fingerprint;
	/* the local folder (vname) it was saved into, with this GUID (also
	   the id of its Received: header); the folder's UIDs below uid_min
	   existed before the batch */
	const char *local_folder, *guid;
	uint32_t uid_min;
};
ARRAY_DEFINE_TYPE(retrieve_state_pending, struct retrieve_state_pending);
/* Like retrieve_state_add_uid_fingerprint() for many messages, with one
   write and one fdatasync */
int retrieve_state_add_uids(struct retrieve_state *state,
			    const struct retrieve_state_pending *msgs,
			    unsigned int count, const char **error_r);
/* Journals durably that these messages are about to be committed
   locally (one write, one fdatasync), before the commit. */
int retrieve_state_add_pending(struct retrieve_state *state,
			       const struct retrieve_state_pending *msgs,
			       unsigned int count, const char **error_r);
/* The journal's pending messages that have no uid record: a crash came
   between their local commit and their recording, or before the commit.
   Data stack. */
const struct retrieve_state_pending *
retrieve_state_get_unresolved(struct retrieve_state *state,
			      unsigned int *count_r);
/* The unresolved messages are looked up (and the found ones recorded) */
void retrieve_state_clear_unresolved(struct retrieve_state *state);

/* The fingerprints of the folder's retrieved messages (NULL-terminated,
   allocated from pool). Call before retrieve_state_set_uidvalidity()
   forgets them. */
const char *const *
retrieve_state_get_fingerprints(struct retrieve_state *state,
				const char *folder, pool_t pool);

/* Forgets the folder's UIDs that are not in present (the remote no longer
   has them), so the state does not grow forever. present is a NULL-
   terminated array. */
void retrieve_state_prune(struct retrieve_state *state, const char *folder,
			  const char *const *present);

/* The folders the state has records of (UIDVALIDITY or UIDs), as
   NULL-terminated array allocated from pool. */
const char *const *
retrieve_state_get_folders(struct retrieve_state *state, pool_t pool);
/* Forgets a folder (its UIDVALIDITY, UIDs and statistics): it no longer
   exists on the remote. Takes effect at the next commit. */
void retrieve_state_forget_folder(struct retrieve_state *state,
				  const char *folder);

/* The remote's folder list lacks the folder: the first time it is only
   marked (kept with its UIDs, a LIST can be transiently short); when the
   list of an earlier run lacked it too, it is forgotten and TRUE is
   returned. Takes effect at the next commit. */
bool retrieve_state_mark_folder_absent(struct retrieve_state *state,
				       const char *folder);
/* The remote's folder list has the folder (again): clears its mark. */
void retrieve_state_mark_folder_listed(struct retrieve_state *state,
				       const char *folder);

void retrieve_state_get_status(struct retrieve_state *state,
			       struct retrieve_state_status *status_r);
/* Records the outcome of a run (updates totals; the failure counter
   restarts when the kind of failure changes). resp_code is the remote's
   response code behind it, NULL when none. */
void retrieve_state_set_result(struct retrieve_state *state, time_t started,
			       unsigned int duration_msecs,
			       enum retrieve_result_code result,
			       const char *resp_code, const char *error,
			       unsigned int messages, uoff_t bytes);
/* Records the LOGIN-DELAY the server announced (kept until a later run
   reads another). */
/* The run's spam count (after retrieve_state_set_result()) */
void retrieve_state_set_spam(struct retrieve_state *state, unsigned int spam);
void retrieve_state_set_login_delay(struct retrieve_state *state,
				    unsigned int secs);

/* Records a remote folder's part of a run (updates its totals). Like
   the run's result, it is kept by the next commit only. */
void retrieve_state_folder_set_result(struct retrieve_state *state,
				      const char *folder, time_t started,
				      unsigned int messages, uoff_t bytes,
				      unsigned int errors, const char *error);

/* Writes the status (.status, not synced) and, when anything else
   changed or a journal exists, everything atomically (.state) first,
   emptying the journal. */
int retrieve_state_commit(struct retrieve_state *state, const char **error_r);

#endif
