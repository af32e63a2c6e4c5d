/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "strescape.h"
#include "str-sanitize.h"
#include "istream.h"
#include "ostream.h"
#include "fdatasync-path.h"
#include "retrieve-state-private.h"

#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>

/* Layout of <identity>.state, one record per line, fields separated by
   tabs and escaped with str_tabescape():

     dovecot-retrieve-state	6
     status	<last_run> <duration_msecs> <result> <error> <last_messages>
		<last_bytes> <total_messages> <total_bytes> <runs>
		<consecutive_failures> <resp_code> <login_delay_secs>
		<last_spam> <total_spam>
     journal	<generation>
     folder	<name> <uidvalidity> <last_run> <last_messages>
		<last_bytes> <last_errors> <last_error> <total_messages>
		<total_bytes> <absent_since>
     uid	<uid>[	<fingerprint>]	(belongs to the folder above)
     absent	<uid>	<since>	(a uid above the last listing lacked)
     ...
     pending	<folder>	<uid>	<fingerprint>	<local folder>	<guid>	<uid min>
     ...
     end	<number of uid records>

   The end record makes a file cut at a line boundary detectable.
   Version 1 files (written before per-folder statistics) are read too:
   their folder records have only <name> and <uidvalidity>, and the
   statistics start from zero. Version 3 added the absent records;
   versions 1 and 2 have none. Version 4 added the folder's
   <absent_since>: when the remote's folder list first lacked it (0 while
   listed); older versions read as listed. Version 5 added the status's
   <resp_code> (the remote's response code behind the last result, ""
   for none) and <login_delay_secs> (the POP3 server's announced
   LOGIN-DELAY, 0 for none); older versions read as none. Version 6
   added the status's <last_spam> and <total_spam> (messages marked as
   spam by the scanner); older versions read as 0. Version 7 added the pending records
   (the journal's, retrieve-state-journal.c) that a run ending before its
   recovery left unresolved: a commit must not drop them, or messages
   saved before a crash would be retrieved again. */

static const char *
retrieve_state_parser_error(struct retrieve_state_parser *parser,
			    const char *reason)
{
	return t_strdup_printf("%s line %u: %s", parser->path,
			       parser->line_num, reason);
}

const char *
retrieve_state_quote(const char *value)
{
	return t_strdup_printf("'%s'", str_sanitize(value, 64));
}

static int
retrieve_state_parse_status(struct retrieve_state_parser *parser,
			    const char *const *args, const char **error_r)
{
	struct retrieve_state_status *status = parser->status;
	unsigned int fields = parser->version < 5 ?
		RETRIEVE_STATE_STATUS_V1_FIELDS : parser->version < 6 ?
		RETRIEVE_STATE_STATUS_V5_FIELDS : RETRIEVE_STATE_STATUS_FIELDS;
	const char *field = NULL;

	if (str_array_length(args) != fields) {
		*error_r = t_strdup_printf(
			"status record has %u fields, expected %u",
			str_array_length(args), fields);
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
	else if (parser->version >= 5 &&
		 str_to_uint(args[11], &status->login_delay_secs) < 0)
		field = "login_delay_secs";
	else if (parser->version >= 6 &&
		 str_to_uint(args[12], &status->last_spam) < 0)
		field = "last_spam";
	else if (parser->version >= 6 &&
		 str_to_uint64(args[13], &status->total_spam) < 0)
		field = "total_spam";
	if (field != NULL) {
		*error_r = t_strdup_printf("invalid number in status field %s",
					   field);
		return -1;
	}
	status->last_error = args[3][0] == '\0' ? NULL :
		p_strdup(parser->pool, args[3]);
	if (parser->version >= 5 && args[10][0] != '\0')
		status->last_resp_code = p_strdup(parser->pool, args[10]);
	return 0;
}

int retrieve_state_parse_status_record(struct retrieve_state_parser *parser,
				       const char *const *args,
				       const char **error_r)
{
	if (strcmp(args[0], "status") != 0) {
		*error_r = "expected a status record";
		return -1;
	}
	return retrieve_state_parse_status(parser, args + 1, error_r);
}

int retrieve_state_parse_folder(struct retrieve_state_parser *parser,
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
		if (retrieve_state_parse_status_record(parser, args,
						       error_r) < 0)
			return -1;
		parser->have_status = TRUE;
		return 1;
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
		/* read_status() needs nothing more: the generation tells
		   which .status belongs to this .state */
		return parser->state == NULL && parser->folders == NULL ? 0 : 1;
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
	} else if (strcmp(args[0], "pending") == 0) {
		if (retrieve_state_pending_parse(parser->state, args + 1,
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

int
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

int
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
	if (!parser->have_generation) {
		*error_r = retrieve_state_parser_error(parser,
			"truncated (no journal record)");
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

int retrieve_state_read_status(const char *dir, const char *identity,
			       pool_t pool,
			       struct retrieve_state_status *status_r,
			       const char **error_r)
{
	struct retrieve_state_parser parser;
	int ret, ret2;

	i_zero(status_r);
	i_zero(&parser);
	parser.path = retrieve_state_path(dir, identity, ".state");
	parser.pool = pool;
	parser.status = status_r;
	ret = retrieve_state_read_state_file(&parser, error_r);
	if (ret < 0)
		return -1;
	/* an empty poll's status is only there (the first one's too) */
	ret2 = retrieve_state_status_read(
		retrieve_state_path(dir, identity, ".status"),
		parser.generation, pool, status_r, NULL, error_r);
	return ret2 < 0 ? -1 : I_MAX(ret, ret2);
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
	if (ret >= 0) {
		int ret2 = retrieve_state_status_read(
			retrieve_state_path(dir, identity, ".status"),
			parser.generation, pool, status_r, &folders, error_r);
		ret = ret2 < 0 ? -1 : I_MAX(ret, ret2);
	}
	*folders_r = array_get(&folders, count_r);
	return ret;
}

void retrieve_state_write_status(const struct retrieve_state_status *status,
				 string_t *str)
{
	str_printfa(str, "status\t%ld\t%u\t%s\t",
		    (long)status->last_run, status->last_duration_msecs,
		    retrieve_result_code_name(status->last_result));
	if (status->last_error != NULL)
		str_append_tabescaped(str, status->last_error);
	str_printfa(str, "\t%u\t%"PRIuUOFF_T"\t%"PRIu64"\t%"PRIu64"\t%u\t%u\t",
		    status->last_messages, status->last_bytes,
		    status->total_messages, status->total_bytes,
		    status->runs, status->consecutive_failures);
	if (status->last_resp_code != NULL)
		str_append_tabescaped(str, status->last_resp_code);
	str_printfa(str, "\t%u\t%u\t%"PRIu64"\n", status->login_delay_secs,
		    status->last_spam, status->total_spam);
}

void retrieve_state_write_folder_record(
	const struct retrieve_state_folder *folder, string_t *str)
{
	const struct retrieve_state_folder_status *status = &folder->status;

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

	/* it can hold no uid (they are refused), and its line must stay
	   readable */
	if (strlen(folder->name) > RETRIEVE_STATE_MAX_KEY_LEN)
		return;

	str_truncate(str, 0);
	retrieve_state_write_folder_record(folder, str);
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
	const struct retrieve_state_pending *unresolved;
	struct ostream *output;
	unsigned int i, count, uid_records = 0;
	string_t *str;
	char *name;
	int ret = 0;

	output = o_stream_create_fd_file(fd, 0, FALSE);
	o_stream_cork(output);

	str = t_str_new(256);
	str_printfa(str, RETRIEVE_STATE_HEADER"\t%u\n", RETRIEVE_STATE_VERSION);
	retrieve_state_write_status(&state->status, str);
	str_printfa(str, "journal\t%"PRIu64"\n", state->generation + 1);
	o_stream_nsend(output, str_data(str), str_len(str));

	iter = hash_table_iterate_init(state->folders);
	while (hash_table_iterate(iter, state->folders, &name, &folder))
		retrieve_state_write_folder(folder, output, str, &uid_records);
	hash_table_iterate_deinit(&iter);

	/* carried over until a run's recovery resolves them */
	unresolved = retrieve_state_get_unresolved(state, &count);
	for (i = 0; i < count; i++) {
		str_truncate(str, 0);
		retrieve_state_journal_pending_record(&unresolved[i], str);
		o_stream_nsend(output, str_data(str), str_len(str));
	}

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

int retrieve_state_write_state_file(struct retrieve_state *state,
				    const char **error_r)
{
	const char *tmp_path;
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
	return 0;
}
