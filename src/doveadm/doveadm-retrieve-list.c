/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "mail-user.h"
#include "doveadm-print.h"
#include "retrieve-settings.h"
#include "doveadm-retrieve.h"

static const char *cmd_retrieve_bool(bool value)
{
	return value ? "yes" : "no";
}

/* "10m", "1h", "90s": the way the settings are written */
static const char *cmd_retrieve_interval(unsigned int secs)
{
	if (secs != 0 && secs % (24*3600) == 0)
		return t_strdup_printf("%ud", secs / (24*3600));
	if (secs != 0 && secs % 3600 == 0)
		return t_strdup_printf("%uh", secs / 3600);
	if (secs != 0 && secs % 60 == 0)
		return t_strdup_printf("%um", secs / 60);
	return t_strdup_printf("%us", secs);
}

/* "10M", "500k", "1234": the way the settings are written */
static const char *cmd_retrieve_size(uoff_t bytes)
{
	static const char units[] = { 'T', 'G', 'M', 'k' };
	uoff_t unit = 1ULL << 40;
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(units); i++, unit >>= 10) {
		if (bytes != 0 && bytes % unit == 0) {
			return t_strdup_printf("%"PRIuUOFF_T"%c",
					       bytes / unit, units[i]);
		}
	}
	return dec2str(bytes);
}

static const char *cmd_retrieve_ssl_mode(enum retrieve_ssl_mode mode)
{
	switch (mode) {
	case RETRIEVE_SSL_MODE_IMPLICIT:
		return "yes";
	case RETRIEVE_SSL_MODE_STARTTLS:
		return "starttls";
	case RETRIEVE_SSL_MODE_NONE:
		return "no";
	}
	i_unreached();
}

static void cmd_retrieve_list_header(void)
{
	static const char *const columns[] = {
		"url", "protocol", "host", "port", "username",
		"password", "folder", "interval", "ssl", "ssl_verify",
		"apop", "keep", "filter", "max_size",
		"auth", "oauth2_provider", "oauth2_refresh_token",
	};
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(columns); i++)
		doveadm_print_header_simple(columns[i]);
}

static void
cmd_retrieve_list_account(struct retrieve_cmd_context *ctx,
			  struct mail_user *user,
			  const struct retrieve_global_settings *global
				ATTR_UNUSED,
			  const char *key,
			  const struct retrieve_account_settings *set,
			  const char *error ATTR_UNUSED,
			  pool_t pool ATTR_UNUSED)
{
	cmd_retrieve_print_user(ctx, user);
	doveadm_print(key);
	if (set == NULL) {
		/* nothing of it is trustworthy, not even the URL (it may
		   carry a password); the error went to the log */
		cmd_retrieve_print_empty(17);
		return;
	}
	doveadm_print(set->url);
	doveadm_print(retrieve_protocol_name(set->protocol));
	doveadm_print(set->host);
	doveadm_print_num(set->port);
	doveadm_print(set->username);
	doveadm_print(set->password == NULL || set->password[0] == '\0' ?
		      "" : "<hidden>");
	doveadm_print(set->folder);
	doveadm_print(set->interval_manual ? "manual" :
		      cmd_retrieve_interval(set->interval_secs));
	doveadm_print(cmd_retrieve_ssl_mode(set->ssl_mode));
	doveadm_print(cmd_retrieve_bool(set->ssl_verify));
	doveadm_print(cmd_retrieve_bool(set->apop));
	doveadm_print(cmd_retrieve_bool(set->keep));
	doveadm_print(cmd_retrieve_bool(set->filter));
	doveadm_print(cmd_retrieve_size(set->max_size));
	doveadm_print(set->auth == RETRIEVE_AUTH_OAUTH2 ? "oauth2" : "password");
	doveadm_print(set->oauth2 == NULL ? "" : set->oauth2->provider);
	doveadm_print(set->oauth2 == NULL ? "" : "<hidden>");
}

static struct doveadm_mail_cmd_context *cmd_retrieve_list_alloc(void)
{
	return &cmd_retrieve_alloc(cmd_retrieve_list_header,
				   cmd_retrieve_list_account)->ctx;
}

struct doveadm_cmd_ver2 doveadm_cmd_retrieve_list_ver2 = {
	.name = "retrieve list",
	.mail_cmd = cmd_retrieve_list_alloc,
	DOVEADM_CMD_RETRIEVE_PARAMS
};
