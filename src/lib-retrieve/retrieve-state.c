/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "ioloop.h"
#include "mkdir-parents.h"
#include "retrieve-state-private.h"

/* The state model: folders, their UIDs, absent marks and statistics, and
   the run's status, in memory while the state is open. The file format
   is in retrieve-state-file.c, the journal in retrieve-state-journal.c,
   the status file in retrieve-state-status.c, the lock in
   retrieve-state-lock.c. */

static char retrieve_state_no_fingerprint[] = "";

const char *
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

struct retrieve_state_folder *
retrieve_state_folder_lookup(struct retrieve_state *state, const char *name)
{
	return hash_table_lookup(state->folders, name);
}

struct retrieve_state_folder *
retrieve_state_folder_get(struct retrieve_state *state, const char *name)
{
	struct retrieve_state_folder *folder;
	char *key;

	folder = retrieve_state_folder_lookup(state, name);
	if (folder != NULL)
		return folder;

	state->changed = TRUE;
	folder = p_new(state->pool, struct retrieve_state_folder, 1);
	key = p_strdup(state->pool, name);
	folder->name = key;
	folder->status.name = key;
	hash_table_create(&folder->uids, state->pool, 0, str_hash, strcmp);
	hash_table_create(&folder->absent, state->pool, 0, str_hash, strcmp);
	hash_table_insert(state->folders, key, folder);
	return folder;
}

void
retrieve_state_folder_add_uid(struct retrieve_state *state,
			      struct retrieve_state_folder *folder,
			      const char *uid, const char *fingerprint)
{
	if (hash_table_lookup(folder->uids, uid) == NULL) {
		state->changed = TRUE;
		/* never NULL: the value tells "present" */
		hash_table_insert(folder->uids, p_strdup(state->pool, uid),
			fingerprint == NULL || fingerprint[0] == '\0' ?
			retrieve_state_no_fingerprint :
			p_strdup(state->pool, fingerprint));
	}
}

void
retrieve_state_folder_set_uidvalidity(struct retrieve_state *state,
				      struct retrieve_state_folder *folder,
				      uint32_t uidvalidity, bool journaled)
{
	if (folder->uidvalidity == uidvalidity)
		return;
	state->changed = TRUE;
	/* 0 is "unknown", not a different mailbox */
	if (folder->uidvalidity != 0 && uidvalidity != 0) {
		hash_table_clear(folder->absent, TRUE);
		hash_table_clear(folder->uids, TRUE);
	}
	folder->uidvalidity = uidvalidity;
	folder->uidvalidity_unjournaled = !journaled;
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
	retrieve_state_unlock(state);
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
	state->status_path = p_strdup(pool,
		retrieve_state_path(dir, identity, ".status"));
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
	    retrieve_state_journal_replay(state, error_r) < 0 ||
	    retrieve_state_status_read_state(state, error_r) < 0) {
		retrieve_state_free(state);
		return -1;
	}
	/* what was read is on disk already (a replayed journal is folded
	   by the commit because it exists); an older version is rewritten
	   as the current one */
	state->changed = parser.version != 0 &&
		parser.version < RETRIEVE_STATE_VERSION;

	*state_r = state;
	return 1;
}

void retrieve_state_close(struct retrieve_state **_state)
{
	struct retrieve_state *state = *_state;

	if (state == NULL)
		return;
	*_state = NULL;
	retrieve_state_free(state);
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
	retrieve_state_folder_set_uidvalidity(state, folder, uidvalidity,
					      FALSE);
}

bool retrieve_state_have_uid(struct retrieve_state *state,
			     const char *folder_name, const char *uid)
{
	struct retrieve_state_folder *folder;

	folder = retrieve_state_folder_lookup(state, folder_name);
	return folder != NULL && hash_table_lookup(folder->uids, uid) != NULL;
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
	struct retrieve_state_pending msg;

	i_zero(&msg);
	msg.folder = folder_name;
	msg.uid = uid;
	msg.fingerprint = fingerprint;
	return retrieve_state_add_uids(state, &msg, 1, error_r);
}

/* the client refuses such messages before delivering them; this keeps
   the file readable whatever a caller passes */
static int
retrieve_state_check_keys(const struct retrieve_state_pending *msgs,
			  unsigned int count, const char **error_r)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		i_assert(msgs[i].uid[0] != '\0');
		if (strlen(msgs[i].uid) > RETRIEVE_STATE_MAX_KEY_LEN ||
		    strlen(msgs[i].folder) > RETRIEVE_STATE_MAX_KEY_LEN) {
			*error_r = "UID or folder name too long to record";
			return -1;
		}
	}
	return 0;
}

/* only matching after a UIDVALIDITY change needs it */
static const char *retrieve_state_fingerprint(const char *fingerprint)
{
	if (fingerprint != NULL &&
	    strlen(fingerprint) > RETRIEVE_STATE_MAX_TEXT_LEN)
		return NULL;
	return fingerprint;
}

static int
retrieve_state_journal_write(struct retrieve_state *state, string_t *records,
			     const char **error_r)
{
	if (state->journal_broken) {
		*error_r = t_strdup_printf("%s is damaged by an earlier "
					   "failed write", state->journal_path);
		return -1;
	}
	return retrieve_state_journal_append(state, records, error_r);
}

int retrieve_state_add_uids(struct retrieve_state *state,
			    const struct retrieve_state_pending *msgs,
			    unsigned int count, const char **error_r)
{
	struct retrieve_state_folder *folder;
	const char *error;
	unsigned int i;
	int ret = 0;

	if (retrieve_state_check_keys(msgs, count, error_r) < 0)
		return -1;
	/* called once per message or batch: keep the data stack flat */
	T_BEGIN {
		string_t *records = t_str_new(128 * count);

		for (i = 0; i < count; i++) {
			folder = retrieve_state_folder_get(state,
							   msgs[i].folder);
			if (hash_table_lookup(folder->uids,
					      msgs[i].uid) != NULL)
				continue;
			retrieve_state_journal_uid_record(folder, msgs[i].uid,
				retrieve_state_fingerprint(msgs[i].fingerprint),
				records);
		}
		/* one write and one fdatasync for all of them */
		if (str_len(records) > 0)
			ret = retrieve_state_journal_write(state, records,
							   &error);
	} T_END_PASS_STR_IF(ret < 0, &error);
	if (ret < 0) {
		*error_r = error;
		return -1;
	}
	for (i = 0; i < count; i++) {
		folder = retrieve_state_folder_get(state, msgs[i].folder);
		folder->uidvalidity_unjournaled = FALSE;
		retrieve_state_folder_add_uid(state, folder, msgs[i].uid,
			retrieve_state_fingerprint(msgs[i].fingerprint));
	}
	return 0;
}

int retrieve_state_add_pending(struct retrieve_state *state,
			       const struct retrieve_state_pending *msgs,
			       unsigned int count, const char **error_r)
{
	struct retrieve_state_pending msg;
	const char *error;
	unsigned int i;
	int ret;

	if (retrieve_state_check_keys(msgs, count, error_r) < 0)
		return -1;
	T_BEGIN {
		string_t *records = t_str_new(192 * count);

		for (i = 0; i < count; i++) {
			msg = msgs[i];
			msg.fingerprint =
				retrieve_state_fingerprint(msg.fingerprint);
			/* not found there then: retrieved again, never
			   lost */
			if (strlen(msg.local_folder) >
			    RETRIEVE_STATE_MAX_KEY_LEN)
				msg.local_folder = "";
			retrieve_state_journal_pending_record(&msg, records);
		}
		ret = retrieve_state_journal_write(state, records, &error);
	} T_END_PASS_STR_IF(ret < 0, &error);
	if (ret < 0)
		*error_r = error;
	return ret;
}

void retrieve_state_pending_add(struct retrieve_state *state,
				const char *folder, const char *uid,
				const char *fingerprint,
				const char *local_folder, const char *guid,
				uint32_t uid_min)
{
	struct retrieve_state_pending *msg;

	if (state->pending_full)
		return;
	if (!array_is_created(&state->pending))
		p_array_init(&state->pending, state->pool, 16);
	else if (array_count(&state->pending) >=
		 RETRIEVE_STATE_MAX_PENDING) {
		state->pending_full = TRUE;
		/* only repeated crashes without a run between them could
		   pile up more; the rest is retrieved again. A message's
		   copies are journaled one after the other: drop the kept
		   ones of this message too, or a recovery would find those
		   and record it without the dropped copies. */
		while (array_count(&state->pending) > 0) {
			msg = array_back_modifiable(&state->pending);
			if (strcmp(msg->folder, folder) != 0 ||
			    strcmp(msg->uid, uid) != 0)
				break;
			array_pop_back(&state->pending);
		}
		return;
	}
	msg = array_append_space(&state->pending);
	msg->folder = p_strdup(state->pool, folder);
	msg->uid = p_strdup(state->pool, uid);
	msg->fingerprint = p_strdup_empty(state->pool, fingerprint);
	msg->local_folder = p_strdup(state->pool, local_folder);
	msg->guid = p_strdup(state->pool, guid);
	msg->uid_min = uid_min;
}

int retrieve_state_pending_parse(struct retrieve_state *state,
				 const char *const *args, const char **error_r)
{
	uint32_t uid_min;

	if (str_array_length(args) != 6 || args[1][0] == '\0' ||
	    str_to_uint32(args[5], &uid_min) < 0) {
		*error_r = "invalid pending record";
		return -1;
	}
	if (state != NULL) {
		retrieve_state_pending_add(state, args[0], args[1], args[2],
					   args[3], args[4], uid_min);
	}
	return 0;
}

const struct retrieve_state_pending *
retrieve_state_get_unresolved(struct retrieve_state *state,
			      unsigned int *count_r)
{
	ARRAY(struct retrieve_state_pending) unresolved;
	const struct retrieve_state_pending *msg;

	*count_r = 0;
	if (!array_is_created(&state->pending))
		return NULL;
	/* a pending message with a uid record after it was committed and
	   recorded: only the others are in doubt */
	t_array_init(&unresolved, array_count(&state->pending));
	array_foreach(&state->pending, msg) {
		if (!retrieve_state_have_uid(state, msg->folder, msg->uid))
			array_push_back(&unresolved, msg);
	}
	return array_get(&unresolved, count_r);
}

void retrieve_state_clear_unresolved(struct retrieve_state *state)
{
	/* .state may carry them (a run that ended before its recovery):
	   rewritten without */
	if ((array_is_created(&state->pending) &&
	     array_count(&state->pending) > 0) || state->pending_full)
		state->changed = TRUE;
	if (array_is_created(&state->pending))
		array_clear(&state->pending);
	state->pending_full = FALSE;
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

/* the marks (their times, and which are of this run) are not the same */
static bool
retrieve_state_absent_differ(HASH_TABLE_TYPE(retrieve_absent) old,
			     HASH_TABLE_TYPE(retrieve_absent) new)
{
	struct hash_iterate_context *iter;
	char *uid;
	void *mark;
	bool differ = FALSE;

	if (hash_table_count(old) != hash_table_count(new))
		return TRUE;
	iter = hash_table_iterate_init(new);
	while (!differ && hash_table_iterate(iter, new, &uid, &mark))
		differ = hash_table_lookup(old, uid) != mark;
	hash_table_iterate_deinit(&iter);
	return differ;
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
	if (!state->changed &&
	    (hash_table_count(kept) != hash_table_count(folder->uids) ||
	     retrieve_state_absent_differ(folder->absent, absent)))
		state->changed = TRUE;
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
	state->changed = TRUE;
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
		state->changed = TRUE;
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
	if (folder != NULL && folder->status.absent_since != 0) {
		state->changed = TRUE;
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
			       const char *resp_code, const char *error,
			       unsigned int messages, uoff_t bytes)
{
	struct retrieve_state_status *status = &state->status;
	enum retrieve_result_code prev_result = status->last_result;

	status->last_run = started;
	status->last_duration_msecs = duration_msecs;
	status->last_result = result;
	status->last_error = error == NULL || error[0] == '\0' ? NULL :
		p_strdup(state->pool,
			 retrieve_state_text_cut(error));
	status->last_resp_code = resp_code == NULL || resp_code[0] == '\0' ?
		NULL : p_strdup(state->pool,
				retrieve_state_text_cut(resp_code));
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

void retrieve_state_set_spam(struct retrieve_state *state, unsigned int spam)
{
	state->status.last_spam = spam;
	state->status.total_spam += spam;
}

void retrieve_state_set_login_delay(struct retrieve_state *state,
				    unsigned int secs)
{
	state->status.login_delay_secs = secs;
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
int retrieve_state_commit(struct retrieve_state *state, const char **error_r)
{
	/* A run that changed only the statistics (an empty poll) leaves
	   .state alone: what a crash may lose then is its status, never a
	   record that prevents a loss or a duplicate. A journal, even one
	   only replayed, is folded into .state. */
	if (state->changed || state->journal_fd != -1 ||
	    state->journal_broken) {
		if (retrieve_state_write_state_file(state, error_r) < 0)
			return -1;
		retrieve_state_journal_committed(state);
		state->changed = FALSE;
	}
	/* also after a rewrite, so that no .status of an older generation
	   survives (a removed .state starts counting again) */
	return retrieve_state_status_write(state, error_r);
}
