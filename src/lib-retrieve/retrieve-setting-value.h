#ifndef RETRIEVE_SETTING_VALUE_H
#define RETRIEVE_SETTING_VALUE_H

/* The one parser of retrieve_* setting values (booleans, durations,
   sizes, counts) with their defaults and zero rules, shared by the core
   and the scheduler. It needs libdovecot only, so the scheduler compiles
   it in without linking the core. */

/* Defaults of the settings both the core and the scheduler read */
#define RETRIEVE_DEFAULT_MIN_INTERVAL_SECS 60
#define RETRIEVE_DEFAULT_RUN_TIMEOUT_SECS (30*60)

/* Dovecot 2.4's named account list: retrieve_account = <names>, each
   a filter retrieve_account <name> { retrieve_account_url = ... } */
#define RETRIEVE_ACCOUNT_LIST_KEY "retrieve_account"
#define RETRIEVE_ACCOUNT_FIELD_PREFIX "retrieve_account_"
/* A getenv answers "retrieve_account" with the names (separated by
   spaces or commas), "retrieve_account/<name>/<setting>" with a named
   account's setting, and "retrieve_account/<name>/" (no setting) with
   why the account's settings could not be read, NULL when they could */

/* Where a setting comes from: mail_user_plugin_getenv() in Dovecot
   processes, a table in unit tests. Returns NULL when unset. */
typedef const char *retrieve_getenv_t(const char *name, void *context);

/* The settings of one key */
struct retrieve_setting_source {
	retrieve_getenv_t *getenv;
	void *context;
	/* an account key ("retrieve", "retrieve2", ...): field f is
	   <key>_f; NULL: the administrator's retrieve_f. A named account
	   (Dovecot 2.4's retrieve_account list): its name. */
	const char *key;
	/* a named account: field f is <field_prefix>f
	   ("retrieve_account/<name>/retrieve_account_f"), shown to people
	   as retrieve_account_f */
	const char *field_prefix;
};

/* Dovecot's time syntax (30s, 15m, 1h), or a bare number of seconds */
int retrieve_setting_time_parse(const char *value, unsigned int *secs_r,
				const char **error_r);

/* The setting name of a field as the administrator writes it:
   retrieve2_interval, retrieve_account_interval, retrieve_timeout */
const char *
retrieve_setting_display_name(const struct retrieve_setting_source *src,
			      const char *field);
/* The value of a field, or NULL when unset */
const char *retrieve_setting_get(const struct retrieve_setting_source *src,
				 const char *field);
/* "<name>: <reason> (value '<value>')" as one sanitised line; value NULL
   leaves the value out (passwords, missing settings). */
const char *
retrieve_setting_error(const struct retrieve_setting_source *src,
		       const char *field, const char *reason,
		       const char *value);

/* The getters below leave the default when the field is unset, and
   return -1 with error_r naming the field and its value when it is
   malformed. */
int retrieve_setting_get_bool(const struct retrieve_setting_source *src,
			      const char *field, bool default_value,
			      bool *result_r, const char **error_r);
/* The largest positive time setting: its milliseconds fit an int */
#define RETRIEVE_SETTING_TIME_MAX_SECS (INT_MAX / 1000)
/* positive: 0 is an error too, and so is more than
   RETRIEVE_SETTING_TIME_MAX_SECS (the value becomes milliseconds) */
int retrieve_setting_get_time(const struct retrieve_setting_source *src,
			      const char *field, unsigned int default_secs,
			      bool positive, unsigned int *secs_r,
			      const char **error_r);
/* zero_allowed: 0 means "no limit"; otherwise it is an error */
int retrieve_setting_get_size(const struct retrieve_setting_source *src,
			      const char *field, uoff_t default_size,
			      bool zero_allowed, uoff_t *size_r,
			      const char **error_r);
/* One of names (a NULL-terminated list, matched case-insensitively):
   idx_r is its index. The error lists them ("use a, b or c"). */
int retrieve_setting_get_keyword(const struct retrieve_setting_source *src,
				 const char *field, const char *const *names,
				 unsigned int default_idx, unsigned int *idx_r,
				 const char **error_r);
/* A positive count: a bare number, 0 is an error */
int retrieve_setting_get_count(const struct retrieve_setting_source *src,
			       const char *field, unsigned int default_value,
			       unsigned int *count_r, const char **error_r);

/* retrieve_min_interval (1m): no account runs more often. 0 means no
   floor beyond one second, which no interval goes below anyway. */
int retrieve_setting_get_min_interval(const struct retrieve_setting_source *src,
				      unsigned int *secs_r,
				      const char **error_r);
/* retrieve_run_timeout (30m): wall-clock limit of one account's run;
   never 0 */
int retrieve_setting_get_run_timeout(const struct retrieve_setting_source *src,
				     unsigned int *secs_r,
				     const char **error_r);

#endif
