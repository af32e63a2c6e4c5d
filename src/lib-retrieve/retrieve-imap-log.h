#ifndef RETRIEVE_IMAP_LOG_H
#define RETRIEVE_IMAP_LOG_H

#include "retrieve-result.h"

struct retrieve_client;

#define RETRIEVE_IMAP_LOGIN_BAD_ERROR \
	"The server rejected the login command as invalid (BAD)"

/* imapc tells why it disconnected (an untrusted certificate, no STARTTLS,
   connect() failing) only in its own i_error() lines; its callbacks get
   just "Disconnected from server". While a capture runs, the error and
   warning lines with its prefix are taken over, so that the result names
   the real cause in one line: they are debug-logged as they come (a
   warning is passed on), and the last one is kept. One error handler for
   all captures of the process. */
struct retrieve_imap_log {
	/* whose secrets are hidden and whose event debug-logs */
	struct retrieve_client *client;
	/* "imapc(host:port): ", how imapc's own log lines begin */
	const char *prefix;
	/* the last error imapc logged (i_malloc'd, secrets hidden): why it
	   disconnected */
	char *error;

	/* set by the owner: LOGOUT was sent, the server's goodbye is no
	   error */
	bool logout_sent:1;
	/* set by the owner while the login command is in flight: a line
	   quoting a command quotes the login (and the password) */
	bool logging_in:1;
	/* set here: imapc reported the login command answered BAD */
	bool login_bad:1;
	/* set here: while logging in, imapc couldn't start TLS on the
	   connection it just made (its own TLS setup or a handshake that
	   failed at once) */
	bool tls_start_failed:1;
};

/* client and prefix must be set */
void retrieve_imap_log_capture_start(struct retrieve_imap_log *log);
/* Stops capturing; log->error stays (the owner frees it) */
void retrieve_imap_log_capture_stop(struct retrieve_imap_log *log);

/* The result for a connection lost after log->error: a certificate or
   TLS problem does not fix itself, nor does a server without STARTTLS
   (remote_error, as in POP3); network trouble is temporary. */
enum retrieve_result_code
retrieve_imap_log_error_code(const struct retrieve_imap_log *log);

#endif
