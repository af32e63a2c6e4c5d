/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "mail-user.h"
#include "retrieve-user.h"

/* Dovecot 2.4, first step: only the compatibility path, the 2.3 flat
   userdb fields (retrieve, retrieve2, retrieveN_OPTION, ...), which 2.4
   keeps in mail_user->userdb_fields (settings it doesn't know are not
   applied, and are no error). The administrator's typed settings
   (settings module, retrieve_account named list filters) are the next
   step (doc/dovecot-2.4.md): until then administrator-only settings
   have their defaults. */

void *retrieve_user_getenv_init(struct mail_user *user)
{
	return user;
}

const char *retrieve_user_getenv(const char *name, void *context)
{
	struct mail_user *user = context;
	const char *value;

	value = retrieve_userdb_field_get(user, name);
	if (value == NULL || !retrieve_setting_is_admin_only(name))
		return value;
	e_warning(user->event, "retrieve: Ignoring userdb field %s: "
		  "only the administrator's setting applies", name);
	return NULL;
}
