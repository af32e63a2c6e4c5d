/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "retrieve-client-private.h"
#include "retrieve-imap-log.h"
#include "retrieve-dovecot.h"

static ARRAY(struct retrieve_imap_log *) retrieve_imap_logs = ARRAY_INIT;
static failure_callback_t *retrieve_imap_log_orig_handler = NULL;

static void ATTR_FORMAT(2, 3)
retrieve_imap_log_orig(const struct failure_context *ctx,
		       const char *format, ...)
{
	va_list args;

	va_start(args, format);
	retrieve_imap_log_orig_handler(ctx, format, args);
	va_end(args);
}

/* Takes line (imapc's, without the prefix, which was line_prefix) over
   for log */
static void
retrieve_imap_log_take(struct retrieve_imap_log *log,
		       const struct failure_context *ctx,
		       const char *line_prefix, const char *line)
{
	static const char suffix[] = " - disconnecting";
	const size_t suffix_len = strlen(suffix);
	size_t len;

	line = retrieve_client_hide_secrets(log->client, line);
	/* try_reconnect()'s suffix */
	len = strlen(line);
	if (len > suffix_len && strcmp(line + len - suffix_len, suffix) == 0)
		line = t_strndup(line, len - suffix_len);
	if (ctx->type == LOG_TYPE_ERROR || log->logout_sent)
		e_debug(log->client->event, "imapc: %s", line);
	else
		retrieve_imap_log_orig(ctx, "%s%s", line_prefix, line);
	if (log->logout_sent) {
		/* the goodbye after LOGOUT: nothing went wrong */
		return;
	}
	if (log->logging_in &&
	    (str_begins_with(line, "SSL handshake failed") ||
	     str_begins_with(line, "Couldn't initialize SSL client") ||
	     str_begins_with(line, "No SSL context")))
		log->tls_start_failed = TRUE;
	if (log->logging_in && str_begins_with(line, "Command '")) {
		/* imapc quotes the whole command, which is the login's
		   here: never reused */
		line = RETRIEVE_IMAP_LOGIN_BAD_ERROR;
		log->login_bad = TRUE;
	}
	i_free(log->error);
	log->error = i_strdup(line);
}

/* Whether line is imapc's of log, and how long its prefix is (up to
   and with imapc's). 2.3 starts the line with imapc's prefix; 2.4 puts
   the parent events' prefixes (ours, "retrieve(NAME): ") before it.
   Only the first "imapc(" counts: what the server sent comes after it
   and can't pass for another connection's line. */
static bool
retrieve_imap_log_is_ours(const struct retrieve_imap_log *log,
			  const char *line, size_t *prefix_len_r)
{
	const char *p = strstr(line, "imapc(");

	if (p == NULL || !str_begins_with(p, log->prefix))
		return FALSE;
	*prefix_len_r = (size_t)(p - line) + strlen(log->prefix);
	return TRUE;
}

static void ATTR_FORMAT(2, 0)
retrieve_imap_log_handler(const struct failure_context *ctx,
			  const char *format, va_list args)
{
	struct retrieve_imap_log *log;
	const char *line;
	va_list args2;
	size_t prefix_len;
	bool taken = FALSE;

	if ((ctx->type == LOG_TYPE_ERROR || ctx->type == LOG_TYPE_WARNING) &&
	    array_is_created(&retrieve_imap_logs) &&
	    array_count(&retrieve_imap_logs) > 0) T_BEGIN {
		va_copy(args2, args);
		line = t_strdup_vprintf(format, args2);
		va_end(args2);
		array_foreach_elem(&retrieve_imap_logs, log) {
			if (retrieve_imap_log_is_ours(log, line,
						      &prefix_len)) {
				retrieve_imap_log_take(log, ctx,
					t_strndup(line, prefix_len),
					line + prefix_len);
				taken = TRUE;
				break;
			}
		}
	} T_END;
	if (!taken)
		retrieve_imap_log_orig_handler(ctx, format, args);
}

void retrieve_imap_log_capture_start(struct retrieve_imap_log *log)
{
	failure_callback_t *fatal, *error, *info, *debug;

	i_assert(log->client != NULL && log->prefix != NULL);

	if (!array_is_created(&retrieve_imap_logs))
		i_array_init(&retrieve_imap_logs, 4);
	if (array_count(&retrieve_imap_logs) == 0) {
		i_get_failure_handlers(&fatal, &error, &info, &debug);
		if (error != retrieve_imap_log_handler) {
			retrieve_imap_log_orig_handler = error;
			i_set_error_handler(retrieve_imap_log_handler);
		}
	}
	array_push_back(&retrieve_imap_logs, &log);
}

void retrieve_imap_log_capture_stop(struct retrieve_imap_log *log)
{
	failure_callback_t *fatal, *error, *info, *debug;
	struct retrieve_imap_log *const *logp;
	unsigned int idx;

	if (!array_is_created(&retrieve_imap_logs))
		return;
	array_foreach(&retrieve_imap_logs, logp) {
		if (*logp == log) {
			idx = array_foreach_idx(&retrieve_imap_logs, logp);
			array_delete(&retrieve_imap_logs, idx, 1);
			break;
		}
	}
	if (array_count(&retrieve_imap_logs) > 0)
		return;
	i_get_failure_handlers(&fatal, &error, &info, &debug);
	/* put the original back unless someone replaced ours meanwhile
	   (then ours isn't called anymore anyway) */
	if (error == retrieve_imap_log_handler)
		i_set_error_handler(retrieve_imap_log_orig_handler);
	array_free(&retrieve_imap_logs);
}

enum retrieve_result_code
retrieve_imap_log_error_code(const struct retrieve_imap_log *log)
{
	const char *error = log->error;

	if (error == NULL)
		return RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	if (strstr(error, "STARTTLS") != NULL ||
	    strstr(error, "SSL") != NULL ||
	    strstr(error, "certificate") != NULL)
		return RETRIEVE_RESULT_REMOTE_ERROR;
	return RETRIEVE_RESULT_REMOTE_TEMPFAIL;
}
