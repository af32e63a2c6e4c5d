/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "http-client.h"
#include "iostream-ssl.h"
#include "mail-user.h"
#include "retrieve-oauth2.h"

/* Dovecot 2.3: settings filled in here, TLS from the user's ssl_client_*
   settings like the mail connections (retrieve-ssl-context.c) */
int retrieve_oauth2_http_client_create(struct mail_user *user,
				       struct event *event,
				       unsigned int timeout_secs,
				       struct http_client **client_r,
				       const char **error_r ATTR_UNUSED)
{
	struct http_client_settings http_set;
	struct ssl_iostream_settings ssl_set;

	i_zero(&ssl_set);
	mail_user_init_ssl_client_settings(user, &ssl_set);
	i_zero(&http_set);
	http_set.dns_client_socket_path =
		t_strconcat(user->set->base_dir, "/dns-client", NULL);
	http_set.ssl = &ssl_set;
	http_set.user_agent = "dovecot-retrieve";
	http_set.max_attempts = 1;
	http_set.no_auto_retry = TRUE;
	http_set.max_redirects = 0;
	http_set.request_timeout_msecs = timeout_secs * 1000;
	http_set.connect_timeout_msecs = timeout_secs * 1000;
	http_set.max_parallel_connections = 1;
	http_set.event_parent = event;
	*client_r = http_client_init(&http_set);
	return 0;
}
