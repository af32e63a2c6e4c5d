/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "ioloop.h"
#include "istream.h"
#include "str.h"
#include "strnum.h"
#include "sha2.h"
#include "hex-binary.h"
#include "safe-memset.h"
#include "safe-mkstemp.h"
#include "write-full.h"
#include "http-url.h"
#include "http-client.h"
#include "mail-user.h"
#include "oauth2-token-reply.h"
#include "retrieve-secrets.h"
#include "retrieve-oauth2.h"

#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#define RETRIEVE_OAUTH2_SUFFIX ".oauth2"
#define RETRIEVE_OAUTH2_FILE_HEADER "dovecot-retrieve-oauth2 1"
#define RETRIEVE_OAUTH2_FILE_MAX_SIZE (64 * 1024)
/* An endpoint that names no lifetime: the usual hour */
#define RETRIEVE_OAUTH2_DEFAULT_EXPIRES_SECS 3600
/* Nor is a token trusted for longer than a day */
#define RETRIEVE_OAUTH2_MAX_EXPIRES_SECS (24 * 3600)
/* The endpoint's error text in our error */
#define RETRIEVE_OAUTH2_ERROR_TEXT_MAX_LEN 160

struct retrieve_oauth2 {
	/* _clean: it holds tokens */
	pool_t pool;
	struct event *event;
	struct mail_user *user;
	const struct retrieve_global_settings *global;
	const struct retrieve_oauth2_settings *set;
	struct retrieve_secrets *secrets;
	const char *path;
	/* hash of what the cache belongs to: provider, endpoint, client id
	   and the configured refresh token. A cache of another origin is
	   ignored (the account was re-authorised). */
	const char *origin;

	/* the cache */
	const char *access_token;
	time_t expires;
	/* the endpoint's newer refresh token, NULL when none */
	const char *rotated_refresh_token;
	bool loaded:1;
	bool token_new:1;

	/* a refresh in progress */
	struct http_client *http_client;
	struct http_client_request *http_req;
	struct istream *payload;
	struct io *io;
	/* the whole exchange, reply body included: http-client's timeouts
	   left are per read, so a body sent a byte at a time would outlast
	   them */
	struct timeout *to;
	buffer_t *body;
	unsigned int status;
	retrieve_oauth2_callback_t *callback;
	void *context;
};

struct retrieve_oauth2 *
retrieve_oauth2_init(struct mail_user *user,
		     const struct retrieve_global_settings *global,
		     const struct retrieve_account_settings *set,
		     struct retrieve_secrets *secrets, struct event *event)
{
	struct retrieve_oauth2 *oauth2;
	struct sha256_ctx ctx;
	unsigned char digest[SHA256_RESULTLEN];
	pool_t pool;

	i_assert(set->oauth2 != NULL);
	pool = pool_alloconly_create_clean("retrieve oauth2", 2048);
	oauth2 = p_new(pool, struct retrieve_oauth2, 1);
	oauth2->pool = pool;
	oauth2->user = user;
	oauth2->global = global;
	oauth2->set = set->oauth2;
	oauth2->secrets = secrets;
	oauth2->event = event_create(event);
	oauth2->path = p_strconcat(pool, global->state_dir, "/",
				   retrieve_account_identity(set),
				   RETRIEVE_OAUTH2_SUFFIX, NULL);

	sha256_init(&ctx);
	sha256_loop(&ctx, set->oauth2->provider,
		    strlen(set->oauth2->provider) + 1);
	sha256_loop(&ctx, set->oauth2->token_url,
		    strlen(set->oauth2->token_url) + 1);
	sha256_loop(&ctx, set->oauth2->client_id,
		    strlen(set->oauth2->client_id) + 1);
	sha256_loop(&ctx, set->oauth2->refresh_token,
		    strlen(set->oauth2->refresh_token));
	sha256_result(&ctx, digest);
	oauth2->origin = p_strdup(pool, binary_to_hex(digest, sizeof(digest)));

	retrieve_secrets_add(secrets, set->oauth2->refresh_token);
	retrieve_secrets_add(secrets, set->oauth2->client_secret);
	return oauth2;
}

static void retrieve_oauth2_request_free(struct retrieve_oauth2 *oauth2)
{
	timeout_remove(&oauth2->to);
	io_remove(&oauth2->io);
	i_stream_unref(&oauth2->payload);
	if (oauth2->http_req != NULL)
		http_client_request_abort(&oauth2->http_req);
	if (oauth2->body != NULL) {
		safe_memset(buffer_get_modifiable_data(oauth2->body, NULL), 0,
			    oauth2->body->used);
		buffer_free(&oauth2->body);
	}
}

void retrieve_oauth2_deinit(struct retrieve_oauth2 **_oauth2)
{
	struct retrieve_oauth2 *oauth2 = *_oauth2;

	if (oauth2 == NULL)
		return;
	*_oauth2 = NULL;
	retrieve_oauth2_request_free(oauth2);
	if (oauth2->http_client != NULL)
		http_client_deinit(&oauth2->http_client);
	event_unref(&oauth2->event);
	pool_unref(&oauth2->pool);
}

const char *retrieve_oauth2_token(struct retrieve_oauth2 *oauth2)
{
	i_assert(oauth2->access_token != NULL);
	return oauth2->access_token;
}

bool retrieve_oauth2_token_is_new(struct retrieve_oauth2 *oauth2)
{
	return oauth2->token_new;
}

const char *
retrieve_oauth2_sasl_message(const struct retrieve_oauth2_settings *set,
			     const char *token)
{
	switch (set->mechanism) {
	case RETRIEVE_OAUTH2_MECH_XOAUTH2:
		return t_strdup_printf("user=%s\001auth=Bearer %s\001\001",
				       set->user, token);
	case RETRIEVE_OAUTH2_MECH_OAUTHBEARER:
		return t_strdup_printf("n,a=%s,\001auth=Bearer %s\001\001",
				       set->user, token);
	}
	i_unreached();
}

/* The token and every form a login sends it in */
static void retrieve_oauth2_hide_token(struct retrieve_oauth2 *oauth2,
				       const char *token)
{
	const char *msg;

	retrieve_secrets_add(oauth2->secrets, token);
	T_BEGIN {
		msg = retrieve_oauth2_sasl_message(oauth2->set, token);
		retrieve_secrets_add_base64(oauth2->secrets, msg, strlen(msg));
		safe_memset((void *)msg, 0, strlen(msg));
	} T_END;
}

/* --- the cache file --- */

static void retrieve_oauth2_cache_parse(struct retrieve_oauth2 *oauth2,
					const char *data)
{
	const char *const *lines, *const *fields, *rotated = NULL;
	const char *token = NULL;
	time_t expires = 0;
	bool origin_ok = FALSE;

	lines = t_strsplit(data, "\n");
	if (lines[0] == NULL ||
	    strcmp(lines[0], RETRIEVE_OAUTH2_FILE_HEADER) != 0) {
		e_warning(oauth2->event, "Ignoring %s: unknown format",
			  oauth2->path);
		return;
	}
	for (lines++; *lines != NULL; lines++) {
		fields = t_strsplit(*lines, "\t");
		if (fields[0] == NULL || fields[1] == NULL)
			continue;
		if (strcmp(fields[0], "origin") == 0)
			origin_ok = strcmp(fields[1], oauth2->origin) == 0;
		else if (strcmp(fields[0], "refresh_token") == 0 &&
			 oauth2_token_is_valid(fields[1]))
			rotated = fields[1];
		else if (strcmp(fields[0], "access_token") == 0 &&
			 oauth2_token_is_valid(fields[1]))
			token = fields[1];
		else if (strcmp(fields[0], "expires") == 0) {
			if (str_to_time(fields[1], &expires) < 0)
				expires = 0;
		}
	}
	if (!origin_ok) {
		/* the configured refresh token (or provider) changed: the
		   account was re-authorised, nothing cached applies */
		e_debug(oauth2->event, "OAuth2 token cache is for other "
			"settings: not used");
		return;
	}
	if (rotated != NULL) {
		oauth2->rotated_refresh_token = p_strdup(oauth2->pool, rotated);
		retrieve_secrets_add(oauth2->secrets, rotated);
	}
	if (token != NULL && expires > 0) {
		oauth2->access_token = p_strdup(oauth2->pool, token);
		oauth2->expires = expires;
		retrieve_oauth2_hide_token(oauth2, token);
	}
}

/* A missing or unusable cache is no error: the token is refreshed */
static void retrieve_oauth2_cache_load(struct retrieve_oauth2 *oauth2)
{
	struct stat st;
	buffer_t *buf;
	ssize_t ret;
	int fd;

	oauth2->loaded = TRUE;
	/* never follow a link or block on a FIFO someone put there */
	fd = open(oauth2->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno != ENOENT) {
			e_warning(oauth2->event, "open(%s) failed: %m",
				  oauth2->path);
		}
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > RETRIEVE_OAUTH2_FILE_MAX_SIZE) {
		e_warning(oauth2->event, "Ignoring %s: not a regular file of "
			  "at most %u bytes", oauth2->path,
			  RETRIEVE_OAUTH2_FILE_MAX_SIZE);
		i_close_fd(&fd);
		return;
	}
	T_BEGIN {
		buf = t_buffer_create(st.st_size + 1);
		ret = read(fd, buffer_append_space_unsafe(buf, st.st_size),
			   st.st_size);
		if (ret != st.st_size) {
			e_warning(oauth2->event, "read(%s) failed: %s",
				  oauth2->path,
				  ret < 0 ? strerror(errno) : "short read");
		} else {
			retrieve_oauth2_cache_parse(oauth2, str_c(buf));
		}
		safe_memset(buffer_get_modifiable_data(buf, NULL), 0,
			    buf->used);
	} T_END;
	i_close_fd(&fd);
}

/* Written as a whole (temp file 0600, fsync, rename): a crash leaves the
   old cache or the new one */
static int retrieve_oauth2_cache_save(struct retrieve_oauth2 *oauth2,
				      const char **error_r)
{
	string_t *temp_path, *str;
	int fd, ret = 0;

	temp_path = t_str_new(256);
	str_append(temp_path, oauth2->path);
	fd = safe_mkstemp(temp_path, 0600, (uid_t)-1, (gid_t)-1);
	if (fd == -1) {
		*error_r = t_strdup_printf("safe_mkstemp(%s) failed: %m",
					   oauth2->path);
		return -1;
	}
	str = t_str_new(1024);
	str_printfa(str, RETRIEVE_OAUTH2_FILE_HEADER"\norigin\t%s\n",
		    oauth2->origin);
	if (oauth2->rotated_refresh_token != NULL) {
		str_printfa(str, "refresh_token\t%s\n",
			    oauth2->rotated_refresh_token);
	}
	str_printfa(str, "access_token\t%s\nexpires\t%ld\n",
		    oauth2->access_token, (long)oauth2->expires);
	if (write_full(fd, str_data(str), str_len(str)) < 0 ||
	    fdatasync(fd) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m",
					   str_c(temp_path));
		ret = -1;
	}
	safe_memset(buffer_get_modifiable_data(str, NULL), 0, str_len(str));
	i_close_fd(&fd);
	if (ret == 0 && rename(str_c(temp_path), oauth2->path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %m",
					   str_c(temp_path), oauth2->path);
		ret = -1;
	}
	if (ret < 0)
		i_unlink(str_c(temp_path));
	return ret;
}

/* --- refresh --- */

static void
retrieve_oauth2_callback(struct retrieve_oauth2 *oauth2,
			 enum retrieve_result_code code, const char *resp_code,
			 const char *error)
{
	retrieve_oauth2_callback_t *callback = oauth2->callback;

	retrieve_oauth2_request_free(oauth2);
	oauth2->callback = NULL;
	callback(code, resp_code, error, oauth2->context);
}

static const char *
retrieve_oauth2_endpoint_error(const struct oauth2_token_reply *reply)
{
	/* the endpoint's own words: hostile text, bounded; the caller
	   sanitises and hides secrets before logging */
	if (reply->error_description == NULL)
		return t_strcut(reply->error, '\n');
	return t_strdup_printf("%s: %s", reply->error,
		t_strndup(reply->error_description,
			  RETRIEVE_OAUTH2_ERROR_TEXT_MAX_LEN));
}

static void
retrieve_oauth2_reply(struct retrieve_oauth2 *oauth2,
		      const struct oauth2_token_reply *reply)
{
	const char *error;
	unsigned int expires_in;

	if (reply->error != NULL || oauth2->status / 100 != 2) {
		error = reply->error == NULL ?
			t_strdup_printf("HTTP %u without an error code",
					oauth2->status) :
			retrieve_oauth2_endpoint_error(reply);
		if (reply->error != NULL &&
		    strcmp(reply->error, "invalid_grant") == 0) {
			retrieve_oauth2_callback(oauth2,
				RETRIEVE_RESULT_AUTH_FAILED,
				RETRIEVE_RESP_CODE_OAUTH2_REAUTH,
				t_strdup_printf("OAuth2 refresh token refused "
					"by provider %s (%s): the account must "
					"be re-authorised (set a new "
					"oauth2_refresh_token); paused until "
					"then", oauth2->set->provider, error));
			return;
		}
		/* invalid_client, unauthorized_client, invalid_scope, ...:
		   the administrator's provider settings */
		retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_CONFIG_ERROR,
			NULL, t_strdup_printf("OAuth2 token endpoint of "
				"provider %s refused the refresh: %s",
				oauth2->set->provider, error));
		return;
	}
	if (reply->access_token == NULL ||
	    (reply->token_type != NULL &&
	     strcasecmp(reply->token_type, "bearer") != 0)) {
		retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_REMOTE_ERROR,
			NULL, t_strdup_printf("OAuth2 token endpoint of "
				"provider %s sent no bearer access token",
				oauth2->set->provider));
		return;
	}
	expires_in = reply->expires_in == 0 ?
		RETRIEVE_OAUTH2_DEFAULT_EXPIRES_SECS :
		I_MIN(reply->expires_in, RETRIEVE_OAUTH2_MAX_EXPIRES_SECS);
	oauth2->access_token = p_strdup(oauth2->pool, reply->access_token);
	oauth2->expires = ioloop_time + expires_in;
	oauth2->token_new = TRUE;
	retrieve_oauth2_hide_token(oauth2, reply->access_token);
	if (reply->refresh_token != NULL &&
	    strcmp(reply->refresh_token, oauth2->set->refresh_token) != 0) {
		/* rotated: the old one may stop working at any time */
		retrieve_secrets_add(oauth2->secrets, reply->refresh_token);
		if (oauth2->rotated_refresh_token == NULL ||
		    strcmp(oauth2->rotated_refresh_token,
			   reply->refresh_token) != 0) {
			e_debug(oauth2->event, "OAuth2 refresh token rotated "
				"by the provider: keeping the new one");
		}
		oauth2->rotated_refresh_token =
			p_strdup(oauth2->pool, reply->refresh_token);
	}
	if (retrieve_oauth2_cache_save(oauth2, &error) < 0) {
		/* a rotated refresh token not kept may be lost for good:
		   no login with it before it is stored */
		retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_INTERNAL_ERROR,
			NULL, t_strdup_printf("Couldn't store the OAuth2 "
					      "token: %s", error));
		return;
	}
	e_debug(oauth2->event, "OAuth2 access token refreshed (valid for "
		"%u s)", expires_in);
	retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_OK, NULL, NULL);
}

static void retrieve_oauth2_body_end(struct retrieve_oauth2 *oauth2)
{
	struct oauth2_token_reply reply;
	const char *error;
	pool_t pool;

	pool = pool_alloconly_create_clean("oauth2 reply", 1024);
	if (oauth2_token_reply_parse(oauth2->body->data, oauth2->body->used,
				     pool, &reply, &error) < 0) {
		retrieve_oauth2_callback(oauth2,
			oauth2->status / 100 == 2 ?
			RETRIEVE_RESULT_REMOTE_ERROR :
			RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			t_strdup_printf("OAuth2 token endpoint of provider "
					"%s (HTTP %u): %s",
					oauth2->set->provider, oauth2->status,
					error));
	} else {
		retrieve_oauth2_reply(oauth2, &reply);
	}
	pool_unref(&pool);
}

static void retrieve_oauth2_body_input(struct retrieve_oauth2 *oauth2)
{
	const unsigned char *data;
	size_t size;
	int ret;

	while ((ret = i_stream_read_more(oauth2->payload, &data, &size)) > 0) {
		if (oauth2->body->used + size > OAUTH2_TOKEN_REPLY_MAX_SIZE) {
			retrieve_oauth2_callback(oauth2,
				RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				t_strdup_printf("OAuth2 token endpoint of "
					"provider %s: reply over %u bytes",
					oauth2->set->provider,
					OAUTH2_TOKEN_REPLY_MAX_SIZE));
			return;
		}
		buffer_append(oauth2->body, data, size);
		i_stream_skip(oauth2->payload, size);
	}
	if (ret == 0)
		return;
	if (oauth2->payload->stream_errno != 0) {
		retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			NULL, t_strdup_printf("OAuth2 token endpoint of "
				"provider %s: reading the reply failed: %s",
				oauth2->set->provider,
				i_stream_get_error(oauth2->payload)));
		return;
	}
	T_BEGIN {
		retrieve_oauth2_body_end(oauth2);
	} T_END;
}

static void
retrieve_oauth2_http_response(const struct http_response *response,
			      struct retrieve_oauth2 *oauth2)
{
	oauth2->http_req = NULL;
	oauth2->status = response->status;
	if (response->status / 100 != 2 && response->status / 100 != 4) {
		/* unreachable (http-client's own 9xxx codes), 5xx, 3xx:
		   temporary, the next run tries again */
		retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_REMOTE_TEMPFAIL,
			NULL, t_strdup_printf("OAuth2 token endpoint of "
				"provider %s unavailable: %s",
				oauth2->set->provider,
				http_response_get_message(response)));
		return;
	}
	oauth2->body = buffer_create_dynamic(default_pool, 1024);
	if (response->payload == NULL) {
		T_BEGIN {
			retrieve_oauth2_body_end(oauth2);
		} T_END;
		return;
	}
	/* the payload is read after this callback returns */
	oauth2->payload = response->payload;
	i_stream_ref(oauth2->payload);
	oauth2->io = io_add_istream(oauth2->payload,
				    retrieve_oauth2_body_input, oauth2);
	retrieve_oauth2_body_input(oauth2);
}

static void retrieve_oauth2_timeout(struct retrieve_oauth2 *oauth2)
{
	retrieve_oauth2_callback(oauth2, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
		t_strdup_printf("OAuth2 token endpoint of provider %s: "
				"no complete reply in %u s (timed out)",
				oauth2->set->provider,
				oauth2->global->timeout_secs));
}

/* Dovecot 2.3.19's oauth2_refresh_start() builds the form but posts an
   empty body (oauth2-request.c passes NULL for the payload), and asserts
   on tokens it does not like; so the request is made here, on the same
   http-client, and the reply parsed by oauth2-token-reply.c. */
static void retrieve_oauth2_refresh(struct retrieve_oauth2 *oauth2)
{
	const char *refresh_token = oauth2->rotated_refresh_token != NULL ?
		oauth2->rotated_refresh_token : oauth2->set->refresh_token;
	string_t *form;
	const char *error;

	if (oauth2->http_client == NULL &&
	    retrieve_oauth2_http_client_create(oauth2->user, oauth2->event,
			oauth2->global->timeout_secs,
			&oauth2->http_client, &error) < 0) {
		retrieve_oauth2_callback(oauth2,
			RETRIEVE_RESULT_INTERNAL_ERROR, NULL, error);
		return;
	}
	oauth2->token_new = FALSE;
	form = str_new(oauth2->pool, 512);
	str_append(form, "grant_type=refresh_token&refresh_token=");
	http_url_escape_param(form, refresh_token);
	str_append(form, "&client_id=");
	http_url_escape_param(form, oauth2->set->client_id);
	if (oauth2->set->client_secret[0] != '\0') {
		str_append(form, "&client_secret=");
		http_url_escape_param(form, oauth2->set->client_secret);
	}
	if (oauth2->set->scope[0] != '\0') {
		str_append(form, "&scope=");
		http_url_escape_param(form, oauth2->set->scope);
	}
	e_debug(oauth2->event, "Refreshing the OAuth2 access token at %s%s",
		oauth2->set->token_url,
		oauth2->rotated_refresh_token != NULL ?
		" (with the rotated refresh token)" : "");
	oauth2->http_req = http_client_request_url_str(oauth2->http_client,
		"POST", oauth2->set->token_url,
		retrieve_oauth2_http_response, oauth2);
	http_client_request_add_header(oauth2->http_req, "Content-Type",
				       "application/x-www-form-urlencoded");
	http_client_request_add_header(oauth2->http_req, "Accept",
				       "application/json");
	/* the form lives in the clean pool until deinit: no copy */
	oauth2->payload = i_stream_create_from_data(str_data(form),
						    str_len(form));
	http_client_request_set_payload(oauth2->http_req, oauth2->payload,
					FALSE);
	i_stream_unref(&oauth2->payload);
	/* no http_client_request_set_timeout_msecs(): 2.3.19's absolute
	   request timeout destroys the payload stream under our io while we
	   read it, and its connection then adds its own io on the same fd
	   (a panic). Our timer covers the exchange and removes our io
	   before aborting. */
	oauth2->to = timeout_add(oauth2->global->timeout_secs * 1000,
				 retrieve_oauth2_timeout, oauth2);
	http_client_request_submit(oauth2->http_req);
}

void retrieve_oauth2_token_get(struct retrieve_oauth2 *oauth2, bool refresh,
			       retrieve_oauth2_callback_t *callback,
			       void *context)
{
	i_assert(oauth2->callback == NULL);

	if (!oauth2->loaded)
		retrieve_oauth2_cache_load(oauth2);
	if (!refresh && oauth2->access_token != NULL &&
	    oauth2->expires > ioloop_time + RETRIEVE_OAUTH2_EXPIRY_MARGIN_SECS) {
		e_debug(oauth2->event, "Using the cached OAuth2 access token "
			"(valid for %ld s more)",
			(long)(oauth2->expires - ioloop_time));
		oauth2->token_new = FALSE;
		callback(RETRIEVE_RESULT_OK, NULL, NULL, context);
		return;
	}
	oauth2->callback = callback;
	oauth2->context = context;
	retrieve_oauth2_refresh(oauth2);
}
