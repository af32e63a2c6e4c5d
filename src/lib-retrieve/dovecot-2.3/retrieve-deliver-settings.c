/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "settings-parser.h"
#include "master-service.h"
#include "master-service-settings.h"
#include "smtp-submit-settings.h"
#include "lda-settings.h"
#include "mail-storage-settings.h"
#include "mail-storage-service.h"
#include "mail-user.h"
#include "mail-namespace.h"
#include "raw-storage.h"
#include "retrieve-deliver-settings.h"

/* lib-lda's settings as the process read them globally, for processes that
   can't make them per-user settings (doveadm reads them as its own
   settings roots). */
static struct {
	pool_t pool;
	void *lda_set;
	void *smtp_set;
} retrieve_deliver_settings_global;

/* Finds the settings of info among the parser's roots, NULL when the
   parser doesn't have them. */
static void *
retrieve_settings_parser_find(struct setting_parser_context *parser,
			      const struct setting_parser_info *info)
{
	const struct setting_parser_info *const *roots;
	void **sets;
	unsigned int i;

	roots = settings_parser_get_roots(parser);
	sets = settings_parser_get_list(parser);
	for (i = 0; roots[i] != NULL; i++) {
		/* by name: settings_parser_dyn_update() copies roots */
		if (roots[i]->module_name != NULL &&
		    strcmp(roots[i]->module_name, info->module_name) == 0)
			return sets[i];
	}
	return NULL;
}

void retrieve_deliver_settings_global_init(void)
{
	struct setting_parser_context *parser;
	void *lda_set, *smtp_set;

	if (retrieve_deliver_settings_global.pool != NULL)
		return;
	if (master_service == NULL)
		return;
	parser = master_service_get_settings_parser(master_service);
	if (parser == NULL)
		return;
	lda_set = retrieve_settings_parser_find(parser,
						&lda_setting_parser_info);
	smtp_set = retrieve_settings_parser_find(parser,
		&smtp_submit_setting_parser_info);
	if (lda_set == NULL && smtp_set == NULL)
		return;

	retrieve_deliver_settings_global.pool =
		pool_alloconly_create("retrieve deliver settings", 1024);
	if (lda_set != NULL) {
		retrieve_deliver_settings_global.lda_set =
			settings_dup(&lda_setting_parser_info, lda_set,
				     retrieve_deliver_settings_global.pool);
	}
	if (smtp_set != NULL) {
		retrieve_deliver_settings_global.smtp_set =
			settings_dup(&smtp_submit_setting_parser_info,
				     smtp_set,
				     retrieve_deliver_settings_global.pool);
	}
}

void retrieve_deliver_settings_global_deinit(void)
{
	retrieve_deliver_settings_global.lda_set = NULL;
	retrieve_deliver_settings_global.smtp_set = NULL;
	pool_unref(&retrieve_deliver_settings_global.pool);
}

/* Returns the user's settings of info, expanded for the user: the user's
   own when the process made info a root of its storage service (userdb
   fields and protocol filters apply), else what the process read globally,
   else Dovecot's defaults. */
static void *
retrieve_deliver_settings_expand(struct mail_user *user, pool_t pool,
				 const struct setting_parser_info *info,
				 void *global_set, const char **error_r)
{
	struct setting_parser_context *parser = NULL;
	void *src = NULL, *set;
	const char *error;

	if (user->_service_user != NULL) {
		src = retrieve_settings_parser_find(
			mail_storage_service_user_get_settings_parser(
				user->_service_user), info);
	}
	if (src == NULL)
		src = global_set;
	if (src == NULL) {
		/* a parser's copy, since the strings of the defaults lack
		   the expansion markers that settings_var_expand() wants */
		parser = settings_parser_init(pool, info, 0);
		src = settings_parser_get(parser);
	}
	/* expanding works in place, and the source is shared */
	set = settings_dup(info, src, pool);
	if (parser != NULL)
		settings_parser_deinit(&parser);

	if (settings_var_expand(info, set, pool,
				mail_user_var_expand_table(user),
				&error) <= 0) {
		*error_r = t_strdup_printf("Failed to expand %s settings: %s",
					   info->module_name, error);
		return NULL;
	}
	return set;
}

int retrieve_deliver_settings_get(struct mail_user *user, pool_t pool,
				  struct lda_settings **lda_set_r,
				  struct smtp_submit_settings **smtp_set_r,
				  const char **error_r)
{
	const struct mail_storage_settings *mail_set =
		mail_user_set_get_storage_set(user);
	struct lda_settings *lda_set;
	struct smtp_submit_settings *smtp_set;

	lda_set = retrieve_deliver_settings_expand(user, pool,
		&lda_setting_parser_info,
		retrieve_deliver_settings_global.lda_set, error_r);
	if (lda_set == NULL)
		return -1;
	smtp_set = retrieve_deliver_settings_expand(user, pool,
		&smtp_submit_setting_parser_info,
		retrieve_deliver_settings_global.smtp_set, error_r);
	if (smtp_set == NULL)
		return -1;

	/* These keys are also mail settings, which are always the user's
	   own, so they win over a global or default copy. */
	lda_set->recipient_delimiter =
		p_strdup(pool, mail_set->recipient_delimiter);
	*lda_set_r = lda_set;
	*smtp_set_r = smtp_set;
	return 0;
}

const char *retrieve_deliver_settings_hostname(struct mail_user *user)
{
	/* mail_user_settings' copy: a configured "hostname" reaches only
	   that one of its two definitions, so mail_storage_settings keeps
	   the system's name. */
	return user->set->hostname[0] != '\0' ? user->set->hostname :
		mail_user_set_get_storage_set(user)->hostname;
}

void retrieve_deliver_settings_special_use(struct mail_user *user,
					   pool_t pool,
					   ARRAY_TYPE(const_string) *uses)
{
	struct mail_namespace *ns;
	struct mailbox_settings *box_set;
	const char *const *flags, *name;

	for (ns = user->namespaces; ns != NULL; ns = ns->next) {
		if (ns->type != MAIL_NAMESPACE_TYPE_PRIVATE ||
		    ns->set == NULL || !array_is_created(&ns->set->mailboxes))
			continue;
		array_foreach_elem(&ns->set->mailboxes, box_set) {
			if (box_set->special_use == NULL ||
			    box_set->special_use[0] == '\0')
				continue;
			flags = t_strsplit_spaces(box_set->special_use, " ");
			for (; *flags != NULL; flags++) {
				name = p_strdup(pool, *flags);
				array_push_back(uses, &name);
				name = p_strconcat(pool, ns->prefix,
						   box_set->name, NULL);
				array_push_back(uses, &name);
			}
		}
	}
}

struct mail_user *retrieve_deliver_raw_user_create(struct mail_user *user)
{
	return raw_storage_create_from_set(user->set_info,
					   user->unexpanded_set);
}
