/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "iostream-openssl.h"
#include "retrieve-client-private.h"

/* TLS session resumption for a process that connects to the same remote
   again (a reused single-uid worker, a user's process running several
   accounts): Dovecot's ssl-iostream (2.3 and 2.4.1) keeps no client
   sessions, so the last resumable session per remote is kept here, on the
   SSL_CTX it was made with (ex_data, freed with the context); both
   versions' iostream-openssl.h give the SSL and SSL_CTX. The context
   stands for the CAs and the verification settings; the key is the host
   name as the account gives it (the name the certificate was checked
   against) and the port. Only sessions whose full handshake passed our
   certificate check are kept, so a resumed session was verified for
   exactly that name with exactly those CAs. A fork server's child starts
   with no sessions and gives none back: a session from a child that a
   hostile remote may have taken over must never be trusted for another
   user's connection. */

/* Few remotes per process in practice; a full cache replaces round-robin */
#define RETRIEVE_SSL_SESSIONS_MAX 32

struct retrieve_ssl_session {
	char *key;
	SSL_SESSION *session;
};

struct retrieve_ssl_session_cache {
	struct retrieve_ssl_session sessions[RETRIEVE_SSL_SESSIONS_MAX];
	unsigned int next;
};

static int retrieve_ssl_session_index = -1;

static void
retrieve_ssl_session_cache_free(void *parent ATTR_UNUSED, void *ptr,
				CRYPTO_EX_DATA *ad ATTR_UNUSED,
				int idx ATTR_UNUSED, long argl ATTR_UNUSED,
				void *argp ATTR_UNUSED)
{
	struct retrieve_ssl_session_cache *cache = ptr;
	unsigned int i;

	if (cache == NULL)
		return;
	for (i = 0; i < N_ELEMENTS(cache->sessions); i++) {
		i_free(cache->sessions[i].key);
		SSL_SESSION_free(cache->sessions[i].session);
	}
	i_free(cache);
}

static struct retrieve_ssl_session_cache *
retrieve_ssl_session_cache_get(SSL_CTX *ssl_ctx, bool create)
{
	struct retrieve_ssl_session_cache *cache;

	if (retrieve_ssl_session_index == -1) {
		if (!create)
			return NULL;
		retrieve_ssl_session_index = SSL_CTX_get_ex_new_index(0,
			NULL, NULL, NULL, retrieve_ssl_session_cache_free);
		if (retrieve_ssl_session_index == -1)
			return NULL;
	}
	cache = SSL_CTX_get_ex_data(ssl_ctx, retrieve_ssl_session_index);
	if (cache == NULL && create) {
		cache = i_new(struct retrieve_ssl_session_cache, 1);
		if (SSL_CTX_set_ex_data(ssl_ctx, retrieve_ssl_session_index,
					cache) != 1) {
			i_free(cache);
			return NULL;
		}
	}
	return cache;
}

static struct retrieve_ssl_session *
retrieve_ssl_session_find(struct retrieve_ssl_session_cache *cache,
			  const char *key)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(cache->sessions); i++) {
		if (cache->sessions[i].key != NULL &&
		    strcmp(cache->sessions[i].key, key) == 0)
			return &cache->sessions[i];
	}
	return NULL;
}

static const char *retrieve_ssl_session_key(struct retrieve_client *client)
{
	/* the port has no tab, so the pair is unambiguous */
	return t_strdup_printf("%u\t%s", client->set->port, client->set->host);
}

void retrieve_client_ssl_session_offer(struct retrieve_client *client,
				       struct ssl_iostream *ssl_io)
{
	struct retrieve_ssl_session_cache *cache;
	struct retrieve_ssl_session *entry;

	client->ssl_session_offered = FALSE;
	client->ssl_cert_verified = FALSE;
	if (!client->set->ssl_verify)
		return;
	cache = retrieve_ssl_session_cache_get(ssl_io->ctx->ssl_ctx, FALSE);
	if (cache == NULL)
		return;
	entry = retrieve_ssl_session_find(cache,
					  retrieve_ssl_session_key(client));
	if (entry == NULL)
		return;
	if (SSL_set_session(ssl_io->ssl, entry->session) == 1)
		client->ssl_session_offered = TRUE;
}

bool retrieve_client_ssl_session_resumed(struct retrieve_client *client,
					 struct ssl_iostream *ssl_io)
{
	/* Only a session this process offered for this very host and port
	   counts; its verification result travels with it. */
	return client->ssl_session_offered &&
		SSL_session_reused(ssl_io->ssl) == 1 &&
		SSL_get_verify_result(ssl_io->ssl) == X509_V_OK &&
		client->set->ssl_verify;
}

void retrieve_client_ssl_session_save(struct retrieve_client *client,
				      struct ssl_iostream *ssl_io)
{
	struct retrieve_ssl_session_cache *cache;
	struct retrieve_ssl_session *entry;
	SSL_SESSION *session;
	const char *key;

	if (!client->ssl_cert_verified || !client->set->ssl_verify ||
	    !ssl_iostream_is_handshaked(ssl_io))
		return;
	/* TLS 1.3 tickets arrive after the handshake: by the end of the
	   connection the newest one is the SSL's session */
	session = SSL_get1_session(ssl_io->ssl);
	if (session == NULL)
		return;
	if (SSL_SESSION_is_resumable(session) != 1) {
		SSL_SESSION_free(session);
		return;
	}
	cache = retrieve_ssl_session_cache_get(ssl_io->ctx->ssl_ctx, TRUE);
	if (cache == NULL) {
		SSL_SESSION_free(session);
		return;
	}
	key = retrieve_ssl_session_key(client);
	entry = retrieve_ssl_session_find(cache, key);
	if (entry == NULL) {
		entry = &cache->sessions[cache->next];
		cache->next = (cache->next + 1) % N_ELEMENTS(cache->sessions);
		i_free(entry->key);
		entry->key = i_strdup(key);
	}
	SSL_SESSION_free(entry->session);
	entry->session = session;
}
