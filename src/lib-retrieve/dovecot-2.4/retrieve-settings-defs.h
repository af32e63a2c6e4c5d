#ifndef RETRIEVE_SETTINGS_DEFS_H
#define RETRIEVE_SETTINGS_DEFS_H

/* Dovecot 2.4: the typed global settings, declared so that 2.4's config
   accepts retrieve_* at the top level of dovecot.conf (the settings
   module, src/settings/, gives the config process this info; the mail
   processes look it up through libdovecot-retrieve's copy). All strings:
   retrieve-settings.c parses them as on 2.3, so a bad value is our one
   error line and status entry, not a config error of the whole user. ""
   is "not set" (the default applies). */

#include "settings-parser.h"

struct retrieve_settings {
	pool_t pool;
	const char *retrieve_allow_plaintext;
	const char *retrieve_default_interval;
	const char *retrieve_min_interval;
	const char *retrieve_timeout;
	const char *retrieve_run_timeout;
	const char *retrieve_message_timeout;
	const char *retrieve_state_dir;
	const char *retrieve_max_message_size;
	const char *retrieve_allow_ssl_verify_no;
	const char *retrieve_allow_networks;
	const char *retrieve_deny_networks;
	const char *retrieve_on_login;
	const char *retrieve_spam_scanner;
	const char *retrieve_spam_timeout;
	const char *retrieve_spam_failure;
	const char *retrieve_spam_max_size;
	const char *retrieve_spam_folder;
	const char *retrieve_spam_settings_id;
	const char *retrieve_spam_header_flag;
	const char *retrieve_spam_header_status;
	const char *retrieve_spam_header_score;
	/* the names of the named accounts */
	ARRAY_TYPE(const_string) retrieve_account;
	/* the names of the OAuth2 providers */
	ARRAY_TYPE(const_string) retrieve_oauth2;
};

/* One named account, the filter retrieve_account <name> { ... }: one
   string per 2.3 retrieveN_OPTION (retrieve_account_url is retrieveN
   itself), parsed by retrieve-settings.c as the flat fields are */
struct retrieve_account_list_settings {
	pool_t pool;
	const char *retrieve_account_name;
	const char *retrieve_account_url;
	const char *retrieve_account_user;
	const char *retrieve_account_password;
	const char *retrieve_account_auth;
	const char *retrieve_account_oauth2_provider;
	const char *retrieve_account_oauth2_refresh_token;
	const char *retrieve_account_oauth2_user;
	const char *retrieve_account_interval;
	const char *retrieve_account_folder;
	const char *retrieve_account_ssl;
	const char *retrieve_account_ssl_verify;
	const char *retrieve_account_apop;
	const char *retrieve_account_keep;
	const char *retrieve_account_filter;
	const char *retrieve_account_max_size;
	const char *retrieve_account_folders;
	const char *retrieve_account_folders_exclude;
};

/* One OAuth2 provider, the filter retrieve_oauth2 <name> { ... }: 2.3's
   retrieve_oauth2_<name>_<field> (administrator-only) */
struct retrieve_oauth2_list_settings {
	pool_t pool;
	const char *retrieve_oauth2_name;
	const char *retrieve_oauth2_token_url;
	const char *retrieve_oauth2_client_id;
	const char *retrieve_oauth2_client_secret;
	const char *retrieve_oauth2_scope;
	const char *retrieve_oauth2_mechanism;
};

/* The scheduler's own settings (the retrieve service reads them with
   retrieve_min_interval and retrieve_run_timeout of struct
   retrieve_settings; strings for the same reason) */
struct retrieve_scheduler_settings {
	pool_t pool;
	const char *retrieve_max_parallel;
	const char *retrieve_max_per_host;
	const char *retrieve_userdb_scan_interval;
};

/* What both filters' structs begin with: settings_get_filter() and
   settings_free() of either, without knowing which */
struct retrieve_filter_settings {
	pool_t pool;
};

extern const struct setting_parser_info retrieve_setting_parser_info;
extern const struct setting_parser_info retrieve_oauth2_setting_parser_info;
extern const struct setting_parser_info retrieve_account_setting_parser_info;
extern const struct setting_parser_info retrieve_service_setting_parser_info;

/* TRUE when key is one of struct retrieve_settings' strings */
bool retrieve_settings_is_defined(const char *key);
/* The value of key in set, NULL when key isn't one of its settings or
   is unset ("") */
const char *retrieve_settings_find(const struct retrieve_settings *set,
				   const char *key);
/* A copy of set's values on the data stack (no pool: not for
   settings_free()) */
struct retrieve_settings *
retrieve_settings_t_dup(const struct retrieve_settings *set);

/* The same for the settings of a named filter (info is
   retrieve_account_setting_parser_info or
   retrieve_oauth2_setting_parser_info) or of
   retrieve_service_setting_parser_info */
const char *
retrieve_filter_settings_find(const struct setting_parser_info *info,
			      const void *set, const char *key);
void *retrieve_filter_settings_t_dup(const struct setting_parser_info *info,
				     const void *set);

#endif
