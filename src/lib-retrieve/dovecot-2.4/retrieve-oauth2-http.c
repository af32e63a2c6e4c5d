/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "http-client.h"
#include "settings.h"
#include "mail-user.h"
#include "retrieve-oauth2.h"

/* Dovecot 2.4: the http_client_* settings of the user as defaults, ours
   on a copy; the client looks the ssl_client_* settings up from event,
   like the mail connections (retrieve-ssl-context.c) */
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
	/* the client references the pool as long as it lives */
	*client_r = http_client_init(set, event);
	pool_unref(&pool);
	return 0;
}
