/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "iostream-ssl.h"
#include "retrieve-client-private.h"

/* Dovecot 2.4: the ssl_client_* settings are looked up from the client's
   event (the user's settings), so only the per-account verification is
   ours to say. */
int retrieve_client_ssl_wrap(struct retrieve_client *client,
			     struct istream **input, struct ostream **output,
			     struct ssl_iostream **ssl_io_r,
			     const char **error_r)
{
	const struct ssl_iostream_client_autocreate_parameters params = {
		.event_parent = client->event,
		.host = client->set->host,
		/* ssl_verify=no: the handshake must not fail on the
		   certificate; retrieve_client_ssl_check_cert() decides */
		.flags = client->set->ssl_verify ? 0 :
			SSL_IOSTREAM_FLAG_ALLOW_INVALID_CERT,
	};
	const char *error;

	if (io_stream_autocreate_ssl_client(&params, input, output, ssl_io_r,
					    &error) < 0) {
		*error_r = t_strdup_printf("Couldn't start TLS: %s", error);
		return -1;
	}
	retrieve_client_ssl_session_offer(client, *ssl_io_r);
	return 0;
}
