#ifndef RETRIEVE_SIEVE_H
#define RETRIEVE_SIEVE_H

/* Makes Pigeonhole's sieve plugin (lib90_sieve_plugin.so, which runs Sieve
   from lib-lda's mail_deliver()) loaded and initialized in this process.
   A no-op when it is already loaded, e.g. through mail_plugins or an
   earlier call. The process must have libdovecot-lda loaded (linking
   libdovecot-retrieve does that) and must have called mail_storage_init().
   Returns 0 when loaded, -1 with error_r when not. */
int retrieve_sieve_load(const char **error_r);

#endif
