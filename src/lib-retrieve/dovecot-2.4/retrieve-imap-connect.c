/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "settings.h"
#include "mail-user.h"
#include "mail-storage-service.h"
#include "imapc-client.h"
#include "retrieve-imap-client.h"

/* Dovecot 2.4: imapc looks its settings up from its event. The client
   gets an event of its own carrying a copy of the user's settings
   instance with the account's values put over the administrator's. */
struct retrieve_imap_connect {
	struct event *event;
	struct settings_instance *set_instance;
};

static struct settings_instance *
retrieve_imap_connect_instance_new(struct retrieve_client *client)
{
	const struct settings_instance *src = NULL;

	if (client->user->service_user != NULL) {
		src = mail_storage_service_user_get_settings_instance(
			client->user->service_user);
	}
	if (src == NULL)
		src = settings_instance_find(client->event);
	if (src != NULL)
		return settings_instance_dup(src);
	return settings_instance_new(settings_root_find(client->event));
}

static void
retrieve_imap_connect_override(struct settings_instance *instance,
			       const char *key, const char *value)
{
	settings_override(instance, key, value, SETTINGS_OVERRIDE_TYPE_CODE);
}

struct imapc_client *retrieve_imap_connect_init(struct imap_client *ic)
{
	struct retrieve_client *client = &ic->client;
	const struct retrieve_account_settings *set = client->set;
	struct retrieve_imap_connect *conn;
	struct settings_instance *inst;
	struct imapc_parameters params;
	const char *ssl = "no";

	conn = p_new(client->pool, struct retrieve_imap_connect, 1);
	conn->set_instance = inst = retrieve_imap_connect_instance_new(client);
	conn->event = event_create(client->event);
	event_set_ptr(conn->event, SETTINGS_EVENT_INSTANCE, inst);
	ic->connect = conn;

	switch (set->ssl_mode) {
	case RETRIEVE_SSL_MODE_IMPLICIT:
		ssl = "imaps";
		break;
	case RETRIEVE_SSL_MODE_STARTTLS:
		/* imapc refuses (disconnects) when STARTTLS is not
		   offered; it never falls back to plaintext */
		ssl = "starttls";
		break;
	case RETRIEVE_SSL_MODE_NONE:
		break;
	}
	retrieve_imap_connect_override(inst, "imapc_host", set->host);
	retrieve_imap_connect_override(inst, "imapc_port", dec2str(set->port));
	retrieve_imap_connect_override(inst, "imapc_user",
		set->auth == RETRIEVE_AUTH_OAUTH2 ?
		set->oauth2->user : set->username);
	retrieve_imap_connect_override(inst, "imapc_ssl", ssl);
	/* the administrator's imapc settings are for imapc storage, never
	   for a user's own remote login (t-109). A code override of a whole
	   boollist replaces it, "" with an empty one (2.4.1's
	   settings_parse_boollist()), and marks it seen before the config
	   file's value. */
	retrieve_imap_connect_override(inst, "imapc_master_user", "");
	retrieve_imap_connect_override(inst, "imapc_features", "");
	/* OAuth2: imapc's XOAUTH2/OAUTHBEARER SASL clients, the token as
	   the password */
	retrieve_imap_connect_override(inst, "imapc_sasl_mechanisms",
		set->auth == RETRIEVE_AUTH_OAUTH2 ?
		retrieve_oauth2_mechanism_name(set->oauth2->mechanism) : "");
	retrieve_imap_connect_override(inst, "imapc_rawlog_dir", "");
	retrieve_imap_connect_override(inst, "imapc_list_prefix", "");
	retrieve_imap_connect_override(inst, "imapc_cmd_timeout",
		t_strdup_printf("%us", client->global_set->timeout_secs));
	retrieve_imap_connect_override(inst,
		"imapc_connection_timeout_interval",
		t_strdup_printf("%us", client->global_set->timeout_secs));
	/* a dropped connection ends the run: the next run resumes from
	   the state, never from a half-known selected folder */
	retrieve_imap_connect_override(inst, "imapc_connection_retry_count",
				       "0");
	/* nothing is taken from the server without bound: message bodies
	   come in chunks smaller than this */
	retrieve_imap_connect_override(inst, "imapc_max_line_length",
				       dec2str(IMAP_MAX_LINE_LENGTH));
	/* the same CAs and verification as POP3 (retrieve-ssl.c) */
	retrieve_imap_connect_override(inst, "ssl_client_require_valid_cert",
				       set->ssl_verify ? "yes" : "no");

	i_zero(&params);
	params.temp_path_prefix = retrieve_client_temp_prefix(client);
	/* imapc's default "dns-client" is relative to the process's cwd:
	   the user's base_dir has the socket (as 2.3's imapc_set) */
	params.override_dns_client_socket_path =
		t_strconcat(client->user->set->base_dir, "/dns-client", NULL);
	/* not a setting: settings can be dumped, the password must not */
	params.override_password = set->auth == RETRIEVE_AUTH_OAUTH2 ?
		retrieve_client_oauth2_token(client) : set->password;
	return imapc_client_init(&params, conn->event);
}

void retrieve_imap_connect_deinit(struct imap_client *ic)
{
	struct retrieve_imap_connect *conn = ic->connect;

	imapc_client_deinit(&ic->imapc);
	if (conn == NULL)
		return;
	event_unref(&conn->event);
	settings_instance_free(&conn->set_instance);
	ic->connect = NULL;
}
