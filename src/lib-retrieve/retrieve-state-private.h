#ifndef RETRIEVE_STATE_PRIVATE_H
#define RETRIEVE_STATE_PRIVATE_H

#include "hash.h"
#include "retrieve-state.h"

/* Shared by the state's parts: the model (retrieve-state.c), the file
   format (retrieve-state-file.c), the journal (retrieve-state-journal.c),
   the status file (retrieve-state-status.c) and the lock
   (retrieve-state-lock.c). */

#define RETRIEVE_STATE_HEADER "dovecot-retrieve-state"
#define RETRIEVE_STATE_VERSION 7
#define RETRIEVE_JOURNAL_HEADER "dovecot-retrieve-journal"
/* status record fields after "status" in versions 1-4, 5 and 6 */
#define RETRIEVE_STATE_STATUS_V1_FIELDS 10
#define RETRIEVE_STATE_STATUS_V5_FIELDS 12
#define RETRIEVE_STATE_STATUS_FIELDS 14
/* folder record fields after "folder" in versions 1, 2-3 and 4 */
#define RETRIEVE_STATE_FOLDER_V1_FIELDS 2
#define RETRIEVE_STATE_FOLDER_V2_FIELDS 9
#define RETRIEVE_STATE_FOLDER_FIELDS 10
/* UIDs are at most 70 bytes (POP3) and errors are one line; anything
   longer is corruption, not data to buffer. */
#define RETRIEVE_STATE_MAX_LINE_LEN (64*1024)
/* an escaped key doubles at most, plus the record's other fields */
#if RETRIEVE_STATE_MAX_KEY_LEN*2 + RETRIEVE_STATE_MAX_TEXT_LEN*2 + 256 > \
	RETRIEVE_STATE_MAX_LINE_LEN
#  error state lines could exceed what reading accepts
#endif
/* pending records kept from one journal: a crash leaves at most one
   batch of them */
#define RETRIEVE_STATE_MAX_PENDING 10000
#define RETRIEVE_STATE_LOCKED_ERROR \
	"another retrieval of this account is running"

/* UID -> fingerprint ("" when none); a named type so that prune can swap
   tables */
HASH_TABLE_DEFINE_TYPE(retrieve_uid, char *, char *);
/* UID -> absent mark: the time it was first absent from a listing,
   shifted left by one; the low bit is set for marks made since the state
   was opened (this run), which must not prune yet */
HASH_TABLE_DEFINE_TYPE(retrieve_absent, char *, void *);
#define RETRIEVE_ABSENT_MARK(since, now) \
	POINTER_CAST(((uintptr_t)(since) << 1) | ((now) ? 1 : 0))
#define RETRIEVE_ABSENT_SINCE(mark) \
	((time_t)(POINTER_CAST_TO(mark, uintptr_t) >> 1))
#define RETRIEVE_ABSENT_IS_NOW(mark) \
	((POINTER_CAST_TO(mark, uintptr_t) & 1) != 0)
ARRAY_DEFINE_TYPE(retrieve_state_folder_status,
		  struct retrieve_state_folder_status);

struct retrieve_state_folder {
	const char *name;
	uint32_t uidvalidity;
	/* uidvalidity changed and the journal does not say so yet: the
	   next journal record of this folder must carry it first */
	bool uidvalidity_unjournaled;
	/* UIDs from the state pool */
	HASH_TABLE_TYPE(retrieve_uid) uids;
	/* UIDs (keys of uids) a listing lacked -> the time it first did;
	   pruned only when a listing of a later run lacks them again */
	HASH_TABLE_TYPE(retrieve_absent) absent;
	/* committed with the state, never journaled */
	struct retrieve_state_folder_status status;
	/* status.absent_since was set since the state was opened (this
	   run): the folder must not be forgotten yet */
	bool absent_now;
};

struct retrieve_state {
	/* every state this process has open, for the in-process lock */
	struct retrieve_state *prev, *next;

	pool_t pool;
	const char *dir;
	const char *state_path, *journal_path, *lock_path, *status_path;

	int lock_fd;
	struct file_lock *lock;
	dev_t lock_dev;
	ino_t lock_ino;

	/* the generation the journal must have to belong to .state */
	uint64_t generation;
	/* -1 while no journal file exists */
	int journal_fd;
	/* end of the last complete journal record */
	uoff_t journal_size;
	/* a failed append could not be undone, or a failed commit left it
	   unknown which .state a crash would keep: appending is unsafe */
	bool journal_broken;

	/* something .state records besides the statistics (a folder, a
	   UID, an absent mark, a UIDVALIDITY) changed since it was read:
	   the commit must rewrite it */
	bool changed;

	struct retrieve_state_status status;
	HASH_TABLE(char *, struct retrieve_state_folder *) folders;
	/* the journal's pending records (a batch whose commit a crash
	   may have cut off), resolved by the client at its start */
	ARRAY(struct retrieve_state_pending) pending;
	/* more pending records than kept: the later ones are dropped */
	bool pending_full;
};

struct retrieve_state_parser {
	const char *path;
	unsigned int line_num;
	/* NULL when reading only the status (and maybe folders) */
	struct retrieve_state *state;
	pool_t pool;
	struct retrieve_state_status *status;
	/* without state: where the folder records go, NULL for none */
	ARRAY_TYPE(retrieve_state_folder_status) *folders;

	unsigned int version;
	uint64_t generation;
	/* the folder the uid records belong to (NULL without state) */
	struct retrieve_state_folder *folder;
	unsigned int uid_records;
	bool have_folder;
	bool have_status;
	bool have_generation;
	bool have_end;
	/* the journal belongs to another generation */
	bool journal_stale;
};

/* Returns 1 to continue, 0 to stop reading, -1 with error_r on error */
typedef int
retrieve_state_line_callback_t(struct retrieve_state_parser *parser,
			       const char *const *args, const char **error_r);

/* retrieve-state.c: the model */
const char *
retrieve_state_path(const char *dir, const char *identity, const char *suffix);
struct retrieve_state_folder *
retrieve_state_folder_lookup(struct retrieve_state *state, const char *name);
struct retrieve_state_folder *
retrieve_state_folder_get(struct retrieve_state *state, const char *name);
void retrieve_state_folder_add_uid(struct retrieve_state *state,
				   struct retrieve_state_folder *folder,
				   const char *uid, const char *fingerprint);
/* A pending record read from the journal or the state file: args are
   the record's fields after "pending". state may be NULL (only checked). */
int retrieve_state_pending_parse(struct retrieve_state *state,
				 const char *const *args, const char **error_r);
void retrieve_state_pending_add(struct retrieve_state *state,
				const char *folder, const char *uid,
				const char *fingerprint,
				const char *local_folder, const char *guid,
				uint32_t uid_min);
void retrieve_state_folder_set_uidvalidity(struct retrieve_state *state,
					   struct retrieve_state_folder *folder,
					   uint32_t uidvalidity,
					   bool journaled);

/* retrieve-state-file.c: reading and writing <identity>.state */
const char *retrieve_state_quote(const char *value);
/* A status record (args[0] must be "status") and a folder record's
   fields (after its name), as of parser->version */
int retrieve_state_parse_status_record(struct retrieve_state_parser *parser,
				       const char *const *args,
				       const char **error_r);
int retrieve_state_parse_folder(struct retrieve_state_parser *parser,
				const char *const *args, uint32_t *uidvalidity_r,
				struct retrieve_state_folder_status *status_r,
				const char **error_r);
/* Appends the status or folder record (the current version's, with
   its newline) to str */
void retrieve_state_write_status(const struct retrieve_state_status *status,
				 string_t *str);
void retrieve_state_write_folder_record(
	const struct retrieve_state_folder *folder, string_t *str);
/* Feeds fd's lines to callback. *partial_offset_r is set to the offset of
   an unterminated last line, or (uoff_t)-1 when there is none. */
int retrieve_state_read_lines(struct retrieve_state_parser *parser, int fd,
			      retrieve_state_line_callback_t *callback,
			      uoff_t *partial_offset_r, const char **error_r);
/* Returns 1 when read, 0 when the file does not exist, -1 on error */
int retrieve_state_read_state_file(struct retrieve_state_parser *parser,
				   const char **error_r);
/* Writes .state atomically (temp file, fsync, rename, directory sync).
   A failed directory sync breaks the journal (journal_broken). */
int retrieve_state_write_state_file(struct retrieve_state *state,
				    const char **error_r);

/* retrieve-state-journal.c: <identity>.log */
/* Replays the journal into the freshly read state (a stale one is
   removed, a torn last record cut off). */
int retrieve_state_journal_replay(struct retrieve_state *state,
				  const char **error_r);
/* Appends records (lines) with one write() and one fdatasync(); the
   journal's header goes first into a new journal. */
int retrieve_state_journal_append(struct retrieve_state *state,
				  string_t *records, const char **error_r);
/* Adds a uid record (after the folder's UIDVALIDITY when that is not
   journaled yet) to records */
void retrieve_state_journal_uid_record(struct retrieve_state_folder *folder,
				       const char *uid,
				       const char *fingerprint,
				       string_t *records);
void retrieve_state_journal_pending_record(
	const struct retrieve_state_pending *msg, string_t *records);
/* .state was committed: the journal is merged, new records start a new
   one of the next generation. */
void retrieve_state_journal_committed(struct retrieve_state *state);

/* retrieve-state-status.c: <identity>.status */
/* Reads the .status of .state's generation over status_r and, when
   folders is not NULL, over the statistics of the folders it has (by
   name). Returns 1 when there was one, 0 when there is none or it is
   of another generation or damaged (a crash's leftover: ignored), -1
   when it can't be read (error_r). */
int retrieve_state_status_read(const char *path, uint64_t generation,
			       pool_t pool,
			       struct retrieve_state_status *status_r,
			       ARRAY_TYPE(retrieve_state_folder_status) *folders,
			       const char **error_r);
/* Overlays the state's .status on what .state said */
int retrieve_state_status_read_state(struct retrieve_state *state,
				     const char **error_r);
/* Writes the status and the folders' statistics over .status, in place
   and without fsync (a crash may lose it, never anything else). */
int retrieve_state_status_write(struct retrieve_state *state,
				const char **error_r);

/* retrieve-state-lock.c */
/* Returns 1 when locked, 0 when another run holds the lock (error_r
   says so), -1 on error. */
int retrieve_state_lock(struct retrieve_state *state, const char **error_r);
void retrieve_state_unlock(struct retrieve_state *state);

#endif
