#ifndef RETRIEVE_DELIVER_SETTINGS_H
#define RETRIEVE_DELIVER_SETTINGS_H

struct mail_user;
struct lda_settings;
struct smtp_submit_settings;

/* lib-lda's settings (lda_settings, smtp_submit_settings) for a process
   that is not lda or lmtp: the mail plugin's host, doveadm and the
   worker each read them differently, and mail_deliver() wants them
   expanded for the user. */

/* Takes the settings the process read globally, once, before anything
   re-reads the process's settings for a user. */
void retrieve_deliver_settings_global_init(void);
void retrieve_deliver_settings_global_deinit(void);

/* The user's lib-lda settings, copies in pool the caller may change,
   expanded for the user, recipient_delimiter from the mail settings.
   Returns -1 with error_r when expanding fails. */
int retrieve_deliver_settings_get(struct mail_user *user, pool_t pool,
				  struct lda_settings **lda_set_r,
				  struct smtp_submit_settings **smtp_set_r,
				  const char **error_r);

/* The name delivery gives this host: the configured hostname, else the
   system's. */
const char *retrieve_deliver_settings_hostname(struct mail_user *user);

/* Appends to uses a pair (SPECIAL-USE flag, mailbox vname) for each flag
   of each mailbox the configuration gives special_use in the user's
   private namespaces; the strings are allocated from pool. */
void retrieve_deliver_settings_special_use(struct mail_user *user,
					   pool_t pool,
					   ARRAY_TYPE(const_string) *uses);

/* A raw storage user for Sieve to parse the message in. */
struct mail_user *retrieve_deliver_raw_user_create(struct mail_user *user);

#endif
