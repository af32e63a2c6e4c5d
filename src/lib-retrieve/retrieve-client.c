/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "time-util.h"
#include "str.h"
#include "istream.h"
#include "str-sanitize.h"
#include "net.h"
#include "dns-lookup.h"
#include "mail-user.h"
#include "retrieve-deliver.h"
#include "retrieve-secrets.h"
#include "retrieve-oauth2.h"
#include "retrieve-state.h"
#include "retrieve-client-private.h"

/* Remote text (errors, resp-codes, folder names) in logs, events and the
   state stays one short line */
#define RETRIEVE_ERROR_MAX_LEN 300
#define RETRIEVE_RESP_CODE_MAX_LEN 64
#define RETRIEVE_FOLDER_NAME_MAX_LEN 200

struct event_category event_category_retrieve = {
	.name = "retrieve",
};

static const struct retrieve_backend *
retrieve_backend_find(enum retrieve_protocol protocol)
{
	switch (protocol) {
	case RETRIEVE_PROTOCOL_POP3:
		return &retrieve_backend_pop3;
	case RETRIEVE_PROTOCOL_IMAP:
		return &retrieve_backend_imap;
	}
	return NULL;
}

struct retrieve_client *
(retrieve_client_init)(struct mail_user *user,
		     const struct retrieve_global_settings *global_set,
		     const struct retrieve_account_settings *set,
		     retrieve_client_callback_t *callback, void *context)
{
	const struct retrieve_backend *backend;
	struct retrieve_client *client;
	pool_t pool;

	backend = retrieve_backend_find(set->protocol);
	if (backend != NULL)
		client = backend->v.alloc();
	else {
		/* still a client, so the failure is reported and recorded
		   like any other */
		pool = pool_alloconly_create("retrieve client", 1024);
		client = p_new(pool, struct retrieve_client, 1);
		client->pool = pool;
	}
	client->backend = backend;
	p_array_init(&client->folders, client->pool, 4);
	client->cur_folder_idx = -1;
	client->user = user;
	mail_user_ref(user);
	client->global_set = global_set;
	client->set = set;
	client->callback = callback;
	client->context = context;

	client->secrets = retrieve_secrets_init(set->username, set->password);
	client->event = event_create(user->event);
	event_add_category(client->event, &event_category_retrieve);
	event_add_str(client->event, "account", set->name);
	event_add_str(client->event, "protocol",
		      retrieve_protocol_name(set->protocol));
	event_add_str(client->event, "host", set->host);
	event_set_append_log_prefix(client->event,
		t_strdup_printf("retrieve(%s): ", set->name));
	return client;
}

int retrieve_client_check_ip(struct retrieve_client *client,
			     const struct ip_addr *ip, const char **error_r)
{
	const char *error;

	if (retrieve_global_settings_check_ip(client->global_set, ip,
					      &error) < 0) {
		*error_r = t_strdup_printf("%s (host %s)", error,
					   client->set->host);
		return -1;
	}
	return 0;
}

static void
retrieve_client_check_ips_run(struct retrieve_client *client,
			      const struct ip_addr *ips, unsigned int count)
{
	const char *error;
	unsigned int i;

	/* any of them may be the one connected to */
	for (i = 0; i < count; i++) {
		if (retrieve_client_check_ip(client, &ips[i], &error) < 0) {
			retrieve_client_finish(client,
				RETRIEVE_RESULT_CONFIG_ERROR, NULL, error);
			return;
		}
	}
	client->backend->v.run(client);
}

void retrieve_client_dns_settings(struct retrieve_client *client,
				  struct dns_lookup_settings *set_r)
{
	i_zero(set_r);
	set_r->dns_client_socket_path =
		t_strconcat(client->user->set->base_dir, "/dns-client", NULL);
	set_r->timeout_msecs = client->global_set->timeout_secs * 1000;
	set_r->event_parent = client->event;
}

const char *
retrieve_client_dns_error(struct retrieve_client *client,
			  const struct dns_lookup_result *result)
{
	return t_strdup_printf("DNS lookup of %s failed: %s",
			       client->set->host, result->error);
}

static void
retrieve_client_dns_callback(const struct dns_lookup_result *result,
			     struct retrieve_client *client)
{
	client->dns_lookup = NULL;
	if (result->ret != 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			NULL, retrieve_client_dns_error(client, result));
		return;
	}
	retrieve_client_check_ips_run(client, result->ips, result->ips_count);
}

/* imapc resolves and connects by itself and can't be handed an address
   (its certificate check wants the host name), so the core resolves the
   host first, with the same DNS client, and checks every address. imapc's
   own lookup follows within milliseconds: a DNS server answering
   differently the second time (rebinding) is not caught. POP3 checks the
   address it connects to itself (retrieve-pop3-conn.c). */
static void retrieve_client_backend_run(struct retrieve_client *client)
{
	struct dns_lookup_settings dns_set;
	struct ip_addr ip;

	if (client->set->protocol != RETRIEVE_PROTOCOL_IMAP) {
		client->backend->v.run(client);
		return;
	}
	if (net_addr2ip(client->set->host, &ip) == 0) {
		retrieve_client_check_ips_run(client, &ip, 1);
		return;
	}
	retrieve_client_dns_settings(client, &dns_set);
	if (dns_lookup(client->set->host, &dns_set,
		       retrieve_client_dns_callback, client,
		       &client->dns_lookup) < 0) {
		/* the callback already finished the run */
		client->dns_lookup = NULL;
	}
}

static void
retrieve_client_oauth2_callback(enum retrieve_result_code code,
				const char *resp_code, const char *error,
				struct retrieve_client *client)
{
	if (code != RETRIEVE_RESULT_OK) {
		/* the token endpoint's verdict, not the server's: no new
		   token can come of a retry */
		client->oauth2_retried = TRUE;
		client->oauth2_resp_code = resp_code != NULL;
		retrieve_client_finish(client, code, resp_code, error);
		return;
	}
	retrieve_client_backend_run(client);
}

/* The login's credentials first: an OAuth2 access token may need a
   refresh at the provider's token endpoint */
static void retrieve_client_login_prepare(struct retrieve_client *client,
					  bool refresh)
{
	if (client->set->auth != RETRIEVE_AUTH_OAUTH2) {
		retrieve_client_backend_run(client);
		return;
	}
	if (client->oauth2 == NULL) {
		client->oauth2 = retrieve_oauth2_init(client->user,
			client->global_set, client->set, client->secrets,
			client->event);
	}
	retrieve_oauth2_token_get(client->oauth2, refresh,
		(retrieve_oauth2_callback_t *)retrieve_client_oauth2_callback,
		client);
}

const char *retrieve_client_oauth2_token(struct retrieve_client *client)
{
	return retrieve_oauth2_token(client->oauth2);
}

static void retrieve_client_backend_free(struct retrieve_client *client)
{
	if (client->dns_lookup != NULL)
		dns_lookup_abort(&client->dns_lookup);
	if (client->backend != NULL && !client->backend_freed) {
		client->backend_freed = TRUE;
		client->backend->v.deinit(client);
	}
}

/* Ends a run that the backend does not end itself (run deadline, signal):
   the backend is freed first, so nothing more is sent to the remote
   (POP3 deletions without QUIT are not committed there; IMAP expunges
   only what was recorded); what was delivered is already journaled and
   becomes part of the state in retrieve_client_finish(). */
static void retrieve_client_abort(struct retrieve_client *client,
				  enum retrieve_result_code code,
				  const char *error)
{
	if (client->restarting) {
		/* stopped between the rejection and the restart */
		timeout_remove(&client->to_restart);
		client->restarting = FALSE;
		client->finished = FALSE;
	}
	if (client->finished)
		return;
	retrieve_client_backend_free(client);
	retrieve_client_finish(client, code, NULL, error);
}

static void retrieve_client_run_timeout(struct retrieve_client *client)
{
	timeout_remove(&client->to_run);
	retrieve_client_abort(client, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
		t_strdup_printf("Run timeout after %u s (retrieve_run_timeout)",
				client->global_set->run_timeout_secs));
}

void retrieve_client_run(struct retrieve_client *client)
{
	const char *error;
	unsigned int pending_count;
	int ret;

	i_gettimeofday(&client->start_time);
	client->result.started = client->start_time.tv_sec;

	if (client->backend == NULL) {
		retrieve_client_finish(client, RETRIEVE_RESULT_CONFIG_ERROR,
			NULL, t_strdup_printf("%s retrieval is not supported",
				retrieve_protocol_name(client->set->protocol)));
		return;
	}

	ret = retrieve_state_open(client->global_set->state_dir,
				  retrieve_account_identity(client->set),
				  &client->state, &error);
	if (ret == 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_LOCKED,
				       NULL, error);
		return;
	}
	if (ret < 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_INTERNAL_ERROR,
				       NULL, error);
		return;
	}
	if (retrieve_deliver_init(client->user, client->set, client->event,
				  &client->deliver, &error) < 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_LOCAL_TEMPFAIL,
				       NULL, error);
		return;
	}
	if (client->global_set->spam.scanner != NULL &&
	    client->global_set->spam.scanner[0] != '\0' &&
	    retrieve_deliver_spam_init(client->deliver,
				       &client->global_set->spam,
				       &error) < 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_CONFIG_ERROR,
				       NULL, error);
		return;
	}
	/* An interrupted batch is looked up where it was saved, as things
	   are now: a folder or Sieve that fails fails the run before the
	   pending records are resolved (they stay for the next run). Else
	   the first message prepares delivery. */
	(void)retrieve_state_get_unresolved(client->state, &pending_count);
	if (pending_count > 0 &&
	    retrieve_deliver_prepare(client->deliver, &error) < 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_LOCAL_TEMPFAIL,
				       NULL, error);
		return;
	}
	if (retrieve_client_batch_recover(client, &error) < 0) {
		retrieve_client_finish(client, RETRIEVE_RESULT_INTERNAL_ERROR,
				       NULL, error);
		return;
	}
	e_debug(client->event, "Retrieving from %s:%u as %s",
		client->set->host, client->set->port, client->set->username);
	/* the per-step timeout resets on every byte; this one does not */
	client->to_run = timeout_add(
		I_MIN(client->global_set->run_timeout_secs, INT_MAX/1000) * 1000,
		retrieve_client_run_timeout, client);
	retrieve_client_login_prepare(client, FALSE);
}

static void retrieve_client_oauth2_restart(struct retrieve_client *client)
{
	timeout_remove(&client->to_restart);
	retrieve_client_backend_free(client);
	client->backend_freed = FALSE;
	client->restarting = FALSE;
	client->finished = FALSE;
	retrieve_client_login_prepare(client, TRUE);
}

/* The remote refused the access token: it may have been revoked or
   expired early (the cached expiry is the provider's word, not the
   server's). One new token and one more login per run; a token fetched
   in this very run is not retried. */
static bool retrieve_client_oauth2_rejected(struct retrieve_client *client,
					    const char *error)
{
	if (client->oauth2 == NULL || client->oauth2_retried ||
	    retrieve_oauth2_token_is_new(client->oauth2) ||
	    client->result.code != RETRIEVE_RESULT_OK ||
	    client->result.messages > 0)
		return FALSE;
	client->oauth2_retried = TRUE;
	e_debug(client->event, "The server refused the cached OAuth2 access "
		"token (%s): refreshing it and logging in again",
		retrieve_client_sanitize(client, error,
					 RETRIEVE_ERROR_MAX_LEN));
	/* the backend may be deep in its own call stack: it stops as if
	   finished, and is freed and run again from the ioloop */
	client->finished = TRUE;
	client->restarting = TRUE;
	client->to_restart = timeout_add_short(0,
		retrieve_client_oauth2_restart, client);
	return TRUE;
}

bool retrieve_client_size_cut_short(uoff_t announced, uoff_t received)
{
	return received < announced &&
		announced - received > I_MAX(announced / 10,
					     RETRIEVE_SIZE_SHORT_SLACK);
}

const char *retrieve_client_hide_secrets(struct retrieve_client *client,
					 const char *text)
{
	return retrieve_secrets_hide(client->secrets, text);
}

const char *retrieve_client_sanitize(struct retrieve_client *client,
				     const char *text, size_t max_len)
{
	string_t *str;

	if (text == NULL)
		return NULL;
	/* Secrets first: sanitising could split a password that holds
	   control characters */
	str = t_str_new(strlen(text) + 16);
	str_append(str, retrieve_client_hide_secrets(client, text));
	/* control characters (CR, LF, ESC, DEL, ...) become '?' (DEL here:
	   str_sanitize() keeps it), invalid UTF-8 is replaced, and the
	   length is bounded */
	for (size_t i = 0; i < str_len(str); i++) {
		if (str_data(str)[i] == 0x7f)
			buffer_write(str, i, "?", 1);
	}
	return str_sanitize(str_c(str), max_len);
}

static void retrieve_client_callback(struct retrieve_client *client)
{
	timeout_remove(&client->to_finish);
	client->callback(&client->result, client->context);
}

static void retrieve_client_log_result(struct retrieve_client *client)
{
	const struct retrieve_result *result = &client->result;
	struct event_passthrough *e =
		event_create_passthrough(client->event)->
		set_name("retrieve_finished")->
		add_str("result", retrieve_result_code_name(result->code))->
		add_int("messages", result->messages)->
		add_int("bytes", result->bytes)->
		add_int("skipped", result->skipped_too_large)->
		add_int("deleted", result->deleted)->
		add_int("spam", result->spam)->
		add_int("spam_unscanned", result->spam_unscanned);

	if (result->code == RETRIEVE_RESULT_OK) {
		e_debug(e->event(), "Retrieved %u messages (%"PRIuUOFF_T
			" bytes), deleted %u, skipped %u too large, "
			"%u spam, %u not scanned for spam",
			result->messages, result->bytes, result->deleted,
			result->skipped_too_large, result->spam,
			result->spam_unscanned);
		return;
	}
	e->add_str("error", result->error);
	if (result->resp_code != NULL)
		e->add_str("resp_code", result->resp_code);
	e_error(e->event(), "%s (%s; %u messages retrieved before)",
		result->error, retrieve_result_code_name(result->code),
		result->messages);
}

/* Each remote folder's part of the run, for "doveadm retrieve status" */
static void retrieve_client_folders_set_result(struct retrieve_client *client)
{
	const struct retrieve_folder_result *folder;

	array_foreach(&client->folders, folder) {
		/* a vanished folder's state is forgotten; an absent one
		   keeps its last run */
		if (folder->vanished || folder->absent)
			continue;
		retrieve_state_folder_set_result(client->state,
			folder->remote_name, client->result.started,
			folder->messages, folder->bytes, folder->errors,
			folder->error);
	}
}

void retrieve_client_set_login_delay(struct retrieve_client *client,
				     unsigned int secs)
{
	/* kept with the run's result, for the schedule */
	if (client->state != NULL)
		retrieve_state_set_login_delay(client->state, secs);
}

void retrieve_client_finish(struct retrieve_client *client,
			    enum retrieve_result_code code,
			    const char *resp_code, const char *error)
{
	struct retrieve_result *result = &client->result;
	const char *state_error;

	if (client->finished)
		return;
	if (code == RETRIEVE_RESULT_AUTH_FAILED &&
	    retrieve_client_oauth2_rejected(client, error))
		return;
	client->finished = TRUE;
	timeout_remove(&client->to_run);
	/* the batch's messages arrived whole: committed and recorded, they
	   are deleted on the remote by a later run */
	if (client->deliver != NULL)
		(void)retrieve_client_commit(client);

	if (resp_code != NULL && !client->oauth2_resp_code &&
	    strcasecmp(resp_code, RETRIEVE_RESP_CODE_OAUTH2_REAUTH) == 0) {
		/* it pauses the account at once: only ours may */
		resp_code = NULL;
	}
	/* a local failure was already recorded and is the real cause */
	if (result->code == RETRIEVE_RESULT_OK) {
		result->code = code;
		result->error = error;
		result->resp_code = resp_code;
	}
	/* the one place every outcome passes: log, event, state and doveadm
	   all get it sanitised */
	result->error = p_strdup(client->pool,
		retrieve_client_sanitize(client, result->error,
					 RETRIEVE_ERROR_MAX_LEN));
	result->resp_code = p_strdup(client->pool,
		retrieve_client_sanitize(client, result->resp_code,
					 RETRIEVE_RESP_CODE_MAX_LEN));
	i_assert(result->code == RETRIEVE_RESULT_OK || result->error != NULL);
	result->folders = array_get(&client->folders, &result->folders_count);
	result->duration_msecs =
		timeval_diff_msecs(&ioloop_timeval, &client->start_time);
	retrieve_client_log_result(client);

	if (client->state != NULL) {
		retrieve_client_folders_set_result(client);
		retrieve_state_set_result(client->state, result->started,
					  result->duration_msecs, result->code,
					  result->resp_code, result->error,
					  result->messages, result->bytes);
		retrieve_state_set_spam(client->state, result->spam);
		if (retrieve_state_commit(client->state, &state_error) < 0) {
			e_error(client->event, "Couldn't save state: %s",
				state_error);
		}
	}
	/* the backend may be deep in its own call stack */
	client->to_finish = timeout_add_short(0, retrieve_client_callback,
					      client);
}

bool retrieve_client_is_retrieved(struct retrieve_client *client,
				  const char *folder, const char *uid)
{
	return retrieve_state_have_uid(client->state, folder, uid);
}

bool retrieve_client_want(struct retrieve_client *client, const char *folder,
			  const char *uid, uoff_t size)
{
	if (retrieve_state_have_uid(client->state, folder, uid))
		return FALSE;
	if (strlen(uid) > RETRIEVE_STATE_MAX_KEY_LEN ||
	    strlen(folder) > RETRIEVE_STATE_MAX_KEY_LEN) {
		/* it could never be recorded, so never deleted: delivering
		   it would repeat on every run */
		e_warning(client->event, "Leaving a message on the server: "
			  "its UID or folder name is over %u bytes",
			  RETRIEVE_STATE_MAX_KEY_LEN);
		if (client->cur_folder_idx >= 0) {
			retrieve_client_folder_error(client,
				"UID or folder name too long");
		}
		return FALSE;
	}
	if (client->set->max_size != 0 && size > client->set->max_size) {
		retrieve_client_skipped(client, 1);
		e_warning(client->event, "Leaving %s%s%s on the server: "
			  "%"PRIuUOFF_T" bytes is over max_size %"PRIuUOFF_T,
			  folder, *folder == '\0' ? "" : "/", uid,
			  size, client->set->max_size);
		return FALSE;
	}
	return TRUE;
}

int retrieve_client_record(struct retrieve_client *client, const char *folder,
			   const char *uid, const char *fingerprint)
{
	const char *error;

	if (client->result.code != RETRIEVE_RESULT_OK)
		return -1;
	if (retrieve_state_add_uid_fingerprint(client->state, folder, uid,
					       fingerprint, &error) < 0) {
		client->result.code = RETRIEVE_RESULT_INTERNAL_ERROR;
		client->result.error = p_strdup_printf(client->pool,
			"Couldn't record a retrieved message: %s", error);
		return -1;
	}
	return 0;
}

void retrieve_client_set_uidvalidity(struct retrieve_client *client,
				     const char *folder, uint32_t uidvalidity)
{
	retrieve_state_set_uidvalidity(client->state, folder, uidvalidity);
}

void retrieve_client_folder_begin(struct retrieve_client *client,
				  const char *name, const char *display_name)
{
	struct retrieve_folder_result *folder;

	client->cur_folder_idx = array_count(&client->folders);
	folder = array_append_space(&client->folders);
	folder->name = p_strdup(client->pool,
		retrieve_client_sanitize(client, display_name,
					 RETRIEVE_FOLDER_NAME_MAX_LEN));
	folder->remote_name = p_strdup(client->pool, name);
}

void retrieve_client_folder_error(struct retrieve_client *client,
				  const char *error)
{
	struct retrieve_folder_result *folder;

	i_assert(client->cur_folder_idx >= 0);
	folder = array_idx_modifiable(&client->folders,
				      client->cur_folder_idx);
	folder->errors++;
	if (error != NULL && folder->error == NULL) {
		folder->error = p_strdup(client->pool,
			retrieve_client_sanitize(client, error,
						 RETRIEVE_ERROR_MAX_LEN));
	}
}

void retrieve_client_folder_vanished(struct retrieve_client *client,
				     const char *name,
				     const char *display_name)
{
	struct retrieve_folder_result *folder;

	display_name = retrieve_client_sanitize(client, display_name,
						RETRIEVE_FOLDER_NAME_MAX_LEN);
	folder = array_append_space(&client->folders);
	folder->name = p_strdup(client->pool, display_name);
	folder->remote_name = p_strdup(client->pool, name);
	/* A folder list can be transiently short: forgetting the folder
	   at once would make the next run deliver it all again (keep=yes).
	   It goes only when the list of a later run lacks it too. */
	if (!retrieve_state_mark_folder_absent(client->state, name)) {
		e_info(client->event, "Folder %s is missing from the remote's "
		       "folder list: keeping its state until a later run "
		       "finds it missing too", display_name);
		folder->absent = TRUE;
		folder->error = "Missing from the remote's folder list "
			"(forgotten when the next run misses it too)";
		return;
	}
	e_info(client->event, "Folder %s no longer exists on the remote: "
	       "forgetting which of its messages were retrieved",
	       display_name);
	folder->vanished = TRUE;
	folder->error = "No longer exists on the remote";
}

void retrieve_client_prune(struct retrieve_client *client, const char *folder,
			   const char *const *present)
{
	retrieve_state_prune(client->state, folder, present);
}

void retrieve_client_deleted(struct retrieve_client *client)
{
	client->result.deleted++;
}

void retrieve_client_skipped(struct retrieve_client *client,
			     unsigned int count)
{
	client->result.skipped_too_large += count;
}

uoff_t retrieve_client_max_message_size(struct retrieve_client *client)
{
	uoff_t max_size = client->global_set->max_message_size;

	if (client->set->max_size != 0 && client->set->max_size < max_size)
		max_size = client->set->max_size;
	return max_size;
}

char retrieve_client_local_separator(struct retrieve_client *client)
{
	return retrieve_deliver_get_separator(client->deliver);
}

const char *
retrieve_client_local_special_use(struct retrieve_client *client,
				  const char *special_use)
{
	return retrieve_deliver_special_use_folder(client->deliver,
						   special_use);
}

int retrieve_client_local_folder_prepare(struct retrieve_client *client,
					 const char *folder,
					 const char **error_r)
{
	if (retrieve_client_commit(client) < 0) {
		*error_r = client->result.error;
		return -1;
	}
	return retrieve_deliver_folder_prepare(client->deliver, folder,
					       error_r);
}

uint32_t retrieve_client_get_uidvalidity(struct retrieve_client *client,
					 const char *folder)
{
	return retrieve_state_get_uidvalidity(client->state, folder);
}

const char *const *
retrieve_client_get_fingerprints(struct retrieve_client *client,
				 const char *folder, pool_t pool)
{
	return retrieve_state_get_fingerprints(client->state, folder, pool);
}

const char *const *
retrieve_client_get_folders(struct retrieve_client *client, pool_t pool)
{
	return retrieve_state_get_folders(client->state, pool);
}

void retrieve_client_folder_listed(struct retrieve_client *client,
				   const char *folder)
{
	retrieve_state_mark_folder_listed(client->state, folder);
}

const char *retrieve_client_temp_prefix(struct retrieve_client *client)
{
	return retrieve_deliver_temp_prefix(client->deliver);
}

void retrieve_client_deinit(struct retrieve_client **_client)
{
	struct retrieve_client *client = *_client;

	*_client = NULL;
	retrieve_client_backend_free(client);
	timeout_remove(&client->to_finish);
	timeout_remove(&client->to_run);
	timeout_remove(&client->to_restart);
	retrieve_oauth2_deinit(&client->oauth2);
	retrieve_client_batch_deinit(client);
	if (client->deliver != NULL)
		retrieve_deliver_deinit(&client->deliver);
	if (client->state != NULL)
		retrieve_state_close(&client->state);
	retrieve_secrets_deinit(&client->secrets);
	event_unref(&client->event);
	mail_user_unref(&client->user);
	pool_unref(&client->pool);
}

struct retrieve_client_sync_context {
	struct ioloop *ioloop;
	const struct retrieve_result *result;
};

static void
retrieve_client_sync_callback(const struct retrieve_result *result,
			      struct retrieve_client_sync_context *ctx)
{
	ctx->result = result;
	io_loop_stop(ctx->ioloop);
}

void retrieve_client_run_sync(struct mail_user *user,
			      const struct retrieve_global_settings *global_set,
			      const struct retrieve_account_settings *set,
			      struct retrieve_result *result_r, pool_t pool)
{
	struct retrieve_client_sync_context ctx;
	struct retrieve_client *client;

	i_zero(&ctx);
	/* The caller's own ioloop, not a private one: storage adds timeouts
	   that outlive the run (mailbox list index refresh) to the current
	   ioloop. Callers are not inside io_loop_run() (doveadm's run()). */
	ctx.ioloop = current_ioloop;
	i_assert(!io_loop_is_running(ctx.ioloop));
	client = retrieve_client_init(user, global_set, set,
				      retrieve_client_sync_callback, &ctx);
	retrieve_client_run(client);
	if (ctx.result == NULL)
		io_loop_run(ctx.ioloop);
	if (ctx.result == NULL) {
		/* Someone else stopped the ioloop: doveadm's SIGTERM/SIGINT
		   handler. The run ends here, consistently: recorded as a
		   temporary failure (the lock goes with the client). */
		retrieve_client_abort(client, RETRIEVE_RESULT_LOCAL_TEMPFAIL,
				      "Run interrupted (signal)");
		ctx.result = &client->result;
	}

	*result_r = *ctx.result;
	result_r->error = p_strdup(pool, ctx.result->error);
	result_r->resp_code = p_strdup(pool, ctx.result->resp_code);
	if (ctx.result->folders_count > 0) {
		struct retrieve_folder_result *folders;
		unsigned int i;

		folders = p_new(pool, struct retrieve_folder_result,
				ctx.result->folders_count);
		for (i = 0; i < ctx.result->folders_count; i++) {
			folders[i] = ctx.result->folders[i];
			folders[i].name = p_strdup(pool, folders[i].name);
			folders[i].remote_name =
				p_strdup(pool, folders[i].remote_name);
			folders[i].error = p_strdup(pool, folders[i].error);
		}
		result_r->folders = folders;
	}
	retrieve_client_deinit(&client);
}
