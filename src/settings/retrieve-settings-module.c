/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "settings-parser.h"
#include "retrieve-settings-defs.h"

/* Dovecot 2.4's config process loads every module in
   $(dovecot_moduledir)/settings and takes <name>_set_infos from it:
   without this, retrieve_* in dovecot.conf is an unknown setting. */

const char *retrieve_settings_version = DOVECOT_ABI_VERSION;

const struct setting_parser_info *retrieve_settings_set_infos[] = {
	&retrieve_setting_parser_info,
	&retrieve_account_setting_parser_info,
	&retrieve_oauth2_setting_parser_info,
	&retrieve_service_setting_parser_info,
	NULL
};
