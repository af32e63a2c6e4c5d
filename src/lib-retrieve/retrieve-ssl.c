/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "iostream-ssl.h"
#include "retrieve-client-private.h"

/* The TLS context and stream are per Dovecot version
   (dovecot-2.x/retrieve-ssl-context.c); the verdict on the certificate
   is ours. */
int retrieve_client_ssl_check_cert(struct retrieve_client *client,
				   struct ssl_iostream *ssl_io,
				   const char **error_r)
{
	const char *error;

	/* a resumed session carries no certificate to check again: it was
	   verified for this host when it was made */
	if (retrieve_client_ssl_session_resumed(client, ssl_io)) {
		client->ssl_cert_verified = TRUE;
		e_debug(client->event, "TLS handshake done, session resumed "
			"(%s)", ssl_iostream_get_security_string(ssl_io));
		return 0;
	}
	if (ssl_iostream_check_cert_validity(ssl_io, client->set->host,
					     &error) == 0) {
		client->ssl_cert_verified = TRUE;
		e_debug(client->event, "TLS handshake done (%s)",
			ssl_iostream_get_security_string(ssl_io));
		return 0;
	}
	if (!client->set->ssl_verify) {
		e_debug(client->event, "TLS handshake done, "
			"ignoring invalid certificate (ssl_verify=no): %s",
			error);
		return 0;
	}
	*error_r = t_strdup_printf("TLS certificate of %s not trusted: %s",
				   client->set->host, error);
	return -1;
}
