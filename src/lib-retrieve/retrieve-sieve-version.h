#ifndef RETRIEVE_SIEVE_VERSION_H
#define RETRIEVE_SIEVE_VERSION_H

/* The Pigeonhole version we were built against (PIGEONHOLE_VERSION) */
extern const char retrieve_sieve_version_built[];

/* Whether the Sieve run of retrieve-sieve-run.c may use a Pigeonhole of
   version running, being built against version built: the capture relies
   on struct act_store_transaction and the result/side-effect calls, which
   Pigeonhole's ABI version (0.5.ABIv<N>, N = the third number) may change
   with every release. So 0.5.N both, the same N; anything after N (a
   ".1" or a "-distro" suffix) is ignored. */
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
