#ifndef RETRIEVE_POP3_CONN_H
#define RETRIEVE_POP3_CONN_H

#include "retrieve-result.h"

struct retrieve_client;

/* The POP3 connection of one run: DNS, connect() (checked against the
   network lists), TLS (ssl=yes at once, STLS on request), the queue of
   commands awaiting replies (pipelining), reading reply lines and
   dot-unstuffed multi-line bodies, and the step timeout. What to send
   and what the replies mean is retrieve-pop3.c's. */

/* The longest line taken from the server. RFC 2449 allows 512 bytes;
   real servers are looser. */
#define POP3_MAX_LINE_LENGTH 8192

enum pop3_cmd_type {
	POP3_CMD_GREETING,
	POP3_CMD_CAPA,
	POP3_CMD_STLS,
	POP3_CMD_APOP,
	POP3_CMD_AUTH,
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_STAT,
	POP3_CMD_UIDL,
	POP3_CMD_LIST,
	POP3_CMD_RETR,
	POP3_CMD_DELE,
	POP3_CMD_QUIT,
};

struct pop3_cmd {
	enum pop3_cmd_type type;
	/* the owner's index of the message (RETR, DELE) */
	unsigned int msg_idx;
};

/* The input is readable (the step timeout was reset) */
typedef void pop3_conn_input_callback_t(void *context);
/* The connection failed (DNS, connect, TLS, timeout, a lost connection
   or an overlong line): the run ends with code and error */
typedef void pop3_conn_failure_callback_t(enum retrieve_result_code code,
					  const char *error, void *context);

struct pop3_conn *
pop3_conn_init(struct retrieve_client *client,
	       pop3_conn_input_callback_t *input_callback,
	       pop3_conn_failure_callback_t *failure_callback,
	       void *context);
void pop3_conn_deinit(struct pop3_conn **conn);

/* Starts connecting; the greeting is the first reply awaited. Failures
   arrive via failure_callback. */
void pop3_conn_connect(struct pop3_conn *conn);
/* Closes the connection and stops its timeout; no callback follows */
void pop3_conn_disconnect(struct pop3_conn *conn);

/* STLS answered +OK: TLS from here on. -1 after failure_callback. */
int pop3_conn_start_tls(struct pop3_conn *conn);
/* TLS is on (implicit or after STLS) */
bool pop3_conn_has_tls(struct pop3_conn *conn);

const char *pop3_cmd_name(enum pop3_cmd_type type);

/* Queues a command whose reply is awaited. line is sent as is and never
   logged when it may hold a credential (APOP, AUTH, PASS). */
void pop3_conn_send(struct pop3_conn *conn, enum pop3_cmd_type type,
		    unsigned int msg_idx, const char *line);
/* Sends a line answering the server's "+ " continuation of the AUTH
   command in flight (no reply of its own is queued; never logged) */
void pop3_conn_send_continuation(struct pop3_conn *conn, const char *line);
/* -1 after failure_callback */
int pop3_conn_flush(struct pop3_conn *conn);
/* Sends the command without arguments and flushes */
void pop3_conn_send_simple(struct pop3_conn *conn, enum pop3_cmd_type type);

unsigned int pop3_conn_cmds_in_flight(struct pop3_conn *conn);
/* The oldest command awaiting its reply, NULL when none */
const struct pop3_cmd *pop3_conn_cmd_head(struct pop3_conn *conn);
/* Its reply is complete: removed from the queue. The pointer stays valid
   until the next pop3_conn_send(). */
const struct pop3_cmd *pop3_conn_cmd_pop(struct pop3_conn *conn);

/* The next reply line: 1, 0 when more input is needed, -1 after
   failure_callback */
int pop3_conn_next_line(struct pop3_conn *conn, const char **line_r);

/* The reply line was +OK of a multi-line reply: its dot-unstuffed body
   follows */
void pop3_conn_multiline_begin(struct pop3_conn *conn);
bool pop3_conn_in_multiline(struct pop3_conn *conn);
/* Body data: 1 with data (pass what was used to
   pop3_conn_multiline_skip()), 0 when more input is needed, -1 at the end
   of the body, -2 after failure_callback */
int pop3_conn_multiline_read(struct pop3_conn *conn,
			     const unsigned char **data_r, size_t *size_r);
void pop3_conn_multiline_skip(struct pop3_conn *conn, size_t size);

#endif
