#ifndef RETRIEVE_SIEVE_ENGINE_H
#define RETRIEVE_SIEVE_ENGINE_H

/* The Pigeonhole calls of the Sieve run (retrieve-sieve-run.c) that
   differ between Pigeonhole 0.5 (Dovecot 2.3) and 2.4: one file per
   version, dovecot-2.x/retrieve-sieve-engine.c (doc/dovecot-2.4.md). The
   scripts are found as lda-sieve finds them: 2.3 from the sieve_before,
   sieve_before2, ..., sieve_after*, sieve_discard settings and the
   personal storage; 2.4 from the sieve_script filters of type before,
   after and discard and the personal storage. */

#include "sieve.h"
#include "sieve-script.h" /* ARRAY_TYPE(sieve_script) */

struct mail_user;
struct event;


/* The Sieve engine for user with svenv (filled but for the hostname,
   which is set here). Returns 0, or -1 when it can't be initialized. */
int retrieve_sieve_engine_init(struct mail_user *user,
			       struct sieve_environment *svenv,
			       struct sieve_instance **svinst_r);
/* Whether the user's mail_debug is set (Sieve's debug log) */
bool retrieve_sieve_engine_debug(struct mail_user *user);
/* NULL when extension def can't be registered */
const struct sieve_extension *
retrieve_sieve_engine_extension_register(struct sieve_instance *svinst,
					 const struct sieve_extension_def *def);
/* How a script is named in our log lines */
const char *retrieve_sieve_engine_script_name(struct sieve_script *script);

/* sieve_open_script() (compile TRUE: sieve_compile_script()). Returns
   the binary, or NULL with *error_r. */
struct sieve_binary *
retrieve_sieve_engine_open(struct sieve_script *script,
			   struct sieve_error_handler *ehandler,
			   enum sieve_compile_flags flags, bool compile,
			   enum sieve_error *error_r);

/* Appends (referenced) the global scripts of type "before" or "after" to
   scripts, in order. Returns 1, or 0 with error_r when the run must go
   through mail_deliver() (a location that can't be read). Scripts that
   don't exist are skipped (debug log). */
int retrieve_sieve_engine_global_scripts(struct sieve_instance *svinst,
					 struct mail_user *user,
					 struct event *event, const char *type,
					 ARRAY_TYPE(sieve_script) *scripts,
					 const char **error_r);
/* The user's active personal script (NULL when none) in *script_r.
   Returns as retrieve_sieve_engine_global_scripts(). */
int retrieve_sieve_engine_personal_script(struct sieve_instance *svinst,
					  struct mail_user *user,
					  struct event *event,
					  struct sieve_script **script_r,
					  const char **error_r);
/* The discard script (NULL when none configured or missing) in
   *script_r. Returns as retrieve_sieve_engine_global_scripts(). */
int retrieve_sieve_engine_discard_script(struct sieve_instance *svinst,
					 struct mail_user *user,
					 struct event *event,
					 struct sieve_script **script_r,
					 const char **error_r);

#endif
