#ifndef RETRIEVE_SPAM_PRIVATE_H
#define RETRIEVE_SPAM_PRIVATE_H

#include "retrieve-spam.h"

struct retrieve_spam_vfuncs {
	struct retrieve_spam *(*alloc)(void);
	/* Parses the address part of retrieve_spam_scanner (after
	   "<name>:"), without connecting */
	int (*init)(struct retrieve_spam *spam, const char *address,
		    const char **error_r);
	void (*deinit)(struct retrieve_spam *spam);
	/* See retrieve_spam_scan(); the core checks the size and frees the
	   data stack */
	int (*scan)(struct retrieve_spam *spam, struct istream *input,
		    uoff_t size, const char *rcpt,
		    struct retrieve_spam_verdict *verdict_r,
		    const char **error_r);
};

struct retrieve_spam_backend {
	/* the prefix of retrieve_spam_scanner: "spamd" */
	const char *name;
	struct retrieve_spam_vfuncs v;
};

struct retrieve_spam {
	const struct retrieve_spam_backend *backend;
	pool_t pool;
	struct event *event;
	/* copied: the settings may be freed first */
	const char *name;
	unsigned int timeout_secs;
	/* retrieve_spam_settings_id, NULL when unset */
	const char *settings_id;
};

extern const struct retrieve_spam_backend retrieve_spam_backend_spamd;
extern const struct retrieve_spam_backend retrieve_spam_backend_rspamd;

#endif
