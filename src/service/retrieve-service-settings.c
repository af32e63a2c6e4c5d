/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "strnum.h"
#include "settings-parser.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "retrieve-service-settings.h"

#define RETRIEVE_DEFAULT_MAX_PARALLEL 10
#define RETRIEVE_DEFAULT_MAX_PER_HOST 3
#define RETRIEVE_DEFAULT_USERDB_SCAN_INTERVAL_SECS (60*60)
#define RETRIEVE_DEFAULT_MIN_INTERVAL_SECS 60
/* as the account settings' default (lib-retrieve) */
#define RETRIEVE_DEFAULT_RUN_TIMEOUT_SECS (30*60)

struct retrieve_plugin_settings {
	ARRAY_TYPE(const_string) plugin_envs;
};

/* Only plugin {}: the config process sends the rest of the mail
   settings too, and the parser ignores them. */
static const struct setting_define retrieve_plugin_setting_defines[] = {
	{ .type = SET_STRLIST, .key = "plugin",
	  .offset = offsetof(struct retrieve_plugin_settings, plugin_envs) },
	SETTING_DEFINE_LIST_END
};

static const struct retrieve_plugin_settings retrieve_plugin_default_settings = {
	.plugin_envs = ARRAY_INIT,
};

static const struct setting_parser_info retrieve_plugin_setting_parser_info = {
	.module_name = "mail",
	.defines = retrieve_plugin_setting_defines,
	.defaults = &retrieve_plugin_default_settings,
	.type_offset = SIZE_MAX,
	.struct_size = sizeof(struct retrieve_plugin_settings),
	.parent_offset = SIZE_MAX,
};

struct event *retrieve_service_event;
struct event_category event_category_retrieve_service = {
	.name = "retrieve-service",
};

static const char *
retrieve_plugin_getenv(const struct retrieve_plugin_settings *set,
		       const char *name)
{
	const char *const *envs;
	unsigned int i, count;

	if (!array_is_created(&set->plugin_envs))
		return NULL;
	envs = array_get(&set->plugin_envs, &count);
	for (i = 0; i + 1 < count; i += 2) {
		if (strcmp(envs[i], name) == 0)
			return envs[i+1];
	}
	return NULL;
}

static int
retrieve_setting_uint(const struct retrieve_plugin_settings *set,
		      const char *name, unsigned int default_value,
		      unsigned int *value_r, const char **error_r)
{
	const char *value = retrieve_plugin_getenv(set, name);

	*value_r = default_value;
	if (value == NULL || *value == '\0')
		return 0;
	if (str_to_uint(value, value_r) < 0 || *value_r == 0) {
		*error_r = t_strdup_printf("%s: not a positive number: %s",
					   name, value);
		return -1;
	}
	return 0;
}

static int
retrieve_setting_time(const struct retrieve_plugin_settings *set,
		      const char *name, unsigned int default_value,
		      unsigned int *value_r, const char **error_r)
{
	const char *value = retrieve_plugin_getenv(set, name);
	const char *error;

	*value_r = default_value;
	if (value == NULL || *value == '\0')
		return 0;
	/* a bare number is seconds, as in the account settings */
	if (str_to_uint(value, value_r) == 0)
		return 0;
	if (settings_get_time(value, value_r, &error) < 0) {
		*error_r = t_strdup_printf("%s: %s", name, error);
		return -1;
	}
	return 0;
}

int retrieve_service_settings_read(struct retrieve_service_settings *set_r,
				   const char **error_r)
{
	static const struct setting_parser_info *roots[] = {
		&retrieve_plugin_setting_parser_info,
		NULL
	};
	struct master_service_settings_input input;
	struct master_service_settings_output output;
	const struct retrieve_plugin_settings *set;
	const char *error;
	void **sets;

	i_zero(&input);
	input.roots = roots;
	input.module = "mail";
	input.service = master_service_get_name(master_service);
	if (master_service_settings_read(master_service, &input, &output,
					 &error) < 0) {
		*error_r = t_strdup_printf("Couldn't read settings: %s", error);
		return -1;
	}
	sets = master_service_settings_get_others(master_service);
	set = sets[0];

	i_zero(set_r);
	if (retrieve_setting_uint(set, "retrieve_max_parallel",
				  RETRIEVE_DEFAULT_MAX_PARALLEL,
				  &set_r->max_parallel, error_r) < 0 ||
	    retrieve_setting_uint(set, "retrieve_max_per_host",
				  RETRIEVE_DEFAULT_MAX_PER_HOST,
				  &set_r->max_per_host, error_r) < 0 ||
	    retrieve_setting_time(set, "retrieve_userdb_scan_interval",
				  RETRIEVE_DEFAULT_USERDB_SCAN_INTERVAL_SECS,
				  &set_r->userdb_scan_interval_secs,
				  error_r) < 0 ||
	    retrieve_setting_time(set, "retrieve_min_interval",
				  RETRIEVE_DEFAULT_MIN_INTERVAL_SECS,
				  &set_r->min_interval_secs, error_r) < 0 ||
	    retrieve_setting_time(set, "retrieve_run_timeout",
				  RETRIEVE_DEFAULT_RUN_TIMEOUT_SECS,
				  &set_r->run_timeout_secs, error_r) < 0)
		return -1;
	if (set_r->userdb_scan_interval_secs == 0)
		set_r->userdb_scan_interval_secs = 1;
	if (set_r->min_interval_secs == 0)
		set_r->min_interval_secs = 1;
	if (set_r->run_timeout_secs == 0)
		set_r->run_timeout_secs = RETRIEVE_DEFAULT_RUN_TIMEOUT_SECS;
	return 0;
}
