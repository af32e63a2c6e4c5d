/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "strescape.h"
#include "fdatasync-path.h"
#include "retrieve-state-private.h"

#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

/* <identity>.log holds records appended after the .state was written:

     dovecot-retrieve-journal	<generation>
     uidvalidity	<folder>	<uidvalidity>
     uid	<folder>	<uid>[	<fingerprint>]
     pending	<folder>	<uid>	<fingerprint>	<local folder>	<guid>	<uid min>

   A fingerprint (IMAP: Message-ID and size) lets a folder whose
   UIDVALIDITY changed be matched against what was retrieved before.

   "pending" names a message saved in a batch whose local commit was
   about to happen (retrieve-client-batch.c): when no uid record follows,
   a crash came between the commit and the uid records, and the next run
   looks for the GUID in the local folder to tell which.

   Each commit increments the generation, so a journal whose unlink was
   lost in a crash is recognized as already merged and is not replayed
   over newer state (it could carry an older UIDVALIDITY). */

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
	if (args[0] != NULL && strcmp(args[0], "pending") == 0) {
		if (retrieve_state_pending_parse(parser->state, args + 1,
						 error_r) < 0)
			return -1;
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
		retrieve_state_folder_set_uidvalidity(parser->state, folder,
						      uidvalidity, TRUE);
	} else {
		*error_r = t_strdup_printf("unknown journal record type %s",
					   retrieve_state_quote(args[0]));
		return -1;
	}
	return 1;
}

int
retrieve_state_journal_replay(struct retrieve_state *state,
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

int retrieve_state_journal_append(struct retrieve_state *state,
				  string_t *records, const char **error_r)
{
	const char *header;
	string_t *record = records;
	ssize_t ret;

	if (state->journal_fd == -1 &&
	    retrieve_state_journal_create(state, error_r) < 0)
		return -1;
	if (state->journal_size == 0) {
		header = t_strdup_printf(RETRIEVE_JOURNAL_HEADER"\t%"PRIu64"\n",
					 state->generation);
		record = t_str_new(strlen(header) + str_len(records));
		str_append(record, header);
		str_append_str(record, records);
	}

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

void retrieve_state_journal_uid_record(struct retrieve_state_folder *folder,
				       const char *uid,
				       const char *fingerprint,
				       string_t *records)
{
	if (folder->uidvalidity_unjournaled) {
		str_append(records, "uidvalidity\t");
		str_append_tabescaped(records, folder->name);
		str_printfa(records, "\t%u\n", folder->uidvalidity);
	}
	str_append(records, "uid\t");
	str_append_tabescaped(records, folder->name);
	str_append_c(records, '\t');
	str_append_tabescaped(records, uid);
	if (fingerprint != NULL && fingerprint[0] != '\0') {
		str_append_c(records, '\t');
		str_append_tabescaped(records, fingerprint);
	}
	str_append_c(records, '\n');
}

void retrieve_state_journal_pending_record(
	const struct retrieve_state_pending *msg, string_t *records)
{
	str_append(records, "pending\t");
	str_append_tabescaped(records, msg->folder);
	str_append_c(records, '\t');
	str_append_tabescaped(records, msg->uid);
	str_append_c(records, '\t');
	if (msg->fingerprint != NULL)
		str_append_tabescaped(records, msg->fingerprint);
	str_append_c(records, '\t');
	str_append_tabescaped(records, msg->local_folder);
	str_append_c(records, '\t');
	str_append_tabescaped(records, msg->guid);
	str_printfa(records, "\t%u\n", msg->uid_min);
}

void retrieve_state_journal_committed(struct retrieve_state *state)
{
	struct hash_iterate_context *iter;
	struct retrieve_state_folder *folder;
	char *name;

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
}
