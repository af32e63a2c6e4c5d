/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "settings-parser.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "retrieve-service-settings-source.h"

/* Dovecot 2.3: the retrieve_* settings are in plugin {} */

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

static const char *retrieve_plugin_getenv(const char *name, void *context)
{
	const struct retrieve_plugin_settings *set = context;
	const char *const *envs;
	unsigned int i, count;

	if (!array_is_created(&set->plugin_envs))
		return NULL;
	envs = array_get(&set->plugin_envs, &count);
	/* an empty value leaves the default, as if unset */
	for (i = 0; i + 1 < count; i += 2) {
		if (strcmp(envs[i], name) == 0)
			return envs[i+1][0] == '\0' ? NULL : envs[i+1];
	}
	return NULL;
}

int retrieve_service_settings_source_init(struct retrieve_setting_source *src_r,
					  const char **error_r)
{
	static const struct setting_parser_info *roots[] = {
		&retrieve_plugin_setting_parser_info,
		NULL
	};
	struct master_service_settings_input input;
	struct master_service_settings_output output;
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

	i_zero(src_r);
	src_r->getenv = retrieve_plugin_getenv;
	src_r->context = sets[0];
	return 0;
}

void retrieve_service_settings_source_deinit(
	struct retrieve_setting_source *src ATTR_UNUSED)
{
	/* the master service's settings */
}
