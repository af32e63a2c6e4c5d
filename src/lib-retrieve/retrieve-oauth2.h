#ifndef RETRIEVE_OAUTH2_H
#define RETRIEVE_OAUTH2_H

#include "retrieve-result.h"
#include "retrieve-settings.h"

/* An OAuth2 account's access token for one run: the one cached in
   <identity>.oauth2 beside the state (0600), or a new one from the
   provider's token endpoint (refresh_token grant over Dovecot's
   http-client, with the ssl_client_* CAs). A refresh token the endpoint
   rotates is kept in the same file and used from then on, until the
   configured one changes (re-authorised). */

struct mail_user;
struct event;
struct http_client;
struct retrieve_secrets;
struct retrieve_oauth2;

/* A cached token this close to its expiry is refreshed first */
#define RETRIEVE_OAUTH2_EXPIRY_MARGIN_SECS 60

/* An invalid_grant ends auth_failed with RETRIEVE_RESP_CODE_OAUTH2_REAUTH:
   the account is paused until it is re-authorised (retrieve-schedule.c).
   code is RETRIEVE_RESULT_OK when retrieve_oauth2_token() has a token;
   else the run ends with code, resp_code and error */
typedef void retrieve_oauth2_callback_t(enum retrieve_result_code code,
					const char *resp_code,
					const char *error, void *context);

/* Every secret it reads or receives is added to secrets (hidden in any
   text before it is logged). state_dir is home-expanded. */
struct retrieve_oauth2 *
retrieve_oauth2_init(struct mail_user *user,
		     const struct retrieve_global_settings *global,
		     const struct retrieve_account_settings *set,
		     struct retrieve_secrets *secrets, struct event *event);
void retrieve_oauth2_deinit(struct retrieve_oauth2 **oauth2);

/* Gets an access token: the cached one when it is not about to expire
   and refresh is FALSE, else a new one. callback is called exactly once,
   possibly before this returns. */
void retrieve_oauth2_token_get(struct retrieve_oauth2 *oauth2, bool refresh,
			       retrieve_oauth2_callback_t *callback,
			       void *context);
/* The token of the last successful retrieve_oauth2_token_get() */
const char *retrieve_oauth2_token(struct retrieve_oauth2 *oauth2);
/* TRUE when that token was fetched from the endpoint in this run (a
   rejection of it is not retried) */
bool retrieve_oauth2_token_is_new(struct retrieve_oauth2 *oauth2);

/* The http-client of the token requests, per Dovecot version
   (dovecot-2.x/retrieve-oauth2-http.c): TLS as the mail connections
   (the user's ssl_client settings), one attempt per request (a resent
   POST could rotate the refresh token twice, the first answer lost), no
   redirects, timeout_secs for connecting and for the reply. Returns 0,
   or -1 with error_r. */
int retrieve_oauth2_http_client_create(struct mail_user *user,
				       struct event *event,
				       unsigned int timeout_secs,
				       struct http_client **client_r,
				       const char **error_r);

/* The SASL message (not base64) of the account's mechanism for token:
   XOAUTH2 "user=U^Aauth=Bearer T^A^A", OAUTHBEARER (RFC 7628)
   "n,a=U,^Aauth=Bearer T^A^A". Data stack. */
const char *
retrieve_oauth2_sasl_message(const struct retrieve_oauth2_settings *set,
			     const char *token);

#endif
