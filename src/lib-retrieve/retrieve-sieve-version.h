#ifndef RETRIEVE_SIEVE_VERSION_H
#define RETRIEVE_SIEVE_VERSION_H

/* The Pigeonhole version we were built against (PIGEONHOLE_VERSION) */
extern const char retrieve_sieve_version_built[];

/* Per Pigeonhole version (dovecot-2.x/retrieve-sieve-version-item.c):
   the major and minor version of the Pigeonhole series the Sieve run was
   written for (0.5 with Dovecot 2.3, 2.4 with 2.4) */
extern const unsigned int retrieve_sieve_version_series[2];
/* The value of the environment extension's "version" item found at item
   (the library's version_env_item), NULL when it isn't one */
const char *retrieve_sieve_version_item_value(const void *item);

/* Whether the Sieve run of retrieve-sieve-run.c may use a Pigeonhole of
   version running, being built against version built: the capture relies
   on struct act_store_transaction and the result/side-effect calls, which
   Pigeonhole's ABI version (0.5.ABIv<N>, N = the third number; 2.4's
   ABIv<N> may change with any release too) may change with every
   release. So both of retrieve_sieve_version_series, the same third
   number; anything after it (a ".1" or a "-distro" suffix) is ignored. */
bool retrieve_sieve_version_compatible(const char *built,
				       const char *running);

/* The version of the libdovecot-sieve loaded in this process, NULL when
   it can't be told (then it is not one this check knows). */
const char *retrieve_sieve_version_running(void);

/* Checks once per process; returns FALSE (with the reason in *error_r)
   when the running Pigeonhole isn't the one we were built against, and
   then logs one warning, the first time. */
bool retrieve_sieve_version_check(struct event *event, const char **error_r);

#endif
