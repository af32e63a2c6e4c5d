#ifndef RETRIEVE_PLUGIN_H
#define RETRIEVE_PLUGIN_H

struct module;
struct mail_user;
struct retrieve_global_settings;
struct retrieve_account_settings;

/* The user's retrieval settings, parsed once when the user was created
   (state_dir is home-expanded). NULL when there is nothing to use: the
   plugin isn't enabled for the user, the user is autocreated (shared
   namespace owner, raw user), or the retrieve_* settings are malformed
   (that was logged). */
const struct retrieve_global_settings *
retrieve_user_get_global_settings(struct mail_user *user);
/* The user's well-formed accounts in key order (retrieve, retrieve2, ...).
   Malformed accounts are left out; they were logged at login. */
const struct retrieve_account_settings *const *
retrieve_user_get_accounts(struct mail_user *user, unsigned int *count_r);

extern const char *retrieve_plugin_version;

void retrieve_plugin_init(struct module *module);
void retrieve_plugin_deinit(void);

#endif
