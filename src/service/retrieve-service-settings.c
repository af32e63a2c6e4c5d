/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "retrieve-setting-value.h"
#include "retrieve-service-settings-source.h"
#include "retrieve-service-settings.h"

#define RETRIEVE_DEFAULT_MAX_PARALLEL 10
#define RETRIEVE_DEFAULT_MAX_PER_HOST 3
#define RETRIEVE_DEFAULT_USERDB_SCAN_INTERVAL_SECS (60*60)

struct event *retrieve_service_event;
struct event_category event_category_retrieve_service = {
	.name = "retrieve-service",
};

int retrieve_service_settings_read(struct retrieve_service_settings *set_r,
				   const char **error_r)
{
	struct retrieve_setting_source src;
	int ret = 0;

	if (retrieve_service_settings_source_init(&src, error_r) < 0)
		return -1;
	i_zero(set_r);
	if (retrieve_setting_get_count(&src, "max_parallel",
				       RETRIEVE_DEFAULT_MAX_PARALLEL,
				       &set_r->max_parallel, error_r) < 0 ||
	    retrieve_setting_get_count(&src, "max_per_host",
				       RETRIEVE_DEFAULT_MAX_PER_HOST,
				       &set_r->max_per_host, error_r) < 0 ||
	    retrieve_setting_get_time(&src, "userdb_scan_interval",
				      RETRIEVE_DEFAULT_USERDB_SCAN_INTERVAL_SECS,
				      FALSE, &set_r->userdb_scan_interval_secs,
				      error_r) < 0 ||
	    retrieve_setting_get_min_interval(&src, &set_r->min_interval_secs,
					      error_r) < 0 ||
	    retrieve_setting_get_run_timeout(&src, &set_r->run_timeout_secs,
					     error_r) < 0)
		ret = -1;
	/* the errors are on the data stack, not in the settings */
	retrieve_service_settings_source_deinit(&src);
	if (ret < 0)
		return -1;
	/* a scan at most every second */
	if (set_r->userdb_scan_interval_secs == 0)
		set_r->userdb_scan_interval_secs = 1;
	return 0;
}
