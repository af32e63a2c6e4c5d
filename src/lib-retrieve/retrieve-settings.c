/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "str-sanitize.h"
#include "unichar.h"
#include "net.h"
#include "sha2.h"
#include "hex-binary.h"
#include "retrieve-spam.h"
#include "oauth2-token-reply.h"
#include "retrieve-settings.h"
#include "retrieve-dovecot.h"

#include <ctype.h>

#define RETRIEVE_ACCOUNT_KEY_PREFIX "retrieve"
#define RETRIEVE_DEFAULT_INTERVAL_SECS (10*60)
#define RETRIEVE_DEFAULT_TIMEOUT_SECS 60
#define RETRIEVE_DEFAULT_STATE_DIR "~/.dovecot-retrieve"
#define RETRIEVE_DEFAULT_MAX_MESSAGE_SIZE (512ULL*1024*1024)
#define RETRIEVE_DEFAULT_MESSAGE_TIMEOUT_SECS (10*60)
#define RETRIEVE_DEFAULT_FOLDER "INBOX"
#define RETRIEVE_DEFAULT_SPAM_TIMEOUT_SECS 30
#define RETRIEVE_DEFAULT_SPAM_MAX_SIZE (20ULL*1024*1024)

/* A quoted URL is cut so that an error stays a readable single line */
#define RETRIEVE_URL_ERROR_MAX_LEN 128
/* Longer identities get a hash tail, so that "<identity>.state.tmp"
   stays well within NAME_MAX (255). */
#define RETRIEVE_IDENTITY_MAX_LEN 200
#define RETRIEVE_IDENTITY_KEEP_LEN 150

/* The values of ssl and folders, in the order of their enums */
static const char *const retrieve_ssl_mode_names[] = {
	[RETRIEVE_SSL_MODE_IMPLICIT] = "yes",
	[RETRIEVE_SSL_MODE_STARTTLS] = "starttls",
	[RETRIEVE_SSL_MODE_NONE] = "no",
	NULL
};
static const char *const retrieve_folders_method_names[] = {
	[RETRIEVE_FOLDERS_INBOX] = "inbox",
	[RETRIEVE_FOLDERS_MERGE] = "merge",
	[RETRIEVE_FOLDERS_MIRROR] = "mirror",
	NULL
};

static const char *const retrieve_auth_method_names[] = {
	[RETRIEVE_AUTH_PASSWORD] = "password",
	[RETRIEVE_AUTH_OAUTH2] = "oauth2",
	NULL
};
static const char *const retrieve_oauth2_mechanism_names[] = {
	[RETRIEVE_OAUTH2_MECH_XOAUTH2] = "xoauth2",
	[RETRIEVE_OAUTH2_MECH_OAUTHBEARER] = "oauthbearer",
	NULL
};
/* A provider's settings: retrieve_oauth2_<NAME>_<field> */
#define RETRIEVE_OAUTH2_PROVIDER_PREFIX "retrieve_oauth2_"
static const char *const retrieve_oauth2_provider_fields[] = {
	"token_url", "client_id", "client_secret", "scope", "mechanism", NULL
};
#define RETRIEVE_OAUTH2_PROVIDER_NAME_MAX_LEN 64

/* Always denied unless retrieve_allow_networks lists them: where an
   account's host could reach the local machine or its private networks
   (SSRF), and addresses that are no host at all. */
static const char *const retrieve_builtin_deny_networks[] = {
	"0.0.0.0/8",		/* "this" network, unspecified */
	"127.0.0.0/8",		/* loopback */
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  /* RFC 1918 */
	"100.64.0.0/10",	/* CGNAT, RFC 6598 */
	"169.254.0.0/16",	/* link-local, cloud metadata */
	"224.0.0.0/4",		/* multicast */
	"240.0.0.0/4",		/* reserved, broadcast */
	"::/96",		/* unspecified, loopback, IPv4-compatible */
	"fe80::/10",		/* link-local */
	"fc00::/7",		/* unique local */
	"ff00::/8",		/* multicast */
	NULL
};

static const char *const *retrieve_networks_split(const char *value)
{
	return t_strsplit_spaces(value, " ,");
}

static int
retrieve_setting_get_networks(const struct retrieve_setting_source *src,
			      const char *field, const char **value_r,
			      const char **error_r)
{
	const char *value = retrieve_setting_get(src, field);
	const char *const *nets;
	struct ip_addr ip;
	unsigned int bits;

	*value_r = value == NULL ? "" : value;
	for (nets = retrieve_networks_split(*value_r); *nets != NULL; nets++) {
		if (net_parse_range(*nets, &ip, &bits) < 0) {
			*error_r = retrieve_setting_error(src, field,
				"invalid network (use CIDR, e.g. 10.0.0.0/8 "
				"or fd00::/8)", *nets);
			return -1;
		}
	}
	return 0;
}

/* The network of nets (a list as parsed above) holding ip, or NULL */
static const char *
retrieve_networks_find(const char *const *nets, const struct ip_addr *ip)
{
	struct ip_addr net_ip;
	unsigned int bits;

	for (; *nets != NULL; nets++) {
		if (net_parse_range(*nets, &net_ip, &bits) == 0 &&
		    net_is_in_network(ip, &net_ip, bits))
			return *nets;
	}
	return NULL;
}

int retrieve_global_settings_check_ip(const struct retrieve_global_settings *set,
				      const struct ip_addr *ip,
				      const char **error_r)
{
	static const unsigned char v4mapped_prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	struct ip_addr check_ip = *ip;
	const char *net;

	/* ::ffff:127.0.0.1 reaches 127.0.0.1 */
	if (check_ip.family == AF_INET6 &&
	    memcmp(&check_ip.u.ip6, v4mapped_prefix,
		   sizeof(v4mapped_prefix)) == 0) {
		i_zero(&check_ip);
		check_ip.family = AF_INET;
		memcpy(&check_ip.u.ip4, (const unsigned char *)&ip->u.ip6 + 12,
		       4);
	}
	if (retrieve_networks_find(retrieve_networks_split(set->allow_networks),
				   &check_ip) != NULL)
		return 0;
	net = retrieve_networks_find(retrieve_builtin_deny_networks, &check_ip);
	if (net == NULL) {
		net = retrieve_networks_find(
			retrieve_networks_split(set->deny_networks), &check_ip);
	}
	if (net == NULL)
		return 0;
	*error_r = t_strdup_printf("Connecting to %s is not allowed: it is in "
		"the denied network %s (the administrator's "
		"retrieve_allow_networks can allow it)",
		net_ip2addr(ip), net);
	return -1;
}

/* RFC 5322 ftext: printable US-ASCII but ':' */
static bool retrieve_spam_header_name_is_valid(const char *name)
{
	const char *p;

	if (name[0] == '\0' || strlen(name) > RETRIEVE_SPAM_HEADER_NAME_MAX)
		return FALSE;
	for (p = name; *p != '\0'; p++) {
		if (*p < 33 || *p > 126 || *p == ':')
			return FALSE;
	}
	return TRUE;
}

static int
retrieve_spam_header_names_parse(const struct retrieve_setting_source *src,
				 struct retrieve_spam_header_names *names_r,
				 const char **error_r)
{
	static const struct {
		const char *field, *default_name;
	} fields[] = {
		{ "spam_header_flag", "X-Spam-Flag" },
		{ "spam_header_status", "X-Spam-Status" },
		{ "spam_header_score", "X-Spam-Score" },
	};
	const char *names[N_ELEMENTS(fields)], *value;
	unsigned int i, j;

	for (i = 0; i < N_ELEMENTS(fields); i++) {
		value = retrieve_setting_get(src, fields[i].field);
		if (value == NULL || value[0] == '\0')
			value = fields[i].default_name;
		else if (!retrieve_spam_header_name_is_valid(value)) {
			/* it becomes a header line of every scanned message */
			*error_r = retrieve_setting_error(src, fields[i].field,
				t_strdup_printf("not a header field name (at "
					"most %u printable ASCII characters "
					"without ':' or space)",
					RETRIEVE_SPAM_HEADER_NAME_MAX), value);
			return -1;
		}
		/* two verdict fields under one name would read as one */
		for (j = 0; j < i; j++) {
			if (strcasecmp(names[j], value) == 0) {
				*error_r = retrieve_setting_error(src,
					fields[i].field, t_strdup_printf(
					"the same name as retrieve_%s",
					fields[j].field), value);
				return -1;
			}
		}
		names[i] = value;
	}
	names_r->flag = names[0];
	names_r->status = names[1];
	names_r->score = names[2];
	return 0;
}

static int
retrieve_spam_settings_parse(const struct retrieve_setting_source *src,
			     struct retrieve_spam_settings *set_r,
			     const char **error_r)
{
	static const char *const failure_names[] = {
		"tempfail", "accept", NULL
	};
	const char *value, *error;
	unsigned int idx;

	value = retrieve_setting_get(src, "spam_scanner");
	set_r->scanner = value == NULL ? "" : value;
	if (*set_r->scanner != '\0' &&
	    retrieve_spam_scanner_check(set_r->scanner, &error) < 0) {
		*error_r = retrieve_setting_error(src, "spam_scanner", error,
						  value);
		return -1;
	}
	if (retrieve_setting_get_time(src, "spam_timeout",
				      RETRIEVE_DEFAULT_SPAM_TIMEOUT_SECS, TRUE,
				      &set_r->timeout_secs, error_r) < 0 ||
	    retrieve_setting_get_keyword(src, "spam_failure", failure_names,
					 RETRIEVE_SPAM_FAILURE_TEMPFAIL, &idx,
					 error_r) < 0 ||
	    retrieve_setting_get_size(src, "spam_max_size",
				      RETRIEVE_DEFAULT_SPAM_MAX_SIZE, FALSE,
				      &set_r->max_size, error_r) < 0)
		return -1;
	set_r->failure = idx;

	value = retrieve_setting_get(src, "spam_folder");
	if (value == NULL || *value == '\0')
		set_r->folder = NULL;
	else if (!uni_utf8_str_is_valid(value) ||
		 strpbrk(value, "\r\n\t") != NULL) {
		*error_r = retrieve_setting_error(src, "spam_folder",
			"not a valid folder name", value);
		return -1;
	} else {
		set_r->folder = value;
	}

	value = retrieve_setting_get(src, "spam_settings_id");
	if (value == NULL || *value == '\0')
		set_r->settings_id = NULL;
	else if (strlen(value) > 256 ||
		 strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789_.-") != strlen(value)) {
		/* it becomes an HTTP header */
		*error_r = retrieve_setting_error(src, "spam_settings_id",
			"use letters, digits, '_', '.' and '-'", value);
		return -1;
	} else {
		set_r->settings_id = value;
	}
	return retrieve_spam_header_names_parse(src, &set_r->headers, error_r);
}

int retrieve_global_settings_parse(retrieve_getenv_t *getenv, void *context,
				   struct retrieve_global_settings *set_r,
				   const char **error_r)
{
	struct retrieve_setting_source src = {
		.getenv = getenv,
		.context = context,
	};
	const char *value;

	i_zero(set_r);
	if (retrieve_setting_get_bool(&src, "allow_plaintext", FALSE,
				      &set_r->allow_plaintext, error_r) < 0 ||
	    retrieve_setting_get_time(&src, "default_interval",
				      RETRIEVE_DEFAULT_INTERVAL_SECS, TRUE,
				      &set_r->default_interval_secs,
				      error_r) < 0 ||
	    retrieve_setting_get_min_interval(&src, &set_r->min_interval_secs,
					      error_r) < 0 ||
	    retrieve_setting_get_time(&src, "timeout",
				      RETRIEVE_DEFAULT_TIMEOUT_SECS, TRUE,
				      &set_r->timeout_secs, error_r) < 0 ||
	    retrieve_setting_get_run_timeout(&src, &set_r->run_timeout_secs,
					     error_r) < 0 ||
	    retrieve_setting_get_time(&src, "message_timeout",
				      RETRIEVE_DEFAULT_MESSAGE_TIMEOUT_SECS,
				      TRUE, &set_r->message_timeout_secs,
				      error_r) < 0 ||
	    retrieve_setting_get_bool(&src, "allow_ssl_verify_no", FALSE,
				      &set_r->allow_ssl_verify_no,
				      error_r) < 0 ||
	    retrieve_setting_get_size(&src, "max_message_size",
				      RETRIEVE_DEFAULT_MAX_MESSAGE_SIZE, FALSE,
				      &set_r->max_message_size, error_r) < 0 ||
	    retrieve_setting_get_networks(&src, "deny_networks",
					  &set_r->deny_networks, error_r) < 0 ||
	    retrieve_setting_get_networks(&src, "allow_networks",
					  &set_r->allow_networks, error_r) < 0 ||
	    retrieve_setting_get_bool(&src, "on_login", TRUE,
				      &set_r->on_login, error_r) < 0 ||
	    retrieve_spam_settings_parse(&src, &set_r->spam, error_r) < 0)
		return -1;

	value = retrieve_setting_get(&src, "state_dir");
	if (value == NULL)
		set_r->state_dir = RETRIEVE_DEFAULT_STATE_DIR;
	else if (*value == '\0') {
		*error_r = retrieve_setting_error(&src, "state_dir",
						  "must not be empty", value);
		return -1;
	} else {
		set_r->state_dir = value;
	}
	return 0;
}

const char *retrieve_account_key(unsigned int idx)
{
	i_assert(idx >= 1);

	if (idx == 1)
		return RETRIEVE_ACCOUNT_KEY_PREFIX;
	return t_strdup_printf(RETRIEVE_ACCOUNT_KEY_PREFIX"%u", idx);
}

/* The URL for error messages: everything up to the last '@' may be a
   password, so it is masked. */
static const char *retrieve_url_display(const char *url)
{
	const char *at, *sep;

	at = strrchr(url, '@');
	if (at == NULL)
		return url;
	sep = strstr(url, "://");
	if (sep == NULL || sep > at)
		return t_strconcat("***", at, NULL);
	return t_strdup_printf("%s://***%s", t_strdup_until(url, sep), at);
}

static bool retrieve_str_has_control_chars(const char *str)
{
	for (; *str != '\0'; str++) {
		if ((unsigned char)*str < 0x20 || *str == 0x7f)
			return TRUE;
	}
	return FALSE;
}

static int
retrieve_account_parse_url(const struct retrieve_setting_source *src,
			   pool_t pool, const char *value,
			   struct retrieve_url *url_r, const char **error_r)
{
	const char *error;

	if (retrieve_url_parse(value, pool, url_r, &error) < 0) {
		*error_r = t_strdup_printf("%s: url: %s (value '%s')",
			src->key, error,
			str_sanitize(retrieve_url_display(value),
				     RETRIEVE_URL_ERROR_MAX_LEN));
		return -1;
	}
	return 0;
}

static int
retrieve_account_parse_oauth2(const struct retrieve_setting_source *src,
			      pool_t pool, struct retrieve_account_settings *set,
			      const char **error_r);

static int
retrieve_account_parse_credentials(const struct retrieve_setting_source *src,
				   pool_t pool, const struct retrieve_url *url,
				   struct retrieve_account_settings *set,
				   const char **error_r)
{
	const char *value;
	unsigned int auth;

	if (url->user != NULL)
		set->username = url->user;
	else {
		value = retrieve_setting_get(src, "user");
		if (value == NULL || *value == '\0') {
			*error_r = retrieve_setting_error(src, "user",
				t_strconcat("no user: put it in the URL or set ",
					retrieve_setting_display_name(src,
								      "user"),
					NULL),
				NULL);
			return -1;
		}
		if (retrieve_str_has_control_chars(value)) {
			*error_r = retrieve_setting_error(src, "user",
				"contains control characters", value);
			return -1;
		}
		set->username = p_strdup(pool, value);
	}

	if (retrieve_setting_get_keyword(src, "auth", retrieve_auth_method_names,
					 RETRIEVE_AUTH_PASSWORD, &auth,
					 error_r) < 0)
		return -1;
	set->auth = auth;
	if (set->auth == RETRIEVE_AUTH_OAUTH2) {
		if (retrieve_setting_get(src, "password") != NULL) {
			*error_r = retrieve_setting_error(src, "password",
				"auth=oauth2 uses no password: remove it",
				NULL);
			return -1;
		}
		return retrieve_account_parse_oauth2(src, pool, set, error_r);
	}

	/* The value is never quoted in errors */
	value = retrieve_setting_get(src, "password");
	if (value == NULL || *value == '\0') {
		*error_r = retrieve_setting_error(src, "password",
			t_strconcat("missing: set ",
				retrieve_setting_display_name(src, "password"),
				NULL), NULL);
		return -1;
	}
	if (retrieve_str_has_control_chars(value)) {
		/* CR/LF would end the protocol command early */
		*error_r = retrieve_setting_error(src, "password",
			"contains control characters", NULL);
		return -1;
	}
	set->password = p_strdup(pool, value);
	return 0;
}

bool retrieve_settings_is_oauth2_provider(const char *name)
{
	const char *const *field;
	size_t len;

	if (!str_begins_with(name, RETRIEVE_OAUTH2_PROVIDER_PREFIX))
		return FALSE;
	name += strlen(RETRIEVE_OAUTH2_PROVIDER_PREFIX);
	len = strlen(name);
	/* NAME has no '_', so the field is what follows the first one;
	   anything else ending in a field's name is guarded too */
	for (field = retrieve_oauth2_provider_fields; *field != NULL; field++) {
		size_t flen = strlen(*field);

		if (len > flen && name[len - flen - 1] == '_' &&
		    strcmp(name + len - flen, *field) == 0)
			return TRUE;
	}
	return FALSE;
}

const char *
retrieve_oauth2_mechanism_name(enum retrieve_oauth2_mechanism mech)
{
	switch (mech) {
	case RETRIEVE_OAUTH2_MECH_XOAUTH2:
		return "XOAUTH2";
	case RETRIEVE_OAUTH2_MECH_OAUTHBEARER:
		return "OAUTHBEARER";
	}
	i_unreached();
}

static bool retrieve_oauth2_provider_name_is_valid(const char *name)
{
	const char *p;

	if (*name == '\0' ||
	    strlen(name) > RETRIEVE_OAUTH2_PROVIDER_NAME_MAX_LEN)
		return FALSE;
	for (p = name; *p != '\0'; p++) {
		if (!i_isalnum(*p) && *p != '-')
			return FALSE;
	}
	return TRUE;
}

/* A text field of provider settings: "" when unset; control characters
   (a line break in an HTTP form or header) are an error. A secret's
   value is never quoted. */
static int
retrieve_oauth2_provider_get(const struct retrieve_setting_source *src,
			     pool_t pool, const char *prefix, const char *field,
			     bool secret, const char **value_r,
			     const char **error_r)
{
	const char *name = t_strconcat(prefix, field, NULL);
	const char *value = retrieve_setting_get(src, name);

	if (value != NULL && retrieve_str_has_control_chars(value)) {
		*error_r = retrieve_setting_error(src, name,
			"contains control characters", secret ? NULL : value);
		return -1;
	}
	*value_r = p_strdup(pool, value == NULL ? "" : value);
	return 0;
}

/* The administrator's settings of provider name */
static int
retrieve_oauth2_provider_parse(const struct retrieve_setting_source *account,
			       pool_t pool, const char *name,
			       struct retrieve_oauth2_settings *set,
			       const char **error_r)
{
	struct retrieve_setting_source src = {
		.getenv = account->getenv,
		.context = account->context,
	};
	const char *prefix = t_strconcat("oauth2_", name, "_", NULL);
	unsigned int mech;

	if (retrieve_oauth2_provider_get(&src, pool, prefix, "token_url",
					 FALSE, &set->token_url, error_r) < 0 ||
	    retrieve_oauth2_provider_get(&src, pool, prefix, "client_id",
					 FALSE, &set->client_id, error_r) < 0 ||
	    retrieve_oauth2_provider_get(&src, pool, prefix, "client_secret",
					 TRUE, &set->client_secret, error_r) < 0 ||
	    retrieve_oauth2_provider_get(&src, pool, prefix, "scope",
					 FALSE, &set->scope, error_r) < 0)
		return -1;
	if (*set->token_url == '\0') {
		*error_r = retrieve_setting_error(account, "oauth2_provider",
			t_strdup_printf("unknown provider: the administrator "
				"has no retrieve_oauth2_%s_token_url", name),
			name);
		return -1;
	}
	/* the refresh token and the client secret go there */
	if (!str_begins_with(set->token_url, "https://") ||
	    strlen(set->token_url) <= 8 || strchr(set->token_url, ' ') != NULL) {
		*error_r = retrieve_setting_error(&src,
			t_strconcat(prefix, "token_url", NULL),
			"must be an https:// URL", set->token_url);
		return -1;
	}
	if (*set->client_id == '\0') {
		*error_r = retrieve_setting_error(&src,
			t_strconcat(prefix, "client_id", NULL),
			"missing", NULL);
		return -1;
	}
	if (retrieve_setting_get_keyword(&src,
					 t_strconcat(prefix, "mechanism", NULL),
					 retrieve_oauth2_mechanism_names,
					 RETRIEVE_OAUTH2_MECH_XOAUTH2, &mech,
					 error_r) < 0)
		return -1;
	set->mechanism = mech;
	return 0;
}

/* auth=oauth2: the account's fields and its provider's settings */
static int
retrieve_account_parse_oauth2(const struct retrieve_setting_source *src,
			      pool_t pool, struct retrieve_account_settings *set,
			      const char **error_r)
{
	struct retrieve_oauth2_settings *oauth2;
	const char *value;

	oauth2 = p_new(pool, struct retrieve_oauth2_settings, 1);
	value = retrieve_setting_get(src, "oauth2_provider");
	if (value == NULL || *value == '\0') {
		*error_r = retrieve_setting_error(src, "oauth2_provider",
			t_strconcat("missing: auth=oauth2 needs ",
				retrieve_setting_display_name(src,
							      "oauth2_provider"),
				NULL), NULL);
		return -1;
	}
	if (!retrieve_oauth2_provider_name_is_valid(value)) {
		*error_r = retrieve_setting_error(src, "oauth2_provider",
			"use letters, digits and '-'", value);
		return -1;
	}
	oauth2->provider = p_strdup(pool, t_str_lcase(value));
	if (retrieve_oauth2_provider_parse(src, pool, oauth2->provider,
					   oauth2, error_r) < 0)
		return -1;

	/* The value is never quoted in errors */
	value = retrieve_setting_get(src, "oauth2_refresh_token");
	if (value == NULL || *value == '\0') {
		*error_r = retrieve_setting_error(src, "oauth2_refresh_token",
			t_strconcat("missing: set ",
				retrieve_setting_display_name(src,
						"oauth2_refresh_token"),
				NULL), NULL);
		return -1;
	}
	if (!oauth2_token_is_valid(value)) {
		*error_r = retrieve_setting_error(src, "oauth2_refresh_token",
			"not a token (printable ASCII without spaces, at most "
			"8192 bytes)", NULL);
		return -1;
	}
	oauth2->refresh_token = p_strdup(pool, value);

	value = retrieve_setting_get(src, "oauth2_user");
	if (value != NULL && *value != '\0') {
		if (retrieve_str_has_control_chars(value) ||
		    strchr(value, ',') != NULL) {
			/* both would break the SASL message */
			*error_r = retrieve_setting_error(src, "oauth2_user",
				"contains control characters or ','", value);
			return -1;
		}
		oauth2->user = p_strdup(pool, value);
	} else {
		oauth2->user = set->username;
	}
	set->oauth2 = oauth2;
	return 0;
}

static int
retrieve_account_parse_interval(const struct retrieve_setting_source *src,
				const struct retrieve_global_settings *global,
				struct retrieve_account_settings *set,
				const char **error_r)
{
	const char *value, *error;
	unsigned int secs;

	value = retrieve_setting_get(src, "interval");
	if (value == NULL || strcasecmp(value, "auto") == 0)
		secs = global->default_interval_secs;
	else if (strcasecmp(value, "manual") == 0) {
		set->interval_manual = TRUE;
		set->interval_secs = 0;
		return 0;
	} else if (retrieve_setting_time_parse(value, &secs, &error) < 0) {
		*error_r = retrieve_setting_error(src, "interval",
			"invalid interval (use manual, auto or a time "
			"like 15m)", value);
		return -1;
	} else if (secs == 0) {
		*error_r = retrieve_setting_error(src, "interval",
			"must be greater than zero (use manual to disable "
			"polling)", value);
		return -1;
	}
	/* Administrators set the floor; asking for less is not an error,
	   it is simply not granted. */
	set->interval_secs = I_MAX(secs, global->min_interval_secs);
	return 0;
}

static int
retrieve_account_parse_ssl(const struct retrieve_setting_source *src,
			   const struct retrieve_global_settings *global,
			   const struct retrieve_url *url,
			   struct retrieve_account_settings *set,
			   const char **error_r)
{
	const char *value;
	unsigned int mode;

	value = retrieve_setting_get(src, "ssl");
	if (value == NULL) {
		set->ssl_mode = url->implicit_ssl ?
			RETRIEVE_SSL_MODE_IMPLICIT : RETRIEVE_SSL_MODE_STARTTLS;
		return 0;
	}
	if (retrieve_setting_get_keyword(src, "ssl", retrieve_ssl_mode_names,
					 0, &mode, error_r) < 0)
		return -1;
	set->ssl_mode = mode;

	if (url->implicit_ssl && set->ssl_mode != RETRIEVE_SSL_MODE_IMPLICIT) {
		*error_r = retrieve_setting_error(src, "ssl",
			t_strdup_printf("conflicts with the URL scheme %ss://",
					retrieve_protocol_name(url->protocol)),
			value);
		return -1;
	}
	if (set->ssl_mode == RETRIEVE_SSL_MODE_NONE &&
	    set->auth == RETRIEVE_AUTH_OAUTH2) {
		/* a bearer token is as good as a password, for an hour */
		*error_r = retrieve_setting_error(src, "ssl",
			"auth=oauth2 is never sent without TLS", value);
		return -1;
	}
	if (set->ssl_mode == RETRIEVE_SSL_MODE_NONE &&
	    !global->allow_plaintext) {
		*error_r = retrieve_setting_error(src, "ssl",
			"ssl=no requires retrieve_allow_plaintext=yes", value);
		return -1;
	}
	return 0;
}

static int
retrieve_account_parse_folders(const struct retrieve_setting_source *src,
			       pool_t pool, struct retrieve_account_settings *set,
			       const char **error_r)
{
	static const char *const merge_default_exclude[] = {
		"\\Junk", "\\Trash", NULL
	};
	const char *value, *exclude;
	unsigned int method;

	value = retrieve_setting_get(src, "folders");
	exclude = retrieve_setting_get(src, "folders_exclude");
	if (set->protocol != RETRIEVE_PROTOCOL_IMAP) {
		/* a POP3 account has only its maildrop */
		if (value != NULL || exclude != NULL) {
			*error_r = retrieve_setting_error(src,
				value != NULL ? "folders" : "folders_exclude",
				"exists only in IMAP",
				value != NULL ? value : exclude);
			return -1;
		}
		set->folders_exclude = p_new(pool, const char *, 1);
		return 0;
	}
	if (retrieve_setting_get_keyword(src, "folders",
					 retrieve_folders_method_names,
					 RETRIEVE_FOLDERS_INBOX, &method,
					 error_r) < 0)
		return -1;
	set->folders = method;

	if (exclude != NULL) {
		if (!uni_utf8_str_is_valid(exclude) ||
		    retrieve_str_has_control_chars(exclude)) {
			*error_r = retrieve_setting_error(src,
				"folders_exclude", "not valid UTF-8 text",
				exclude);
			return -1;
		}
		set->folders_exclude = (const char *const *)
			p_strsplit_spaces(pool, exclude, " ,");
	} else if (set->folders == RETRIEVE_FOLDERS_MERGE) {
		set->folders_exclude = merge_default_exclude;
	} else {
		set->folders_exclude = p_new(pool, const char *, 1);
	}
	return 0;
}

static int
retrieve_account_parse_options(const struct retrieve_setting_source *src,
			       const struct retrieve_global_settings *global,
			       pool_t pool, struct retrieve_account_settings *set,
			       const char **error_r)
{
	const char *value;

	value = retrieve_setting_get(src, "folder");
	if (value == NULL)
		value = RETRIEVE_DEFAULT_FOLDER;
	if (*value == '\0') {
		*error_r = retrieve_setting_error(src, "folder",
						  "must not be empty", value);
		return -1;
	}
	if (!uni_utf8_str_is_valid(value)) {
		*error_r = retrieve_setting_error(src, "folder",
						  "not valid UTF-8", value);
		return -1;
	}
	set->folder = p_strdup(pool, value);

	if (retrieve_setting_get_bool(src, "apop", FALSE,
				      &set->apop, error_r) < 0 ||
	    retrieve_setting_get_bool(src, "keep", FALSE,
				      &set->keep, error_r) < 0 ||
	    retrieve_setting_get_bool(src, "filter", TRUE,
				      &set->filter, error_r) < 0 ||
	    retrieve_setting_get_bool(src, "ssl_verify", TRUE,
				      &set->ssl_verify, error_r) < 0)
		return -1;
	if (!set->ssl_verify && !global->allow_ssl_verify_no) {
		*error_r = retrieve_setting_error(src, "ssl_verify",
			"ssl_verify=no requires retrieve_allow_ssl_verify_no=yes",
			retrieve_setting_get(src, "ssl_verify"));
		return -1;
	}
	if (set->apop && set->auth == RETRIEVE_AUTH_OAUTH2) {
		*error_r = retrieve_setting_error(src, "apop",
			"APOP sends a password digest: not with auth=oauth2",
			retrieve_setting_get(src, "apop"));
		return -1;
	}
	if (set->apop && set->protocol != RETRIEVE_PROTOCOL_POP3) {
		*error_r = retrieve_setting_error(src, "apop",
			"APOP exists only in POP3",
			retrieve_setting_get(src, "apop"));
		return -1;
	}

	if (retrieve_account_parse_folders(src, pool, set, error_r) < 0)
		return -1;

	return retrieve_setting_get_size(src, "max_size", 0, TRUE,
					 &set->max_size, error_r);
}

static int
retrieve_account_settings_parse_src(pool_t pool,
				    const struct retrieve_global_settings *global,
				    const struct retrieve_setting_source *src,
				    const char *url_name,
				    struct retrieve_account_settings **set_r,
				    const char **error_r)
{
	struct retrieve_account_settings *set;
	struct retrieve_url url;
	const char *value;

	*set_r = NULL;
	value = src->getenv(url_name, src->context);
	if (value == NULL || *value == '\0')
		return 0;

	if (retrieve_account_parse_url(src, pool, value, &url, error_r) < 0)
		return -1;

	set = p_new(pool, struct retrieve_account_settings, 1);
	set->name = p_strdup(pool, src->key);
	set->url = p_strdup(pool, value);
	set->protocol = url.protocol;
	set->host = url.host;

	if (retrieve_account_parse_credentials(src, pool, &url,
					       set, error_r) < 0 ||
	    retrieve_account_parse_interval(src, global, set, error_r) < 0 ||
	    retrieve_account_parse_ssl(src, global, &url, set, error_r) < 0 ||
	    retrieve_account_parse_options(src, global, pool, set, error_r) < 0)
		return -1;

	set->port = url.port != 0 ? url.port :
		retrieve_protocol_default_port(set->protocol,
			set->ssl_mode == RETRIEVE_SSL_MODE_IMPLICIT);
	*set_r = set;
	return 1;
}

int retrieve_account_settings_parse(pool_t pool,
				    const struct retrieve_global_settings *global,
				    retrieve_getenv_t *getenv, void *context,
				    unsigned int idx,
				    struct retrieve_account_settings **set_r,
				    const char **error_r)
{
	struct retrieve_setting_source src = {
		.getenv = getenv,
		.context = context,
		.key = retrieve_account_key(idx),
	};

	return retrieve_account_settings_parse_src(pool, global, &src,
						   src.key, set_r, error_r);
}

bool retrieve_account_name_is_valid(const char *name)
{
	const char *p;

	if (*name == '\0' || strlen(name) > RETRIEVE_ACCOUNT_NAME_MAX_LEN)
		return FALSE;
	for (p = name; *p != '\0'; p++) {
		if (!i_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	}
	return TRUE;
}

int retrieve_account_settings_parse_named(pool_t pool,
		const struct retrieve_global_settings *global,
		retrieve_getenv_t *getenv, void *context, const char *name,
		struct retrieve_account_settings **set_r, const char **error_r)
{
	struct retrieve_setting_source src = {
		.getenv = getenv,
		.context = context,
		.key = name,
		.field_prefix = t_strdup_printf("%s/%s/%s",
			RETRIEVE_ACCOUNT_LIST_KEY, name,
			RETRIEVE_ACCOUNT_FIELD_PREFIX),
	};
	const char *error;
	int ret;

	i_assert(retrieve_account_name_is_valid(name));
	*set_r = NULL;
	error = getenv(t_strdup_printf("%s/%s/", RETRIEVE_ACCOUNT_LIST_KEY,
				       name), context);
	if (error != NULL) {
		/* e.g. a %{...} that did not expand */
		*error_r = t_strdup_printf("%s: settings: %s", name,
			str_sanitize(error, RETRIEVE_URL_ERROR_MAX_LEN * 4));
		return -1;
	}
	ret = retrieve_account_settings_parse_src(pool, global, &src,
		t_strconcat(src.field_prefix, "url", NULL), set_r, error_r);
	if (ret == 0) {
		*error_r = retrieve_setting_error(&src, "url",
			"missing: set retrieve_account_url", NULL);
		return -1;
	}
	return ret;
}

static void retrieve_identity_append_escaped(string_t *dest, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	for (; *p != '\0'; p++) {
		/* A leading '.' is escaped too: no hidden files, no "..". */
		if (i_isalnum(*p) || *p == '-' || *p == '_' ||
		    (*p == '.' && p != (const unsigned char *)str))
			str_append_c(dest, *p);
		else
			str_printfa(dest, "%%%02X", *p);
	}
}

const char *
retrieve_account_identity(const struct retrieve_account_settings *set)
{
	unsigned char digest[SHA256_RESULTLEN];
	struct ip_addr ip;
	const char *host;
	string_t *str;

	/* Host names are case-insensitive and IP addresses have several
	   spellings; neither should make the state look new. */
	if (net_addr2ip(set->host, &ip) == 0)
		host = net_ip2addr(&ip);
	else
		host = t_str_lcase(set->host);

	str = t_str_new(128);
	str_append(str, retrieve_protocol_name(set->protocol));
	str_append_c(str, '-');
	retrieve_identity_append_escaped(str, set->username);
	str_append_c(str, '@');
	retrieve_identity_append_escaped(str, host);
	str_printfa(str, "-%u", (unsigned int)set->port);

	if (str_len(str) > RETRIEVE_IDENTITY_MAX_LEN) {
		sha256_get_digest(str_data(str), str_len(str), digest);
		str_truncate(str, RETRIEVE_IDENTITY_KEEP_LEN);
		str_append_c(str, '-');
		str_append(str, binary_to_hex(digest, 16));
	}
	return str_c(str);
}
