/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "settings.h"
#include "smtp-submit-settings.h"
#include "lda-settings.h"
#include "mail-storage-settings.h"
#include "hostpid.h"
#include "mail-user.h"
#include "mail-namespace.h"
#include "mail-storage-service.h"
#include "raw-storage.h"
#include "retrieve-deliver-settings.h"

/* Dovecot 2.4: every process looks up any registered settings from the
   user's event (userdb fields and filters apply, %variables expanded),
   so there is nothing to take globally. */
void retrieve_deliver_settings_global_init(void)
{
}

void retrieve_deliver_settings_global_deinit(void)
{
}

int retrieve_deliver_settings_get(struct mail_user *user, pool_t pool,
				  struct lda_settings **lda_set_r,
				  struct smtp_submit_settings **smtp_set_r,
				  const char **error_r)
{
	const struct lda_settings *lda_src = NULL;
	const struct smtp_submit_settings *smtp_src = NULL;
	const struct mail_storage_settings *mail_set = NULL;
	struct lda_settings *lda_set;
	struct smtp_submit_settings *smtp_set;
	const char *error;

	if (settings_get(user->event, &lda_setting_parser_info, 0,
			 &lda_src, &error) < 0 ||
	    settings_get(user->event, &smtp_submit_setting_parser_info, 0,
			 &smtp_src, &error) < 0 ||
	    settings_get(user->event, &mail_storage_setting_parser_info, 0,
			 &mail_set, &error) < 0) {
		*error_r = t_strdup_printf("Failed to get delivery settings: %s",
					   error);
		settings_free(lda_src);
		settings_free(smtp_src);
		return -1;
	}
	/* the looked-up settings are shared and const: ours are copies
	   in pool whose strings stay in the lookups' pools, which pool
	   references */
	lda_set = p_memdup(pool, lda_src, sizeof(*lda_src));
	smtp_set = p_memdup(pool, smtp_src, sizeof(*smtp_src));
	lda_set->recipient_delimiter =
		p_strdup(pool, mail_set->recipient_delimiter);

	/* keep the lookups' strings alive as long as the copies */
	pool_add_external_ref(pool, lda_src->pool);
	pool_add_external_ref(pool, smtp_src->pool);
	settings_free(lda_src);
	settings_free(smtp_src);
	settings_free(mail_set);
	*lda_set_r = lda_set;
	*smtp_set_r = smtp_set;
	return 0;
}

const char *retrieve_deliver_settings_hostname(struct mail_user *user)
{
	return user->set->hostname[0] != '\0' ? user->set->hostname :
		my_hostname;
}

void retrieve_deliver_settings_special_use(struct mail_user *user,
					   pool_t pool,
					   ARRAY_TYPE(const_string) *uses)
{
	struct mail_namespace *ns;
	const struct mailbox_settings *box_set;
	const char *flag, *name;

	/* 2.4: each namespace has its mailbox { } filters parsed */
	for (ns = user->namespaces; ns != NULL; ns = ns->next) {
		if (ns->type != MAIL_NAMESPACE_TYPE_PRIVATE ||
		    ns->set == NULL ||
		    !array_is_created(&ns->set->parsed_mailboxes))
			continue;
		array_foreach_elem(&ns->set->parsed_mailboxes, box_set) {
			if (!array_is_created(&box_set->special_use))
				continue;
			array_foreach_elem(&box_set->special_use, flag) {
				name = p_strdup(pool, flag);
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
	struct mail_storage_service_user *service_user = user->service_user;

	return raw_storage_create_from_set(
		mail_storage_service_user_get_service_ctx(service_user),
		mail_storage_service_user_get_settings_instance(service_user));
}
