#ifndef RETRIEVE_SERVICE_SETTINGS_H
#define RETRIEVE_SERVICE_SETTINGS_H

/* The scheduler's settings: the administrator's retrieve_* values
   (plugin {} on Dovecot 2.3, top-level settings on 2.4; the userdb
   cannot override these). */
struct retrieve_service_settings {
	/* retrieve_max_parallel (10): accounts retrieved at once */
	unsigned int max_parallel;
	/* retrieve_max_per_host (3): connections to one remote host */
	unsigned int max_per_host;
	/* retrieve_userdb_scan_interval (1h) */
	unsigned int userdb_scan_interval_secs;
	/* retrieve_min_interval (1m): the floor between two runs of an
	   account, also after a run whose worker failed */
	unsigned int min_interval_secs;
	/* retrieve_run_timeout (30m): the workers end a run after this; the
	   scheduler abandons a job that outlives it by a margin */
	unsigned int run_timeout_secs;
};

/* The parent event of the service processes' logging */
extern struct event *retrieve_service_event;
/* its category, "retrieve-service" (log_debug = category=retrieve-service) */
extern struct event_category event_category_retrieve_service;

/* Reads them from the config process
   (retrieve-service-settings-source.h) */
int retrieve_service_settings_read(struct retrieve_service_settings *set_r,
				   const char **error_r);

#endif
