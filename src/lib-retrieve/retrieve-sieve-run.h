#ifndef RETRIEVE_SIEVE_RUN_H
#define RETRIEVE_SIEVE_RUN_H

#include "mail-types.h"

/* Issue 9 (doc/design.md, "Sieve run by us"): runs the user's Sieve
   scripts (sieve_before*, personal, sieve_after*, sieve_discard) through
   libdovecot-sieve directly, opened once per run, without letting
   Pigeonhole store anything. The caller saves the message into the
   folders Sieve chose. */

struct mail;
struct mail_user;
struct smtp_address;
struct retrieve_sieve_run;

/* One store action Sieve decided on (implicit/explicit keep or
   fileinto). */
struct retrieve_sieve_store {
	const char *folder;
	/* TRUE when imap4flags set flags/keywords for it: then flags and
	   keywords are exactly what to save with */
	bool flags_altered;
	enum mail_flags flags;
	/* NULL-terminated, NULL when none */
	const char *const *keywords;
};

/* Returns 1 and *run_r when the user's scripts can run this way, 0 when
   they can't (no script, one that doesn't compile or can't be read, an
   extension off the allowlist or mailboxexists: the caller uses
   mail_deliver() for the run; why in *error_r), -1 on error. */
int retrieve_sieve_run_init(struct mail_user *user, struct event *event,
			    struct retrieve_sieve_run **run_r,
			    const char **error_r);
void retrieve_sieve_run_deinit(struct retrieve_sieve_run **run);

/* Runs Sieve on mail. On success returns 0 and the store actions in
   *stores_r (count in *count_r, 0 = discarded), valid until the next
   call. -1 on failure (temporary or not: the message stays on the
   remote). */
int retrieve_sieve_run_message(struct retrieve_sieve_run *run,
			       struct mail *mail,
			       const struct smtp_address *rcpt_to,
			       const char *default_mailbox,
			       const struct retrieve_sieve_store **stores_r,
			       unsigned int *count_r, const char **error_r);

/* Writes message as an error into the user's Sieve log (sieve_user_log),
   if the personal script has one: for what we do on Sieve's behalf, e.g.
   a store that went into the default folder instead. */
void retrieve_sieve_run_user_error(struct retrieve_sieve_run *run,
				   const char *message);

#endif
