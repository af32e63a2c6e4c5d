#ifndef RETRIEVE_SETTINGS_H
#define RETRIEVE_SETTINGS_H

#include "retrieve-url.h"
#include "retrieve-setting-value.h"

enum retrieve_ssl_mode {
	RETRIEVE_SSL_MODE_IMPLICIT = 0,
	RETRIEVE_SSL_MODE_STARTTLS,
	RETRIEVE_SSL_MODE_NONE,
};

/* retrieve_spam_failure: what a message meets when the scanner fails */
enum retrieve_spam_failure {
	/* the message stays on the remote, the run ends local_tempfail */
	RETRIEVE_SPAM_FAILURE_TEMPFAIL = 0,
	/* delivered unscanned, with a warning */
	RETRIEVE_SPAM_FAILURE_ACCEPT,
};

/* retrieve_spam_header_*: the names of the verdict's header fields,
   RFC 5322 field names of at most RETRIEVE_SPAM_HEADER_NAME_MAX bytes,
   different from each other. NULL (a zeroed struct) = the default. */
#define RETRIEVE_SPAM_HEADER_NAME_MAX 64
struct retrieve_spam_header_names {
	/* retrieve_spam_header_flag (X-Spam-Flag): YES or NO */
	const char *flag;
	/* retrieve_spam_header_status (X-Spam-Status): Yes/No, score=...
	   required=... tests=..., or Unscanned (...) */
	const char *status;
	/* retrieve_spam_header_score (X-Spam-Score) */
	const char *score;
};

/* The spam scanner of filter=yes deliveries (administrator-only) */
struct retrieve_spam_settings {
	/* retrieve_spam_scanner: "<backend>:<address>" ("spamd:127.0.0.1:783",
	   "spamd:/run/spamd.sock", "rspamd:http://127.0.0.1:11333"), checked by its backend; "" (or NULL in a
	   zeroed struct) = none */
	const char *scanner;
	/* retrieve_spam_timeout (30s): wall-clock limit of one scan */
	unsigned int timeout_secs;
	enum retrieve_spam_failure failure;
	/* retrieve_spam_max_size (20M): larger messages are not scanned */
	uoff_t max_size;
	/* retrieve_spam_folder: where spam is kept when Sieve does not file
	   it elsewhere; NULL = the account's folder */
	const char *folder;
	/* retrieve_spam_settings_id: rspamd's Settings-ID header; NULL =
	   none */
	const char *settings_id;
	struct retrieve_spam_header_names headers;
};

/* Administrator-wide plugin {} settings. Their names are ones no account
   option uses, so retrieve_OPTION never means two things. */
struct retrieve_global_settings {
	/* retrieve_allow_plaintext: ssl=no is refused unless set */
	bool allow_plaintext;
	/* retrieve_default_interval (10m): what interval=auto means */
	unsigned int default_interval_secs;
	/* retrieve_min_interval (1m): no account polls more often */
	unsigned int min_interval_secs;
	/* retrieve_timeout (60s): limit on every protocol step */
	unsigned int timeout_secs;
	/* retrieve_state_dir (~/.dovecot-retrieve), home-expanded by caller */
	const char *state_dir;
	/* retrieve_max_message_size (512M): no message is received beyond
	   this many bytes, whatever the server announced; an account's
	   max_size only lowers it */
	uoff_t max_message_size;
	/* retrieve_run_timeout (30m): wall-clock limit of one account's run */
	unsigned int run_timeout_secs;
	/* retrieve_message_timeout (10m): wall-clock limit of receiving one
	   message (a server trickling bytes never resets it) */
	unsigned int message_timeout_secs;
	/* retrieve_allow_ssl_verify_no: ssl_verify=no is refused unless set */
	bool allow_ssl_verify_no;
	/* retrieve_deny_networks: CIDR networks no account may connect to,
	   on top of the built-in ones (loopback, private, link-local, ...);
	   retrieve_allow_networks: networks allowed even so (allow wins).
	   Space or comma separated, checked when parsed; "" when unset. */
	const char *deny_networks;
	const char *allow_networks;
	/* retrieve_spam_*: the spam scanner */
	struct retrieve_spam_settings spam;

	/* retrieve_on_login (yes): a login runs the accounts that are at
	   least half an interval old. The user's own choice, not an
	   administrator-only setting. */
	bool on_login;
};

/* retrieveN_auth: how an account logs in */
enum retrieve_auth_method {
	/* the password: APOP, AUTH PLAIN, USER/PASS, IMAP LOGIN */
	RETRIEVE_AUTH_PASSWORD = 0,
	/* an OAuth2 access token, refreshed from the refresh token */
	RETRIEVE_AUTH_OAUTH2,
};

/* retrieve_oauth2_<NAME>_mechanism: the SASL mechanism of the token */
enum retrieve_oauth2_mechanism {
	RETRIEVE_OAUTH2_MECH_XOAUTH2 = 0,
	RETRIEVE_OAUTH2_MECH_OAUTHBEARER,
};

/* An OAuth2 account's login: the provider's settings (administrator-only,
   retrieve_oauth2_<NAME>_*) and the account's own fields */
struct retrieve_oauth2_settings {
	/* retrieveN_oauth2_provider: NAME, letters, digits and '-' */
	const char *provider;
	/* the provider's token endpoint, always https:// */
	const char *token_url;
	const char *client_id;
	/* "" for public clients; never logged or printed */
	const char *client_secret;
	/* "" when unset: the refresh token's own scope applies */
	const char *scope;
	enum retrieve_oauth2_mechanism mechanism;
	/* retrieveN_oauth2_refresh_token: never logged or printed */
	const char *refresh_token;
	/* retrieveN_oauth2_user: the SASL identity; the login user when
	   unset */
	const char *user;
};

/* retrieveN_folders: which remote folders an IMAP account retrieves */
enum retrieve_folders_method {
	/* the remote INBOX into the account's folder */
	RETRIEVE_FOLDERS_INBOX = 0,
	/* every remote folder into the account's folder */
	RETRIEVE_FOLDERS_MERGE,
	/* the remote tree recreated under the account's folder */
	RETRIEVE_FOLDERS_MIRROR,
};

struct retrieve_account_settings {
	/* The setting key: "retrieve", "retrieve2", ..., or the name of a
	   named account (2.4's retrieve_account list) */
	const char *name;
	/* The URL as configured; it carries no password */
	const char *url;
	enum retrieve_protocol protocol;
	const char *host;
	in_port_t port;
	const char *username;
	/* Never logged or printed; NULL with auth=oauth2 */
	const char *password;
	enum retrieve_auth_method auth;
	/* auth=oauth2 only, else NULL */
	const struct retrieve_oauth2_settings *oauth2;

	/* interval=manual */
	bool interval_manual;
	/* auto resolved to the default, clamped to the minimum */
	unsigned int interval_secs;

	const char *folder;
	enum retrieve_ssl_mode ssl_mode;
	bool ssl_verify;
	bool apop;
	bool keep;
	bool filter;
	/* 0 = no limit */
	uoff_t max_size;

	/* IMAP only */
	enum retrieve_folders_method folders;
	/* Remote folders left out: IMAP LIST patterns ('*', '%') or
	   special-use flags (\Junk), separated by spaces or commas. Never
	   NULL; merge defaults to \Junk and \Trash (replaced, not extended,
	   by a configured list). */
	const char *const *folders_exclude;
};

int retrieve_global_settings_parse(retrieve_getenv_t *getenv, void *context,
				   struct retrieve_global_settings *set_r,
				   const char **error_r);

struct ip_addr;
/* Checks a resolved remote address against the network lists: returns 0
   when an account may connect to it, -1 with error_r naming the address
   and the denying network. IPv4-mapped IPv6 addresses are checked as
   IPv4. */
int retrieve_global_settings_check_ip(const struct retrieve_global_settings *set,
				      const struct ip_addr *ip,
				      const char **error_r);

/* TRUE for the name of a provider's setting, retrieve_oauth2_<NAME>_*:
   administrator-only like the global settings */
bool retrieve_settings_is_oauth2_provider(const char *name);
/* The mechanism's SASL name ("XOAUTH2", "OAUTHBEARER") */
const char *
retrieve_oauth2_mechanism_name(enum retrieve_oauth2_mechanism mech);

/* The key of the idx'th account (1-based): "retrieve", "retrieve2", ... */
const char *retrieve_account_key(unsigned int idx);

/* Parses the idx'th account (1-based). Returns 1 when parsed, 0 when the
   account is not configured (the list ends at the first unset or empty
   key, like quota, quota2, ...), -1 when malformed: error_r names the
   account key and the field, never the password. */
int retrieve_account_settings_parse(pool_t pool,
				    const struct retrieve_global_settings *global,
				    retrieve_getenv_t *getenv, void *context,
				    unsigned int idx,
				    struct retrieve_account_settings **set_r,
				    const char **error_r);

/* A named account (Dovecot 2.4's retrieve_account list): its name is
   letters, digits, '-', '_' and '.', at most this long */
#define RETRIEVE_ACCOUNT_NAME_MAX_LEN 64
bool retrieve_account_name_is_valid(const char *name);
/* Parses the named account name (valid): its fields are
   getenv("retrieve_account/<name>/retrieve_account_<field>"), its URL
   retrieve_account_url. Returns 1 when parsed, -1 when malformed or
   without a URL (a listed account is configured). */
int retrieve_account_settings_parse_named(pool_t pool,
		const struct retrieve_global_settings *global,
		retrieve_getenv_t *getenv, void *context, const char *name,
		struct retrieve_account_settings **set_r, const char **error_r);

/* A stable file-name-safe identity of the remote mailbox
   (protocol, user, host, port): state survives renumbering accounts. */
const char *
retrieve_account_identity(const struct retrieve_account_settings *set);

#endif
