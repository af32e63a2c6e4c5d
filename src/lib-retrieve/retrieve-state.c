/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "strescape.h"
#include "str-sanitize.h"
#include "hash.h"
#include "llist.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "file-lock.h"
#include "mkdir-parents.h"
#include "fdatasync-path.h"
#include "retrieve-state.h"

#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

/* Layout of <identity>.state, one record per line, fields separated by
   tabs and escaped with str_tabescape():

     dovecot-retrieve-state	2
     status	<last_run> <duration_msecs> <result> <error> <last_messages>
		<last_bytes> <total_messages> <total_bytes> <runs>
		<consecutive_failures>
     journal	<generation>
     folder	<name> <uidvalidity> <last_run> <last_messages>
		<last_bytes> <last_errors> <last_error> <total_messages>
		<total_bytes> <absent_since>
     uid	<uid>[	<fingerprint>]	(belongs to the folder above)
     absent	<uid>	<since>	(a uid above the last listing lacked)
     ...
     end	<number of uid records>

   The end record makes a file cut at a line boundary detectable.
   Version 1 files (written before per-folder statistics) are read too:
   their folder records have only <name> and <uidvalidity>, and the
   statistics start from zero. Version 3 added the absent records;
   versions 1 and 2 have none. Version 4 added the folder's
   <absent_since>: when the remote's folder list first lacked it (0 while
   listed); older versions read as listed.

   <identity>.log holds records appended after the .state was written:

     dovecot-retrieve-journal	<generation>
     uidvalidity	<folder>	<uidvalidity>
     uid	<folder>	<uid>[	<fingerprint>]

   A fingerprint (IMAP: Message-ID and size) lets a folder whose
   UIDVALIDITY changed be matched against what was retrieved before.

   Each commit increments the generation, so a journal whose unlink was
   lost in a crash is recognized as already merged and is not replayed
   over newer state (it could carry an older UIDVALIDITY). */

#define RETRIEVE_STATE_HEADER "dovecot-retrieve-state"
#define RETRIEVE_STATE_VERSION 4
#define RETRIEVE_JOURNAL_HEADER "dovecot-retrieve-journal"
#define RETRIEVE_STATE_STATUS_FIELDS 10
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
static char retrieve_state_no_fingerprint[] = "";
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
	const char *state_path, *journal_path, *lock_path;

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

	struct retrieve_state_status status;
	HASH_TABLE(char *, struct retrieve_state_folder *) folders;
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

/* fcntl() locks are per process, and closing any descriptor of the lock
   file drops them, so a second open in this process is refused by
   comparing against the states already open instead. */
static struct retrieve_state *retrieve_states_open = NULL;

static const char *
retrieve_state_path(const char *dir, const char *identity, const char *suffix)
{
	/* The identity comes from retrieve_account_identity(); it can never
	   point outside dir. */
	i_assert(identity[0] != '\0' && identity[0] != '.');
	i_assert(strchr(identity, '/') == NULL);

	return t_strconcat(dir, "/", identity, suffix, NULL);
}

/* At most RETRIEVE_STATE_MAX_TEXT_LEN bytes, cut at a UTF-8 character
   boundary (the tab escaping keeps any byte harmless otherwise) */
static const char *retrieve_state_text_cut(const char *text)
{
	size_t len = strlen(text);

	if (len <= RETRIEVE_STATE_MAX_TEXT_LEN)
		return text;
	len = RETRIEVE_STATE_MAX_TEXT_LEN - 3;
	while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
		len--;
	return t_strconcat(t_strndup(text, len), "...", NULL);
}

int retrieve_state_file_open(const char *path, int flags, mode_t mode,
			     const char **error_r)
{
	struct stat st;
	int fd;

	/* Never through a symlink (it could point anywhere the process may
	   write), never blocking on a FIFO or device */
	fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd == -1) {
		if (errno == ELOOP) {
			*error_r = t_strdup_printf("open(%s) failed: "
				"it is a symbolic link", path);
			errno = ELOOP;
		} else {
			*error_r = t_strdup_printf("open(%s) failed: %m", path);
		}
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m", path);
		i_close_fd(&fd);
		errno = EIO;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = t_strdup_printf("open(%s) failed: "
					   "not a regular file", path);
		i_close_fd(&fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static struct retrieve_state_folder *
retrieve_state_folder_lookup(struct retrieve_state *state, const char *name)
{
	return hash_table_lookup(state->folders, name);
}

static struct retrieve_state_folder *
retrieve_state_folder_get(struct retrieve_state *state, const char *name)
{
	struct retrieve_state_folder *folder;
	char *key;

	folder = retrieve_state_folder_lookup(state, name);
	if (folder != NULL)
		return folder;

	folder = p_new(state->pool, struct retrieve_state_folder, 1);
	key = p_strdup(state->pool, name);
	folder->name = key;
	folder->status.name = key;
	hash_table_create(&folder->uids, state->pool, 0, str_hash, strcmp);
	hash_table_create(&folder->absent, state->pool, 0, str_hash, strcmp);
	hash_table_insert(state->folders, key, folder);
	return folder;
}

static void
retrieve_state_folder_add_uid(struct retrieve_state *state,
			      struct retrieve_state_folder *folder,
			      const char *uid, const char *fingerprint)
{
	if (hash_table_lookup(folder->uids, uid) == NULL) {
		/* never NULL: the value tells "present" */
		hash_table_insert(folder->uids, p_strdup(state->pool, uid),
			fingerprint == NULL || fingerprint[0] == '\0' ?
			retrieve_state_no_fingerprint :
			p_strdup(state->pool, fingerprint));
	}
}

static void
retrieve_state_folder_set_uidvalidity(struct retrieve_state_folder *folder,
				      uint32_t uidvalidity, bool journaled)
{
	if (folder->uidvalidity == uidvalidity)
		return;
	/* 0 is "unknown", not a different mailbox */
	if (folder->uidvalidity != 0 && uidvalidity != 0) {
		hash_table_clear(folder->absent, TRUE);
		hash_table_clear(folder->uids, TRUE);
	}
	folder->uidvalidity = uidvalidity;
	folder->uidvalidity_unjournaled = !journaled;
}

static const char *
retrieve_state_parser_error(struct retrieve_state_parser *parser,
			    const char *reason)
{
	return t_strdup_printf("%s line %u: %s", parser->path,
			       parser->line_num, reason);
}

static const char *
retrieve_state_quote(const char *value)
{
	return t_strdup_printf("'%s'", str_sanitize(value, 64));
}

static int
retrieve_state_parse_status(struct retrieve_state_parser *parser,
			    const char *const *args, const char **error_r)
{
	struct retrieve_state_status *status = parser->status;
	const char *field = NULL;

	if (str_array_length(args) != RETRIEVE_STATE_STATUS_FIELDS) {
		*error_r = t_strdup_printf(
			"status record has %u fields, expected %u",
			str_array_length(args), RETRIEVE_STATE_STATUS_FIELDS);
		return -1;
	}

	i_zero(status);
	if (str_to_time(args[0], &status->last_run) < 0)
		field = "last_run";
	else if (str_to_uint(args[1], &status->last_duration_msecs) < 0)
		field = "duration";
	else if (!retrieve_result_code_parse(args[2], &status->last_result)) {
		*error_r = t_strdup_printf("unknown result %s",
					   retrieve_state_quote(args[2]));
		return -1;
	} else if (str_to_uint(args[4], &status->last_messages) < 0)
		field = "last_messages";
	else if (str_to_uoff(args[5], &status->last_bytes) < 0)
		field = "last_bytes";
	else if (str_to_uint64(args[6], &status->total_messages) < 0)
		field = "total_messages";
	else if (str_to_uint64(args[7], &status->total_bytes) < 0)
		field = "total_bytes";
	else if (str_to_uint(args[8], &status->runs) < 0)
		field = "runs";
	else if (str_to_uint(args[9], &status->consecutive_failures) < 0)
		field = "consecutive_failures";
	if (field != NULL) {
		*error_r = t_strdup_printf("invalid number in status field %s",
					   field);
		return -1;
	}
	status->last_error = args[3][0] == '\0' ? NULL :
		p_strdup(parser->pool, args[3]);
	return 0;
}

/* args: the folder record's fields after "folder" */
static int
retrieve_state_parse_folder(struct retrieve_state_parser *parser,
			    const char *const *args, uint32_t *uidvalidity_r,
			    struct retrieve_state_folder_status *status_r,
			    const char **error_r)
{
	unsigned int count = str_array_length(args);
	const char *field = NULL;

	i_zero(status_r);
	if (count != (parser->version == 1 ?
		      RETRIEVE_STATE_FOLDER_V1_FIELDS :
		      parser->version < 4 ?
		      RETRIEVE_STATE_FOLDER_V2_FIELDS :
		      RETRIEVE_STATE_FOLDER_FIELDS) ||
	    str_to_uint32(args[1], uidvalidity_r) < 0) {
		*error_r = "invalid folder record";
		return -1;
	}
	status_r->name = p_strdup(parser->pool, args[0]);
	if (parser->version == 1)
		return 0;

	if (str_to_time(args[2], &status_r->last_run) < 0)
		field = "last_run";
	else if (str_to_uint(args[3], &status_r->last_messages) < 0)
		field = "last_messages";
	else if (str_to_uoff(args[4], &status_r->last_bytes) < 0)
		field = "last_bytes";
	else if (str_to_uint(args[5], &status_r->last_errors) < 0)
		field = "last_errors";
	else if (str_to_uint64(args[7], &status_r->total_messages) < 0)
		field = "total_messages";
	else if (str_to_uint64(args[8], &status_r->total_bytes) < 0)
		field = "total_bytes";
	else if (parser->version >= 4 &&
		 (str_to_time(args[9], &status_r->absent_since) < 0 ||
		  status_r->absent_since < 0))
		field = "absent_since";
	if (field != NULL) {
		*error_r = t_strdup_printf("invalid number in folder field %s",
					   field);
		return -1;
	}
	status_r->last_error = args[6][0] == '\0' ? NULL :
		p_strdup(parser->pool, args[6]);
	return 0;
}

static int
retrieve_state_parse_folder_line(struct retrieve_state_parser *parser,
				 const char *const *args,
				 const char **error_r)
{
	struct retrieve_state_folder_status status;
	struct retrieve_state_folder *folder;
	uint32_t uidvalidity;

	if (retrieve_state_parse_folder(parser, args, &uidvalidity, &status,
					error_r) < 0)
		return -1;
	parser->have_folder = TRUE;
	if (parser->state == NULL) {
		array_push_back(parser->folders, &status);
		return 0;
	}
	if (retrieve_state_folder_lookup(parser->state, args[0]) != NULL) {
		*error_r = t_strdup_printf("duplicate folder %s",
					   retrieve_state_quote(args[0]));
		return -1;
	}
	folder = retrieve_state_folder_get(parser->state, args[0]);
	folder->uidvalidity = uidvalidity;
	status.name = folder->name;
	folder->status = status;
	parser->folder = folder;
	return 0;
}

/* args: "absent" record fields after "absent" */
static int
retrieve_state_parse_absent(struct retrieve_state_parser *parser,
			    const char *const *args, unsigned int count,
			    const char **error_r)
{
	char *uid;
	char *value;
	time_t since;

	if (count != 2 || args[0][0] == '\0' ||
	    str_to_time(args[1], &since) < 0 || since <= 0) {
		*error_r = "invalid absent record";
		return -1;
	}
	if (!parser->have_folder) {
		*error_r = "absent record before any folder record";
		return -1;
	}
	/* a mark of a uid the folder does not have is meaningless, not
	   damage: dropped */
	if (parser->state != NULL &&
	    hash_table_lookup_full(parser->folder->uids, args[0],
				   &uid, &value)) {
		hash_table_update(parser->folder->absent, uid,
				  RETRIEVE_ABSENT_MARK(since, FALSE));
	}
	return 0;
}

static int
retrieve_state_parse_line(struct retrieve_state_parser *parser,
			  const char *const *args, const char **error_r)
{
	unsigned int count = str_array_length(args);

	if (parser->line_num == 1) {
		if (count != 2 || strcmp(args[0], RETRIEVE_STATE_HEADER) != 0) {
			*error_r = "not a dovecot-retrieve state file "
				"(bad header)";
			return -1;
		}
		if (str_to_uint(args[1], &parser->version) < 0 ||
		    parser->version < 1 ||
		    parser->version > RETRIEVE_STATE_VERSION) {
			*error_r = t_strdup_printf("unsupported version %s",
				retrieve_state_quote(args[1]));
			return -1;
		}
		return 1;
	}
	if (count == 0) {
		*error_r = "empty line";
		return -1;
	}
	if (parser->have_end) {
		*error_r = "data after the end record";
		return -1;
	}
	if (!parser->have_status) {
		if (strcmp(args[0], "status") != 0) {
			*error_r = "expected a status record";
			return -1;
		}
		if (retrieve_state_parse_status(parser, args + 1, error_r) < 0)
			return -1;
		parser->have_status = TRUE;
		/* read_status() needs nothing more */
		return parser->state == NULL && parser->folders == NULL ? 0 : 1;
	}
	if (!parser->have_generation) {
		if (count != 2 || strcmp(args[0], "journal") != 0 ||
		    str_to_uint64(args[1], &parser->generation) < 0) {
			*error_r = "expected a journal record";
			return -1;
		}
		if (parser->state != NULL)
			parser->state->generation = parser->generation;
		parser->have_generation = TRUE;
		return 1;
	}

	if (strcmp(args[0], "uid") == 0) {
		if ((count != 2 && count != 3) || args[1][0] == '\0') {
			*error_r = "invalid uid record";
			return -1;
		}
		if (!parser->have_folder) {
			*error_r = "uid record before any folder record";
			return -1;
		}
		if (parser->state != NULL) {
			retrieve_state_folder_add_uid(parser->state,
				parser->folder, args[1],
				args[2] == NULL ? NULL : args[2]);
		}
		parser->uid_records++;
	} else if (strcmp(args[0], "absent") == 0) {
		if (retrieve_state_parse_absent(parser, args + 1, count - 1,
						error_r) < 0)
			return -1;
	} else if (strcmp(args[0], "folder") == 0) {
		if (retrieve_state_parse_folder_line(parser, args + 1,
						     error_r) < 0)
			return -1;
	} else if (strcmp(args[0], "end") == 0) {
		unsigned int uid_records;

		if (count != 2 || str_to_uint(args[1], &uid_records) < 0) {
			*error_r = "invalid end record";
			return -1;
		}
		if (uid_records != parser->uid_records) {
			*error_r = t_strdup_printf(
				"end record counts %u uids, but %u were read",
				uid_records, parser->uid_records);
			return -1;
		}
		parser->have_end = TRUE;
	} else {
		*error_r = t_strdup_printf("unknown record type %s",
					   retrieve_state_quote(args[0]));
		return -1;
	}
	return 1;
}

static int
retrieve_state_parse_journal_line(struct retrieve_state_parser *parser,
				  const char *const *args,
				  const char **error_r)
{
	struct retrieve_state_folder *folder;
	uint32_t uidvalidity;
	uint64_t generation;

	if (parser->line_num == 1) {
		if (str_array_length(args) != 2 ||
		    strcmp(args[0], RETRIEVE_JOURNAL_HEADER) != 0 ||
		    str_to_uint64(args[1], &generation) < 0) {
			*error_r = "not a dovecot-retrieve journal (bad header)";
			return -1;
		}
		if (generation != parser->state->generation) {
			parser->journal_stale = TRUE;
			return 0;
		}
		return 1;
	}
	if (str_array_length(args) != 3 &&
	    (str_array_length(args) != 4 || strcmp(args[0], "uid") != 0)) {
		*error_r = "invalid journal record";
		return -1;
	}
	if (strcmp(args[0], "uid") == 0) {
		if (args[2][0] == '\0') {
			*error_r = "empty uid";
			return -1;
		}
		folder = retrieve_state_folder_get(parser->state, args[1]);
		retrieve_state_folder_add_uid(parser->state, folder, args[2],
					      args[3]);
	} else if (strcmp(args[0], "uidvalidity") == 0) {
		if (str_to_uint32(args[2], &uidvalidity) < 0) {
			*error_r = "invalid uidvalidity";
			return -1;
		}
		folder = retrieve_state_folder_get(parser->state, args[1]);
		retrieve_state_folder_set_uidvalidity(folder, uidvalidity, TRUE);
	} else {
		*error_r = t_strdup_printf("unknown journal record type %s",
					   retrieve_state_quote(args[0]));
		return -1;
	}
	return 1;
}

/* Feeds fd's lines to callback. *partial_offset_r is set to the offset of
   an unterminated last line, or (uoff_t)-1 when there is none. */
static int
retrieve_state_read_lines(struct retrieve_state_parser *parser, int fd,
			  retrieve_state_line_callback_t *callback,
			  uoff_t *partial_offset_r, const char **error_r)
{
	struct istream *input;
	const char *error = NULL;
	char *line;
	int ret = 1;

	*partial_offset_r = (uoff_t)-1;
	input = i_stream_create_fd(fd, RETRIEVE_STATE_MAX_LINE_LEN);
	while (ret > 0 && (line = i_stream_read_next_line(input)) != NULL) {
		parser->line_num++;
		T_BEGIN {
			ret = callback(parser,
				       t_strsplit_tabescaped_inplace(line),
				       &error);
			if (ret < 0) {
				error = retrieve_state_parser_error(parser,
								    error);
			}
		} T_END_PASS_STR_IF(ret < 0, &error);
	}
	if (ret > 0) {
		if (input->stream_errno == ENOBUFS) {
			parser->line_num++;
			error = retrieve_state_parser_error(parser,
							    "line too long");
			ret = -1;
		} else if (input->stream_errno != 0) {
			error = t_strdup_printf("read(%s) failed: %s",
				parser->path, i_stream_get_error(input));
			ret = -1;
		} else if (i_stream_get_data_size(input) > 0) {
			/* what is left has no '\n' */
			*partial_offset_r = input->v_offset;
		}
	}
	i_stream_destroy(&input);
	if (ret < 0)
		*error_r = error;
	return ret < 0 ? -1 : 0;
}

/* Returns 1 when read, 0 when the file does not exist, -1 on error */
static int
retrieve_state_read_state_file(struct retrieve_state_parser *parser,
			       const char **error_r)
{
	uoff_t partial_offset;
	int fd, ret;

	fd = retrieve_state_file_open(parser->path, O_RDONLY, 0, error_r);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	ret = retrieve_state_read_lines(parser, fd, retrieve_state_parse_line,
					&partial_offset, error_r);
	i_close_fd(&fd);
	if (ret < 0)
		return -1;

	/* The file is renamed into place complete, so a missing piece is
	   damage: refuse it rather than re-deliver everything. */
	if (partial_offset != (uoff_t)-1) {
		parser->line_num++;
		*error_r = retrieve_state_parser_error(parser,
			"truncated (last line has no newline)");
		return -1;
	}
	parser->line_num++;
	if (parser->line_num == 1) {
		*error_r = retrieve_state_parser_error(parser,
			"truncated (file is empty)");
		return -1;
	}
	if (!parser->have_status) {
		*error_r = retrieve_state_parser_error(parser,
			"truncated (no status record)");
		return -1;
	}
	if ((parser->state != NULL || parser->folders != NULL) &&
	    !parser->have_end) {
		*error_r = retrieve_state_parser_error(parser,
			"truncated (no end record)");
		return -1;
	}
	return 1;
}

static int
retrieve_state_replay_journal(struct retrieve_state *state,
			      const char **error_r)
{
	struct retrieve_state_parser parser;
	uoff_t partial_offset;
	struct stat st;
	int fd;

	fd = retrieve_state_file_open(state->journal_path, O_RDWR | O_APPEND,
				      0, error_r);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;

	i_zero(&parser);
	parser.path = state->journal_path;
	parser.state = state;
	if (retrieve_state_read_lines(&parser, fd,
				      retrieve_state_parse_journal_line,
				      &partial_offset, error_r) < 0) {
		i_close_fd(&fd);
		return -1;
	}

	if (parser.journal_stale) {
		/* .state was committed but the crash came before the
		   unlink: everything here is merged already */
		i_close_fd(&fd);
		if (unlink(state->journal_path) < 0 && errno != ENOENT) {
			*error_r = t_strdup_printf("unlink(%s) failed: %m",
						   state->journal_path);
			return -1;
		}
		return 0;
	}
	if (partial_offset != (uoff_t)-1) {
		/* A crash tore the last append; its message was never
		   reported as recorded. Cut it off so that new records do
		   not get glued to it. */
		if (ftruncate(fd, partial_offset) < 0 || fdatasync(fd) < 0) {
			*error_r = t_strdup_printf(
				"ftruncate(%s) failed: %m", state->journal_path);
			i_close_fd(&fd);
			return -1;
		}
		state->journal_size = partial_offset;
	} else {
		if (fstat(fd, &st) < 0) {
			*error_r = t_strdup_printf("fstat(%s) failed: %m",
						   state->journal_path);
			i_close_fd(&fd);
			return -1;
		}
		state->journal_size = st.st_size;
	}
	state->journal_fd = fd;
	return 0;
}

static bool
retrieve_state_is_open_here(const char *lock_path)
{
	struct retrieve_state *state;
	struct stat st;

	/* stat(), not open(): see retrieve_states_open */
	if (stat(lock_path, &st) < 0)
		return FALSE;
	for (state = retrieve_states_open; state != NULL; state = state->next) {
		if (state->lock_dev == st.st_dev && state->lock_ino == st.st_ino)
			return TRUE;
	}
	return FALSE;
}

static int retrieve_state_lock(struct retrieve_state *state,
			       const char **error_r)
{
	const struct file_lock_settings lock_set = {
		.lock_method = FILE_LOCK_METHOD_FCNTL,
	};
	struct stat st;
	const char *error;
	int ret;

	if (retrieve_state_is_open_here(state->lock_path)) {
		*error_r = RETRIEVE_STATE_LOCKED_ERROR;
		return 0;
	}

	state->lock_fd = retrieve_state_file_open(state->lock_path,
						  O_RDWR | O_CREAT, 0600,
						  error_r);
	if (state->lock_fd == -1)
		return -1;
	if (fstat(state->lock_fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m",
					   state->lock_path);
		return -1;
	}
	state->lock_dev = st.st_dev;
	state->lock_ino = st.st_ino;

	ret = file_try_lock(state->lock_fd, state->lock_path, F_WRLCK,
			    &lock_set, &state->lock, &error);
	if (ret < 0) {
		*error_r = error;
		return -1;
	}
	if (ret == 0) {
		*error_r = RETRIEVE_STATE_LOCKED_ERROR;
		return 0;
	}
	return 1;
}

static void retrieve_state_free(struct retrieve_state *state)
{
	struct hash_iterate_context *iter;
	struct retrieve_state_folder *folder;
	char *name;

	if (hash_table_is_created(state->folders)) {
		iter = hash_table_iterate_init(state->folders);
		while (hash_table_iterate(iter, state->folders, &name, &folder)) {
			hash_table_destroy(&folder->absent);
			hash_table_destroy(&folder->uids);
		}
		hash_table_iterate_deinit(&iter);
		hash_table_destroy(&state->folders);
	}
	i_close_fd(&state->journal_fd);
	if (state->lock != NULL)
		file_unlock(&state->lock);
	i_close_fd(&state->lock_fd);
	pool_unref(&state->pool);
}

int retrieve_state_open(const char *dir, const char *identity,
			struct retrieve_state **state_r, const char **error_r)
{
	struct retrieve_state_parser parser;
	struct retrieve_state *state;
	pool_t pool;
	int ret;

	*state_r = NULL;
	if (mkdir_parents(dir, 0700) < 0 && errno != EEXIST) {
		*error_r = t_strdup_printf("mkdir_parents(%s) failed: %m", dir);
		return -1;
	}

	pool = pool_alloconly_create("retrieve state", 4096);
	state = p_new(pool, struct retrieve_state, 1);
	state->pool = pool;
	state->lock_fd = -1;
	state->journal_fd = -1;
	state->dir = p_strdup(pool, dir);
	state->state_path = p_strdup(pool,
		retrieve_state_path(dir, identity, ".state"));
	state->journal_path = p_strdup(pool,
		retrieve_state_path(dir, identity, ".log"));
	state->lock_path = p_strdup(pool,
		retrieve_state_path(dir, identity, ".lock"));
	hash_table_create(&state->folders, pool, 0, str_hash, strcmp);

	if ((ret = retrieve_state_lock(state, error_r)) <= 0) {
		retrieve_state_free(state);
		return ret;
	}

	i_zero(&parser);
	parser.path = state->state_path;
	parser.state = state;
	parser.pool = state->pool;
	parser.status = &state->status;
	if (retrieve_state_read_state_file(&parser, error_r) < 0 ||
	    retrieve_state_replay_journal(state, error_r) < 0) {
		retrieve_state_free(state);
		return -1;
	}

	DLLIST_PREPEND(&retrieve_states_open, state);
	*state_r = state;
	return 1;
}

void retrieve_state_close(struct retrieve_state **_state)
{
	struct retrieve_state *state = *_state;

	if (state == NULL)
		return;
	*_state = NULL;

	DLLIST_REMOVE(&retrieve_states_open, state);
	retrieve_state_free(state);
}

int retrieve_state_read_status(const char *dir, const char *identity,
			       pool_t pool,
			       struct retrieve_state_status *status_r,
			       const char **error_r)
{
	struct retrieve_state_parser parser;

	i_zero(status_r);
	i_zero(&parser);
	parser.path = retrieve_state_path(dir, identity, ".state");
	parser.pool = pool;
	parser.status = status_r;
	return retrieve_state_read_state_file(&parser, error_r);
}

int retrieve_state_read_folders(const char *dir, const char *identity,
	pool_t pool, struct retrieve_state_status *status_r,
	const struct retrieve_state_folder_status **folders_r,
	unsigned int *count_r, const char **error_r)
{
	struct retrieve_state_parser parser;
	ARRAY_TYPE(retrieve_state_folder_status) folders;
	int ret;

	i_zero(status_r);
	p_array_init(&folders, pool, 8);
	i_zero(&parser);
	parser.path = retrieve_state_path(dir, identity, ".state");
	parser.pool = pool;
	parser.status = status_r;
	parser.folders = &folders;
	ret = retrieve_state_read_state_file(&parser, error_r);
	*folders_r = array_get(&folders, count_r);
	return ret;
}

uint32_t retrieve_state_get_uidvalidity(struct retrieve_state *state,
					const char *folder_name)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_lookup(state, folder_name);
	return folder == NULL ? 0 : folder->uidvalidity;
}

void retrieve_state_set_uidvalidity(struct retrieve_state *state,
				    const char *folder_name,
				    uint32_t uidvalidity)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_get(state, folder_name);
	retrieve_state_folder_set_uidvalidity(folder, uidvalidity, FALSE);
}

bool retrieve_state_have_uid(struct retrieve_state *state,
			     const char *folder_name, const char *uid)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_lookup(state, folder_name);
	return folder != NULL && hash_table_lookup(folder->uids, uid) != NULL;
}

static int
retrieve_state_journal_create(struct retrieve_state *state,
			      const char **error_r)
{
	/* Only a stale or no journal can exist here (the lock keeps other
	   writers out), so truncating loses nothing. */
	state->journal_fd = retrieve_state_file_open(state->journal_path,
		O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600, error_r);
	if (state->journal_fd == -1)
		return -1;
	state->journal_size = 0;
	/* the records are durable only once the file's name is */
	if (fdatasync_path(state->dir) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %m",
					   state->dir);
		i_close_fd(&state->journal_fd);
		return -1;
	}
	return 0;
}

static int
retrieve_state_journal_append(struct retrieve_state *state,
			      const string_t *record, const char **error_r)
{
	ssize_t ret;

	if (state->journal_fd == -1 &&
	    retrieve_state_journal_create(state, error_r) < 0)
		return -1;

	/* One write(): a crash leaves at most this record torn, and the
	   next open drops a torn last line. */
	ret = write(state->journal_fd, str_data(record), str_len(record));
	if (ret != (ssize_t)str_len(record)) {
		if (ret < 0) {
			*error_r = t_strdup_printf("write(%s) failed: %m",
						   state->journal_path);
		} else {
			*error_r = t_strdup_printf(
				"write(%s) failed: only %zd of %zu bytes "
				"written", state->journal_path, ret,
				str_len(record));
		}
		if (ret > 0 &&
		    ftruncate(state->journal_fd, state->journal_size) < 0) {
			i_error("ftruncate(%s) failed: %m",
				state->journal_path);
			state->journal_broken = TRUE;
		}
		return -1;
	}
	/* Counted even if the sync fails: the bytes are in the file, and
	   a second journal header must not follow them. */
	state->journal_size += str_len(record);
	if (fdatasync(state->journal_fd) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %m",
					   state->journal_path);
		return -1;
	}
	return 0;
}

static int
retrieve_state_journal_add_uid(struct retrieve_state *state,
			       struct retrieve_state_folder *folder,
			       const char *uid, const char *fingerprint,
			       const char **error_r)
{
	string_t *record;

	record = t_str_new(128);
	if (state->journal_size == 0) {
		str_printfa(record, RETRIEVE_JOURNAL_HEADER"\t%"PRIu64"\n",
			    state->generation);
	}
	if (folder->uidvalidity_unjournaled) {
		str_append(record, "uidvalidity\t");
		str_append_tabescaped(record, folder->name);
		str_printfa(record, "\t%u\n", folder->uidvalidity);
	}
	str_append(record, "uid\t");
	str_append_tabescaped(record, folder->name);
	str_append_c(record, '\t');
	str_append_tabescaped(record, uid);
	if (fingerprint != NULL && fingerprint[0] != '\0') {
		str_append_c(record, '\t');
		str_append_tabescaped(record, fingerprint);
	}
	str_append_c(record, '\n');
	return retrieve_state_journal_append(state, record, error_r);
}

int retrieve_state_add_uid(struct retrieve_state *state,
			   const char *folder_name, const char *uid,
			   const char **error_r)
{
	return retrieve_state_add_uid_fingerprint(state, folder_name, uid,
						  NULL, error_r);
}

int retrieve_state_add_uid_fingerprint(struct retrieve_state *state,
				       const char *folder_name,
				       const char *uid,
				       const char *fingerprint,
				       const char **error_r)
{
	struct retrieve_state_folder *folder;
	const char *error;
	int ret;

	i_assert(uid[0] != '\0');

	/* the client refuses such messages before delivering them; this
	   keeps the file readable whatever a caller passes */
	if (strlen(uid) > RETRIEVE_STATE_MAX_KEY_LEN ||
	    strlen(folder_name) > RETRIEVE_STATE_MAX_KEY_LEN) {
		*error_r = "UID or folder name too long to record";
		return -1;
	}
	/* only matching after a UIDVALIDITY change needs it */
	if (fingerprint != NULL &&
	    strlen(fingerprint) > RETRIEVE_STATE_MAX_TEXT_LEN)
		fingerprint = NULL;

	folder = retrieve_state_folder_get(state, folder_name);
	if (hash_table_lookup(folder->uids, uid) != NULL)
		return 0;
	if (state->journal_broken) {
		*error_r = t_strdup_printf("%s is damaged by an earlier "
					   "failed write", state->journal_path);
		return -1;
	}

	/* called once per message: keep the data stack flat */
	T_BEGIN {
		ret = retrieve_state_journal_add_uid(state, folder, uid,
						     fingerprint, &error);
	} T_END_PASS_STR_IF(ret < 0, &error);
	if (ret < 0) {
		*error_r = error;
		return -1;
	}
	folder->uidvalidity_unjournaled = FALSE;
	retrieve_state_folder_add_uid(state, folder, uid, fingerprint);
	return 0;
}

const char *const *
retrieve_state_get_fingerprints(struct retrieve_state *state,
				const char *folder_name, pool_t pool)
{
	struct retrieve_state_folder *folder;
	struct hash_iterate_context *iter;
	ARRAY_TYPE(const_string) fps;
	char *uid;
	char *value;

	p_array_init(&fps, pool, 16);
	folder = retrieve_state_folder_lookup(state, folder_name);
	if (folder != NULL) {
		iter = hash_table_iterate_init(folder->uids);
		while (hash_table_iterate(iter, folder->uids, &uid, &value)) {
			const char *fp = value;

			if (fp[0] != '\0') {
				fp = p_strdup(pool, fp);
				array_push_back(&fps, &fp);
			}
		}
		hash_table_iterate_deinit(&iter);
	}
	array_append_zero(&fps);
	return array_front(&fps);
}

void retrieve_state_prune(struct retrieve_state *state,
			  const char *folder_name, const char *const *present)
{
	struct retrieve_state_folder *folder;
	struct hash_iterate_context *iter;
	HASH_TABLE_TYPE(retrieve_uid) kept;
	HASH_TABLE_TYPE(retrieve_absent) absent;
	char *orig_uid;
	char *value;
	void *mark;

	folder = retrieve_state_folder_lookup(state, folder_name);
	if (folder == NULL)
		return;
	/* An empty listing is what a server with a transient problem
	   sends: it proves nothing, so nothing is marked or forgotten. */
	if (present[0] == NULL)
		return;

	/* Rebuilding from present is O(n) and keeps duplicates in present
	   harmless. The kept keys are the existing pool strings. */
	hash_table_create(&kept, state->pool, hash_table_count(folder->uids),
			  str_hash, strcmp);
	hash_table_create(&absent, state->pool, 0, str_hash, strcmp);
	for (; *present != NULL; present++) {
		if (hash_table_lookup_full(folder->uids, *present,
					   &orig_uid, &value) &&
		    hash_table_lookup(kept, orig_uid) == NULL)
			hash_table_insert(kept, orig_uid, value);
	}
	/* A uid missing from the listing is forgotten only when a listing
	   of an earlier run lacked it too; the first time it is marked.
	   So one shrunk listing (a server glitch) never makes the next run
	   deliver everything again. */
	iter = hash_table_iterate_init(folder->uids);
	while (hash_table_iterate(iter, folder->uids, &orig_uid, &value)) {
		if (hash_table_lookup(kept, orig_uid) != NULL)
			continue;
		mark = hash_table_lookup(folder->absent, orig_uid);
		if (mark != NULL && !RETRIEVE_ABSENT_IS_NOW(mark))
			continue;
		if (mark == NULL)
			mark = RETRIEVE_ABSENT_MARK(I_MAX(ioloop_time, 1), TRUE);
		hash_table_insert(kept, orig_uid, value);
		hash_table_insert(absent, orig_uid, mark);
	}
	hash_table_iterate_deinit(&iter);
	hash_table_destroy(&folder->uids);
	hash_table_destroy(&folder->absent);
	folder->uids = kept;
	folder->absent = absent;
}

const char *const *
retrieve_state_get_folders(struct retrieve_state *state, pool_t pool)
{
	struct hash_iterate_context *iter;
	struct retrieve_state_folder *folder;
	ARRAY_TYPE(const_string) names;
	const char *name;
	char *key;

	p_array_init(&names, pool, hash_table_count(state->folders) + 1);
	iter = hash_table_iterate_init(state->folders);
	while (hash_table_iterate(iter, state->folders, &key, &folder)) {
		name = p_strdup(pool, folder->name);
		array_push_back(&names, &name);
	}
	hash_table_iterate_deinit(&iter);
	array_append_zero(&names);
	return array_front(&names);
}

void retrieve_state_forget_folder(struct retrieve_state *state,
				  const char *folder_name)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_lookup(state, folder_name);
	if (folder == NULL)
		return;
	/* the strings stay in the state pool until it is freed */
	hash_table_remove(state->folders, folder_name);
	hash_table_destroy(&folder->absent);
	hash_table_destroy(&folder->uids);
}

bool retrieve_state_mark_folder_absent(struct retrieve_state *state,
				       const char *folder_name)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_lookup(state, folder_name);
	if (folder == NULL)
		return FALSE;
	if (folder->status.absent_since != 0 && !folder->absent_now) {
		/* a listing of an earlier run lacked it too */
		retrieve_state_forget_folder(state, folder_name);
		return TRUE;
	}
	if (folder->status.absent_since == 0) {
		folder->status.absent_since = I_MAX(ioloop_time, 1);
		folder->absent_now = TRUE;
	}
	return FALSE;
}

void retrieve_state_mark_folder_listed(struct retrieve_state *state,
				       const char *folder_name)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_lookup(state, folder_name);
	if (folder != NULL) {
		folder->status.absent_since = 0;
		folder->absent_now = FALSE;
	}
}

void retrieve_state_get_status(struct retrieve_state *state,
			       struct retrieve_state_status *status_r)
{
	*status_r = state->status;
}

void retrieve_state_set_result(struct retrieve_state *state, time_t started,
			       unsigned int duration_msecs,
			       enum retrieve_result_code result,
			       const char *error, unsigned int messages,
			       uoff_t bytes)
{
	struct retrieve_state_status *status = &state->status;
	enum retrieve_result_code prev_result = status->last_result;

	status->last_run = started;
	status->last_duration_msecs = duration_msecs;
	status->last_result = result;
	status->last_error = error == NULL || error[0] == '\0' ? NULL :
		p_strdup(state->pool,
			 retrieve_state_text_cut(error));
	status->last_messages = messages;
	status->last_bytes = bytes;
	status->total_messages += messages;
	status->total_bytes += bytes;
	status->runs++;
	if (result == RETRIEVE_RESULT_OK)
		status->consecutive_failures = 0;
	else if (result != prev_result) {
		/* counts failures of one kind: the pause after repeated
		   authentication failures must not count timeouts */
		status->consecutive_failures = 1;
	} else
		status->consecutive_failures++;
}

void retrieve_state_folder_set_result(struct retrieve_state *state,
				      const char *folder_name, time_t started,
				      unsigned int messages, uoff_t bytes,
				      unsigned int errors, const char *error)
{
	struct retrieve_state_folder_status *status;

	status = &retrieve_state_folder_get(state, folder_name)->status;
	status->last_run = started;
	status->last_messages = messages;
	status->last_bytes = bytes;
	status->last_errors = errors;
	status->last_error = error == NULL || error[0] == '\0' ? NULL :
		p_strdup(state->pool,
			 retrieve_state_text_cut(error));
	status->total_messages += messages;
	status->total_bytes += bytes;
}

static void
retrieve_state_write_status(struct retrieve_state *state, string_t *str)
{
	const struct retrieve_state_status *status = &state->status;

	str_printfa(str, "status\t%ld\t%u\t%s\t",
		    (long)status->last_run, status->last_duration_msecs,
		    retrieve_result_code_name(status->last_result));
	if (status->last_error != NULL)
		str_append_tabescaped(str, status->last_error);
	str_printfa(str, "\t%u\t%"PRIuUOFF_T"\t%"PRIu64"\t%"PRIu64"\t%u\t%u\n",
		    status->last_messages, status->last_bytes,
		    status->total_messages, status->total_bytes,
		    status->runs, status->consecutive_failures);
}

static void
retrieve_state_write_folder(struct retrieve_state_folder *folder,
			    struct ostream *output, string_t *str,
			    unsigned int *uid_records)
{
	struct hash_iterate_context *iter;
	char *uid;
	char *value;
	void *since;

	const struct retrieve_state_folder_status *status = &folder->status;

	/* it can hold no uid (they are refused), and its line must stay
	   readable */
	if (strlen(folder->name) > RETRIEVE_STATE_MAX_KEY_LEN)
		return;

	str_truncate(str, 0);
	str_append(str, "folder\t");
	str_append_tabescaped(str, folder->name);
	str_printfa(str, "\t%u\t%ld\t%u\t%"PRIuUOFF_T"\t%u\t",
		    folder->uidvalidity, (long)status->last_run,
		    status->last_messages, status->last_bytes,
		    status->last_errors);
	if (status->last_error != NULL)
		str_append_tabescaped(str, status->last_error);
	str_printfa(str, "\t%"PRIu64"\t%"PRIu64"\t%ld\n",
		    status->total_messages, status->total_bytes,
		    (long)status->absent_since);
	o_stream_nsend(output, str_data(str), str_len(str));

	iter = hash_table_iterate_init(folder->uids);
	while (hash_table_iterate(iter, folder->uids, &uid, &value)) {
		const char *fp = value;

		str_truncate(str, 0);
		str_append(str, "uid\t");
		str_append_tabescaped(str, uid);
		if (fp[0] != '\0') {
			str_append_c(str, '\t');
			str_append_tabescaped(str, fp);
		}
		str_append_c(str, '\n');
		o_stream_nsend(output, str_data(str), str_len(str));
		(*uid_records)++;
	}
	hash_table_iterate_deinit(&iter);

	iter = hash_table_iterate_init(folder->absent);
	while (hash_table_iterate(iter, folder->absent, &uid, &since)) {
		str_truncate(str, 0);
		str_append(str, "absent\t");
		str_append_tabescaped(str, uid);
		str_printfa(str, "\t%ld\n",
			    (long)RETRIEVE_ABSENT_SINCE(since));
		o_stream_nsend(output, str_data(str), str_len(str));
	}
	hash_table_iterate_deinit(&iter);
}

static int
retrieve_state_write(struct retrieve_state *state, int fd, const char *path,
		     const char **error_r)
{
	struct hash_iterate_context *iter;
	struct retrieve_state_folder *folder;
	struct ostream *output;
	unsigned int uid_records = 0;
	string_t *str;
	char *name;
	int ret = 0;

	output = o_stream_create_fd_file(fd, 0, FALSE);
	o_stream_cork(output);

	str = t_str_new(256);
	str_printfa(str, RETRIEVE_STATE_HEADER"\t%u\n", RETRIEVE_STATE_VERSION);
	retrieve_state_write_status(state, str);
	str_printfa(str, "journal\t%"PRIu64"\n", state->generation + 1);
	o_stream_nsend(output, str_data(str), str_len(str));

	iter = hash_table_iterate_init(state->folders);
	while (hash_table_iterate(iter, state->folders, &name, &folder))
		retrieve_state_write_folder(folder, output, str, &uid_records);
	hash_table_iterate_deinit(&iter);

	str_truncate(str, 0);
	str_printfa(str, "end\t%u\n", uid_records);
	o_stream_nsend(output, str_data(str), str_len(str));

	if (o_stream_finish(output) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %s", path,
					   o_stream_get_error(output));
		ret = -1;
	}
	o_stream_destroy(&output);
	return ret;
}

int retrieve_state_commit(struct retrieve_state *state, const char **error_r)
{
	struct hash_iterate_context *iter;
	struct retrieve_state_folder *folder;
	const char *tmp_path;
	char *name;
	int fd;

	tmp_path = t_strconcat(state->state_path, ".tmp", NULL);
	fd = retrieve_state_file_open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC,
				      0600, error_r);
	if (fd == -1)
		return -1;
	if (retrieve_state_write(state, fd, tmp_path, error_r) < 0) {
		i_close_fd(&fd);
		i_unlink(tmp_path);
		return -1;
	}
	if (fsync(fd) < 0) {
		*error_r = t_strdup_printf("fsync(%s) failed: %m", tmp_path);
		i_close_fd(&fd);
		i_unlink(tmp_path);
		return -1;
	}
	if (close(fd) < 0) {
		*error_r = t_strdup_printf("close(%s) failed: %m", tmp_path);
		i_unlink(tmp_path);
		return -1;
	}
	if (rename(tmp_path, state->state_path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %m",
					   tmp_path, state->state_path);
		i_unlink(tmp_path);
		return -1;
	}
	/* The rename must be durable before the journal goes away */
	if (fdatasync_path(state->dir) < 0) {
		*error_r = t_strdup_printf("fdatasync(%s) failed: %m",
					   state->dir);
		/* Which .state a crash would leave is unknown now, so the
		   journal can be neither continued nor restarted. */
		state->journal_broken = TRUE;
		return -1;
	}

	/* The old journal is merged and, by its generation, stale even if
	   the unlink is lost: new records go to a new journal. */
	state->generation++;
	i_close_fd(&state->journal_fd);
	state->journal_size = 0;
	state->journal_broken = FALSE;
	if (unlink(state->journal_path) < 0 && errno != ENOENT)
		i_error("unlink(%s) failed: %m", state->journal_path);

	iter = hash_table_iterate_init(state->folders);
	while (hash_table_iterate(iter, state->folders, &name, &folder))
		folder->uidvalidity_unjournaled = FALSE;
	hash_table_iterate_deinit(&iter);
	return 0;
}
