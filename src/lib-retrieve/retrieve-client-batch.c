/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "hash.h"
#include "istream.h"
#include "guid.h"
#include "retrieve-deliver.h"
#include "retrieve-state.h"
#include "retrieve-client-private.h"

/* Group commit of direct saves (filter=no, IMAP folders other than
   INBOX) and of Sieve's stores when we run Sieve ourselves. A message
   saved into a folder joins the folder's open transaction (Sieve's: one
   per folder it files into, all of the batch); the batch is committed
   when it is full, when the folder changes (direct saves), before a
   delivery through mail_deliver(), and when the backend asks (before
   QUIT or EXPUNGE) or the run ends. One commit and two journal syncs per
   batch replace a commit and a sync per message.

   Never lose, at most one duplicate per crash:
   1. "pending" records (remote UID, local folder, the GUID the message is
      saved with), one per copy, are journaled durably before the commit;
   2. the local transaction commits;
   3. "uid" records are journaled durably;
   4. only then may the backend delete them on the remote.
   A crash before 2 leaves nothing saved and nothing recorded; one between
   2 and 3 leaves the messages saved but unrecorded, and the next run
   looks up each pending GUID in its local folder (retrieve_client_
   batch_recover()): a message whose copies are all found is recorded,
   the others are retrieved again (a copy found in one folder of two
   gets a duplicate, the other is never lost; such a message is the last
   of its batch, so that is one duplicate per crash). Deliveries through
   mail_deliver() commit one by one, as lib-lda does, and are recorded
   right after. */

/* A batch holds at most this many messages or bytes: what a crash makes
   the next run look up, and how long remote deletions wait */
#define RETRIEVE_BATCH_MAX_MESSAGES 100
#define RETRIEVE_BATCH_MAX_BYTES (32 * 1024 * 1024)

struct retrieve_client_staged {
	struct retrieve_state_pending msg;
	uoff_t size;
	int folder_idx;
	uint32_t id;
	/* the spam scanner's verdict, counted once committed */
	enum retrieve_deliver_spam spam;
};

static void
retrieve_client_count(struct retrieve_client *client, int folder_idx,
		      uoff_t size)
{
	struct retrieve_folder_result *folder;

	client->result.bytes += size;
	client->result.messages++;
	if (folder_idx >= 0) {
		folder = array_idx_modifiable(&client->folders, folder_idx);
		folder->messages++;
		folder->bytes += size;
	}
}

static void
retrieve_client_count_spam(struct retrieve_client *client,
			   enum retrieve_deliver_spam spam)
{
	switch (spam) {
	case RETRIEVE_DELIVER_SPAM_NONE:
	case RETRIEVE_DELIVER_SPAM_HAM:
		break;
	case RETRIEVE_DELIVER_SPAM_SPAM:
		client->result.spam++;
		break;
	case RETRIEVE_DELIVER_SPAM_UNSCANNED:
		client->result.spam_unscanned++;
		break;
	}
}

static void
retrieve_client_committed(struct retrieve_client *client, uint32_t id)
{
	/* after the end nothing more is sent to the remote */
	if (!client->finished && !client->backend_freed)
		client->backend->v.committed(client, id);
}

static void retrieve_client_batch_clear(struct retrieve_client *client)
{
	if (array_is_created(&client->batch)) {
		array_clear(&client->batch);
		array_clear(&client->batch_pending);
	}
	client->batch_bytes = 0;
	client->batch_folder = NULL;
	if (client->batch_pool != NULL)
		p_clear(client->batch_pool);
}

static void
retrieve_client_local_error(struct retrieve_client *client,
			    enum retrieve_result_code code, const char *error)
{
	/* the first local failure is the cause (remote ones are set only
	   by retrieve_client_finish(), after this) */
	if (client->result.code != RETRIEVE_RESULT_OK)
		return;
	client->result.code = code;
	client->result.error = p_strdup(client->pool, error);
}

int retrieve_client_commit(struct retrieve_client *client)
{
	ARRAY(struct retrieve_state_pending) msgs;
	const struct retrieve_client_staged *staged;
	const char *error;
	unsigned int count;
	int ret = 0;

	if (!array_is_created(&client->batch) ||
	    array_count(&client->batch) == 0)
		return 0;
	count = array_count(&client->batch);
	t_array_init(&msgs, count);
	array_foreach(&client->batch, staged)
		array_push_back(&msgs, &staged->msg);

	if (retrieve_state_add_pending(client->state,
				       array_front(&client->batch_pending),
				       array_count(&client->batch_pending),
				       &error) < 0) {
		retrieve_deliver_rollback(client->deliver);
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_INTERNAL_ERROR, t_strdup_printf(
			"Couldn't journal a batch, %u messages left on the "
			"server: %s", count, error));
		ret = -1;
	} else if (retrieve_deliver_commit(client->deliver, &error) < 0) {
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_LOCAL_TEMPFAIL, t_strdup_printf(
			"Delivery failed, %u messages left on the server: %s",
			count, error));
		ret = -1;
	} else if (retrieve_state_add_uids(client->state, array_front(&msgs),
					   count, &error) < 0) {
		/* saved: the next run finds them by their GUIDs */
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_INTERNAL_ERROR, t_strdup_printf(
			"Couldn't record %u retrieved messages (the next run "
			"looks them up locally): %s", count, error));
		ret = -1;
	} else {
		e_debug(client->event, "Committed a batch of %u messages "
			"into %s", count, client->batch_folder);
		array_foreach(&client->batch, staged) {
			retrieve_client_count(client, staged->folder_idx,
					      staged->size);
			retrieve_client_count_spam(client, staged->spam);
		}
		array_foreach(&client->batch, staged)
			retrieve_client_committed(client, staged->id);
	}
	retrieve_client_batch_clear(client);
	return ret;
}

/* Saves a direct message into the batch */
static int
retrieve_client_stage(struct retrieve_client *client,
		      const struct retrieve_deliver_message *msg,
		      const char *fingerprint, uint32_t id)
{
	struct retrieve_deliver_message dmsg = *msg;
	struct retrieve_client_staged *staged;
	const struct retrieve_deliver_saved *saved;
	struct retrieve_state_pending *pending;
	const char *folder, *error;
	guid_128_t guid;
	unsigned int i, saved_count;
	uoff_t size;

	folder = retrieve_deliver_message_folder(client->deliver, msg);
	if (client->batch_folder != NULL &&
	    !retrieve_deliver_is_multi_folder(client->deliver) &&
	    strcmp(client->batch_folder, folder) != 0 &&
	    retrieve_client_commit(client) < 0)
		return -1;
	if (client->batch_pool == NULL) {
		client->batch_pool = pool_alloconly_create("retrieve batch",
							   4096);
		i_array_init(&client->batch, 32);
		i_array_init(&client->batch_pending, 32);
	}

	/* random, not derived from the UID: a server that reuses UIDLs
	   must never make two messages share one */
	guid_128_generate(guid);
	dmsg.guid = guid_128_to_string(guid);
	if (retrieve_deliver_message(client->deliver, &dmsg, &error) < 0) {
		/* what the batch holds already is delivered and recorded */
		(void)retrieve_client_commit(client);
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_LOCAL_TEMPFAIL, t_strdup_printf(
			"Delivery failed, message left on the server: %s",
			error));
		return -1;
	}
	if (i_stream_get_size(msg->input, TRUE, &size) <= 0)
		size = 0;
	staged = array_append_space(&client->batch);
	staged->msg.folder = p_strdup(client->batch_pool, msg->remote_folder);
	staged->msg.uid = p_strdup(client->batch_pool, msg->remote_uid);
	staged->msg.fingerprint = p_strdup(client->batch_pool, fingerprint);
	staged->msg.guid = p_strdup(client->batch_pool, dmsg.guid);
	staged->size = size;
	staged->folder_idx = client->cur_folder_idx;
	staged->id = id;
	staged->spam = retrieve_deliver_get_last_spam(client->deliver);
	client->batch_bytes += size;

	/* one pending record per copy, each found in its own folder by a
	   recovery; a discarded message's folder "" is never found, so it
	   is retrieved and filtered again */
	saved = retrieve_deliver_last_saved(client->deliver, &saved_count);
	for (i = 0; i < saved_count || (i == 0 && saved_count == 0); i++) {
		pending = array_append_space(&client->batch_pending);
		*pending = staged->msg;
		if (saved_count > 0) {
			pending->local_folder = p_strdup(client->batch_pool,
							 saved[i].folder);
			pending->uid_min = saved[i].uid_min;
		} else {
			pending->local_folder = "";
		}
	}
	client->batch_folder = saved_count == 0 ? "" :
		p_strdup(client->batch_pool, saved[0].folder);

	/* A message in two folders ends its batch: a crash between the
	   folders' commits then leaves one such message to retrieve again
	   (one duplicate per crash), not every one of a full batch */
	if (saved_count > 1 ||
	    array_count(&client->batch) >= RETRIEVE_BATCH_MAX_MESSAGES ||
	    client->batch_bytes >= RETRIEVE_BATCH_MAX_BYTES)
		return retrieve_client_commit(client);
	return 0;
}

/* Delivers through Sieve, which commits, and records at once */
static int
retrieve_client_deliver_sieve(struct retrieve_client *client,
			      const struct retrieve_deliver_message *msg,
			      const char *fingerprint, uint32_t id)
{
	const char *error;
	uoff_t size;

	if (retrieve_client_commit(client) < 0)
		return -1;
	if (retrieve_deliver_message(client->deliver, msg, &error) < 0) {
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_LOCAL_TEMPFAIL, t_strdup_printf(
			"Delivery failed, message left on the server: %s",
			error));
		return -1;
	}
	/* recorded before the backend may delete it on the remote */
	if (retrieve_state_add_uid_fingerprint(client->state,
					       msg->remote_folder,
					       msg->remote_uid, fingerprint,
					       &error) < 0) {
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_INTERNAL_ERROR, t_strdup_printf(
			"Couldn't record a retrieved message "
			"(it may be retrieved again): %s", error));
		return -1;
	}
	if (i_stream_get_size(msg->input, TRUE, &size) <= 0)
		size = 0;
	retrieve_client_count(client, client->cur_folder_idx, size);
	/* only what goes through Sieve is scanned for spam */
	retrieve_client_count_spam(client,
		retrieve_deliver_get_last_spam(client->deliver));
	retrieve_client_committed(client, id);
	return 0;
}

int retrieve_client_deliver(struct retrieve_client *client,
			    const struct retrieve_deliver_message *msg,
			    const char *fingerprint, uint32_t id)
{
	const char *error;

	if (client->result.code != RETRIEVE_RESULT_OK)
		return -1;
	if (retrieve_deliver_prepare(client->deliver, &error) < 0) {
		retrieve_client_local_error(client,
			RETRIEVE_RESULT_LOCAL_TEMPFAIL, error);
		return -1;
	}
	if (retrieve_deliver_is_direct(client->deliver, msg))
		return retrieve_client_stage(client, msg, fingerprint, id);
	return retrieve_client_deliver_sieve(client, msg, fingerprint, id);
}

/* Looks up the unresolved copies that were saved into folder: found[i]
   is set for those of msgs[i] that are there */
static void
retrieve_client_recover_folder(struct retrieve_client *client,
			       const char *folder,
			       const struct retrieve_state_pending *msgs,
			       unsigned int count, bool *found)
{
	ARRAY_TYPE(const_string) guids;
	ARRAY(unsigned int) idx;
	const char *error;
	uint32_t uid_min = (uint32_t)-1;
	bool *folder_found;
	unsigned int i, n;

	t_array_init(&guids, count);
	t_array_init(&idx, count);
	for (i = 0; i < count; i++) {
		if (strcmp(msgs[i].local_folder, folder) != 0)
			continue;
		array_push_back(&guids, &msgs[i].guid);
		array_push_back(&idx, &i);
		uid_min = I_MIN(uid_min, msgs[i].uid_min);
	}
	n = array_count(&guids);
	folder_found = t_new(bool, n);
	if (retrieve_deliver_find_guids(client->deliver, folder, uid_min,
					array_front(&guids), n, folder_found,
					&error) < 0) {
		/* unrecorded, so retrieved again: duplicates at worst */
		e_warning(client->event, "Couldn't look up the messages of an "
			  "interrupted batch: %s", error);
		return;
	}
	for (i = 0; i < n; i++) {
		if (folder_found[i])
			found[*array_idx(&idx, i)] = TRUE;
	}
}

static const char *
retrieve_client_pending_key(const struct retrieve_state_pending *msg)
{
	return t_strconcat(msg->folder, "\n", msg->uid, NULL);
}

int retrieve_client_batch_recover(struct retrieve_client *client,
				  const char **error_r)
{
	const struct retrieve_state_pending *msgs;
	ARRAY_TYPE(retrieve_state_pending) found_msgs;
	ARRAY_TYPE(const_string) folders;
	HASH_TABLE(const char *, void *) msg_found;
	const char *error, *key;
	unsigned int i, count, msg_count;
	void *value;
	bool *found;
	int ret = 0;

	msgs = retrieve_state_get_unresolved(client->state, &count);
	if (count == 0)
		return 0;
	/* one look at each folder the batches saved into */
	found = t_new(bool, count);
	t_array_init(&folders, 2);
	for (i = 0; i < count; i++) {
		if (array_lsearch(&folders, &msgs[i].local_folder,
				  i_strcmp_p) != NULL)
			continue;
		array_push_back(&folders, &msgs[i].local_folder);
		retrieve_client_recover_folder(client, msgs[i].local_folder,
					       msgs, count, found);
	}
	/* A message is saved only when every copy of it is found: one of
	   two folders committed and the other not is retrieved again (a
	   duplicate in the first, never a lost second copy). Value: 1 all
	   found so far, 2 one missing, 3 recorded below. */
	hash_table_create(&msg_found, default_pool, count,
			  str_hash, strcmp);
	for (i = 0; i < count; i++) {
		key = retrieve_client_pending_key(&msgs[i]);
		value = hash_table_lookup(msg_found, key);
		if (!found[i])
			hash_table_update(msg_found, key, POINTER_CAST(2));
		else if (value == NULL)
			hash_table_insert(msg_found, key, POINTER_CAST(1));
	}
	msg_count = hash_table_count(msg_found);
	t_array_init(&found_msgs, count);
	for (i = 0; i < count; i++) {
		key = retrieve_client_pending_key(&msgs[i]);
		if (hash_table_lookup(msg_found, key) != POINTER_CAST(1))
			continue;
		hash_table_update(msg_found, key, POINTER_CAST(3));
		array_push_back(&found_msgs, &msgs[i]);
	}
	hash_table_destroy(&msg_found);

	if (array_count(&found_msgs) > 0 &&
	    retrieve_state_add_uids(client->state, array_front(&found_msgs),
				    array_count(&found_msgs), &error) < 0) {
		*error_r = t_strdup_printf("Couldn't record the messages of "
					   "an interrupted batch: %s", error);
		ret = -1;
	} else {
		e_warning(client->event, "An earlier run was interrupted while "
			  "committing %u messages: %u of them were saved (now "
			  "recorded), the rest is retrieved again", msg_count,
			  array_count(&found_msgs));
		retrieve_state_clear_unresolved(client->state);
	}
	return ret;
}

void retrieve_client_batch_deinit(struct retrieve_client *client)
{
	if (array_is_created(&client->batch)) {
		array_free(&client->batch);
		array_free(&client->batch_pending);
	}
	pool_unref(&client->batch_pool);
}
