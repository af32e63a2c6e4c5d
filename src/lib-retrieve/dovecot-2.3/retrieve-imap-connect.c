/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "mail-user.h"
#include "imapc-client.h"
#include "retrieve-imap-client.h"

/* Dovecot 2.3: imapc takes all of its settings from us. */
struct imapc_client *retrieve_imap_connect_init(struct imap_client *ic)
{
	struct retrieve_client *client = &ic->client;
	const struct retrieve_account_settings *set = client->set;
	struct imapc_client_settings imapc_set;

	i_zero(&imapc_set);
	imapc_set.host = set->host;
	imapc_set.port = set->port;
	if (set->auth == RETRIEVE_AUTH_OAUTH2) {
		/* AUTHENTICATE XOAUTH2/OAUTHBEARER (SASL-IR when offered):
		   imapc's SASL clients, the token as the password */
		imapc_set.username = set->oauth2->user;
		imapc_set.password = retrieve_client_oauth2_token(client);
		imapc_set.sasl_mechanisms =
			retrieve_oauth2_mechanism_name(set->oauth2->mechanism);
	} else {
		imapc_set.username = set->username;
		imapc_set.password = set->password;
	}
	imapc_set.dns_client_socket_path =
		t_strconcat(client->user->set->base_dir, "/dns-client", NULL);
	imapc_set.temp_path_prefix = retrieve_client_temp_prefix(client);
	imapc_set.max_idle_time = IMAPC_DEFAULT_MAX_IDLE_TIME;
	/* imapc dereferences it: "" is "no rawlog" */
	imapc_set.rawlog_dir = "";
	imapc_set.connect_timeout_msecs = client->global_set->timeout_secs * 1000;
	imapc_set.cmd_timeout_msecs = client->global_set->timeout_secs * 1000;
	/* a dropped connection ends the run: the next run resumes from
	   the state, never from a half-known selected folder */
	imapc_set.connect_retry_count = 0;
	/* nothing is taken from the server without bound: message bodies
	   come in chunks smaller than this */
	imapc_set.max_line_length = IMAP_MAX_LINE_LENGTH;
	imapc_set.debug = event_want_debug(client->event);
	switch (set->ssl_mode) {
	case RETRIEVE_SSL_MODE_IMPLICIT:
		imapc_set.ssl_mode = IMAPC_CLIENT_SSL_MODE_IMMEDIATE;
		break;
	case RETRIEVE_SSL_MODE_STARTTLS:
		/* imapc refuses (disconnects) when STARTTLS is not
		   offered; it never falls back to plaintext */
		imapc_set.ssl_mode = IMAPC_CLIENT_SSL_MODE_STARTTLS;
		break;
	case RETRIEVE_SSL_MODE_NONE:
		imapc_set.ssl_mode = IMAPC_CLIENT_SSL_MODE_NONE;
		break;
	}
	/* the same CAs and verification as POP3 (retrieve-ssl.c) */
	mail_user_init_ssl_client_settings(client->user, &imapc_set.ssl_set);
	imapc_set.ssl_set.verify_remote_cert = set->ssl_verify;
	imapc_set.ssl_set.allow_invalid_cert = !set->ssl_verify;

	return imapc_client_init(&imapc_set, client->event);
}

void retrieve_imap_connect_deinit(struct imap_client *ic)
{
	imapc_client_deinit(&ic->imapc);
}
