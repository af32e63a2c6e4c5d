/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
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
};

const struct setting_parser_info retrieve_setting_parser_info = {
	.name = "retrieve",

	.defines = retrieve_setting_defines,
	.defaults = &retrieve_default_settings,

	.struct_size = sizeof(struct retrieve_settings),
	.pool_offset1 = 1 + offsetof(struct retrieve_settings, pool),
};

static const struct setting_define *retrieve_setting_find(const char *key)
{
	const struct setting_define *def;

	for (def = retrieve_setting_defines; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			return def;
	}
	return NULL;
}

bool retrieve_settings_is_defined(const char *key)
{
	return retrieve_setting_find(key) != NULL;
}

const char *retrieve_settings_find(const struct retrieve_settings *set,
				   const char *key)
{
	const struct setting_define *def = retrieve_setting_find(key);
	const char *value;

	if (def == NULL)
		return NULL;
	i_assert(def->type == SET_STR);
	value = *(const char *const *)CONST_PTR_OFFSET(set, def->offset);
	return value[0] == '\0' ? NULL : value;
}

struct retrieve_settings *
retrieve_settings_t_dup(const struct retrieve_settings *set)
{
	struct retrieve_settings *dup = t_new(struct retrieve_settings, 1);
	const struct setting_define *def;

	for (def = retrieve_setting_defines; def->key != NULL; def++) {
		const char *const *src = CONST_PTR_OFFSET(set, def->offset);
		const char **dest = PTR_OFFSET(dup, def->offset);

		i_assert(def->type == SET_STR);
		*dest = t_strdup(*src);
	}
	return dup;
}
