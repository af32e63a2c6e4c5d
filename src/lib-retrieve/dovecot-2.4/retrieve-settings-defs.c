/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "settings-parser.h"
#include "retrieve-settings-defs.h"

/* Compiled into libdovecot-retrieve and into the settings module
   (src/settings/), which may link nothing but what the config process
   has: lib/ and lib-settings only here. */

#undef DEF
#define DEF(name) \
	SETTING_DEFINE_STRUCT_STR(#name, name, struct retrieve_settings)

static const struct setting_define retrieve_setting_defines[] = {
	DEF(retrieve_allow_plaintext),
	DEF(retrieve_default_interval),
	DEF(retrieve_min_interval),
	DEF(retrieve_timeout),
	DEF(retrieve_run_timeout),
	DEF(retrieve_message_timeout),
	DEF(retrieve_state_dir),
	DEF(retrieve_max_message_size),
	DEF(retrieve_allow_ssl_verify_no),
	DEF(retrieve_allow_networks),
	DEF(retrieve_deny_networks),
	DEF(retrieve_on_login),
	DEF(retrieve_spam_scanner),
	DEF(retrieve_spam_timeout),
	DEF(retrieve_spam_failure),
	DEF(retrieve_spam_max_size),
	DEF(retrieve_spam_folder),
	DEF(retrieve_spam_settings_id),
	DEF(retrieve_spam_header_flag),
	DEF(retrieve_spam_header_status),
	DEF(retrieve_spam_header_score),

	/* the named accounts: retrieve_account = work home, each a filter
	   retrieve_account work { retrieve_account_url = ... } */
	{ .type = SET_FILTER_ARRAY, .key = "retrieve_account",
	  .offset = offsetof(struct retrieve_settings, retrieve_account),
	  .filter_array_field_name = "retrieve_account_name", },
	/* the administrator's OAuth2 providers: retrieve_oauth2 google {
	   retrieve_oauth2_token_url = ... } */
	{ .type = SET_FILTER_ARRAY, .key = "retrieve_oauth2",
	  .offset = offsetof(struct retrieve_settings, retrieve_oauth2),
	  .filter_array_field_name = "retrieve_oauth2_name", },

	SETTING_DEFINE_LIST_END,
};

static const struct retrieve_settings retrieve_default_settings = {
	.retrieve_allow_plaintext = "",
	.retrieve_default_interval = "",
	.retrieve_min_interval = "",
	.retrieve_timeout = "",
	.retrieve_run_timeout = "",
	.retrieve_message_timeout = "",
	.retrieve_state_dir = "",
	.retrieve_max_message_size = "",
	.retrieve_allow_ssl_verify_no = "",
	.retrieve_allow_networks = "",
	.retrieve_deny_networks = "",
	.retrieve_on_login = "",
	.retrieve_spam_scanner = "",
	.retrieve_spam_timeout = "",
	.retrieve_spam_failure = "",
	.retrieve_spam_max_size = "",
	.retrieve_spam_folder = "",
	.retrieve_spam_settings_id = "",
	.retrieve_spam_header_flag = "",
	.retrieve_spam_header_status = "",
	.retrieve_spam_header_score = "",
	.retrieve_account = ARRAY_INIT,
	.retrieve_oauth2 = ARRAY_INIT,
};

const struct setting_parser_info retrieve_setting_parser_info = {
	.name = "retrieve",

	.defines = retrieve_setting_defines,
	.defaults = &retrieve_default_settings,

	.struct_size = sizeof(struct retrieve_settings),
	.pool_offset1 = 1 + offsetof(struct retrieve_settings, pool),
};

#undef DEF
#define DEF(name) \
	SETTING_DEFINE_STRUCT_STR(#name, name, \
				  struct retrieve_account_list_settings)
/* The secrets are never %-expanded: a '%' in a password is the
   password's */
#define DEF_NOVARS(name) \
	SETTING_DEFINE_STRUCT_STR_NOVARS(#name, name, \
					 struct retrieve_account_list_settings)

static const struct setting_define retrieve_account_setting_defines[] = {
	DEF(retrieve_account_name),
	DEF(retrieve_account_url),
	DEF(retrieve_account_user),
	DEF_NOVARS(retrieve_account_password),
	DEF(retrieve_account_auth),
	DEF(retrieve_account_oauth2_provider),
	DEF_NOVARS(retrieve_account_oauth2_refresh_token),
	DEF(retrieve_account_oauth2_user),
	DEF(retrieve_account_interval),
	DEF(retrieve_account_folder),
	DEF(retrieve_account_ssl),
	DEF(retrieve_account_ssl_verify),
	DEF(retrieve_account_apop),
	DEF(retrieve_account_keep),
	DEF(retrieve_account_filter),
	DEF(retrieve_account_max_size),
	DEF(retrieve_account_folders),
	DEF(retrieve_account_folders_exclude),

	SETTING_DEFINE_LIST_END,
};

static const struct retrieve_account_list_settings
retrieve_account_default_settings = {
	.retrieve_account_name = "",
	.retrieve_account_url = "",
	.retrieve_account_user = "",
	.retrieve_account_password = "",
	.retrieve_account_auth = "",
	.retrieve_account_oauth2_provider = "",
	.retrieve_account_oauth2_refresh_token = "",
	.retrieve_account_oauth2_user = "",
	.retrieve_account_interval = "",
	.retrieve_account_folder = "",
	.retrieve_account_ssl = "",
	.retrieve_account_ssl_verify = "",
	.retrieve_account_apop = "",
	.retrieve_account_keep = "",
	.retrieve_account_filter = "",
	.retrieve_account_max_size = "",
	.retrieve_account_folders = "",
	.retrieve_account_folders_exclude = "",
};

const struct setting_parser_info retrieve_account_setting_parser_info = {
	.name = "retrieve_account",

	.defines = retrieve_account_setting_defines,
	.defaults = &retrieve_account_default_settings,

	.struct_size = sizeof(struct retrieve_account_list_settings),
	.pool_offset1 = 1 + offsetof(struct retrieve_account_list_settings,
				     pool),
};

#undef DEF
#undef DEF_NOVARS
#define DEF(name) \
	SETTING_DEFINE_STRUCT_STR(#name, name, \
				  struct retrieve_oauth2_list_settings)
#define DEF_NOVARS(name) \
	SETTING_DEFINE_STRUCT_STR_NOVARS(#name, name, \
					 struct retrieve_oauth2_list_settings)

static const struct setting_define retrieve_oauth2_setting_defines[] = {
	DEF(retrieve_oauth2_name),
	DEF(retrieve_oauth2_token_url),
	DEF(retrieve_oauth2_client_id),
	DEF_NOVARS(retrieve_oauth2_client_secret),
	DEF(retrieve_oauth2_scope),
	DEF(retrieve_oauth2_mechanism),

	SETTING_DEFINE_LIST_END,
};

static const struct retrieve_oauth2_list_settings
retrieve_oauth2_default_settings = {
	.retrieve_oauth2_name = "",
	.retrieve_oauth2_token_url = "",
	.retrieve_oauth2_client_id = "",
	.retrieve_oauth2_client_secret = "",
	.retrieve_oauth2_scope = "",
	.retrieve_oauth2_mechanism = "",
};

const struct setting_parser_info retrieve_oauth2_setting_parser_info = {
	.name = "retrieve_oauth2",

	.defines = retrieve_oauth2_setting_defines,
	.defaults = &retrieve_oauth2_default_settings,

	.struct_size = sizeof(struct retrieve_oauth2_list_settings),
	.pool_offset1 = 1 + offsetof(struct retrieve_oauth2_list_settings,
				     pool),
};

#undef DEF
#define DEF(name) \
	SETTING_DEFINE_STRUCT_STR(#name, name, \
				  struct retrieve_scheduler_settings)

static const struct setting_define retrieve_service_setting_defines[] = {
	DEF(retrieve_max_parallel),
	DEF(retrieve_max_per_host),
	DEF(retrieve_userdb_scan_interval),

	SETTING_DEFINE_LIST_END,
};

static const struct retrieve_scheduler_settings
retrieve_service_default_settings = {
	.retrieve_max_parallel = "",
	.retrieve_max_per_host = "",
	.retrieve_userdb_scan_interval = "",
};

const struct setting_parser_info retrieve_service_setting_parser_info = {
	.name = "retrieve_service",

	.defines = retrieve_service_setting_defines,
	.defaults = &retrieve_service_default_settings,

	.struct_size = sizeof(struct retrieve_scheduler_settings),
	.pool_offset1 = 1 + offsetof(struct retrieve_scheduler_settings,
				     pool),
};

static bool retrieve_setting_is_str(const struct setting_define *def)
{
	return def->type == SET_STR || def->type == SET_STR_NOVARS;
}

/* The string setting key of defines */
static const struct setting_define *
retrieve_setting_find(const struct setting_define *defines, const char *key)
{
	const struct setting_define *def;

	for (def = defines; def->key != NULL; def++) {
		if (retrieve_setting_is_str(def) && strcmp(def->key, key) == 0)
			return def;
	}
	return NULL;
}

static const char *
retrieve_setting_value(const struct setting_define *defines,
		       const void *set, const char *key)
{
	const struct setting_define *def = retrieve_setting_find(defines, key);
	const char *value;

	if (def == NULL)
		return NULL;
	value = *(const char *const *)CONST_PTR_OFFSET(set, def->offset);
	return value[0] == '\0' ? NULL : value;
}

/* The string settings of set copied to the data stack (the rest left
   zeroed) */
static void *
retrieve_settings_strs_t_dup(const struct setting_define *defines,
			     size_t struct_size, const void *set)
{
	void *dup = t_malloc0(struct_size);
	const struct setting_define *def;

	for (def = defines; def->key != NULL; def++) {
		if (retrieve_setting_is_str(def)) {
			const char *const *src =
				CONST_PTR_OFFSET(set, def->offset);
			const char **dest = PTR_OFFSET(dup, def->offset);

			*dest = t_strdup(*src);
		}
	}
	return dup;
}

bool retrieve_settings_is_defined(const char *key)
{
	return retrieve_setting_find(retrieve_setting_defines, key) != NULL;
}

const char *retrieve_settings_find(const struct retrieve_settings *set,
				   const char *key)
{
	return retrieve_setting_value(retrieve_setting_defines, set, key);
}

struct retrieve_settings *
retrieve_settings_t_dup(const struct retrieve_settings *set)
{
	struct retrieve_settings *dup;
	const char *name;

	dup = retrieve_settings_strs_t_dup(retrieve_setting_defines,
					   sizeof(*dup), set);
	/* the providers are read from the administrator's settings by
	   name: their list isn't needed */
	t_array_init(&dup->retrieve_account, 4);
	if (array_is_created(&set->retrieve_account)) {
		array_foreach_elem(&set->retrieve_account, name) {
			name = t_strdup(name);
			array_push_back(&dup->retrieve_account, &name);
		}
	}
	return dup;
}

const char *
retrieve_filter_settings_find(const struct setting_parser_info *info,
			      const void *set, const char *key)
{
	return retrieve_setting_value(info->defines, set, key);
}

void *retrieve_filter_settings_t_dup(const struct setting_parser_info *info,
				     const void *set)
{
	return retrieve_settings_strs_t_dup(info->defines, info->struct_size,
					    set);
}
