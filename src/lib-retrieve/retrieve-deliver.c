/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "str.h"
#include "str-sanitize.h"
#include "istream.h"
#include "istream-concat.h"
#include "message-date.h"
#include "smtp-address.h"
#include "smtp-submit-settings.h"
#include "lda-settings.h"
#include "mail-storage.h"
#include "mail-storage-settings.h"
#include "mail-user.h"
#include "mail-namespace.h"
#include "mailbox-list-iter.h"
#include "mail-deliver.h"
#include "raw-storage.h"
#include "mail-search-build.h"
#include "seq-range-array.h"
#include "hash.h"
#include "retrieve-settings.h"
#include "retrieve-sieve.h"
#include "retrieve-sieve-run.h"
#include "retrieve-deliver-seen.h"
#include "retrieve-deliver-settings.h"
#include "retrieve-deliver.h"
#include "retrieve-imap-folders.h"
#include "retrieve-spam.h"

/* GUID (or Received: id) -> its index in the caller's array */
HASH_TABLE_DEFINE_TYPE(retrieve_guid, const char *, void *);

/* Whether lib-lda's hooks are set up: it has no way to undo that, so it
   is done once per process even across global deinit */
static bool retrieve_deliver_hooks_initialized = FALSE;

/* The raw mailbox's mbox "From " sender for a null envelope sender, as in
   lda. */
#define RETRIEVE_DELIVER_RAW_SENDER "MAILER-DAEMON"

/* A folder that Sieve's stores go into, with its open batch */
struct retrieve_deliver_sieve_box {
	struct mailbox *box;
	const char *vname;
	struct mailbox_transaction_context *trans;
	uint32_t uid_min;
};

struct retrieve_deliver {
	pool_t pool;
	struct event *event;
	struct mail_user *user;

	/* Copied from the account settings, which may go away first */
	const char *account;
	const char *remote_host;
	const char *folder;
	enum retrieve_protocol protocol;
	bool filter;

	const char *hostname;
	/* The user's address: Sieve's envelope recipient */
	const struct smtp_address *rcpt_to;
	struct lda_settings *lda_set;
	struct smtp_submit_settings *smtp_set;

	/* filter=yes: owns the raw mailboxes of the source mails */
	struct mail_user *raw_user;
	/* the folder of the last direct save, kept open between messages */
	struct mailbox *box;
	const char *box_vname;
	/* the open batch of direct saves into box, and box's UIDNEXT when
	   it began: what the batch adds gets UIDs from there up */
	struct mailbox_transaction_context *batch;
	uint32_t batch_uid_min;
	/* special use -> local vname, read at the first lookup */
	ARRAY_TYPE(const_string) special_use;
	bool special_use_read;

	/* retrieve_deliver_prepare() done: the folder exists and Sieve is
	   set up */
	bool prepared;

	/* Sieve run by us, its stores saved into batches of folders kept
	   open (NULL: through mail_deliver()) */
	struct retrieve_sieve_run *sieve_run;
	ARRAY(struct retrieve_deliver_sieve_box) sieve_boxes;
	/* where the last message was saved: one entry per copy, none when
	   Sieve discarded it */
	ARRAY(struct retrieve_deliver_saved) last_saved;

	/* filter=yes with retrieve_spam_scanner */
	struct retrieve_spam *spam;
	enum retrieve_spam_failure spam_failure;
	uoff_t spam_max_size;
	const char *spam_folder;
	struct retrieve_spam_header_names spam_headers;
	/* what the scanner made of the last delivered message */
	enum retrieve_deliver_spam last_spam;
};

int retrieve_deliver_global_init(const char **error_r)
{
	const char *error;

	if (!retrieve_deliver_hooks_initialized) {
		retrieve_deliver_hooks_initialized = TRUE;
		mail_deliver_hooks_init();
		retrieve_deliver_seen_hooks_init();
	}
	retrieve_deliver_settings_global_init();

	if (retrieve_sieve_load(&error) < 0) {
		*error_r = t_strdup_printf("Sieve is not available: %s", error);
		return -1;
	}
	return 0;
}

void retrieve_deliver_global_deinit(void)
{
	retrieve_deliver_settings_global_deinit();
}

static int
retrieve_deliver_rcpt_init(struct retrieve_deliver *deliver,
			   const char **error_r)
{
	const char *username = deliver->user->username;
	struct smtp_address *address;
	const char *error;

	if (strchr(username, '@') == NULL)
		username = t_strconcat(username, "@", deliver->hostname, NULL);
	if (smtp_address_parse_username(deliver->pool, username,
					&address, &error) < 0) {
		*error_r = t_strdup_printf(
			"Username %s is not a valid address: %s",
			username, error);
		return -1;
	}
	deliver->rcpt_to = address;
	return 0;
}

/* Opens the account's folder, creating (and subscribing) it when missing.
   *box_r is set also on failure, and the caller frees it. */
static int
retrieve_deliver_folder_open(struct retrieve_deliver *deliver,
			     const char *folder, struct mailbox **box_r,
			     const char **error_r)
{
	struct mailbox *box;
	enum mailbox_existence existence;
	enum mail_error error;

	*box_r = box = mailbox_alloc_for_user(deliver->user, folder,
		MAILBOX_FLAG_SAVEONLY | MAILBOX_FLAG_POST_SESSION);
	/* Every run opens its folder: a create attempt of an existing one
	   takes the mailbox list's lock (a lock file created and removed)
	   and refreshes the list index, the largest file system cost of a
	   run that retrieves nothing. A stat tells first. */
	if (mailbox_exists(box, FALSE, &existence) == 0 &&
	    existence == MAILBOX_EXISTENCE_SELECT) {
		/* exists: opened below */
	} else if (mailbox_create(box, NULL, FALSE) == 0) {
		e_debug(deliver->event, "Created folder %s", folder);
		/* the user asked for this folder; clients that list only
		   subscribed folders should show it */
		if (mailbox_set_subscribed(box, TRUE) < 0) {
			e_warning(deliver->event,
				  "Couldn't subscribe folder %s: %s", folder,
				  mailbox_get_last_internal_error(box, NULL));
		}
	} else {
		(void)mailbox_get_last_internal_error(box, &error);
		if (error != MAIL_ERROR_EXISTS) {
			*error_r = t_strdup_printf(
				"Couldn't create folder %s: %s", folder,
				mailbox_get_last_internal_error(box, NULL));
			return -1;
		}
	}
	if (mailbox_open(box) < 0) {
		*error_r = t_strdup_printf("Couldn't open folder %s: %s",
			folder, mailbox_get_last_internal_error(box, NULL));
		return -1;
	}
	return 0;
}

/* The folder for a direct save, opened (and created) once and kept open
   while the following messages go to the same folder. */
static struct mailbox *
retrieve_deliver_box_get(struct retrieve_deliver *deliver, const char *folder,
			 const char **error_r)
{
	struct mailbox *box;

	if (deliver->box != NULL && strcmp(deliver->box_vname, folder) == 0)
		return deliver->box;
	/* the caller commits a batch before the folder changes */
	i_assert(deliver->batch == NULL);
	if (deliver->box != NULL)
		mailbox_free(&deliver->box);
	if (retrieve_deliver_folder_open(deliver, folder, &box, error_r) < 0) {
		mailbox_free(&box);
		return NULL;
	}
	deliver->box = box;
	/* the mailbox's own copy lives as long as it does */
	deliver->box_vname = mailbox_get_vname(box);
	return box;
}

int retrieve_deliver_folder_prepare(struct retrieve_deliver *deliver,
				    const char *folder, const char **error_r)
{
	return retrieve_deliver_box_get(deliver, folder, error_r) == NULL ?
		-1 : 0;
}

char retrieve_deliver_get_separator(struct retrieve_deliver *deliver)
{
	struct mail_namespace *ns;

	ns = mail_namespace_find(deliver->user->namespaces, deliver->folder);
	return mail_namespace_get_sep(ns);
}

static void retrieve_deliver_special_use_read(struct retrieve_deliver *deliver)
{
	static const char *const patterns[] = { "*", NULL };
	struct mailbox_list_iterate_context *iter;
	const struct mailbox_info *info;
	const char *const *uses, *name;

	deliver->special_use_read = TRUE;
	p_array_init(&deliver->special_use, deliver->pool, 16);
	iter = mailbox_list_iter_init_namespaces(deliver->user->namespaces,
		patterns, MAIL_NAMESPACE_TYPE_PRIVATE,
		MAILBOX_LIST_ITER_SELECT_SPECIALUSE |
		MAILBOX_LIST_ITER_RETURN_SPECIALUSE |
		MAILBOX_LIST_ITER_RETURN_NO_FLAGS);
	while ((info = mailbox_list_iter_next(iter)) != NULL) {
		if (info->special_use == NULL)
			continue;
		uses = t_strsplit_spaces(info->special_use, " ");
		for (; *uses != NULL; uses++) {
			name = p_strdup(deliver->pool, *uses);
			array_push_back(&deliver->special_use, &name);
			name = p_strdup(deliver->pool, info->vname);
			array_push_back(&deliver->special_use, &name);
		}
	}
	if (mailbox_list_iter_deinit(&iter) < 0) {
		e_warning(deliver->event, "Listing local special-use folders "
			  "failed; mapping remote ones by name");
	}
	/* Then the ones the configuration names but that don't exist yet
	   (no auto = create): LIST leaves them out, and the first message
	   creates them. Found later, so an existing folder wins. */
	retrieve_deliver_settings_special_use(deliver->user, deliver->pool,
					      &deliver->special_use);
}

const char *
retrieve_deliver_special_use_folder(struct retrieve_deliver *deliver,
				    const char *special_use)
{
	const char *const *pairs;
	unsigned int i, count;

	if (!deliver->special_use_read)
		retrieve_deliver_special_use_read(deliver);
	pairs = array_get(&deliver->special_use, &count);
	for (i = 0; i + 1 < count; i += 2) {
		if (strcasecmp(pairs[i], special_use) == 0)
			return pairs[i + 1];
	}
	return NULL;
}

int retrieve_deliver_init(struct mail_user *user,
			  const struct retrieve_account_settings *set,
			  struct event *event_parent,
			  struct retrieve_deliver **deliver_r,
			  const char **error_r)
{
	struct retrieve_deliver *deliver;
	const char *error;
	pool_t pool;

	i_assert(retrieve_deliver_hooks_initialized);

	pool = pool_alloconly_create("retrieve deliver", 2048);
	deliver = p_new(pool, struct retrieve_deliver, 1);
	deliver->pool = pool;
	deliver->user = user;
	mail_user_ref(user);
	deliver->event = event_create(event_parent != NULL ?
				      event_parent : user->event);
	deliver->account = p_strdup(pool, set->name);
	deliver->remote_host = p_strdup(pool, set->host);
	deliver->folder = p_strdup(pool, set->folder);
	deliver->protocol = set->protocol;
	deliver->filter = set->filter;
	p_array_init(&deliver->last_saved, pool, 2);
	deliver->hostname =
		p_strdup(pool, retrieve_deliver_settings_hostname(user));

	if (set->filter && retrieve_sieve_load(&error) < 0) {
		/* never deliver unfiltered what the user wants filtered */
		*error_r = t_strdup_printf("Sieve is not available: %s", error);
		retrieve_deliver_deinit(&deliver);
		return -1;
	}
	if (retrieve_deliver_rcpt_init(deliver, error_r) < 0 ||
	    retrieve_deliver_settings_get(user, pool, &deliver->lda_set,
					  &deliver->smtp_set, error_r) < 0) {
		retrieve_deliver_deinit(&deliver);
		return -1;
	}
	deliver->lda_set->hostname = deliver->hostname;
	deliver->smtp_set->hostname = deliver->hostname;
	/* Unlike lda/lmtp, always create missing folders: the account's
	   folder and Sieve fileinto targets are the user's explicit choice,
	   and without this a message would silently land in INBOX. */
	deliver->lda_set->lda_mailbox_autocreate = TRUE;

	*deliver_r = deliver;
	return 0;
}

int retrieve_deliver_prepare(struct retrieve_deliver *deliver,
			     const char **error_r)
{
	const char *error;

	if (deliver->prepared)
		return 0;
	/* Created also with filter=yes, so that Sieve's implicit keep finds
	   it (and it gets subscribed like with filter=no). */
	if (retrieve_deliver_box_get(deliver, deliver->folder,
				     error_r) == NULL)
		return -1;
	if (deliver->filter) {
		const char *env = getenv("RETRIEVE_SIEVE_RUN");
		/* the administrator's switch back to mail_deliver() */
		bool run_wanted = env == NULL || strcmp(env, "0") != 0;
		int ret = 0;

		/* Sieve opens its own; ours would only hold a lock */
		mailbox_free(&deliver->box);
		if (run_wanted) {
			ret = retrieve_sieve_run_init(deliver->user,
						      deliver->event,
						      &deliver->sieve_run,
						      &error);
		}
		if (ret < 0) {
			*error_r = t_strdup_printf(
				"Sieve is not available: %s", error);
			return -1;
		}
		if (ret > 0) {
			p_array_init(&deliver->sieve_boxes,
				     deliver->pool, 4);
			e_debug(deliver->event, "Running Sieve ourselves, "
				"saving in batches");
		} else if (run_wanted) {
			e_debug(deliver->event, "Sieve through mail_deliver(): "
				"%s", error);
		}
		deliver->raw_user =
			retrieve_deliver_raw_user_create(deliver->user);
		e_debug(deliver->event, "Delivering through Sieve "
			"(implicit keep into %s)", deliver->folder);
	} else {
		e_debug(deliver->event, "Saving into %s without filtering",
			deliver->folder);
	}
	deliver->prepared = TRUE;
	return 0;
}

void retrieve_deliver_deinit(struct retrieve_deliver **_deliver)
{
	struct retrieve_deliver *deliver = *_deliver;

	if (deliver == NULL)
		return;
	*_deliver = NULL;

	retrieve_deliver_rollback(deliver);
	if (array_is_created(&deliver->sieve_boxes)) {
		struct retrieve_deliver_sieve_box *sbox;

		array_foreach_modifiable(&deliver->sieve_boxes, sbox)
			mailbox_free(&sbox->box);
	}
	retrieve_sieve_run_deinit(&deliver->sieve_run);
	if (deliver->box != NULL)
		mailbox_free(&deliver->box);
	retrieve_spam_deinit(&deliver->spam);
	if (deliver->raw_user != NULL)
		mail_user_unref(&deliver->raw_user);
	event_unref(&deliver->event);
	mail_user_unref(&deliver->user);
	pool_unref(&deliver->pool);
}

static const char *
retrieve_deliver_msg_name(const struct retrieve_deliver_message *msg);

int retrieve_deliver_spam_init(struct retrieve_deliver *deliver,
			       const struct retrieve_spam_settings *set,
			       const char **error_r)
{
	i_assert(deliver->spam == NULL);

	if (!deliver->filter)
		return 0;
	if (retrieve_spam_init(set, deliver->event, &deliver->spam,
			       error_r) < 0)
		return -1;
	deliver->spam_failure = set->failure;
	deliver->spam_max_size = set->max_size;
	deliver->spam_folder = p_strdup(deliver->pool, set->folder);
	deliver->spam_headers.flag = p_strdup(deliver->pool, set->headers.flag);
	deliver->spam_headers.status =
		p_strdup(deliver->pool, set->headers.status);
	deliver->spam_headers.score =
		p_strdup(deliver->pool, set->headers.score);
	e_debug(deliver->event, "Scanning for spam with %s%s%s",
		retrieve_spam_get_name(deliver->spam),
		set->folder == NULL ? "" : ", spam into ",
		set->folder == NULL ? "" : set->folder);
	return 0;
}

enum retrieve_deliver_spam
retrieve_deliver_get_last_spam(struct retrieve_deliver *deliver)
{
	return deliver->last_spam;
}

/* Scans the message for spam and appends the verdict's headers to hdr.
   Returns 0 when it can be delivered (scanned, or unscanned by the
   rules), -1 when not (error_r). */
static int
retrieve_deliver_spam_scan(struct retrieve_deliver *deliver,
			   const struct retrieve_deliver_message *msg,
			   string_t *hdr, const char **error_r)
{
	struct retrieve_spam_verdict verdict;
	uoff_t start = msg->input->v_offset, size;
	const char *error;
	int ret;

	if (i_stream_get_size(msg->input, TRUE, &size) <= 0) {
		*error_r = t_strdup_printf("Can't get the size of %s: %s",
			i_stream_get_name(msg->input),
			i_stream_get_error(msg->input));
		return -1;
	}
	size -= start;
	if (size > deliver->spam_max_size) {
		e_info(deliver->event, "%s: not scanned for spam: %"PRIuUOFF_T
		       " bytes is over retrieve_spam_max_size %"PRIuUOFF_T,
		       retrieve_deliver_msg_name(msg), size,
		       deliver->spam_max_size);
		deliver->last_spam = RETRIEVE_DELIVER_SPAM_UNSCANNED;
		retrieve_spam_unscanned_header(&deliver->spam_headers,
					       "too large", hdr);
		return 0;
	}

	ret = retrieve_spam_scan(deliver->spam, msg->input, size,
				 smtp_address_encode(deliver->rcpt_to),
				 &verdict, &error);
	i_stream_seek(msg->input, start);
	if (ret < 0) {
		error = t_strdup_printf("Spam scanner %s failed: %s",
					retrieve_spam_get_name(deliver->spam),
					error);
		if (deliver->spam_failure == RETRIEVE_SPAM_FAILURE_TEMPFAIL) {
			*error_r = error;
			return -1;
		}
		e_warning(deliver->event, "%s (retrieve_spam_failure=accept: "
			  "delivering %s unscanned)", error,
			  retrieve_deliver_msg_name(msg));
		deliver->last_spam = RETRIEVE_DELIVER_SPAM_UNSCANNED;
		retrieve_spam_unscanned_header(&deliver->spam_headers,
					       "scanner failed", hdr);
		return 0;
	}
	deliver->last_spam = verdict.spam ? RETRIEVE_DELIVER_SPAM_SPAM :
		RETRIEVE_DELIVER_SPAM_HAM;
	if (verdict.spam) {
		e_info(deliver->event, "%s: marked as spam (score %s, "
		       "required %s)", retrieve_deliver_msg_name(msg),
		       verdict.score, verdict.required);
	}
	retrieve_spam_verdict_headers(&deliver->spam_headers, &verdict, hdr);
	return 0;
}

/* The message with our trace headers (and the spam verdict's, spam_hdr
   or NULL) in front, streamed, not copied. */
static struct istream *
retrieve_deliver_input_create(struct retrieve_deliver *deliver,
			      const struct retrieve_deliver_message *msg,
			      const string_t *spam_hdr)
{
	struct istream *inputs[3], *input;
	const char *protocol = msg->protocol != NULL ? msg->protocol :
		retrieve_protocol_name(deliver->protocol);
	const char *name;
	string_t *hdr = t_str_new(256);

	if (deliver->filter && !msg->no_filter) {
		/* RFC 5321 final-delivery trace for a null reverse-path.
		   lib-lda reads the envelope sender from the first
		   Return-Path when none is given, so this is also what makes
		   Sieve see <> instead of the old message's sender: vacation
		   and reject never answer retrieved mail. */
		str_append(hdr, "Return-Path: <>\r\n");
	}
	/* names the account, never its credentials; a direct save's id
	   (RFC 5321's ID clause) is its GUID, which finds it again after a
	   crash even where the storage did not keep the GUID */
	str_printfa(hdr, "Received: from %s\r\n"
		    "\tby %s with %s%s%s (dovecot-retrieve account %s)\r\n"
		    "\tfor <%s>; %s\r\n",
		    deliver->remote_host, deliver->hostname,
		    t_str_ucase(protocol), msg->guid == NULL ? "" : " id ",
		    msg->guid == NULL ? "" : msg->guid, deliver->account,
		    smtp_address_encode(deliver->rcpt_to),
		    message_date_create(ioloop_time));
	/* below the trace, above every header of the message, so ours
	   are the first verdict headers */
	if (spam_hdr != NULL)
		str_append_str(hdr, spam_hdr);

	inputs[0] = i_stream_create_copy_from_data(str_data(hdr),
						   str_len(hdr));
	inputs[1] = msg->input;
	inputs[2] = NULL;
	input = i_stream_create_concat(inputs);
	i_stream_unref(&inputs[0]);

	/* the raw mailbox is named after the stream */
	name = i_stream_get_name(msg->input);
	if (name == NULL || *name == '\0') {
		name = t_strdup_printf("%s message %s", deliver->account,
				       msg->remote_uid);
	}
	i_stream_set_name(input, name);
	return input;
}

/* "folder/uid" for logging, just the UID for POP3 */
static const char *
retrieve_deliver_msg_name(const struct retrieve_deliver_message *msg)
{
	if (msg->remote_folder == NULL || msg->remote_folder[0] == '\0')
		return msg->remote_uid;
	/* a remote name is hostile: sanitised for the log */
	return t_strconcat(retrieve_imap_folder_display(msg->remote_folder),
			   "/", msg->remote_uid, NULL);
}

static const char *
retrieve_deliver_error(enum mail_deliver_error code, const char *error)
{
	if (error == NULL)
		error = "Unknown error";
	switch (code) {
	case MAIL_DELIVER_ERROR_NONE:
		break;
	case MAIL_DELIVER_ERROR_TEMPORARY:
	case MAIL_DELIVER_ERROR_NOQUOTA:
		return error;
	case MAIL_DELIVER_ERROR_REJECTED:
		/* the user's Sieve reject: keep it on the remote rather
		   than lose it (no bounce is sent to the null sender) */
		return t_strdup_printf("Rejected by Sieve: %s", error);
	case MAIL_DELIVER_ERROR_INTERNAL:
		return t_strdup_printf("Internal error: %s", error);
	}
	return error;
}

/* The message as a raw mail, for Sieve to read */
static int
retrieve_deliver_raw_open(struct retrieve_deliver *deliver,
			  const struct retrieve_deliver_message *msg,
			  struct istream *input, struct mail **mail_r,
			  const char **error_r)
{
	struct mailbox *box;
	struct mailbox_transaction_context *t;

	if (raw_mailbox_alloc_stream(deliver->raw_user, input,
				     msg->received_date != (time_t)-1 ?
				     msg->received_date : ioloop_time,
				     RETRIEVE_DELIVER_RAW_SENDER, &box) < 0) {
		*error_r = t_strdup_printf("Can't open the message as raw: %s",
			mailbox_get_last_internal_error(box, NULL));
		mailbox_free(&box);
		return -1;
	}
	t = mailbox_transaction_begin(box, 0, __func__);
	*mail_r = mail_alloc(t, 0, NULL);
	mail_set_seq(*mail_r, 1);
	return 0;
}

static void retrieve_deliver_raw_close(struct mail **_mail)
{
	struct mail *mail = *_mail;
	struct mailbox_transaction_context *t = mail->transaction;
	struct mailbox *box = t->box;

	*_mail = NULL;
	mail_free(&mail);
	mailbox_transaction_rollback(&t);
	mailbox_free(&box);
}

/* Sieve's default folder (where the implicit keep goes): spam goes to
   retrieve_spam_folder unless the user's Sieve files it itself */
static const char *
retrieve_deliver_sieve_default(struct retrieve_deliver *deliver)
{
	if (deliver->last_spam == RETRIEVE_DELIVER_SPAM_SPAM &&
	    deliver->spam_folder != NULL)
		return deliver->spam_folder;
	return deliver->folder;
}

static int
retrieve_deliver_sieve(struct retrieve_deliver *deliver,
		       const struct retrieve_deliver_message *msg,
		       struct istream *input, const char **error_r)
{
	static const struct smtp_address null_sender;
	struct mail_deliver_input dinput;
	struct mail_deliver_context dctx;
	struct mail *mail;
	enum mail_deliver_error error_code;
	const char *error;
	const char *default_mailbox = retrieve_deliver_sieve_default(deliver);
	int ret;

	if (retrieve_deliver_raw_open(deliver, msg, input, &mail,
				      error_r) < 0)
		return -1;

	i_zero(&dinput);
	dinput.set = deliver->lda_set;
	dinput.smtp_set = deliver->smtp_set;
	/* per message: mail_deliver() allocates from the session pool */
	dinput.session = mail_deliver_session_init();
	dinput.event_parent = deliver->event;
	dinput.delivery_time_started = ioloop_timeval;
	dinput.session_id = deliver->user->session_id;
	dinput.src_mail = mail;
	dinput.mail_from = &null_sender;
	dinput.rcpt_to = deliver->rcpt_to;
	dinput.rcpt_user = deliver->user;
	dinput.rcpt_default_mailbox = default_mailbox;
	dinput.save_dest_mail = FALSE;

	mail_deliver_init(&dctx, &dinput);
	if ((msg->flags & MAIL_SEEN) != 0)
		retrieve_deliver_seen_set_folder(default_mailbox);
	ret = mail_deliver(&dctx, &error_code, &error);
	retrieve_deliver_seen_set_folder(NULL);
	if (ret < 0 && input->stream_errno != 0) {
		/* the storage's error would only say "internal error" */
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(input));
	} else if (ret < 0) {
		/* the storage error lives only until the deinit */
		*error_r = retrieve_deliver_error(error_code, t_strdup(error));
	}
	mail_deliver_deinit(&dctx);
	mail_deliver_session_deinit(&dinput.session);

	if (ret == 0 && input->stream_errno != 0) {
		/* Not expected: saving reads the input and fails on errors.
		   Whatever was saved is committed by now. */
		e_warning(deliver->event, "%s: read(%s) failed after "
			  "delivery: %s", retrieve_deliver_msg_name(msg),
			  i_stream_get_name(input), i_stream_get_error(input));
	}

	retrieve_deliver_raw_close(&mail);

	if (ret == 0) {
		e_debug(deliver->event, "Delivered %s through Sieve",
			retrieve_deliver_msg_name(msg));
	}
	return ret;
}

/* The remote's keywords that this mailbox can store. Not
   mailbox_keywords_create_valid(): in 2.3.19 it drops all keywords when
   one is invalid. */
static struct mail_keywords *
retrieve_deliver_keywords(struct retrieve_deliver *deliver,
			  struct mailbox *box, const char *const *keywords)
{
	ARRAY_TYPE(const_string) valid;
	struct mail_keywords *kw;
	const char *error;

	t_array_init(&valid, 8);
	for (; *keywords != NULL; keywords++) {
		if (mailbox_keyword_is_valid(box, *keywords, &error))
			array_push_back(&valid, keywords);
		else {
			e_debug(deliver->event, "Dropping keyword %s: %s",
				*keywords, error);
		}
	}
	if (array_count(&valid) == 0)
		return NULL;
	array_append_zero(&valid);
	if (mailbox_keywords_create(box, array_front(&valid), &kw) < 0)
		return NULL;
	return kw;
}

/* Saves input into the transaction t of box with these flags and
   keywords, and msg's received date and GUID */
static int
retrieve_deliver_save_into(struct retrieve_deliver *deliver,
			   struct mailbox *box,
			   struct mailbox_transaction_context *t,
			   const struct retrieve_deliver_message *msg,
			   enum mail_flags flags,
			   const char *const *keyword_names,
			   struct istream *input, const char **error_r)
{
	const char *folder = mailbox_get_vname(box);
	struct mail_save_context *save;
	struct mail_keywords *keywords = NULL;
	bool save_failed = FALSE;
	ssize_t ret = 0;

	save = mailbox_save_alloc(t);
	if (keyword_names != NULL) {
		/* a remote keyword we can't store shouldn't stop the
		   message */
		keywords = retrieve_deliver_keywords(deliver, box,
						     keyword_names);
	}
	mailbox_save_set_flags(save, flags & ENUM_NEGATE(MAIL_RECENT),
			       keywords);
	if (keywords != NULL)
		mailbox_keywords_unref(&keywords);
	if (msg->received_date != (time_t)-1) {
		mailbox_save_set_received_date(save, msg->received_date,
					       msg->received_tz_offset);
	}
	if (msg->guid != NULL)
		mailbox_save_set_guid(save, msg->guid);

	if (mailbox_save_begin(&save, input) < 0) {
		*error_r = t_strdup(mailbox_get_last_internal_error(box, NULL));
		return -1;
	}
	do {
		if (mailbox_save_continue(save) < 0) {
			save_failed = TRUE;
			break;
		}
	} while ((ret = i_stream_read(input)) > 0);

	/* only a fully read message may be committed */
	if (input->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(input),
					   i_stream_get_error(input));
	} else if (save_failed) {
		*error_r = t_strdup(mailbox_get_last_internal_error(box, NULL));
	} else if (ret != -1 || !input->eof) {
		*error_r = t_strdup_printf("read(%s) stopped before the end "
					   "of the message",
					   i_stream_get_name(input));
	} else if (mailbox_save_finish(&save) < 0) {
		*error_r = t_strdup(mailbox_get_last_internal_error(box, NULL));
	} else {
		e_debug(deliver->event, "Saved %s into %s (uncommitted)",
			retrieve_deliver_msg_name(msg), folder);
		return 0;
	}
	/* the transaction goes on: a cancelled save leaves nothing in it */
	if (save != NULL)
		mailbox_save_cancel(&save);
	return -1;
}

/* Notes a copy of the message being delivered, once per folder: the
   batch journals one pending record for each (recovery looks for every
   copy in its own folder) */
static void
retrieve_deliver_saved_add(struct retrieve_deliver *deliver,
			   const char *folder, uint32_t uid_min)
{
	const struct retrieve_deliver_saved *saved;
	struct retrieve_deliver_saved *new_saved;

	array_foreach(&deliver->last_saved, saved) {
		if (strcmp(saved->folder, folder) == 0)
			return;
	}
	new_saved = array_append_space(&deliver->last_saved);
	new_saved->folder = folder;
	new_saved->uid_min = uid_min;
}

static int
retrieve_deliver_save(struct retrieve_deliver *deliver,
		      const struct retrieve_deliver_message *msg,
		      struct istream *input, const char **error_r)
{
	const char *folder = retrieve_deliver_message_folder(deliver, msg);
	struct mailbox *box;

	box = retrieve_deliver_box_get(deliver, folder, error_r);
	if (box == NULL)
		return -1;
	if (deliver->batch == NULL) {
		struct mailbox_status status;

		mailbox_get_open_status(box, STATUS_UIDNEXT, &status);
		deliver->batch_uid_min = status.uidnext;
		deliver->batch = mailbox_transaction_begin(box,
			MAILBOX_TRANSACTION_FLAG_EXTERNAL, __func__);
	}
	retrieve_deliver_saved_add(deliver, deliver->box_vname,
				   deliver->batch_uid_min);
	return retrieve_deliver_save_into(deliver, box, deliver->batch, msg,
					  msg->flags, msg->keywords, input,
					  error_r);
}

/* Whether opening or creating a folder failed for good: retrying won't
   help, the name or the user's rights are wrong */
static bool retrieve_deliver_error_is_permanent(enum mail_error error)
{
	switch (error) {
	case MAIL_ERROR_PARAMS:
	case MAIL_ERROR_PERM:
	case MAIL_ERROR_NOTFOUND:
	case MAIL_ERROR_NOTPOSSIBLE:
		return TRUE;
	default:
		return FALSE;
	}
}

/* The folder a Sieve store goes into, opened (created) once
   and with an open batch. On failure *permanent_r tells whether the
   error is permanent (see retrieve_deliver_error_is_permanent()). */
static struct retrieve_deliver_sieve_box *
retrieve_deliver_sieve_box_get(struct retrieve_deliver *deliver,
			       const char *folder, bool *permanent_r,
			       const char **error_r)
{
	struct retrieve_deliver_sieve_box *sbox, *found = NULL;
	struct mailbox_status status;
	struct mailbox *box;
	enum mail_error error;

	*permanent_r = FALSE;
	array_foreach_modifiable(&deliver->sieve_boxes, sbox) {
		if (strcmp(sbox->vname, folder) == 0) {
			found = sbox;
			break;
		}
	}
	sbox = found;
	if (sbox == NULL) {
		if (retrieve_deliver_folder_open(deliver, folder, &box,
						 error_r) < 0) {
			(void)mailbox_get_last_internal_error(box, &error);
			*permanent_r =
				retrieve_deliver_error_is_permanent(error);
			mailbox_free(&box);
			return NULL;
		}
		sbox = array_append_space(&deliver->sieve_boxes);
		sbox->box = box;
		sbox->vname = mailbox_get_vname(box);
	}
	if (sbox->trans == NULL) {
		mailbox_get_open_status(sbox->box, STATUS_UIDNEXT, &status);
		sbox->uid_min = status.uidnext;
		sbox->trans = mailbox_transaction_begin(sbox->box,
			MAILBOX_TRANSACTION_FLAG_EXTERNAL, __func__);
	}
	return sbox;
}

/* The folder for Sieve's store number idx. When it can't be
   opened for good (bad name, no such namespace, no permission), the
   message goes into the default folder instead, as Pigeonhole's
   implicit keep does after a failed store; *skip_r is set when the
   default folder gets the message through another store already. */
static struct retrieve_deliver_sieve_box *
retrieve_deliver_sieve_store_box(struct retrieve_deliver *deliver,
				 const struct retrieve_deliver_message *msg,
				 const struct retrieve_sieve_store *stores,
				 unsigned int count, unsigned int idx,
				 bool *fell_back, bool *skip_r,
				 const char **error_r)
{
	const char *default_folder =
		retrieve_deliver_sieve_default(deliver);
	struct retrieve_deliver_sieve_box *sbox;
	const char *error, *error2;
	unsigned int i;
	bool permanent;

	*skip_r = FALSE;
	sbox = retrieve_deliver_sieve_box_get(deliver, stores[idx].folder,
					      &permanent, &error);
	if (sbox != NULL)
		return sbox;
	if (!permanent || strcmp(stores[idx].folder, default_folder) == 0) {
		*error_r = error;
		return NULL;
	}
	e_warning(deliver->event, "Sieve: %s: can't store into %s (%s), "
		  "keeping it in %s instead", retrieve_deliver_msg_name(msg),
		  stores[idx].folder, error, default_folder);
	retrieve_sieve_run_user_error(deliver->sieve_run, t_strdup_printf(
		"%s: failed to store into mailbox %s (%s), "
		"kept in %s instead", retrieve_deliver_msg_name(msg),
		str_sanitize(stores[idx].folder, 256), error,
		default_folder));
	for (i = 0; i < count; i++) {
		if (strcmp(stores[i].folder, default_folder) == 0)
			*fell_back = TRUE;
	}
	if (*fell_back) {
		/* one copy in the default folder is enough */
		*skip_r = TRUE;
		return NULL;
	}
	*fell_back = TRUE;
	sbox = retrieve_deliver_sieve_box_get(deliver, default_folder,
					      &permanent, &error2);
	if (sbox == NULL) {
		*error_r = t_strdup_printf("%s, and keeping it in %s failed: "
					   "%s", error, default_folder,
					   error2);
	}
	return sbox;
}

/* Sieve decides, we save into the batches */
static int
retrieve_deliver_sieve_store(struct retrieve_deliver *deliver,
			     const struct retrieve_deliver_message *msg,
			     struct istream *input, const char **error_r)
{
	const char *default_folder =
		retrieve_deliver_sieve_default(deliver);
	const struct retrieve_sieve_store *stores;
	struct retrieve_deliver_sieve_box *sbox;
	struct mail *mail;
	enum mail_flags flags;
	const char *const *keywords;
	unsigned int i, count;
	bool fell_back = FALSE, skip;
	int ret;

	if (retrieve_deliver_raw_open(deliver, msg, input, &mail,
				      error_r) < 0)
		return -1;
	ret = retrieve_sieve_run_message(deliver->sieve_run, mail,
					 deliver->rcpt_to, default_folder,
					 &stores, &count, error_r);
	retrieve_deliver_raw_close(&mail);
	if (ret < 0)
		return -1;

	for (i = 0; i < count; i++) {
		sbox = retrieve_deliver_sieve_store_box(deliver, msg, stores,
							count, i, &fell_back,
							&skip, error_r);
		if (skip)
			continue;
		if (sbox == NULL)
			return -1;
		if (stores[i].flags_altered) {
			flags = stores[i].flags;
			keywords = stores[i].keywords;
		} else {
			/* as through mail_deliver(): \Seen where the
			   keep lands */
			flags = strcmp(sbox->vname, default_folder) == 0 ?
				(msg->flags & MAIL_SEEN) : 0;
			keywords = NULL;
		}
		i_stream_seek(input, 0);
		if (retrieve_deliver_save_into(deliver, sbox->box,
					       sbox->trans, msg, flags,
					       keywords, input, error_r) < 0)
			return -1;
		retrieve_deliver_saved_add(deliver, sbox->vname,
					   sbox->uid_min);
		e_debug(deliver->event, "Sieve: %s into %s (uncommitted)",
			retrieve_deliver_msg_name(msg), sbox->vname);
	}
	if (count == 0) {
		e_debug(deliver->event, "Sieve: %s discarded",
			retrieve_deliver_msg_name(msg));
	}
	return 0;
}

int retrieve_deliver_commit(struct retrieve_deliver *deliver,
			    const char **error_r)
{
	struct retrieve_deliver_sieve_box *sbox;
	int ret = 0;

	if (array_is_created(&deliver->sieve_boxes)) {
		/* a failure leaves the batch partly committed: the
		   pending records (one per copy) let the next run sort it
		   out */
		array_foreach_modifiable(&deliver->sieve_boxes, sbox) {
			if (sbox->trans == NULL)
				continue;
			if (mailbox_transaction_commit(&sbox->trans) < 0 &&
			    ret == 0) {
				*error_r = t_strdup_printf(
					"Couldn't commit into %s: %s",
					sbox->vname,
					mailbox_get_last_internal_error(
						sbox->box, NULL));
				ret = -1;
			}
		}
	}
	if (deliver->batch == NULL)
		return ret;
	if (mailbox_transaction_commit(&deliver->batch) < 0 && ret == 0) {
		*error_r = t_strdup_printf("Couldn't commit into %s: %s",
			deliver->box_vname,
			mailbox_get_last_internal_error(deliver->box, NULL));
		return -1;
	}
	return ret;
}

void retrieve_deliver_rollback(struct retrieve_deliver *deliver)
{
	struct retrieve_deliver_sieve_box *sbox;

	if (array_is_created(&deliver->sieve_boxes)) {
		array_foreach_modifiable(&deliver->sieve_boxes, sbox) {
			if (sbox->trans != NULL)
				mailbox_transaction_rollback(&sbox->trans);
		}
	}
	if (deliver->batch != NULL)
		mailbox_transaction_rollback(&deliver->batch);
}

const struct retrieve_deliver_saved *
retrieve_deliver_last_saved(struct retrieve_deliver *deliver,
			    unsigned int *count_r)
{
	return array_get(&deliver->last_saved, count_r);
}

bool retrieve_deliver_is_multi_folder(struct retrieve_deliver *deliver)
{
	return deliver->sieve_run != NULL;
}

uint32_t retrieve_deliver_batch_uid_min(struct retrieve_deliver *deliver)
{
	i_assert(deliver->batch != NULL);
	return deliver->batch_uid_min;
}

/* The id in our Received: header ("... with POP3 id <guid> (...") */
static const char *retrieve_deliver_received_id(const char *value)
{
	const char *const *words;

	words = t_strsplit_spaces(value, " \t\r\n");
	for (; *words != NULL; words++) {
		if (strcasecmp(*words, "id") == 0 && words[1] != NULL)
			return words[1];
	}
	return NULL;
}

/* TRUE when mail is one of guids (by its GUID, or by the id of its
   first Received: header); found[] marks which */
static int
retrieve_deliver_mail_match(struct mail *mail,
			    HASH_TABLE_TYPE(retrieve_guid) guids,
			    bool *found)
{
	const char *guid, *const *received, *id;
	void *value;

	if (mail_get_special(mail, MAIL_FETCH_GUID, &guid) == 0 &&
	    hash_table_lookup_full(guids, guid, &guid, &value)) {
		found[POINTER_CAST_TO(value, unsigned int)] = TRUE;
		return 0;
	}
	if (mail_get_headers(mail, "Received", &received) < 0)
		return mail->expunged ? 0 : -1;
	if (received[0] != NULL &&
	    (id = retrieve_deliver_received_id(received[0])) != NULL &&
	    hash_table_lookup_full(guids, id, &id, &value))
		found[POINTER_CAST_TO(value, unsigned int)] = TRUE;
	return 0;
}

int retrieve_deliver_find_guids(struct retrieve_deliver *deliver,
				const char *folder, uint32_t uid_min,
				const char *const *guids, unsigned int count,
				bool *found, const char **error_r)
{
	HASH_TABLE_TYPE(retrieve_guid) guid_hash;
	struct mailbox *box;
	struct mailbox_transaction_context *t;
	struct mail_search_args *args;
	struct mail_search_arg *arg;
	struct mail_search_context *ctx;
	struct mail *mail;
	enum mail_error error;
	unsigned int i;
	int ret = 0;

	i_assert(deliver->batch == NULL);
	memset(found, 0, sizeof(*found) * count);
	if (folder[0] == '\0')
		return 0;
	/* not read-only: a commit a crash cut off can leave the files in
	   place but not indexed, and only a sync that may write the index
	   adds them */
	box = mailbox_alloc_for_user(deliver->user, folder, 0);
	if (mailbox_sync(box, 0) < 0) {
		(void)mailbox_get_last_internal_error(box, &error);
		if (error == MAIL_ERROR_NOTFOUND) {
			mailbox_free(&box);
			return 0;
		}
		*error_r = t_strdup_printf("Couldn't open folder %s: %s",
			folder, mailbox_get_last_internal_error(box, NULL));
		mailbox_free(&box);
		return -1;
	}
	hash_table_create(&guid_hash, default_pool, count, str_hash, strcmp);
	for (i = 0; i < count; i++) {
		hash_table_update(guid_hash, guids[i],
				  POINTER_CAST(i));
	}
	/* only what came since the batch began: a crash recovery should not
	   read a whole large folder */
	args = mail_search_build_init();
	arg = mail_search_build_add(args, SEARCH_UIDSET);
	p_array_init(&arg->value.seqset, args->pool, 1);
	seq_range_array_add_range(&arg->value.seqset, I_MAX(uid_min, 1),
				  (uint32_t)-1);
	t = mailbox_transaction_begin(box, 0, __func__);
	ctx = mailbox_search_init(t, args, NULL,
				  MAIL_FETCH_GUID, NULL);
	mail_search_args_unref(&args);
	while (ret == 0 && mailbox_search_next(ctx, &mail))
		ret = retrieve_deliver_mail_match(mail, guid_hash, found);
	if (ret < 0) {
		*error_r = t_strdup_printf("Couldn't read folder %s: %s",
			folder, mailbox_get_last_internal_error(box, NULL));
	}
	if (mailbox_search_deinit(&ctx) < 0 && ret == 0) {
		*error_r = t_strdup_printf("Couldn't search folder %s: %s",
			folder, mailbox_get_last_internal_error(box, NULL));
		ret = -1;
	}
	mailbox_transaction_rollback(&t);
	mailbox_free(&box);
	hash_table_destroy(&guid_hash);
	return ret;
}

bool retrieve_deliver_is_direct(struct retrieve_deliver *deliver,
				const struct retrieve_deliver_message *msg)
{
	i_assert(deliver->prepared);
	return !deliver->filter || msg->no_filter ||
		deliver->sieve_run != NULL;
}

const char *
retrieve_deliver_message_folder(struct retrieve_deliver *deliver,
				const struct retrieve_deliver_message *msg)
{
	return msg->folder != NULL ? msg->folder : deliver->folder;
}

int retrieve_deliver_message(struct retrieve_deliver *deliver,
			     const struct retrieve_deliver_message *msg,
			     const char **error_r)
{
	struct istream *input;
	string_t *spam_hdr = NULL;
	bool filter = deliver->filter && !msg->no_filter;
	int ret;

	i_assert(deliver->prepared);
	i_assert(msg->input->seekable);
	deliver->last_spam = RETRIEVE_DELIVER_SPAM_NONE;
	array_clear(&deliver->last_saved);

	if (msg->input->stream_errno != 0) {
		*error_r = t_strdup_printf("read(%s) failed: %s",
					   i_stream_get_name(msg->input),
					   i_stream_get_error(msg->input));
		return -1;
	}

	if (filter && deliver->spam != NULL) {
		spam_hdr = t_str_new(256);
		if (retrieve_deliver_spam_scan(deliver, msg, spam_hdr,
					       error_r) < 0)
			return -1;
	}
	input = retrieve_deliver_input_create(deliver, msg, spam_hdr);
	if (filter && deliver->sieve_run != NULL) {
		ret = retrieve_deliver_sieve_store(deliver, msg, input,
						   error_r);
	} else if (filter) {
		i_assert(deliver->batch == NULL);
		ret = retrieve_deliver_sieve(deliver, msg, input, error_r);
		if (ret == 0)
			ret = 1;
	} else {
		ret = retrieve_deliver_save(deliver, msg, input, error_r);
	}
	i_stream_unref(&input);
	if (ret < 0)
		deliver->last_spam = RETRIEVE_DELIVER_SPAM_NONE;
	return ret;
}

const char *retrieve_deliver_temp_prefix(struct retrieve_deliver *deliver)
{
	string_t *str = t_str_new(256);

	mail_user_set_get_temp_prefix(str, deliver->user->set);
	return str_c(str);
}
