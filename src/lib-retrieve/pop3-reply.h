#ifndef POP3_REPLY_H
#define POP3_REPLY_H

/* Parsing of POP3 server replies (RFC 1939, 2449, 2595, 3206, 5034),
   kept apart from the client so it can be tested on its own. */

enum pop3_reply_status {
	POP3_REPLY_OK,
	POP3_REPLY_ERR,
};

struct pop3_reply {
	enum pop3_reply_status status;
	/* RESP-CODE without brackets ("IN-USE", "SYS/TEMP"), or NULL */
	const char *resp_code;
	/* The text after the status indicator and RESP-CODE */
	const char *text;
};

enum pop3_capability {
	POP3_CAP_STLS		= 0x01,
	POP3_CAP_UIDL		= 0x02,
	POP3_CAP_PIPELINING	= 0x04,
	POP3_CAP_SASL_PLAIN	= 0x08,
	POP3_CAP_RESP_CODES	= 0x10,
	POP3_CAP_USER		= 0x20,
	POP3_CAP_TOP		= 0x40,
};

/* Longest UIDL RFC 1939 allows */
#define POP3_UIDL_MAX_LEN 70

/* Parses a status line. Returns 0, or -1 when it is neither +OK nor -ERR.
   Strings are allocated from the data stack. */
int pop3_reply_parse(const char *line, struct pop3_reply *reply_r);

/* Returns the APOP timestamp ("<...@...>") in a greeting's text, or NULL
   when the server does not offer APOP. */
const char *pop3_reply_apop_timestamp(const char *text);
/* The APOP digest: lowercase hex MD5 of timestamp followed by secret */
const char *pop3_apop_digest(const char *timestamp, const char *secret);

/* Parses one CAPA response line into capability bits (0 for unknown) */
enum pop3_capability pop3_capa_line_parse(const char *line);
/* A CAPA line "LOGIN-DELAY <seconds>[ USER]" (RFC 2449): returns TRUE
   with the seconds; FALSE for any other line or a malformed or
   out-of-range number (the caller bounds what it accepts). */
bool pop3_capa_login_delay_parse(const char *line, unsigned int *secs_r);

/* "msgnum uidl": returns 0; -1 when the message number is malformed;
   -2 (msgnum_r set) when only the uidl is invalid: empty, longer than
   POP3_UIDL_MAX_LEN or with characters outside 0x21..0x7e */
int pop3_uidl_line_parse(const char *line, unsigned int *msgnum_r,
			 const char **uidl_r);
/* "msgnum octets": returns 0, or -1 when malformed */
int pop3_list_line_parse(const char *line, unsigned int *msgnum_r,
			 uoff_t *size_r);

/* The text of a +OK reply to STAT ("nn mm"): returns 0, or -1 when
   malformed */
int pop3_stat_parse(const char *text, unsigned int *count_r);

#endif
