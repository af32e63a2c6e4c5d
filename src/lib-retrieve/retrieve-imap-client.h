#ifndef RETRIEVE_IMAP_CLIENT_H
#define RETRIEVE_IMAP_CLIENT_H

/* The IMAP backend's client, shared by its files: retrieve-imap.c (login,
   the selected folder, fetching, expunging), retrieve-imap-list.c (the
   folder walk: NAMESPACE, LIST, which folders and where each lands). */

#include "hash.h"
#include "seq-range-array.h"
#include "retrieve-client-private.h"
#include "retrieve-imap-folders.h"
#include "retrieve-imap-log.h"

struct imap_arg;
struct imapc_command_reply;
struct retrieve_imap_connect;

/* The longest line (literals included: imapc reads them into memory)
   taken from the server: a body chunk or a UID SEARCH reply of a large
   folder fits */
#define IMAP_MAX_LINE_LENGTH (8*1024*1024)

enum imap_phase {
	IMAP_PHASE_LOGIN,
	IMAP_PHASE_NAMESPACE,
	IMAP_PHASE_LIST,
	IMAP_PHASE_SELECT,
	IMAP_PHASE_LIST_MSGS,
	IMAP_PHASE_FETCH,
	IMAP_PHASE_EXPUNGE,
	IMAP_PHASE_LOGOUT,
	IMAP_PHASE_DONE,
};

struct imap_msg {
	uint32_t uid;
	uoff_t size;
};

/* A message bigger than one chunk, received into a temp file */
struct imap_large {
	uint32_t uid;
	/* RFC822.SIZE */
	uoff_t size;
	time_t internaldate;
	int internaldate_tz;
	enum mail_flags flags;
	const char *const *keywords;
	int fd;
	/* bytes in the file; the next chunk begins there */
	uoff_t received;
	/* a chunk arrived for the command in flight */
	bool got_chunk:1;
	/* a chunk shorter than asked for: the end */
	bool complete:1;
};

struct imap_folder {
	struct retrieve_imap_folder remote;
	/* the local vname */
	const char *local;
	/* INBOX: through Sieve when the account filters */
	bool inbox;
	/* why it can't be retrieved (its remote or local name): the folder
	   fails on its own row, the others go on */
	const char *error;
};

struct imap_client {
	struct retrieve_client client;

	struct imapc_client *imapc;
	/* what retrieve_imap_connect_init() keeps while imapc lives */
	struct retrieve_imap_connect *connect;
	struct imapc_client_mailbox *box;
	/* drops the stand-in connection of imap_tls_failed_rearm() */
	struct timeout *to_drop;
	enum imap_phase phase;
	/* imapc's error lines, the cause of a disconnection */
	struct retrieve_imap_log log;
	/* merge/mirror: every selectable folder LIST returned (remote
	   names), excluded ones too */
	HASH_TABLE(const char *, const char *) listed;
	bool have_special_use;
	bool list_extended_failed;
	/* LIST returned more than IMAP_MAX_FOLDERS folders or
	   IMAP_MAX_LIST_BYTES of names: what it left out is not "vanished" */
	bool list_truncated;
	unsigned int list_count;
	size_t list_bytes;
	/* NAMESPACE: the personal prefix (remote form, "" for none) and
	   the other users' and shared prefixes, never retrieved */
	const char *ns_prefix;
	ARRAY_TYPE(const_string) ns_others;
	/* where mirrored folders land */
	struct retrieve_imap_folder_map_settings map_set;
	struct mail_namespace *dest_ns;

	ARRAY(struct imap_folder) folders;
	unsigned int folder_idx;
	const struct imap_folder *folder;

	/* the selected folder */
	uint32_t uidvalidity;
	uint32_t exists;
	/* UIDVALIDITY changed: fingerprints retrieved under the old one,
	   each with how many messages carried it (a match consumes one) */
	HASH_TABLE(const char *, void *) old_fingerprints;
	pool_t folder_pool;
	ARRAY(struct imap_msg) msgs;
	ARRAY_TYPE(uint32_t) present;
	/* the UIDs the listing returned, each taken once */
	ARRAY_TYPE(seq_range) listed_uids;
	/* the listing returned more messages than EXISTS announced */
	bool listing_overflow;
	/* UID -> RFC822.SIZE of the listing, of the messages to fetch: a
	   body must be of the size listed for its UID */
	HASH_TABLE(void *, struct imap_msg *) listed_sizes;
	/* UIDs asked for by the UID FETCH commands in flight, not yet
	   received: a body is accepted only for one of them, once */
	ARRAY_TYPE(seq_range) requested;
	/* retrieve_message_timeout: receiving one message, even byte by
	   byte (imapc's own timeout restarts on any input) */
	struct timeout *to_message;
	/* messages of a full first chunk, continued chunk by chunk into
	   a temp file once the batches are done */
	ARRAY(struct imap_large) large;
	unsigned int large_idx;
	bool large_in_flight;
	unsigned int next_msg;
	unsigned int fetches_in_flight;
	/* keep=no: delivered (now or by an earlier run), not yet flagged */
	ARRAY_TYPE(seq_range) to_flag;
	/* flagged \Deleted by this run */
	ARRAY_TYPE(seq_range) flagged;
	unsigned int stores_in_flight;
	/* no UIDPLUS and the folder has \Deleted messages not ours:
	   EXPUNGE would remove them too */
	bool expunge_unsafe;

	/* a local failure: fetch no more, still expunge what was stored */
	bool stopping:1;
};

/* retrieve-imap.c */
/* Fails the run on a command's failed reply (code from RFC 5530's
   response codes, def when none fits) */
void retrieve_imap_fail_reply(struct imap_client *ic, const char *cmd_name,
			      const struct imapc_command_reply *reply,
			      enum retrieve_result_code def);
/* Retrieves the next folder of ic->folders from ic->folder_idx on, and
   logs out after the last */
void retrieve_imap_folder_next(struct imap_client *ic);

/* retrieve-imap-list.c */
/* The local side of mapping, once logged in */
void retrieve_imap_map_init(struct imap_client *ic);
/* Adds a listed folder to retrieve, unless it is left out (folders=inbox,
   virtual, another namespace's, excluded) */
void retrieve_imap_folder_add(struct imap_client *ic, const char *remote_name,
			      char sep, const char *special_use);
/* NAMESPACE when the server has it, then LIST; then the folders are
   retrieved in order (retrieve_imap_folder_next()) */
void retrieve_imap_list_start(struct imap_client *ic);
void retrieve_imap_untagged_namespace(struct imap_client *ic,
				      const struct imap_arg *args);
void retrieve_imap_untagged_list(struct imap_client *ic,
				 const struct imap_arg *args);

/* The imapc client of the account, per Dovecot version
   (dovecot-2.x/retrieve-imap-connect.c): its host, port, login and TLS,
   our timeouts and limits, and none of the administrator's own imapc
   settings (master user, features, SASL mechanisms, rawlog). */
struct imapc_client *retrieve_imap_connect_init(struct imap_client *ic);
/* Frees ic->imapc and what its init kept. */
void retrieve_imap_connect_deinit(struct imap_client *ic);

#endif
