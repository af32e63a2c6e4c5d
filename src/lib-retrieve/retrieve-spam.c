/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "istream.h"
#include "retrieve-spam-private.h"

/* X-Spam-Status is folded before this column */
#define RETRIEVE_SPAM_HEADER_WIDTH 76

static const struct retrieve_spam_backend *retrieve_spam_backends[] = {
	&retrieve_spam_backend_spamd,
	&retrieve_spam_backend_rspamd,
};

static const struct retrieve_spam_backend *
retrieve_spam_backend_find(const char *value, const char **address_r)
{
	const char *p = strchr(value, ':');
	unsigned int i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < N_ELEMENTS(retrieve_spam_backends); i++) {
		if (strncmp(retrieve_spam_backends[i]->name, value,
			    p - value) == 0 &&
		    retrieve_spam_backends[i]->name[p - value] == '\0') {
			*address_r = p + 1;
			return retrieve_spam_backends[i];
		}
	}
	return NULL;
}

static int
retrieve_spam_alloc(const char *value, struct retrieve_spam **spam_r,
		    const char **error_r)
{
	const struct retrieve_spam_backend *backend;
	struct retrieve_spam *spam;
	const char *address;

	backend = retrieve_spam_backend_find(value, &address);
	if (backend == NULL) {
		*error_r = "unknown scanner (use spamd:IP[:PORT], "
			"spamd:/PATH or rspamd:http://IP[:PORT])";
		return -1;
	}
	spam = backend->v.alloc();
	spam->backend = backend;
	spam->name = p_strdup(spam->pool, value);
	if (backend->v.init(spam, address, error_r) < 0) {
		backend->v.deinit(spam);
		return -1;
	}
	*spam_r = spam;
	return 0;
}

int retrieve_spam_scanner_check(const char *value, const char **error_r)
{
	struct retrieve_spam *spam;

	if (retrieve_spam_alloc(value, &spam, error_r) < 0)
		return -1;
	spam->backend->v.deinit(spam);
	return 0;
}

int retrieve_spam_init(const struct retrieve_spam_settings *set,
		       struct event *event_parent,
		       struct retrieve_spam **spam_r, const char **error_r)
{
	struct retrieve_spam *spam;
	const char *error;

	i_assert(set->scanner != NULL && set->scanner[0] != '\0');

	if (retrieve_spam_alloc(set->scanner, &spam, &error) < 0) {
		*error_r = t_strdup_printf("retrieve_spam_scanner: %s", error);
		return -1;
	}
	spam->timeout_secs = set->timeout_secs;
	spam->settings_id = p_strdup(spam->pool, set->settings_id);
	spam->event = event_create(event_parent);
	event_add_str(spam->event, "spam_scanner", spam->name);
	*spam_r = spam;
	return 0;
}

void retrieve_spam_deinit(struct retrieve_spam **_spam)
{
	struct retrieve_spam *spam = *_spam;

	if (spam == NULL)
		return;
	*_spam = NULL;
	event_unref(&spam->event);
	spam->backend->v.deinit(spam);
}

const char *retrieve_spam_get_name(struct retrieve_spam *spam)
{
	return spam->name;
}

int retrieve_spam_scan(struct retrieve_spam *spam, struct istream *input,
		       uoff_t size, const char *rcpt,
		       struct retrieve_spam_verdict *verdict_r,
		       const char **error_r)
{
	int ret;

	i_zero(verdict_r);
	ret = spam->backend->v.scan(spam, input, size, rcpt, verdict_r,
				    error_r);
	if (ret == 0) {
		e_debug(spam->event, "Verdict: %s, score %s, required %s",
			verdict_r->spam ? "spam" : "not spam",
			verdict_r->score, verdict_r->required);
	}
	return ret;
}

void retrieve_spam_verdict_headers(const struct retrieve_spam_verdict *verdict,
				   string_t *dest)
{
	const char *const *tests;
	size_t line_start;

	str_printfa(dest, "X-Spam-Flag: %s\r\n", verdict->spam ? "YES" : "NO");
	str_printfa(dest, "X-Spam-Score: %s\r\n", verdict->score);
	line_start = str_len(dest);
	str_printfa(dest, "X-Spam-Status: %s, score=%s required=%s",
		    verdict->spam ? "Yes" : "No", verdict->score,
		    verdict->required);
	if (verdict->tests != NULL && verdict->tests[0] != '\0') {
		/* a long list is folded after its commas: a header line
		   must stay under 998 bytes */
		str_append(dest, " tests=");
		tests = t_strsplit(verdict->tests, ",");
		for (; *tests != NULL; tests++) {
			if (str_len(dest) - line_start + strlen(*tests) + 1 >
			    RETRIEVE_SPAM_HEADER_WIDTH &&
			    str_data(dest)[str_len(dest) - 1] == ',') {
				str_append(dest, "\r\n\t");
				line_start = str_len(dest) - 1;
			}
			str_append(dest, *tests);
			if (tests[1] != NULL)
				str_append_c(dest, ',');
		}
	}
	str_append(dest, "\r\n");
}
