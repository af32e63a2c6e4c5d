#ifndef RETRIEVE_SECRETS_H
#define RETRIEVE_SECRETS_H

/* The forms in which a login carries an account's password (as it is,
   quoted as IMAP LOGIN sends it, base64 as AUTH PLAIN sends it with and
   without an authorization identity): what a server, or a library quoting
   the server, may echo back into an error. */
struct retrieve_secrets;

/* password NULL or empty: nothing is hidden */
struct retrieve_secrets *
retrieve_secrets_init(const char *username, const char *password);
/* Hides secret (an OAuth2 token or client secret) too, as it is */
void retrieve_secrets_add(struct retrieve_secrets *secrets, const char *secret);
/* Hides the base64 form of data (a SASL message holding a token) */
void retrieve_secrets_add_base64(struct retrieve_secrets *secrets,
				 const void *data, size_t size);
/* Zeroes every copy it made */
void retrieve_secrets_deinit(struct retrieve_secrets **secrets);

/* text with every form replaced by "<hidden>" (at each position the
   longest form wins, so no decodable piece of a base64 form stays).
   Allocated from the data stack, or text itself when nothing matched. */
const char *retrieve_secrets_hide(const struct retrieve_secrets *secrets,
				  const char *text);

#endif
