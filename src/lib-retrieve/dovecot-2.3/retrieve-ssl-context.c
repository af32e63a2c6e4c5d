/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "iostream-ssl.h"
#include "mail-user.h"
#include "retrieve-client-private.h"

int retrieve_client_ssl_wrap(struct retrieve_client *client,
			     struct istream **input, struct ostream **output,
			     struct ssl_iostream **ssl_io_r,
			     const char **error_r)
{
	struct ssl_iostream_settings ssl_set;
	struct ssl_iostream_context *ssl_ctx;
	const char *error;
	int ret;

	/* CAs, client certificate and protocol limits are Dovecot's own
	   ssl_client_* settings; only the verification is per account. */
	mail_user_init_ssl_client_settings(client->user, &ssl_set);
	ssl_set.verify_remote_cert = client->set->ssl_verify;
	ssl_set.allow_invalid_cert = !client->set->ssl_verify;

	if (ssl_iostream_client_context_cache_get(&ssl_set, &ssl_ctx,
						  &error) < 0) {
		*error_r = t_strdup_printf(
			"Couldn't initialize TLS context: %s", error);
		return -1;
	}
	ret = io_stream_create_ssl_client(ssl_ctx, client->set->host, &ssl_set,
					  input, output, ssl_io_r, &error);
	/* the stream keeps its own reference */
	ssl_iostream_context_unref(&ssl_ctx);
	if (ret < 0) {
		*error_r = t_strdup_printf("Couldn't start TLS: %s", error);
		return -1;
	}
	retrieve_client_ssl_session_offer(client, *ssl_io_r);
	return 0;
}
