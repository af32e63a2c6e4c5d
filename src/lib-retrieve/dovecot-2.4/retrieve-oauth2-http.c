/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "http-client.h"
#include "iostream-ssl.h"
#include "ssl-settings.h"
#include "settings.h"
#include "mail-user.h"
#include "retrieve-oauth2.h"

/* Dovecot 2.4: the http_client_* settings of the user as defaults, ours
   on a copy; the client looks the ssl_client_* settings up from event,
   like the mail connections (retrieve-ssl-context.c) */
/* 2.4.1's http-client puts ALPN "http/1.1" on the TLS context it finds
   new in the process's context cache, which the mail connections with
   the same ssl_client_* settings then share: a POP3 or IMAP server
   refuses the handshake ("no application protocol"). So the context is
   put into the cache here first, without ALPN; http-client then finds
   it and leaves it alone (ALPN is optional for HTTP/1.1). */
static int retrieve_oauth2_http_ssl_ctx_prime(struct event *event,
					      const char **error_r)
{
	const struct ssl_settings *ssl_set;
	const struct ssl_iostream_settings *set;
	struct ssl_iostream_context *ctx;
	int ret;

	if (ssl_client_settings_get(event, &ssl_set, error_r) < 0)
		return -1;
	ssl_client_settings_to_iostream_set(ssl_set, &set);
	ret = ssl_iostream_client_context_cache_get(set, &ctx, error_r);
	settings_free(set);
	settings_free(ssl_set);
	if (ret < 0)
		return -1;
	ssl_iostream_context_unref(&ctx);
	return 0;
}

int retrieve_oauth2_http_client_create(struct mail_user *user,
				       struct event *event,
				       unsigned int timeout_secs,
				       struct http_client **client_r,
				       const char **error_r)
{
	const struct http_client_settings *defaults;
	struct http_client_settings *set;
	const char *error;
	pool_t pool;

	if (retrieve_oauth2_http_ssl_ctx_prime(event, &error) < 0) {
		*error_r = t_strdup_printf("TLS settings: %s", error);
		return -1;
	}
	if (settings_get(event, &http_client_setting_parser_info, 0,
			 &defaults, &error) < 0) {
		*error_r = t_strdup_printf(
			"Failed to get http-client settings: %s", error);
		return -1;
	}
	/* the looked-up settings are shared and const: a copy whose
	   strings stay in the lookup's pool, which ours references */
	pool = pool_alloconly_create("retrieve oauth2 http settings", 256);
	set = p_memdup(pool, defaults, sizeof(*defaults));
	set->pool = pool;
	pool_add_external_ref(pool, defaults->pool);
	settings_free(defaults);

	set->dns_client_socket_path =
		p_strconcat(pool, user->set->base_dir, "/dns-client", NULL);
	set->user_agent = "dovecot-retrieve";
	set->request_max_attempts = 1;
	set->auto_retry = FALSE;
	set->auto_redirect = FALSE;
	set->request_max_redirects = 0;
	set->request_timeout_msecs = timeout_secs * 1000;
	set->connect_timeout_msecs = timeout_secs * 1000;
	set->max_parallel_connections = 1;
	/* the client takes our reference to the settings' pool: its
	   deinit frees the settings (settings_free()), so no unref here */
	*client_r = http_client_init(set, event);
	return 0;
}
