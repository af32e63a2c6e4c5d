/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "strnum.h"
#include "str-sanitize.h"
#include "settings-parser.h"
#include "retrieve-setting-value.h"
#include "retrieve-dovecot.h"

#define RETRIEVE_SETTING_PREFIX "retrieve"
/* Quoted values are cut so that an error stays a readable single line */
#define RETRIEVE_SETTING_ERROR_VALUE_MAX_LEN 128

static bool retrieve_setting_bool_parse(const char *value, bool *result_r)
{
	/* yes/no like Dovecot's own settings, plus the spellings people
	   bring from other configuration languages */
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "y") == 0 ||
	    strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*result_r = TRUE;
	else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "n") == 0 ||
		 strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*result_r = FALSE;
	else
		return FALSE;
	return TRUE;
}

int retrieve_setting_time_parse(const char *value, unsigned int *secs_r,
				const char **error_r)
{
	/* settings_get_time() wants a unit for non-zero values, but a bare
	   number of seconds is what people write in userdb fields */
	if (str_to_uint(value, secs_r) == 0)
		return 0;
	return retrieve_parse_interval(value, secs_r, error_r);
}

static const char *
retrieve_setting_name(const struct retrieve_setting_source *src,
		      const char *field)
{
	if (src->field_prefix != NULL)
		return t_strconcat(src->field_prefix, field, NULL);
	if (src->key == NULL)
		return t_strconcat(RETRIEVE_SETTING_PREFIX"_", field, NULL);
	return t_strconcat(src->key, "_", field, NULL);
}

const char *
retrieve_setting_display_name(const struct retrieve_setting_source *src,
			      const char *field)
{
	if (src->field_prefix != NULL) {
		return t_strconcat(RETRIEVE_ACCOUNT_FIELD_PREFIX,
				   field, NULL);
	}
	return retrieve_setting_name(src, field);
}

const char *retrieve_setting_get(const struct retrieve_setting_source *src,
				 const char *field)
{
	return src->getenv(retrieve_setting_name(src, field), src->context);
}

const char *
retrieve_setting_error(const struct retrieve_setting_source *src,
		       const char *field, const char *reason,
		       const char *value)
{
	string_t *str = t_str_new(128);

	/* an account's fields as "<key>: <field>", which reads better
	   than retrieve2_interval in a list of one user's problems */
	if (src->key == NULL)
		str_append(str, retrieve_setting_name(src, field));
	else
		str_printfa(str, "%s: %s", src->key, field);
	str_printfa(str, ": %s", reason);
	if (value != NULL) {
		str_append(str, " (value '");
		str_sanitize_append(str, value,
				    RETRIEVE_SETTING_ERROR_VALUE_MAX_LEN);
		str_append(str, "')");
	}
	return str_c(str);
}

int retrieve_setting_get_bool(const struct retrieve_setting_source *src,
			      const char *field, bool default_value,
			      bool *result_r, const char **error_r)
{
	const char *value = retrieve_setting_get(src, field);

	*result_r = default_value;
	if (value == NULL)
		return 0;
	if (!retrieve_setting_bool_parse(value, result_r)) {
		*error_r = retrieve_setting_error(src, field,
			"invalid boolean (use yes or no)", value);
		return -1;
	}
	return 0;
}

int retrieve_setting_get_time(const struct retrieve_setting_source *src,
			      const char *field, unsigned int default_secs,
			      bool positive, unsigned int *secs_r,
			      const char **error_r)
{
	const char *value = retrieve_setting_get(src, field);
	const char *error;

	*secs_r = default_secs;
	if (value == NULL)
		return 0;
	if (retrieve_setting_time_parse(value, secs_r, &error) < 0) {
		*error_r = retrieve_setting_error(src, field,
			"invalid time interval (e.g. 30s, 15m, 1h)", value);
		return -1;
	}
	if (positive && *secs_r == 0) {
		*error_r = retrieve_setting_error(src, field,
			"must be greater than zero", value);
		return -1;
	}
	/* timeouts become ioloop and http-client milliseconds (unsigned
	   int): a larger value would wrap, 536870912 s to 0 */
	if (positive && *secs_r > RETRIEVE_SETTING_TIME_MAX_SECS) {
		*error_r = retrieve_setting_error(src, field,
			t_strdup_printf("must be at most %us (24 days)",
					RETRIEVE_SETTING_TIME_MAX_SECS), value);
		return -1;
	}
	return 0;
}

int retrieve_setting_get_size(const struct retrieve_setting_source *src,
			      const char *field, uoff_t default_size,
			      bool zero_allowed, uoff_t *size_r,
			      const char **error_r)
{
	const char *value = retrieve_setting_get(src, field);
	const char *error;

	*size_r = default_size;
	if (value == NULL)
		return 0;
	if (retrieve_parse_size(value, size_r, &error) < 0 ||
	    (*size_r == 0 && !zero_allowed)) {
		*error_r = retrieve_setting_error(src, field, zero_allowed ?
			"invalid size (e.g. 500k, 10M, 0 for no limit)" :
			"invalid size (e.g. 100M, 1G; not 0)", value);
		return -1;
	}
	return 0;
}

int retrieve_setting_get_keyword(const struct retrieve_setting_source *src,
				 const char *field, const char *const *names,
				 unsigned int default_idx, unsigned int *idx_r,
				 const char **error_r)
{
	const char *value = retrieve_setting_get(src, field);
	string_t *reason;
	unsigned int i;

	*idx_r = default_idx;
	if (value == NULL)
		return 0;
	for (i = 0; names[i] != NULL; i++) {
		if (strcasecmp(value, names[i]) == 0) {
			*idx_r = i;
			return 0;
		}
	}
	reason = t_str_new(64);
	str_append(reason, "invalid value (use ");
	for (i = 0; names[i] != NULL; i++) {
		if (i > 0)
			str_append(reason, names[i+1] == NULL ? " or " : ", ");
		str_append(reason, names[i]);
	}
	str_append_c(reason, ')');
	*error_r = retrieve_setting_error(src, field, str_c(reason), value);
	return -1;
}

int retrieve_setting_get_count(const struct retrieve_setting_source *src,
			       const char *field, unsigned int default_value,
			       unsigned int *count_r, const char **error_r)
{
	const char *value = retrieve_setting_get(src, field);

	*count_r = default_value;
	if (value == NULL)
		return 0;
	if (str_to_uint(value, count_r) < 0 || *count_r == 0) {
		*error_r = retrieve_setting_error(src, field,
			"not a positive number", value);
		return -1;
	}
	return 0;
}

int retrieve_setting_get_min_interval(const struct retrieve_setting_source *src,
				      unsigned int *secs_r,
				      const char **error_r)
{
	if (retrieve_setting_get_time(src, "min_interval",
				      RETRIEVE_DEFAULT_MIN_INTERVAL_SECS,
				      FALSE, secs_r, error_r) < 0)
		return -1;
	/* the scheduler never starts an account twice in one second */
	if (*secs_r == 0)
		*secs_r = 1;
	return 0;
}

int retrieve_setting_get_run_timeout(const struct retrieve_setting_source *src,
				     unsigned int *secs_r,
				     const char **error_r)
{
	return retrieve_setting_get_time(src, "run_timeout",
					 RETRIEVE_DEFAULT_RUN_TIMEOUT_SECS,
					 TRUE, secs_r, error_r);
}
