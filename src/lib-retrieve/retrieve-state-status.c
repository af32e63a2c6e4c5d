/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "strescape.h"
#include "crc32.h"
#include "hash.h"
#include "istream.h"
#include "write-full.h"
#include "retrieve-state-private.h"

#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

/* <identity>.status: the last run's status and the folders' statistics,
   written in place and never synced, so that a run that changed nothing
   else (no UID, mark, folder or UIDVALIDITY: an empty poll) costs no
   fsync and no new file. .state keeps everything that prevents losses
   and duplicates; this file only says how the last runs went.

     dovecot-retrieve-status	1
     journal	<generation of the .state it belongs to>
     status	<the fields of .state's status record>
     folder	<the fields of .state's folder record>	(any number)
     end	<number of folder records>	<crc32 of the lines above, hex>

   It counts only while its generation is .state's: every commit writes
   it after .state, so one left over from before a commit that a crash
   kept is stale and ignored. So is one a crash tore or cut (the CRC,
   the end record): the statistics of .state, those of the last commit
   that rewrote it, hold then. What follows the end record is ignored
   (the tail of a longer earlier version whose truncation was lost). */

#define RETRIEVE_STATUS_HEADER "dovecot-retrieve-status"
#define RETRIEVE_STATUS_VERSION 1

struct retrieve_status_file {
	uint64_t generation;
	struct retrieve_state_status status;
	ARRAY_TYPE(retrieve_state_folder_status) folders;
	bool have_generation, have_status, have_end;
};

/* Returns 1 to go on, 0 at the end record, -1 when the file is not a
   complete .status (why in error_r, for debugging) */
static int
retrieve_status_parse_line(struct retrieve_state_parser *parser,
			   struct retrieve_status_file *file,
			   const char *const *args, uint32_t crc,
			   const char **error_r)
{
	struct retrieve_state_folder_status folder;
	unsigned int count = str_array_length(args);
	unsigned int version, folders;
	uint32_t uidvalidity, end_crc;

	if (parser->line_num == 1) {
		if (count != 2 || strcmp(args[0], RETRIEVE_STATUS_HEADER) != 0 ||
		    str_to_uint(args[1], &version) < 0 ||
		    version != RETRIEVE_STATUS_VERSION) {
			*error_r = "bad header";
			return -1;
		}
		return 1;
	}
	if (count == 0) {
		*error_r = "empty line";
		return -1;
	}
	if (!file->have_generation) {
		if (count != 2 || strcmp(args[0], "journal") != 0 ||
		    str_to_uint64(args[1], &file->generation) < 0) {
			*error_r = "expected a journal record";
			return -1;
		}
		file->have_generation = TRUE;
		return 1;
	}
	if (!file->have_status) {
		if (retrieve_state_parse_status_record(parser, args,
						       error_r) < 0)
			return -1;
		file->have_status = TRUE;
		return 1;
	}
	if (strcmp(args[0], "folder") == 0) {
		if (retrieve_state_parse_folder(parser, args + 1, &uidvalidity,
						&folder, error_r) < 0)
			return -1;
		array_push_back(&file->folders, &folder);
		return 1;
	}
	if (strcmp(args[0], "end") == 0) {
		if (count != 3 || str_to_uint(args[1], &folders) < 0 ||
		    folders != array_count(&file->folders) ||
		    str_to_uint32_hex(args[2], &end_crc) < 0 ||
		    end_crc != crc) {
			*error_r = "end record does not match";
			return -1;
		}
		file->have_end = TRUE;
		return 0;
	}
	*error_r = "unknown record";
	return -1;
}

/* Returns 1 when read whole, 0 when missing or not whole, -1 on error */
static int
retrieve_status_file_read(const char *path, pool_t pool,
			  struct retrieve_status_file *file_r,
			  const char **error_r)
{
	struct retrieve_state_parser parser;
	struct istream *input;
	const char *error = NULL;
	uoff_t line_start;
	uint32_t crc = 0;
	size_t len;
	char *line;
	int fd, ret = 1;

	i_zero(file_r);
	p_array_init(&file_r->folders, pool, 4);
	fd = retrieve_state_file_open(path, O_RDONLY, 0, error_r);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;

	i_zero(&parser);
	parser.path = path;
	parser.pool = pool;
	parser.status = &file_r->status;
	/* its records are those of the current .state version */
	parser.version = RETRIEVE_STATE_VERSION;
	input = i_stream_create_fd(fd, RETRIEVE_STATE_MAX_LINE_LEN);
	line_start = 0;
	while (ret > 0 && (line = i_stream_read_next_line(input)) != NULL) {
		parser.line_num++;
		/* a NUL byte (a crash can leave zeroes) ends the string
		   early: never written by us */
		len = strlen(line);
		if (line_start + len + 1 != input->v_offset) {
			error = "NUL byte";
			ret = -1;
			break;
		}
		line_start = input->v_offset;
		T_BEGIN {
			uint32_t line_crc = crc;

			/* the end record's CRC covers the lines before it */
			crc = crc32_data_more(crc32_data_more(crc, line, len),
					      "\n", 1);
			ret = retrieve_status_parse_line(&parser, file_r,
				t_strsplit_tabescaped_inplace(line), line_crc,
				&error);
		} T_END_PASS_STR_IF(ret < 0, &error);
	}
	if (ret > 0 && input->stream_errno != 0 &&
	    input->stream_errno != ENOBUFS) {
		*error_r = t_strdup_printf("read(%s) failed: %s", path,
					   i_stream_get_error(input));
		i_stream_destroy(&input);
		i_close_fd(&fd);
		return -1;
	}
	i_stream_destroy(&input);
	i_close_fd(&fd);
	if (ret < 0 || !file_r->have_end) {
		/* torn, cut or zeroed by a crash (or a line too long):
		   the .state's statistics hold */
		return 0;
	}
	return 1;
}

int retrieve_state_status_read(const char *path, uint64_t generation,
			       pool_t pool,
			       struct retrieve_state_status *status_r,
			       ARRAY_TYPE(retrieve_state_folder_status) *folders,
			       const char **error_r)
{
	HASH_TABLE(const char *, struct retrieve_state_folder_status *) names;
	struct retrieve_state_folder_status *dest;
	const struct retrieve_state_folder_status *src;
	struct retrieve_status_file file;
	time_t absent_since;
	int ret;

	ret = retrieve_status_file_read(path, pool, &file, error_r);
	if (ret <= 0)
		return ret;
	if (file.generation != generation)
		return 0;
	*status_r = file.status;
	if (folders == NULL || array_count(&file.folders) == 0)
		return 1;

	hash_table_create(&names, default_pool, array_count(folders),
			  str_hash, strcmp);
	array_foreach_modifiable(folders, dest)
		hash_table_update(names, dest->name, dest);
	array_foreach(&file.folders, src) {
		dest = hash_table_lookup(names, src->name);
		if (dest == NULL)
			continue;
		/* the absent mark is .state's (it decides what is
		   forgotten) */
		absent_since = dest->absent_since;
		*dest = *src;
		dest->absent_since = absent_since;
	}
	hash_table_destroy(&names);
	return 1;
}

int retrieve_state_status_read_state(struct retrieve_state *state,
				     const char **error_r)
{
	ARRAY_TYPE(retrieve_state_folder_status) folders;
	struct retrieve_state_folder_status *fstatus;
	struct retrieve_state_folder *folder;
	struct hash_iterate_context *iter;
	char *name;
	pool_t pool;
	int ret;

	/* the statistics are copied into the state pool below; the
	   parsing garbage goes with this pool */
	pool = pool_alloconly_create("retrieve status file", 1024);
	p_array_init(&folders, pool, hash_table_count(state->folders) + 1);
	iter = hash_table_iterate_init(state->folders);
	while (hash_table_iterate(iter, state->folders, &name, &folder))
		array_push_back(&folders, &folder->status);
	hash_table_iterate_deinit(&iter);

	ret = retrieve_state_status_read(state->status_path,
					 state->generation, pool,
					 &state->status, &folders, error_r);
	if (ret > 0) {
		state->status.last_error =
			p_strdup(state->pool, state->status.last_error);
		state->status.last_resp_code =
			p_strdup(state->pool, state->status.last_resp_code);
		array_foreach_modifiable(&folders, fstatus) {
			folder = retrieve_state_folder_lookup(state,
							      fstatus->name);
			i_assert(folder != NULL);
			fstatus->name = folder->name;
			fstatus->last_error =
				p_strdup(state->pool, fstatus->last_error);
			folder->status = *fstatus;
		}
	}
	pool_unref(&pool);
	return ret < 0 ? -1 : 0;
}

int retrieve_state_status_write(struct retrieve_state *state,
				const char **error_r)
{
	struct hash_iterate_context *iter;
	struct retrieve_state_folder *folder;
	unsigned int folders = 0;
	struct stat st;
	string_t *str;
	char *name;
	int fd, ret = 0;

	/* not the data stack: an account with many folders makes it big */
	str = str_new(default_pool, 512);
	str_printfa(str, RETRIEVE_STATUS_HEADER"\t%u\n"
		    "journal\t%"PRIu64"\n", RETRIEVE_STATUS_VERSION,
		    state->generation);
	retrieve_state_write_status(&state->status, str);
	iter = hash_table_iterate_init(state->folders);
	while (hash_table_iterate(iter, state->folders, &name, &folder)) {
		/* .state leaves it out too */
		if (strlen(folder->name) > RETRIEVE_STATE_MAX_KEY_LEN)
			continue;
		retrieve_state_write_folder_record(folder, str);
		folders++;
	}
	hash_table_iterate_deinit(&iter);
	str_printfa(str, "end\t%u\t%x\n", folders,
		    crc32_data(str_data(str), str_len(str)));

	/* In place, not a temp file and a rename: no inode to allocate and
	   free per run. A crash or a reader in the middle sees a torn file,
	   which the CRC refuses. */
	fd = retrieve_state_file_open(state->status_path,
				      O_WRONLY | O_CREAT, 0600, error_r);
	if (fd == -1) {
		str_free(&str);
		return -1;
	}
	if (pwrite_full(fd, str_data(str), str_len(str), 0) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m",
					   state->status_path);
		ret = -1;
	} else if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m",
					   state->status_path);
		ret = -1;
	} else if (st.st_size > (off_t)str_len(str) &&
		   ftruncate(fd, str_len(str)) < 0) {
		*error_r = t_strdup_printf("ftruncate(%s) failed: %m",
					   state->status_path);
		ret = -1;
	}
	if (close(fd) < 0 && ret == 0) {
		*error_r = t_strdup_printf("close(%s) failed: %m",
					   state->status_path);
		ret = -1;
	}
	str_free(&str);
	return ret;
}
