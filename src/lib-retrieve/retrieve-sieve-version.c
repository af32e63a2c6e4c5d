/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* dladdr() */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif
#include "lib.h"
#include "strnum.h"

#include "sieve.h"
#include "pigeonhole-config.h"

#include "retrieve-sieve-version.h"

#include <dlfcn.h>

/* The environment extension's "version" item holds PIGEONHOLE_VERSION of
   the library that defines it: the only place libdovecot-sieve tells its
   version at run time. Looked up with dlsym() so that a library without
   it (another major version) makes us fall back instead of failing to
   load. */
#define RETRIEVE_SIEVE_VERSION_SYMBOL "version_env_item"

const char retrieve_sieve_version_built[] = PIGEONHOLE_VERSION;

/* Parses "major.minor.patch" (anything after patch ignored) */
static bool
retrieve_sieve_version_parse(const char *version, unsigned int nums[3])
{
	const char *p = version;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (str_parse_uint(p, &nums[i], &p) < 0)
			return FALSE;
		if (i < 2) {
			if (*p != '.')
				return FALSE;
			p++;
		}
	}
	return *p == '\0' || *p == '.' || *p == '-' || *p == ' ' ||
		*p == '+' || *p == '~';
}

bool retrieve_sieve_version_compatible(const char *built,
				       const char *running)
{
	unsigned int b[3], r[3];

	if (running == NULL ||
	    !retrieve_sieve_version_parse(built, b) ||
	    !retrieve_sieve_version_parse(running, r))
		return FALSE;
	return b[0] == retrieve_sieve_version_series[0] &&
		b[1] == retrieve_sieve_version_series[1] &&
		r[0] == b[0] && r[1] == b[1] && r[2] == b[2];
}

const char *retrieve_sieve_version_running(void)
{
	const void *item;
	Dl_info info;
	void *handle;
	const char *version = NULL;

	/* the library sieve_init() is in, already loaded */
	if (dladdr((void *)sieve_init, &info) == 0 || info.dli_fname == NULL)
		return NULL;
	handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (handle == NULL)
		return NULL;
	item = dlsym(handle, RETRIEVE_SIEVE_VERSION_SYMBOL);
	if (item != NULL)
		version = retrieve_sieve_version_item_value(item);
	if (version != NULL)
		version = strlen(version) < 64 ? t_strdup(version) : NULL;
	(void)dlclose(handle);
	return version;
}

bool retrieve_sieve_version_check(struct event *event,
				  const char **error_r)
{
	static int checked = -1;
	static char error[256];
	const char *running;

	if (checked < 0) {
		running = retrieve_sieve_version_running();
		checked = retrieve_sieve_version_compatible(
			retrieve_sieve_version_built, running) ? 1 : 0;
		if (checked == 0) {
			i_snprintf(error, sizeof(error),
				   "Pigeonhole %s is running, built against "
				   "%s", running == NULL ?
				   "(version unknown)" : running,
				   retrieve_sieve_version_built);
			/* once per process, not per account */
			e_warning(event, "Sieve: %s: delivering through "
				  "mail_deliver() instead of running Sieve "
				  "ourselves", error);
		}
	}
	*error_r = error;
	return checked == 1;
}
