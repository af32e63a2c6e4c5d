#ifndef RETRIEVE_SERVICE_SETTINGS_SOURCE_H
#define RETRIEVE_SERVICE_SETTINGS_SOURCE_H

#include "retrieve-setting-value.h"

/* Where the scheduler's retrieve_* settings come from, per Dovecot
   version (src/service/dovecot-2.x/): 2.3's plugin {} section, 2.4's
   typed settings of the settings module. Both read the administrator's
   configuration only. */

/* Reads the configuration and points src_r at it */
int retrieve_service_settings_source_init(struct retrieve_setting_source *src_r,
					  const char **error_r);
/* Frees what _init() read (src's values are gone after this) */
void retrieve_service_settings_source_deinit(struct retrieve_setting_source *src);

#endif
