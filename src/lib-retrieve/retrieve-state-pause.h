#ifndef RETRIEVE_STATE_PAUSE_H
#define RETRIEVE_STATE_PAUSE_H

/* The pause marker, <identity>.pause beside the account's state: it
   records that the account was paused (retrieve-schedule.c decides
   when) for its settings at that time. */

struct retrieve_global_settings;
struct retrieve_account_settings;

/* What the pause marker file says about the current settings */
enum retrieve_state_pause_marker {
	RETRIEVE_STATE_PAUSE_MARKER_NONE = 0,
	/* written for these very settings */
	RETRIEVE_STATE_PAUSE_MARKER_SAME,
	/* written for other settings (password, ssl, ... changed since) */
	RETRIEVE_STATE_PAUSE_MARKER_CHANGED,
};

/* Records that the account is paused for its current settings: writes
   <identity>.pause holding an HMAC-SHA256 of the settings that matter
   for logging in (never the password itself), keyed with the random
   pause.key of the state directory (created 0600 when missing).
   global->state_dir must be home-expanded. */
int retrieve_state_pause_write(const struct retrieve_global_settings *global,
			       const struct retrieve_account_settings *set,
			       const char **error_r);
/* Removes the pause marker (after a successful run) */
int retrieve_state_pause_remove(const struct retrieve_global_settings *global,
				const struct retrieve_account_settings *set,
				const char **error_r);
/* Reads the pause marker and compares it with set */
int retrieve_state_pause_read(const struct retrieve_global_settings *global,
			      const struct retrieve_account_settings *set,
			      enum retrieve_state_pause_marker *marker_r,
			      const char **error_r);

#endif
