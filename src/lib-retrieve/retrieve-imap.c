/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "str-sanitize.h"
#include "unichar.h"
#include "hash.h"
#include "istream.h"
#include "safe-mkstemp.h"
#include "write-full.h"
#include "ioloop.h"
#include "seq-range-array.h"
#include "imap-arg.h"
#include "imap-util.h"
#include "mail-user.h"
#include "mail-namespace.h"
#include "mail-storage.h"
#include "imapc-client-private.h"
#include "imapc-connection.h"
#include "retrieve-imap-private.h"
#include "retrieve-imap-client.h"

#include <unistd.h>

/* UIDs per UID FETCH command, and such commands in flight: the server
   streams one batch while we deliver the previous one */
#define IMAP_FETCH_BATCH_SIZE 100
#define IMAP_FETCH_WINDOW 2
/* A body is fetched in pieces of this size (BODY.PEEK[]<offset.size>):
   imapc 2.3 reads every literal into memory, so none is bigger */
#define IMAP_BODY_CHUNK_SIZE (2*1024*1024)

static void imap_fetch_more(struct imap_client *ic);

/* A server's reply text, fit for logs and the status */
static const char *
imap_reply_text(struct imap_client *ic,
		const struct imapc_command_reply *reply)
{
	return retrieve_client_sanitize(&ic->client, reply->text_full, 200);
}

/* Why the connection was lost: what imapc logged, else its reply text */
static const char *
imap_disconnect_reason(struct imap_client *ic,
		       const struct imapc_command_reply *reply)
{
	if (ic->log.error != NULL)
		return str_sanitize(ic->log.error, 300);
	return imap_reply_text(ic, reply);
}

static void imap_disconnect(struct imap_client *ic)
{
	timeout_remove(&ic->to_drop);
	if (ic->box != NULL)
		imapc_client_mailbox_close(&ic->box);
	if (ic->imapc != NULL)
		retrieve_imap_connect_deinit(ic);
}

/* The run failed: code says how */
static void
imap_fail(struct imap_client *ic, enum retrieve_result_code code,
	  const char *resp_code, const char *error)
{
	i_assert(code != RETRIEVE_RESULT_OK);
	ic->phase = IMAP_PHASE_DONE;
	ic->log.logging_in = FALSE;
	timeout_remove(&ic->to_message);
	retrieve_client_finish(&ic->client, code, resp_code, error);
}

/* The normal end: every folder was handled (or a stop was asked) */
static void imap_finish(struct imap_client *ic)
{
	ic->phase = IMAP_PHASE_DONE;
	ic->log.logging_in = FALSE;
	timeout_remove(&ic->to_message);
	retrieve_client_finish(&ic->client, RETRIEVE_RESULT_OK, NULL, NULL);
}

static enum retrieve_result_code
imap_reply_code(const struct imapc_command_reply *reply,
		enum retrieve_result_code def)
{
	/* RFC 5530 response codes */
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED)
		return RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	if (reply->resp_text_key == NULL)
		return def;
	if (strcasecmp(reply->resp_text_key, "UNAVAILABLE") == 0 ||
	    strcasecmp(reply->resp_text_key, "INUSE") == 0 ||
	    strcasecmp(reply->resp_text_key, "LIMIT") == 0)
		return RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	if (strcasecmp(reply->resp_text_key, "AUTHENTICATIONFAILED") == 0 ||
	    strcasecmp(reply->resp_text_key, "AUTHORIZATIONFAILED") == 0 ||
	    strcasecmp(reply->resp_text_key, "EXPIRED") == 0)
		return RETRIEVE_RESULT_AUTH_FAILED;
	return def;
}

void retrieve_imap_fail_reply(struct imap_client *ic, const char *cmd_name,
			      const struct imapc_command_reply *reply,
			      enum retrieve_result_code def)
{
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED) {
		imap_fail(ic, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			  t_strdup_printf("%s failed: Connection lost: %s",
					  cmd_name,
					  imap_disconnect_reason(ic, reply)));
		return;
	}
	imap_fail(ic, imap_reply_code(reply, def), reply->resp_text_key,
		  t_strdup_printf("%s failed: %s", cmd_name,
				  imap_reply_text(ic, reply)));
}

static bool imap_cap_has(const char *capabilities, const char *name)
{
	const char *const *caps = t_strsplit_spaces(capabilities, " ");

	for (; *caps != NULL; caps++) {
		if (strcasecmp(*caps, name) == 0)
			return TRUE;
	}
	return FALSE;
}

static bool imap_have_uidplus(struct imap_client *ic)
{
	enum imapc_capability caps;

	return imapc_client_get_capabilities(ic->imapc, &caps) == 0 &&
		(caps & IMAPC_CAPABILITY_UIDPLUS) != 0;
}

/* --- the selected folder --- */

static void imap_large_close_all(struct imap_client *ic);

static void imap_folder_done(struct imap_client *ic)
{
	/* recorded before the folder's context goes; flagged by the next
	   run */
	if (retrieve_client_commit(&ic->client) < 0)
		ic->stopping = TRUE;
	timeout_remove(&ic->to_message);
	imap_large_close_all(ic);
	ic->large_idx = 0;
	if (ic->box != NULL)
		imapc_client_mailbox_close(&ic->box);
	if (hash_table_is_created(ic->old_fingerprints))
		hash_table_destroy(&ic->old_fingerprints);
	if (hash_table_is_created(ic->listed_sizes))
		hash_table_destroy(&ic->listed_sizes);
	pool_unref(&ic->folder_pool);
	ic->folder_idx++;
	if (ic->stopping || ic->client.finished) {
		imap_finish(ic);
		return;
	}
	retrieve_imap_folder_next(ic);
}

static void
imap_expunge_callback(const struct imapc_command_reply *reply,
		      void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_EXPUNGE)
		return;
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED ||
	    reply->state == IMAPC_COMMAND_STATE_BAD) {
		retrieve_imap_fail_reply(ic, "EXPUNGE", reply,
				RETRIEVE_RESULT_REMOTE_TEMPFAIL);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		/* the messages stay flagged; the next run expunges again */
		e_warning(ic->client.event, "Folder %s: EXPUNGE failed: %s",
			  ic->folder->remote.display,
			  imap_reply_text(ic, reply));
		retrieve_client_folder_error(&ic->client, "EXPUNGE failed");
	} else {
		unsigned int i, count = seq_range_count(&ic->flagged);

		for (i = 0; i < count; i++)
			retrieve_client_deleted(&ic->client);
	}
	imap_folder_done(ic);
}

static void
imap_search_deleted_callback(const struct imapc_command_reply *reply,
			     void *context);

static void imap_expunge(struct imap_client *ic)
{
	struct imapc_command *cmd;
	string_t *str;

	if (array_count(&ic->flagged) == 0) {
		imap_folder_done(ic);
		return;
	}
	ic->phase = IMAP_PHASE_EXPUNGE;
	if (imap_have_uidplus(ic)) {
		/* RFC 4315: exactly these, never a message someone else
		   flagged meanwhile */
		str = t_str_new(128);
		imap_write_seq_range(str, &ic->flagged);
		cmd = imapc_client_mailbox_cmd(ic->box, imap_expunge_callback,
					       ic);
		imapc_command_sendf(cmd, "UID EXPUNGE %1s", str_c(str));
		return;
	}
	/* Without UIDPLUS EXPUNGE removes every \Deleted message: only
	   when those are all ours. */
	cmd = imapc_client_mailbox_cmd(ic->box, imap_search_deleted_callback,
				       ic);
	imapc_command_send(cmd, "UID SEARCH DELETED");
}

static void imap_untagged_search(struct imap_client *ic,
				 const struct imap_arg *args)
{
	const char *atom;
	uint32_t uid;

	/* only the UID SEARCH DELETED above asks */
	if (ic->phase != IMAP_PHASE_EXPUNGE)
		return;
	for (; imap_arg_get_atom(args, &atom); args++) {
		if (str_to_uint32(atom, &uid) < 0 || uid == 0)
			continue;
		if (!seq_range_exists(&ic->flagged, uid))
			ic->expunge_unsafe = TRUE;
	}
}

static void
imap_search_deleted_callback(const struct imapc_command_reply *reply,
			     void *context)
{
	struct imap_client *ic = context;
	struct imapc_command *cmd;

	if (ic->phase != IMAP_PHASE_EXPUNGE)
		return;
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED ||
	    reply->state == IMAPC_COMMAND_STATE_BAD) {
		retrieve_imap_fail_reply(ic, "UID SEARCH", reply,
				RETRIEVE_RESULT_REMOTE_TEMPFAIL);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK || ic->expunge_unsafe) {
		e_warning(ic->client.event, "Folder %s: not expunging: the "
			  "server has no UIDPLUS and other messages are "
			  "flagged \\Deleted too; ours stay flagged",
			  ic->folder->remote.display);
		retrieve_client_folder_error(&ic->client,
			"not expunged: no UIDPLUS and other \\Deleted "
			"messages in the folder");
		imap_folder_done(ic);
		return;
	}
	cmd = imapc_client_mailbox_cmd(ic->box, imap_expunge_callback, ic);
	imapc_command_send(cmd, "EXPUNGE");
}

static void
imap_store_callback(const struct imapc_command_reply *reply,
		    void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_FETCH)
		return;
	i_assert(ic->stores_in_flight > 0);
	ic->stores_in_flight--;
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED ||
	    reply->state == IMAPC_COMMAND_STATE_BAD) {
		/* nothing more can be sent; what is flagged is expunged
		   by a later run */
		retrieve_imap_fail_reply(ic, "UID STORE", reply,
				RETRIEVE_RESULT_REMOTE_TEMPFAIL);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		e_warning(ic->client.event, "Folder %s: STORE \\Deleted "
			  "failed: %s", ic->folder->remote.display,
			  imap_reply_text(ic, reply));
		retrieve_client_folder_error(&ic->client,
					     "STORE \\Deleted failed");
	}
	imap_fetch_more(ic);
}

/* Flags what is delivered and recorded \Deleted (keep=no). */
static void imap_store_deleted(struct imap_client *ic)
{
	struct imapc_command *cmd;
	string_t *str;

	if (array_count(&ic->to_flag) == 0)
		return;
	str = t_str_new(128);
	imap_write_seq_range(str, &ic->to_flag);
	seq_range_array_merge(&ic->flagged, &ic->to_flag);
	array_clear(&ic->to_flag);
	ic->stores_in_flight++;
	cmd = imapc_client_mailbox_cmd(ic->box, imap_store_callback, ic);
	imapc_command_sendf(cmd, "UID STORE %1s +FLAGS.SILENT (\\Deleted)",
			    str_c(str));
}

static void
imap_fetch_callback(const struct imapc_command_reply *reply,
		    void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_FETCH)
		return;
	i_assert(ic->fetches_in_flight > 0);
	ic->fetches_in_flight--;
	if (ic->fetches_in_flight == 0)
		timeout_remove(&ic->to_message);
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED ||
	    reply->state == IMAPC_COMMAND_STATE_BAD) {
		/* imapc drops the connection after a BAD */
		retrieve_imap_fail_reply(ic, "UID FETCH", reply,
				RETRIEVE_RESULT_REMOTE_TEMPFAIL);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		/* messages expunged meanwhile, for example: the next run
		   tries again what is still there */
		e_warning(ic->client.event, "Folder %s: UID FETCH failed: %s",
			  ic->folder->remote.display,
			  imap_reply_text(ic, reply));
		retrieve_client_folder_error(&ic->client, "UID FETCH failed");
	}
	imap_fetch_more(ic);
}

/* What is received of one message at most: the admin's limit, the
   account's max_size below it */
static uoff_t imap_max_message_size(struct imap_client *ic)
{
	return retrieve_client_max_message_size(&ic->client);
}

static void imap_message_timeout(struct imap_client *ic)
{
	imap_fail(ic, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL, t_strdup_printf(
		"Folder %s: no message arrived within retrieve_message_timeout "
		"(%u s)", ic->folder->remote.display,
		ic->client.global_set->message_timeout_secs));
}

static void imap_large_close(struct imap_large *large)
{
	i_close_fd(&large->fd);
}

static void imap_large_close_all(struct imap_client *ic)
{
	struct imap_large *large;

	if (!array_is_created(&ic->large))
		return;
	array_foreach_modifiable(&ic->large, large)
		imap_large_close(large);
	array_free(&ic->large);
}

/* A full first chunk: the rest follows once the batches are done */
static void imap_large_begin(struct imap_client *ic,
			     const struct retrieve_imap_fetch *fetch)
{
	struct imap_large *large;
	const unsigned char *data;
	const char *path;
	size_t size;
	ssize_t ret;
	string_t *str;
	int fd;

	str = t_str_new(128);
	str_append(str, retrieve_client_temp_prefix(&ic->client));
	fd = safe_mkstemp(str, 0600, (uid_t)-1, (gid_t)-1);
	if (fd == -1) {
		e_error(ic->client.event, "safe_mkstemp(%s) failed: %m",
			str_c(str));
		retrieve_client_folder_error(&ic->client,
					     "can't create a temp file");
		return;
	}
	path = str_c(str);
	i_unlink(path);
	while ((ret = i_stream_read_more(fetch->body, &data, &size)) > 0) {
		if (write_full(fd, data, size) < 0) {
			e_error(ic->client.event, "write(temp file) failed: %m");
			retrieve_client_folder_error(&ic->client,
						     "can't write a temp file");
			i_close_fd(&fd);
			return;
		}
		i_stream_skip(fetch->body, size);
	}
	if (!array_is_created(&ic->large))
		i_array_init(&ic->large, 4);
	large = array_append_space(&ic->large);
	large->uid = fetch->uid;
	large->size = fetch->size;
	large->internaldate = fetch->internaldate;
	large->internaldate_tz = fetch->internaldate_tz;
	large->flags = fetch->flags;
	if (fetch->keywords != NULL) {
		large->keywords = (const char *const *)
			p_strarray_dup(ic->folder_pool, fetch->keywords);
	}
	large->fd = fd;
	large->received = fetch->body->v_offset;
}

/* The next chunk of a large message */
static void imap_large_chunk(struct imap_client *ic, uint32_t uid,
			     uoff_t offset, struct istream *body)
{
	struct imap_large *large;
	const unsigned char *data;
	size_t size;
	ssize_t ret;

	if (!array_is_created(&ic->large) ||
	    ic->large_idx >= array_count(&ic->large)) {
		large = NULL;
	} else {
		large = array_idx_modifiable(&ic->large, ic->large_idx);
	}
	if (large == NULL || !ic->large_in_flight || large->uid != uid ||
	    large->received != offset || large->got_chunk || large->fd == -1) {
		e_warning(ic->client.event, "Folder %s: FETCH returned a "
			  "piece of UID %u at %"PRIuUOFF_T", which was not "
			  "asked for; ignored", ic->folder->remote.display,
			  uid, offset);
		retrieve_client_folder_error(&ic->client,
			"FETCH returned a message piece that was not asked for");
		return;
	}
	large->got_chunk = TRUE;
	while ((ret = i_stream_read_more(body, &data, &size)) > 0) {
		if (write_full(large->fd, data, size) < 0) {
			e_error(ic->client.event, "write(temp file) failed: %m");
			imap_large_close(large);
			return;
		}
		i_stream_skip(body, size);
	}
	large->received += body->v_offset;
	if (body->v_offset < IMAP_BODY_CHUNK_SIZE)
		large->complete = TRUE;
}

static void imap_fetch_deliver_checked(struct imap_client *ic,
				       const struct retrieve_imap_fetch *fetch);
static uoff_t imap_listed_size(struct imap_client *ic, uint32_t uid);
static void imap_large_callback(const struct imapc_command_reply *reply,
				void *context);

static void imap_large_send(struct imap_client *ic)
{
	struct imap_large *large;
	struct imapc_command *cmd;

	large = array_idx_modifiable(&ic->large, ic->large_idx);
	large->got_chunk = FALSE;
	ic->large_in_flight = TRUE;
	ic->fetches_in_flight++;
	/* one deadline for all pieces of the message */
	if (ic->to_message == NULL) {
		ic->to_message = timeout_add(
			ic->client.global_set->message_timeout_secs * 1000,
			imap_message_timeout, ic);
	}
	cmd = imapc_client_mailbox_cmd(ic->box, imap_large_callback, ic);
	imapc_command_sendf(cmd, "UID FETCH %u (UID BODY.PEEK[]<%1s.%u>)",
			    large->uid, dec2str(large->received),
			    IMAP_BODY_CHUNK_SIZE);
}

/* The large message is all there (or failed): deliver or give up */
static void imap_large_finish(struct imap_client *ic,
			      struct imap_large *large)
{
	struct retrieve_imap_fetch fetch;

	if (large->fd != -1 && large->complete) {
		i_zero(&fetch);
		fetch.uid = large->uid;
		fetch.size = large->size;
		fetch.internaldate = large->internaldate;
		fetch.internaldate_tz = large->internaldate_tz;
		fetch.have_flags = TRUE;
		fetch.flags = large->flags;
		fetch.keywords = large->keywords;
		fetch.body = i_stream_create_fd(large->fd,
						RETRIEVE_IMAP_BODY_BUFFER_SIZE);
		imap_fetch_deliver_checked(ic, &fetch);
		i_stream_unref(&fetch.body);
	}
	imap_large_close(large);
	ic->large_idx++;
}

static void
imap_large_callback(const struct imapc_command_reply *reply, void *context)
{
	struct imap_client *ic = context;
	struct imap_large *large;
	unsigned int idx = ic->large_idx;

	if (ic->phase != IMAP_PHASE_FETCH)
		return;
	i_assert(ic->fetches_in_flight > 0);
	ic->fetches_in_flight--;
	ic->large_in_flight = FALSE;
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED ||
	    reply->state == IMAPC_COMMAND_STATE_BAD) {
		retrieve_imap_fail_reply(ic, "UID FETCH", reply,
				RETRIEVE_RESULT_REMOTE_TEMPFAIL);
		return;
	}
	large = array_idx_modifiable(&ic->large, ic->large_idx);
	if (reply->state != IMAPC_COMMAND_STATE_OK || !large->got_chunk) {
		e_warning(ic->client.event, "Folder %s: UID FETCH of a piece "
			  "of UID %u failed: %s", ic->folder->remote.display,
			  large->uid, reply->state != IMAPC_COMMAND_STATE_OK ?
			  imap_reply_text(ic, reply) : "no data");
		retrieve_client_folder_error(&ic->client, "UID FETCH failed");
		imap_large_close(large);
		ic->large_idx++;
	} else if (large->received > imap_max_message_size(ic)) {
		/* RFC822.SIZE claimed less */
		retrieve_client_skipped(&ic->client, 1);
		e_warning(ic->client.event, "Folder %s: leaving UID %u on the "
			  "server: it is over the size limit %"PRIuUOFF_T
			  " bytes", ic->folder->remote.display, large->uid,
			  imap_max_message_size(ic));
		imap_large_close(large);
		ic->large_idx++;
	} else if (large->complete || ic->stopping) {
		imap_large_finish(ic, large);
	}
	if (ic->large_idx != idx) {
		/* the next message has the whole timeout again */
		timeout_remove(&ic->to_message);
	}
	imap_fetch_more(ic);
}

static void imap_fetch_more(struct imap_client *ic)
{
	const struct imap_msg *msgs;
	struct imapc_command *cmd;
	ARRAY_TYPE(seq_range) uids;
	unsigned int count, n;
	string_t *str;

	if (ic->client.finished)
		return;
	/* keep=no: flag what the finished batches delivered */
	if (!ic->client.set->keep)
		imap_store_deleted(ic);
	msgs = array_get(&ic->msgs, &count);
	if (ic->stopping)
		ic->next_msg = count;
	while (ic->fetches_in_flight < IMAP_FETCH_WINDOW &&
	       ic->next_msg < count) {
		t_array_init(&uids, 16);
		for (n = 0; n < IMAP_FETCH_BATCH_SIZE &&
			    ic->next_msg < count; n++)
			seq_range_array_add(&uids, msgs[ic->next_msg++].uid);
		seq_range_array_merge(&ic->requested, &uids);
		str = t_str_new(256);
		imap_write_seq_range(str, &uids);
		if (ic->fetches_in_flight++ == 0) {
			i_assert(ic->to_message == NULL);
			ic->to_message = timeout_add(
				ic->client.global_set->message_timeout_secs *
				1000, imap_message_timeout, ic);
		}
		cmd = imapc_client_mailbox_cmd(ic->box, imap_fetch_callback,
					       ic);
		/* the first chunk: all of most messages */
		imapc_command_sendf(cmd, "UID FETCH %1s (UID RFC822.SIZE "
				    "INTERNALDATE FLAGS BODY.PEEK[]<0.%u>)",
				    str_c(str), IMAP_BODY_CHUNK_SIZE);
	}
	if (ic->fetches_in_flight > 0)
		return;
	/* then the large messages, one chunk at a time */
	if (array_is_created(&ic->large) &&
	    ic->large_idx < array_count(&ic->large) && !ic->stopping &&
	    !ic->client.finished) {
		imap_large_send(ic);
		return;
	}
	timeout_remove(&ic->to_message);
	imap_large_close_all(ic);
	ic->large_idx = 0;
	/* the folder's last batch, then its \Deleted flags */
	if (retrieve_client_commit(&ic->client) < 0)
		ic->stopping = TRUE;
	if (!ic->client.set->keep)
		imap_store_deleted(ic);
	if (ic->stores_in_flight > 0)
		return;
	if (!ic->client.set->keep)
		imap_expunge(ic);
	else
		imap_folder_done(ic);
}

static void imap_fetch_deliver(struct imap_client *ic,
			       const struct retrieve_imap_fetch *fetch)
{
	const struct imap_folder *folder = ic->folder;
	uoff_t body_size;

	if (!seq_range_exists(&ic->requested, fetch->uid)) {
		/* filed under that UID, it would have the real message
		   expunged unread */
		e_warning(ic->client.event, "Folder %s: FETCH returned a body "
			  "for UID %u, which was not asked for (or twice); "
			  "ignored", folder->remote.display, fetch->uid);
		retrieve_client_folder_error(&ic->client,
			"FETCH returned a message that was not asked for");
		return;
	}
	seq_range_array_remove(&ic->requested, fetch->uid);
	/* a message arrived: the next one has the whole timeout again */
	if (ic->to_message != NULL)
		timeout_reset(ic->to_message);
	if (fetch->body_offset != 0) {
		e_warning(ic->client.event, "Folder %s: FETCH returned UID %u "
			  "from offset %"PRIuUOFF_T" instead of its beginning; "
			  "ignored", folder->remote.display, fetch->uid,
			  fetch->body_offset);
		retrieve_client_folder_error(&ic->client,
			"FETCH returned a message piece that was not asked for");
		return;
	}
	if (ic->stopping ||
	    retrieve_client_is_retrieved(&ic->client, folder->remote.remote_name,
					 dec2str(fetch->uid)))
		return;
	if (i_stream_get_size(fetch->body, TRUE, &body_size) > 0 &&
	    body_size == IMAP_BODY_CHUNK_SIZE) {
		/* there may be more (more than asked for: a server that
		   ignores partial fetches sent it all) */
		imap_large_begin(ic, fetch);
		return;
	}
	imap_fetch_deliver_checked(ic, fetch);
}

/* Delivers a whole received body unless it is broken or too large */
static void imap_fetch_deliver_checked(struct imap_client *ic,
				       const struct retrieve_imap_fetch *fetch)
{
	const struct imap_folder *folder = ic->folder;
	struct retrieve_deliver_message dmsg;
	const char *message_id, *fingerprint;
	uoff_t size, body_size, listed_size;

	if (ic->stopping ||
	    retrieve_client_is_retrieved(&ic->client, folder->remote.remote_name,
					 dec2str(fetch->uid)))
		return;
	if (i_stream_get_size(fetch->body, TRUE, &body_size) <= 0) {
		e_warning(ic->client.event, "Folder %s: UID %u: the size of "
			  "its body is unknown: %s", folder->remote.display,
			  fetch->uid, i_stream_get_error(fetch->body));
		retrieve_client_folder_error(&ic->client,
			"a message body could not be read");
		return;
	}
	if (body_size > imap_max_message_size(ic)) {
		/* RFC822.SIZE claimed less; the partial fetch stopped
		   it */
		retrieve_client_skipped(&ic->client, 1);
		e_warning(ic->client.event, "Folder %s: leaving UID %u on the "
			  "server: it is over the size limit %"PRIuUOFF_T
			  " bytes", folder->remote.display, fetch->uid,
			  imap_max_message_size(ic));
		return;
	}
	listed_size = imap_listed_size(ic, fetch->uid);
	if (listed_size != (uoff_t)-1 && fetch->size != (uoff_t)-1 &&
	    fetch->size != listed_size) {
		/* another message's body under this UID, most likely */
		e_warning(ic->client.event, "Folder %s: UID %u: RFC822.SIZE "
			  "%"PRIuUOFF_T" now, %"PRIuUOFF_T" in the listing: "
			  "not retrieved", folder->remote.display, fetch->uid,
			  fetch->size, listed_size);
		retrieve_client_folder_error(&ic->client, t_strdup_printf(
			"UID %u changed its size", fetch->uid));
		return;
	}
	if (fetch->size != (uoff_t)-1 &&
	    retrieve_client_size_cut_short(fetch->size, body_size)) {
		/* cut short: never delivered, so never expunged */
		e_warning(ic->client.event, "Folder %s: UID %u: BODY[] is "
			  "%"PRIuUOFF_T" bytes, RFC822.SIZE %"PRIuUOFF_T
			  ": truncated, not retrieved", folder->remote.display,
			  fetch->uid, body_size, fetch->size);
		retrieve_client_folder_error(&ic->client, t_strdup_printf(
			"UID %u arrived truncated", fetch->uid));
		return;
	}
	size = fetch->size != (uoff_t)-1 ? fetch->size : body_size;
	message_id = retrieve_imap_message_id(fetch->body);
	fingerprint = retrieve_imap_fingerprint(message_id, size);

	i_zero(&dmsg);
	dmsg.input = fetch->body;
	dmsg.protocol = "imap";
	dmsg.remote_folder = folder->remote.remote_name;
	dmsg.remote_uid = dec2str(fetch->uid);
	dmsg.received_date = fetch->internaldate;
	dmsg.received_tz_offset = fetch->internaldate_tz;
	dmsg.flags = fetch->flags;
	dmsg.keywords = fetch->keywords;
	dmsg.folder = folder->local;
	/* Sieve files what arrives in INBOX; other folders keep their
	   place and flags */
	dmsg.no_filter = !folder->inbox;
	if (retrieve_client_deliver(&ic->client, &dmsg, fingerprint,
				    fetch->uid) < 0) {
		/* what is delivered is still flagged and expunged */
		ic->stopping = TRUE;
	}
}

/* Committed locally and recorded (in the selected folder: a batch is
   committed before the folder ends): it may be flagged now */
static void imap_committed(struct retrieve_client *client, uint32_t uid)
{
	struct imap_client *ic = (struct imap_client *)client;

	if (!ic->client.set->keep && ic->folder != NULL)
		seq_range_array_add(&ic->to_flag, uid);
}

static void imap_list_msgs_fetch(struct imap_client *ic,
				 const struct retrieve_imap_fetch *fetch)
{
	const char *remote_name = ic->folder->remote.remote_name;
	const char *uid = dec2str(fetch->uid);
	const char *message_id, *fingerprint;
	struct imap_msg *msg;
	void *value;
	unsigned int count;

	if (seq_range_array_add(&ic->listed_uids, fetch->uid)) {
		/* listed twice: fetching it twice gains nothing */
		return;
	}
	if (array_count(&ic->present) >= ic->exists) {
		/* a server can't list more messages than it announced (new
		   mail comes with a new EXISTS first): the rest are lies,
		   and memory is not spent on them */
		if (!ic->listing_overflow) {
			ic->listing_overflow = TRUE;
			e_warning(ic->client.event, "Folder %s: the listing "
				  "has more messages than EXISTS (%u); the rest "
				  "is ignored", ic->folder->remote.display,
				  ic->exists);
			retrieve_client_folder_error(&ic->client,
				"the listing has more messages than EXISTS");
		}
		return;
	}
	array_push_back(&ic->present, &fetch->uid);
	if (retrieve_client_is_retrieved(&ic->client, remote_name, uid)) {
		/* delivered by an earlier run, not expunged yet */
		if (!ic->client.set->keep)
			seq_range_array_add(&ic->to_flag, fetch->uid);
		return;
	}
	if (hash_table_is_created(ic->old_fingerprints) &&
	    fetch->header_fields != NULL && fetch->size != (uoff_t)-1) {
		struct istream *input = i_stream_create_from_data(
			fetch->header_fields, strlen(fetch->header_fields));
		message_id = retrieve_imap_message_id(input);
		i_stream_unref(&input);
		fingerprint = retrieve_imap_fingerprint(message_id,
							fetch->size);
		value = fingerprint == NULL ? NULL :
			hash_table_lookup(ic->old_fingerprints, fingerprint);
		if (value != NULL) {
			/* retrieved under the old UIDVALIDITY: once per
			   copy retrieved, so that a second message with
			   the same fingerprint is not taken for it */
			count = POINTER_CAST_TO(value, unsigned int);
			if (count > 1) {
				hash_table_update(ic->old_fingerprints,
					fingerprint, POINTER_CAST(count - 1));
			} else {
				hash_table_remove(ic->old_fingerprints,
						  fingerprint);
			}
			if (retrieve_client_record(&ic->client, remote_name,
						   uid, fingerprint) < 0) {
				ic->stopping = TRUE;
				return;
			}
			if (!ic->client.set->keep)
				seq_range_array_add(&ic->to_flag, fetch->uid);
			return;
		}
	}
	if (fetch->size != (uoff_t)-1 &&
	    fetch->size > ic->client.global_set->max_message_size) {
		retrieve_client_skipped(&ic->client, 1);
		e_warning(ic->client.event, "Leaving %s/%s on the server: "
			  "%"PRIuUOFF_T" bytes is over retrieve_max_message_size "
			  "%"PRIuUOFF_T, ic->folder->remote.display, uid,
			  fetch->size, ic->client.global_set->max_message_size);
		return;
	}
	if (!retrieve_client_want(&ic->client, remote_name, uid,
				  fetch->size == (uoff_t)-1 ? 0 : fetch->size))
		return;
	msg = array_append_space(&ic->msgs);
	msg->uid = fetch->uid;
	msg->size = fetch->size;
}

/* The size the listing gave the UID, (uoff_t)-1 when unknown */
static uoff_t imap_listed_size(struct imap_client *ic, uint32_t uid)
{
	struct imap_msg *msg;

	if (!hash_table_is_created(ic->listed_sizes)) {
		hash_table_create_direct(&ic->listed_sizes, ic->folder_pool,
					 array_count(&ic->msgs));
		array_foreach_modifiable(&ic->msgs, msg) {
			hash_table_update(ic->listed_sizes,
					  POINTER_CAST(msg->uid), msg);
		}
	}
	msg = hash_table_lookup(ic->listed_sizes, POINTER_CAST(uid));
	return msg == NULL ? (uoff_t)-1 : msg->size;
}

static void
imap_untagged_fetch(struct imap_client *ic,
		    const struct imapc_untagged_reply *reply)
{
	struct retrieve_imap_fetch fetch;
	const char *error;

	if (ic->phase != IMAP_PHASE_LIST_MSGS && ic->phase != IMAP_PHASE_FETCH)
		return;
	if (retrieve_imap_fetch_parse(reply, &fetch, &error) < 0) {
		e_warning(ic->client.event, "Folder %s: %s",
			  ic->folder->remote.display, error);
		retrieve_client_folder_error(&ic->client, error);
		return;
	}
	if (ic->phase == IMAP_PHASE_LIST_MSGS)
		imap_list_msgs_fetch(ic, &fetch);
	else if (fetch.body != NULL && fetch.body_offset > 0) {
		imap_large_chunk(ic, fetch.uid, fetch.body_offset,
				 fetch.body);
	} else if (fetch.body != NULL)
		imap_fetch_deliver(ic, &fetch);
	/* else: an unsolicited FLAGS update */
	i_stream_unref(&fetch.body);
}

static void imap_prune(struct imap_client *ic)
{
	ARRAY_TYPE(const_string) present;
	const uint32_t *uidp;
	const char *uid;

	t_array_init(&present, array_count(&ic->present) + 1);
	array_foreach(&ic->present, uidp) {
		uid = t_strdup(dec2str(*uidp));
		array_push_back(&present, &uid);
	}
	array_append_zero(&present);
	retrieve_client_prune(&ic->client, ic->folder->remote.remote_name,
			      array_front(&present));
}

static void
imap_list_msgs_callback(const struct imapc_command_reply *reply,
			void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_LIST_MSGS)
		return;
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		retrieve_imap_fail_reply(ic, "UID FETCH", reply,
				RETRIEVE_RESULT_REMOTE_ERROR);
		return;
	}
	if (!ic->listing_overflow) T_BEGIN {
		/* (an incomplete listing would forget UIDs still there) */
		imap_prune(ic);
	} T_END;
	e_debug(ic->client.event, "Folder %s: %u messages, %u to retrieve",
		ic->folder->remote.display, array_count(&ic->present),
		array_count(&ic->msgs));
	ic->phase = IMAP_PHASE_FETCH;
	ic->next_msg = 0;
	imap_fetch_more(ic);
}

static void imap_uidvalidity_check(struct imap_client *ic)
{
	const char *remote_name = ic->folder->remote.remote_name;
	const char *const *fps;
	uint32_t old;

	old = retrieve_client_get_uidvalidity(&ic->client, remote_name);
	if (old != 0 && old != ic->uidvalidity) {
		/* the folder was recreated (or the server migrated): what
		   was retrieved under the old UIDs is matched by
		   Message-ID and size instead of fetched again */
		fps = retrieve_client_get_fingerprints(&ic->client,
						       remote_name,
						       ic->folder_pool);
		hash_table_create(&ic->old_fingerprints, ic->folder_pool, 0,
				  str_hash, strcmp);
		for (; *fps != NULL; fps++) {
			const char *fp = p_strdup(ic->folder_pool,
				retrieve_imap_fingerprint_normalize(*fps));
			unsigned int n = POINTER_CAST_TO(
				hash_table_lookup(ic->old_fingerprints, fp),
				unsigned int);

			hash_table_update(ic->old_fingerprints, fp,
					  POINTER_CAST(n + 1));
		}
		e_warning(event_create_passthrough(ic->client.event)->
			  set_name("retrieve_uidvalidity_changed")->
			  add_str("folder", ic->folder->remote.display)->
			  add_int("old_uidvalidity", old)->
			  add_int("uidvalidity", ic->uidvalidity)->event(),
			  "Folder %s: UIDVALIDITY changed %u -> %u; matching "
			  "%u retrieved messages by Message-ID and size",
			  ic->folder->remote.display, old, ic->uidvalidity,
			  hash_table_count(ic->old_fingerprints));
	}
	retrieve_client_set_uidvalidity(&ic->client, remote_name,
					ic->uidvalidity);
}

static void
imap_select_callback(const struct imapc_command_reply *reply,
		     void *context)
{
	struct imap_client *ic = context;
	struct imapc_command *cmd;

	if (ic->phase != IMAP_PHASE_SELECT)
		return;
	if (reply->state == IMAPC_COMMAND_STATE_NO) {
		/* deleted since LIST, or never there (INBOX-only): this
		   folder fails, the others go on */
		e_warning(ic->client.event, "Folder %s can't be selected: %s",
			  ic->folder->remote.display,
			  imap_reply_text(ic, reply));
		retrieve_client_folder_error(&ic->client, t_strdup_printf(
			"Folder can't be selected: %s",
			imap_reply_text(ic, reply)));
		imap_folder_done(ic);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		retrieve_imap_fail_reply(ic, "SELECT", reply,
				RETRIEVE_RESULT_REMOTE_ERROR);
		return;
	}
	if (ic->uidvalidity == 0) {
		imap_fail(ic, RETRIEVE_RESULT_REMOTE_ERROR, NULL, t_strdup_printf(
			"Folder %s has no UIDVALIDITY", ic->folder->remote.display));
		return;
	}
	imap_uidvalidity_check(ic);
	if (ic->exists == 0) {
		retrieve_client_prune(&ic->client,
				      ic->folder->remote.remote_name,
				      (const char *const[]){ NULL });
		imap_folder_done(ic);
		return;
	}
	ic->phase = IMAP_PHASE_LIST_MSGS;
	cmd = imapc_client_mailbox_cmd(ic->box, imap_list_msgs_callback, ic);
	if (hash_table_is_created(ic->old_fingerprints)) {
		imapc_command_send(cmd, "UID FETCH 1:* (UID RFC822.SIZE "
				   "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])");
	} else {
		imapc_command_send(cmd, "UID FETCH 1:* (UID RFC822.SIZE)");
	}
}

static void
imap_logout_callback(const struct imapc_command_reply *reply ATTR_UNUSED,
		     void *context)
{
	struct imap_client *ic = context;

	/* everything was committed before: whatever the reply (or a
	   disconnection), the run succeeded */
	if (ic->phase != IMAP_PHASE_LOGOUT)
		return;
	imap_finish(ic);
}

/* A polite end, so the server logs a logout rather than a dropped
   connection */
static void imap_logout(struct imap_client *ic)
{
	struct imapc_command *cmd;

	ic->phase = IMAP_PHASE_LOGOUT;
	ic->log.logout_sent = TRUE;
	cmd = imapc_client_cmd(ic->imapc, imap_logout_callback, ic);
	imapc_command_set_flags(cmd, IMAPC_COMMAND_FLAG_LOGOUT);
	imapc_command_send(cmd, "LOGOUT");
}

void retrieve_imap_folder_next(struct imap_client *ic)
{
	const struct imap_folder *folder;
	struct imapc_command *cmd;
	const char *error;

	/* a loop, not recursion: a server may list thousands of folders
	   that all fail */
	for (;; ic->folder_idx++) {
		if (ic->folder_idx >= array_count(&ic->folders)) {
			imap_logout(ic);
			return;
		}
		ic->folder = folder = array_idx(&ic->folders, ic->folder_idx);
		retrieve_client_folder_begin(&ic->client,
					     folder->remote.remote_name,
					     folder->remote.display);
		error = folder->error;
		if (error == NULL &&
		    ic->client.set->folders == RETRIEVE_FOLDERS_MIRROR &&
		    retrieve_client_local_folder_prepare(&ic->client,
							 folder->local,
							 &error) < 0)
			i_assert(error != NULL);
		if (error == NULL)
			break;
		/* this folder's name or local folder: the others go on */
		e_error(ic->client.event, "Folder %s not retrieved: %s",
			folder->remote.display, error);
		retrieve_client_folder_error(&ic->client, error);
	}

	ic->folder_pool = pool_alloconly_create("retrieve imap folder", 4096);
	p_array_init(&ic->msgs, ic->folder_pool, 64);
	p_array_init(&ic->present, ic->folder_pool, 64);
	p_array_init(&ic->listed_uids, ic->folder_pool, 16);
	p_array_init(&ic->requested, ic->folder_pool, 16);
	p_array_init(&ic->to_flag, ic->folder_pool, 16);
	p_array_init(&ic->flagged, ic->folder_pool, 16);
	ic->uidvalidity = 0;
	ic->exists = 0;
	ic->listing_overflow = FALSE;
	ic->next_msg = 0;
	ic->fetches_in_flight = 0;
	ic->stores_in_flight = 0;
	ic->expunge_unsafe = FALSE;

	ic->phase = IMAP_PHASE_SELECT;
	ic->box = imapc_client_mailbox_open(ic->imapc, ic);
	cmd = imapc_client_mailbox_cmd(ic->box, imap_select_callback, ic);
	imapc_command_set_flags(cmd, IMAPC_COMMAND_FLAG_SELECT);
	/* EXAMINE when nothing is to change: the server can't even
	   clear \Recent */
	imapc_command_sendf(cmd, ic->client.set->keep ?
			    "EXAMINE %s" : "SELECT %s",
			    folder->remote.remote_name);
}

/* --- replies --- */

static void imap_capabilities(struct imap_client *ic, const char *value)
{
	if (value != NULL && imap_cap_has(value, "SPECIAL-USE"))
		ic->have_special_use = TRUE;
}

static void
imap_untagged_callback(const struct imapc_untagged_reply *reply,
		       void *context)
{
	struct imap_client *ic = context;
	const char *value;

	if (ic->client.finished)
		return;
	T_BEGIN {
		if (strcasecmp(reply->name, "CAPABILITY") == 0) {
			imap_capabilities(ic, imap_args_to_str(reply->args));
		} else if (reply->resp_text_key != NULL &&
			   strcasecmp(reply->resp_text_key, "CAPABILITY") == 0) {
			imap_capabilities(ic, reply->resp_text_value);
		} else if (strcasecmp(reply->name, "LIST") == 0) {
			if (ic->phase == IMAP_PHASE_LIST)
				retrieve_imap_untagged_list(ic, reply->args);
		} else if (strcasecmp(reply->name, "NAMESPACE") == 0) {
			if (ic->phase == IMAP_PHASE_NAMESPACE)
				retrieve_imap_untagged_namespace(ic, reply->args);
		} else if (reply->untagged_box_context != ic ||
			   ic->phase < IMAP_PHASE_SELECT) {
			/* not about the selected folder */
		} else if (reply->resp_text_key != NULL &&
			   strcasecmp(reply->resp_text_key, "UIDVALIDITY") == 0) {
			value = reply->resp_text_value;
			if (value == NULL ||
			    str_to_uint32(value, &ic->uidvalidity) < 0)
				ic->uidvalidity = 0;
		} else if (strcasecmp(reply->name, "EXISTS") == 0) {
			ic->exists = reply->num;
		} else if (strcasecmp(reply->name, "FETCH") == 0) {
			imap_untagged_fetch(ic, reply);
		} else if (strcasecmp(reply->name, "SEARCH") == 0) {
			imap_untagged_search(ic, reply->args);
		}
	} T_END;
}

/* Works around a Dovecot 2.3.19 bug (still in 2.3.21.1, fixed in main):
   when the implicit TLS handshake fails at once, inside
   imapc_connection_connected() (the server's bytes were already there: a
   plain-text greeting on an imaps port, a quick certificate), imapc
   disconnects, which frees the connection's output stream, and then
   flushes that stream: a NULL dereference, signal 11. The login callback
   runs inside that disconnect, so a new connection attempt on the same
   imapc connection gives imapc a stream to flush. It is dropped in the
   next ioloop round, before any I/O of it is handled (timeouts run
   first): a TCP connect and close, nothing sent. */
static void imap_tls_failed_drop(struct imap_client *ic)
{
	imap_disconnect(ic);
}

static void imap_tls_failed_rearm(struct imap_client *ic)
{
	struct imapc_client_connection *const *connp;

	if (!ic->log.tls_start_failed ||
	    ic->client.set->ssl_mode != RETRIEVE_SSL_MODE_IMPLICIT ||
	    array_count(&ic->imapc->conns) != 1)
		return;
	connp = array_front(&ic->imapc->conns);
	e_debug(ic->client.event, "imapc: implicit TLS failed at once, "
		"working around imapc's flush after disconnect");
	imapc_connection_connect((*connp)->conn);
	ic->to_drop = timeout_add_short(0, imap_tls_failed_drop, ic);
}

static void
imap_login_callback(const struct imapc_command_reply *reply, void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_LOGIN)
		return;
	ic->log.logging_in = FALSE;
	switch (reply->state) {
	case IMAPC_COMMAND_STATE_OK:
		break;
	case IMAPC_COMMAND_STATE_AUTH_FAILED:
	case IMAPC_COMMAND_STATE_NO:
		imap_fail(ic, imap_reply_code(reply,
					      RETRIEVE_RESULT_AUTH_FAILED),
			  reply->resp_text_key, t_strdup_printf(
				"Login failed: %s",
				imap_reply_text(ic, reply)));
		return;
	case IMAPC_COMMAND_STATE_BAD:
		/* a BAD reply tends to quote the command, which carries
		   the password: none of its text is kept */
		imap_fail(ic, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  "Login failed: "RETRIEVE_IMAP_LOGIN_BAD_ERROR);
		return;
	case IMAPC_COMMAND_STATE_DISCONNECTED:
		/* connect, TLS (certificate, no STARTTLS offered) or a
		   dropped connection: imapc logged the cause */
		imap_fail(ic, ic->log.login_bad ? RETRIEVE_RESULT_REMOTE_ERROR :
			  retrieve_imap_log_error_code(&ic->log), NULL,
			  t_strdup_printf("Couldn't log in: %s",
					  imap_disconnect_reason(ic, reply)));
		imap_tls_failed_rearm(ic);
		return;
	}
	e_debug(ic->client.event, "Logged in");
	if (reply->resp_text_key != NULL &&
	    strcasecmp(reply->resp_text_key, "CAPABILITY") == 0)
		imap_capabilities(ic, reply->resp_text_value);

	retrieve_imap_map_init(ic);
	if (ic->client.set->folders == RETRIEVE_FOLDERS_INBOX) {
		/* no LIST needed, and no special-use lookup */
		retrieve_imap_folder_add(ic, "INBOX", '\0', NULL);
		ic->folder_idx = 0;
		retrieve_imap_folder_next(ic);
		return;
	}
	retrieve_imap_list_start(ic);
}

/* --- setup --- */

static void imap_run(struct retrieve_client *client)
{
	struct imap_client *ic = (struct imap_client *)client;
	const struct retrieve_account_settings *set = client->set;

	if (set->ssl_mode == RETRIEVE_SSL_MODE_NONE &&
	    !client->global_set->allow_plaintext) {
		/* the settings parser refuses this; a guard, not a
		   feature */
		imap_fail(ic, RETRIEVE_RESULT_CONFIG_ERROR, NULL,
			  "Refusing to send the password without TLS");
		return;
	}

	if (set->auth == RETRIEVE_AUTH_OAUTH2 &&
	    set->ssl_mode == RETRIEVE_SSL_MODE_NONE) {
		/* the settings refuse this too */
		imap_fail(ic, RETRIEVE_RESULT_CONFIG_ERROR, NULL,
			  "Refusing to send the OAuth2 token without TLS");
		return;
	}

	ic->log.client = client;
	ic->log.prefix = p_strdup_printf(client->pool, "imapc(%s:%u): ",
					 set->host, set->port);
	ic->log.logging_in = TRUE;
	retrieve_imap_log_capture_start(&ic->log);
	ic->imapc = retrieve_imap_connect_init(ic);
	imapc_client_register_untagged(ic->imapc, imap_untagged_callback, ic);
	imapc_client_set_login_callback(ic->imapc, imap_login_callback, ic);
	ic->phase = IMAP_PHASE_LOGIN;
	/* connects in the current ioloop; nothing here runs a nested one */
	imapc_client_login(ic->imapc);
}

static struct retrieve_client *imap_alloc(void)
{
	struct imap_client *ic;
	pool_t pool;

	pool = pool_alloconly_create("retrieve imap client", 4096);
	ic = p_new(pool, struct imap_client, 1);
	ic->client.pool = pool;
	p_array_init(&ic->folders, pool, 16);
	return &ic->client;
}

static void imap_deinit(struct retrieve_client *client)
{
	struct imap_client *ic = (struct imap_client *)client;

	ic->phase = IMAP_PHASE_DONE;
	timeout_remove(&ic->to_message);
	imap_disconnect(ic);
	imap_large_close_all(ic);
	retrieve_imap_log_capture_stop(&ic->log);
	if (ic->log.error != NULL && client->restarting) {
		/* a refused token, logged in again with a new one */
		e_debug(client->event, "imapc: %s", ic->log.error);
	} else if (ic->log.error != NULL &&
		   client->result.code == RETRIEVE_RESULT_OK) {
		/* not the cause of a failure, so not in the result line */
		e_warning(client->event, "imapc: %s", ic->log.error);
	}
	i_free(ic->log.error);
	if (hash_table_is_created(ic->listed))
		hash_table_destroy(&ic->listed);
	if (hash_table_is_created(ic->old_fingerprints))
		hash_table_destroy(&ic->old_fingerprints);
	if (hash_table_is_created(ic->listed_sizes))
		hash_table_destroy(&ic->listed_sizes);
	pool_unref(&ic->folder_pool);
}

const struct retrieve_backend retrieve_backend_imap = {
	.name = "imap",
	.protocol = RETRIEVE_PROTOCOL_IMAP,
	.v = {
		.alloc = imap_alloc,
		.run = imap_run,
		.deinit = imap_deinit,
		.committed = imap_committed,
	},
};
