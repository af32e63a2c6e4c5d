/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "base64.h"
#include "ioloop.h"
#include "istream.h"
#include "iostream-temp.h"
#include "ostream.h"
#include "str.h"
#include "str-sanitize.h"
#include "hash.h"
#include "safe-memset.h"
#include "retrieve-oauth2.h"
#include "pop3-reply.h"
#include "retrieve-client-private.h"
#include "retrieve-pop3-conn.h"

/* CAPA, UIDL and LIST responses are held in memory */
#define POP3_MAX_LIST_SIZE (64 * 1024 * 1024)
/* Commands in flight when the server offers PIPELINING */
#define POP3_PIPELINE_WINDOW 16
/* A message is spooled in memory up to this, then to a temp file */
#define POP3_SPOOL_MEM_SIZE (256 * 1024)
/* A server may send more than LIST said, but not without limit */
#define POP3_BODY_SLACK (1024 * 1024)
/* More messages than this in one maildrop: refused (memory) */
#define POP3_MAX_MESSAGES 1000000
/* CAPA lines kept: a real server has a dozen */
#define POP3_MAX_CAPA_LINES 1000
/* Per-message warnings logged individually, then only summed */
#define POP3_MAX_SKIP_WARNINGS 10

struct pop3_msg {
	const char *uidl;
	uoff_t size;
	bool listed:1;
	bool retrieved:1;
	/* not to be retrieved nor deleted (reported once) */
	bool skip:1;
	/* UIDL line present, but its UIDL invalid */
	bool bad_uidl:1;
};

struct pop3_client {
	struct retrieve_client client;

	struct pop3_conn *conn;

	enum pop3_capability caps;
	const char *apop_timestamp;

	/* commands in flight at most */
	unsigned int window;

	ARRAY(struct pop3_msg) msgs;
	/* the STAT count: no message number may exceed it */
	unsigned int stat_count;
	/* next message to consider for RETR or DELE */
	unsigned int next_msg;
	/* delivered, waiting for a DELE slot */
	ARRAY(unsigned int) dele_queue;
	unsigned int dele_head;

	/* a multi-line response being read */
	struct ostream *spool;
	string_t *list_buf;
	unsigned int list_lines;
	uoff_t body_limit;
	/* RETR: bytes received of the message, and the cap on them */
	uoff_t received;
	uoff_t max_size;
	/* the wall-clock limit of receiving one message */
	struct timeout *to_msg;

	/* DELE +OK not yet committed by QUIT's +OK */
	unsigned int deleted_pending;
	unsigned int skip_warnings;
	/* messages left on the server because they arrived cut short */
	unsigned int broken_count;
	const char *broken_error;

	/* AUTH XOAUTH2/OAUTHBEARER: the initial response waits for the
	   server's "+ " (RFC 5034: too long for the AUTH line) */
	bool sasl_ir_pending:1;
	/* "+ " continuations answered for the AUTH in flight */
	unsigned int sasl_continuations;

	bool quit_sent:1;
	/* a local failure: retrieve no more, delete what was delivered */
	bool stopping:1;
};

static void pop3_disconnect(struct pop3_client *pc)
{
	timeout_remove(&pc->to_msg);
	/* an unfinished spool is a half-received message: dropped (aborted
	   first: 2.4 panics on a stream closed with unchecked nsend()s) */
	if (pc->spool != NULL)
		o_stream_abort(pc->spool);
	o_stream_destroy(&pc->spool);
	if (pc->conn != NULL)
		pop3_conn_disconnect(pc->conn);
}

static void
pop3_end(struct pop3_client *pc, enum retrieve_result_code code,
	 const char *resp_code, const char *error)
{
	if (pc->skip_warnings > POP3_MAX_SKIP_WARNINGS) {
		e_warning(pc->client.event, "%u more messages were left on "
			  "the server (not each logged)",
			  pc->skip_warnings - POP3_MAX_SKIP_WARNINGS);
		pc->skip_warnings = 0;
	}
	pop3_disconnect(pc);
	retrieve_client_finish(&pc->client, code, resp_code, error);
}

/* The run failed: code says how */
static void
pop3_fail(struct pop3_client *pc, enum retrieve_result_code code,
	  const char *resp_code, const char *error)
{
	i_assert(code != RETRIEVE_RESULT_OK);
	pop3_end(pc, code, resp_code, error);
}

/* The normal end: every message was handled */
static void pop3_finish(struct pop3_client *pc)
{
	pop3_end(pc, RETRIEVE_RESULT_OK, NULL, NULL);
}

/* Server text for logs and errors: no password form, sanitised, bounded */
static const char *
pop3_server_text(struct pop3_client *pc, const char *text, size_t max_len)
{
	return retrieve_client_sanitize(&pc->client, text, max_len);
}

/* A message left on the server: counted, warned about (the first few) */
static void ATTR_FORMAT(2, 3)
pop3_skip(struct pop3_client *pc, const char *fmt, ...)
{
	va_list args;

	retrieve_client_skipped(&pc->client, 1);
	if (++pc->skip_warnings > POP3_MAX_SKIP_WARNINGS)
		return;
	va_start(args, fmt);
	e_warning(pc->client.event, "%s", t_strdup_vprintf(fmt, args));
	va_end(args);
}

static void
pop3_conn_failed(enum retrieve_result_code code, const char *error,
		 void *context)
{
	struct pop3_client *pc = context;

	pop3_fail(pc, code, NULL, error);
}

static void pop3_send(struct pop3_client *pc, enum pop3_cmd_type type,
		      unsigned int msg_idx, const char *line)
{
	pop3_conn_send(pc->conn, type, msg_idx, line);
}

static int pop3_flush(struct pop3_client *pc)
{
	return pop3_conn_flush(pc->conn);
}

static void pop3_send_simple(struct pop3_client *pc, enum pop3_cmd_type type)
{
	pop3_conn_send_simple(pc->conn, type);
}

/* --- login --- */

static bool pop3_may_send_password(struct pop3_client *pc)
{
	/* ssl=no is only accepted where the administrator allowed
	   plaintext, so this guards against bugs, not settings */
	return pop3_conn_has_tls(pc->conn) ||
		pc->client.set->ssl_mode == RETRIEVE_SSL_MODE_NONE;
}

/* RFC 5034 initial response: authzid NUL authcid NUL pass, base64 */
static const char *pop3_sasl_plain(const struct retrieve_account_settings *set)
{
	string_t *str;

	str = t_str_new(128);
	str_append_c(str, '\0');
	str_append(str, set->username);
	str_append_c(str, '\0');
	str_append(str, set->password);
	return str_c(t_base64_encode(0, 0, str_data(str), str_len(str)));
}

/* RFC 5034 4: an AUTH command line with its initial response is at most
   255 octets; a longer response (any real token) follows the server's
   "+ " on a line of its own, as Microsoft's servers insist anyway */
#define POP3_AUTH_LINE_MAX_LEN 255

/* The access token's SASL message, base64 */
static const char *pop3_sasl_oauth2(struct pop3_client *pc)
{
	const struct retrieve_oauth2_settings *set = pc->client.set->oauth2;
	const char *msg;
	string_t *b64;

	msg = retrieve_oauth2_sasl_message(set,
		retrieve_client_oauth2_token(&pc->client));
	b64 = t_base64_encode(0, 0, msg, strlen(msg));
	safe_memset((void *)msg, 0, strlen(msg));
	return str_c(b64);
}

static void pop3_login_oauth2(struct pop3_client *pc)
{
	const char *mech =
		retrieve_oauth2_mechanism_name(pc->client.set->oauth2->mechanism);
	const char *line;

	if (!pop3_conn_has_tls(pc->conn)) {
		/* the settings refuse ssl=no with auth=oauth2 */
		pop3_fail(pc, RETRIEVE_RESULT_CONFIG_ERROR, NULL,
			  "Refusing to send the OAuth2 token without TLS");
		return;
	}
	pc->sasl_continuations = 0;
	line = t_strdup_printf("AUTH %s %s", mech, pop3_sasl_oauth2(pc));
	if (strlen(line) <= POP3_AUTH_LINE_MAX_LEN) {
		pc->sasl_ir_pending = FALSE;
		pop3_send(pc, POP3_CMD_AUTH, 0, line);
	} else {
		pc->sasl_ir_pending = TRUE;
		pop3_send(pc, POP3_CMD_AUTH, 0,
			  t_strconcat("AUTH ", mech, NULL));
	}
	safe_memset((void *)line, 0, strlen(line));
	(void)pop3_flush(pc);
}

/* A "+ " line while AUTH is in flight: the server wants the initial
   response (two-step form), or (after it) sends an error challenge (a
   JSON status), answered as each mechanism defines so that the server
   sends its final -ERR: XOAUTH2 an empty line, OAUTHBEARER (RFC 7628
   3.2.3) a lone %x01 */
static void pop3_auth_continue(struct pop3_client *pc, const char *line)
{
	if (pc->client.set->auth != RETRIEVE_AUTH_OAUTH2 ||
	    ++pc->sasl_continuations > 2) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Unexpected AUTH continuation: %s",
					  pop3_server_text(pc, line, 80)));
		return;
	}
	e_debug(pc->client.event, "S: %s", pop3_server_text(pc, line, 160));
	if (pc->sasl_ir_pending) {
		pc->sasl_ir_pending = FALSE;
		pop3_conn_send_continuation(pc->conn, pop3_sasl_oauth2(pc));
	} else if (pc->client.set->oauth2->mechanism ==
		   RETRIEVE_OAUTH2_MECH_OAUTHBEARER) {
		pop3_conn_send_continuation(pc->conn, "AQ==");
	} else {
		pop3_conn_send_continuation(pc->conn, "");
	}
	(void)pop3_flush(pc);
}

static void pop3_login(struct pop3_client *pc)
{
	const struct retrieve_account_settings *set = pc->client.set;

	if (set->auth == RETRIEVE_AUTH_OAUTH2) {
		pop3_login_oauth2(pc);
		return;
	}
	if (set->apop) {
		if (pc->apop_timestamp == NULL) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  "apop=yes, but the server's greeting has "
				  "no APOP timestamp");
			return;
		}
		pop3_send(pc, POP3_CMD_APOP, 0, t_strdup_printf("APOP %s %s",
			set->username,
			pop3_apop_digest(pc->apop_timestamp, set->password)));
		(void)pop3_flush(pc);
		return;
	}
	if (!pop3_may_send_password(pc)) {
		pop3_fail(pc, RETRIEVE_RESULT_CONFIG_ERROR, NULL,
			  "Refusing to send the password without TLS");
		return;
	}
	if ((pc->caps & POP3_CAP_SASL_PLAIN) != 0) {
		pop3_send(pc, POP3_CMD_AUTH, 0, t_strconcat("AUTH PLAIN ",
			pop3_sasl_plain(set), NULL));
	} else {
		pop3_send(pc, POP3_CMD_USER, 0,
			  t_strconcat("USER ", set->username, NULL));
	}
	(void)pop3_flush(pc);
}

/* --- retrieval --- */

static struct pop3_msg *pop3_msg_get(struct pop3_client *pc, unsigned int num)
{
	/* RFC 1939: numbers run 1..STAT count, fixed for the session; a
	   larger one is a lie that would cost memory */
	if (num == 0 || num > pc->stat_count)
		return NULL;
	return array_idx_get_space(&pc->msgs, num - 1);
}

static void pop3_send_retr_or_dele(struct pop3_client *pc, unsigned int idx)
{
	const struct pop3_msg *msg = array_idx(&pc->msgs, idx);

	if (msg->retrieved || !retrieve_client_is_retrieved(
			&pc->client, "", msg->uidl)) {
		pop3_send(pc, POP3_CMD_RETR, idx,
			  t_strdup_printf("RETR %u", idx + 1));
	} else {
		/* delivered by an earlier run */
		pop3_send(pc, POP3_CMD_DELE, idx,
			  t_strdup_printf("DELE %u", idx + 1));
	}
}

/* TRUE when message idx is to be sent RETR or DELE now */
static bool pop3_msg_wanted(struct pop3_client *pc, unsigned int idx)
{
	const struct pop3_msg *msg = array_idx(&pc->msgs, idx);
	uoff_t max_size = pc->client.global_set->max_message_size;

	if (msg->skip || msg->uidl == NULL)
		return FALSE;
	if (retrieve_client_is_retrieved(&pc->client, "", msg->uidl))
		return !pc->client.set->keep;
	if (msg->size > max_size) {
		pop3_skip(pc, "Leaving message %u (UIDL %s) on the server: "
			  "%"PRIuUOFF_T" bytes is over "
			  "retrieve_max_message_size %"PRIuUOFF_T,
			  idx + 1, msg->uidl, msg->size, max_size);
		return FALSE;
	}
	return retrieve_client_want(&pc->client, "", msg->uidl, msg->size);
}

static void pop3_fill_pipeline(struct pop3_client *pc)
{
	unsigned int count, idx;

	count = array_count(&pc->msgs);
	while (pop3_conn_cmds_in_flight(pc->conn) < pc->window &&
	       !pc->quit_sent) {
		if (pc->dele_head < array_count(&pc->dele_queue)) {
			idx = *array_idx(&pc->dele_queue, pc->dele_head);
			pc->dele_head++;
			pop3_send(pc, POP3_CMD_DELE, idx, t_strdup_printf(
				"DELE %u", idx + 1));
			continue;
		}
		if (pc->stopping)
			pc->next_msg = count;
		while (pc->next_msg < count &&
		       !pop3_msg_wanted(pc, pc->next_msg))
			pc->next_msg++;
		if (pc->next_msg < count) {
			pop3_send_retr_or_dele(pc, pc->next_msg++);
			continue;
		}
		/* nothing left to send: QUIT commits the deletions, of the
		   last batch too once it is committed */
		if (pop3_conn_cmds_in_flight(pc->conn) == 0) {
			unsigned int queued = array_count(&pc->dele_queue);

			if (retrieve_client_commit(&pc->client) < 0)
				pc->stopping = TRUE;
			if (array_count(&pc->dele_queue) > queued)
				continue;
			pop3_send(pc, POP3_CMD_QUIT, 0, "QUIT");
			pc->quit_sent = TRUE;
		}
		break;
	}
	(void)pop3_flush(pc);
}

static void pop3_fail_listing(struct pop3_client *pc, const char *cmd_name,
			      const char *why, const char *line)
{
	pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
		  t_strdup_printf("Invalid %s line from server (%s): %s",
				  cmd_name, why,
				  pop3_server_text(pc, line, 80)));
}

static int pop3_parse_uidl_line(struct pop3_client *pc, const char *line)
{
	const char *uidl;
	struct pop3_msg *msg;
	unsigned int num;
	int ret;

	ret = pop3_uidl_line_parse(line, &num, &uidl);
	if (ret == -1) {
		pop3_fail_listing(pc, "UIDL", "malformed", line);
		return -1;
	}
	if ((msg = pop3_msg_get(pc, num)) == NULL) {
		pop3_fail_listing(pc, "UIDL", t_strdup_printf(
			"message number above the STAT count %u",
			pc->stat_count), line);
		return -1;
	}
	if (msg->uidl != NULL || msg->bad_uidl) {
		pop3_fail_listing(pc, "UIDL", "message listed twice", line);
		return -1;
	}
	if (ret == -2) {
		/* RFC 1939: 1..70 characters 0x21..0x7e */
		msg->bad_uidl = TRUE;
		return 0;
	}
	msg->uidl = p_strdup(pc->client.pool, uidl);
	return 0;
}

static int pop3_parse_list_line(struct pop3_client *pc, const char *line)
{
	struct pop3_msg *msg;
	unsigned int num;
	uoff_t size;

	if (pop3_list_line_parse(line, &num, &size) < 0) {
		pop3_fail_listing(pc, "LIST", "malformed", line);
		return -1;
	}
	if ((msg = pop3_msg_get(pc, num)) == NULL) {
		pop3_fail_listing(pc, "LIST", t_strdup_printf(
			"message number above the STAT count %u",
			pc->stat_count), line);
		return -1;
	}
	if (msg->listed) {
		pop3_fail_listing(pc, "LIST", "message listed twice", line);
		return -1;
	}
	msg->size = size;
	msg->listed = TRUE;
	return 0;
}

static int pop3_parse_listing_line(struct pop3_client *pc,
				   enum pop3_cmd_type type, const char *line)
{
	unsigned int login_delay;

	if (*line == '\0')
		return 0;
	switch (type) {
	case POP3_CMD_CAPA:
		if (++pc->list_lines > POP3_MAX_CAPA_LINES) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  "Server sent an endless CAPA response");
			return -1;
		}
		pc->caps |= pop3_capa_line_parse(line);
		if (pop3_capa_login_delay_parse(line, &login_delay))
			retrieve_client_set_login_delay(&pc->client,
							login_delay);
		return 0;
	case POP3_CMD_UIDL:
		return pop3_parse_uidl_line(pc, line);
	case POP3_CMD_LIST:
		return pop3_parse_list_line(pc, line);
	default:
		i_unreached();
	}
}

/* Parses the complete lines buffered so far, keeps the rest (bounded) */
static int pop3_parse_listing(struct pop3_client *pc, enum pop3_cmd_type type,
			      bool last)
{
	const char *data = str_c(pc->list_buf), *p, *end;
	size_t pos = 0, len = str_len(pc->list_buf);
	int ret = 0;

	while (ret == 0 && pos < len) {
		p = data + pos;
		end = memchr(p, '\n', len - pos);
		if (end == NULL) {
			if (!last)
				break;
			end = data + len;
		}
		T_BEGIN {
			ret = pop3_parse_listing_line(pc, type,
				t_strcut(t_strdup_until(p, end), '\r'));
		} T_END;
		pos = end - data + (end < data + len ? 1 : 0);
	}
	if (ret < 0)
		return -1;
	str_delete(pc->list_buf, 0, pos);
	if (str_len(pc->list_buf) > POP3_MAX_LINE_LENGTH) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL, t_strdup_printf(
			"Server sent a too long line in the %s response",
			pop3_cmd_name(type)));
		return -1;
	}
	return 0;
}

/* After LIST: report what the listings leave out or make ambiguous, and
   forget UIDLs the server no longer has. */
static void pop3_check_listing(struct pop3_client *pc)
{
	ARRAY_TYPE(const_string) present;
	HASH_TABLE(const char *, void *) seen;
	struct pop3_msg *msg;
	unsigned int i, count, n;
	void *value;

	msg = array_get_modifiable(&pc->msgs, &count);
	t_array_init(&present, count + 1);
	hash_table_create(&seen, pool_datastack_create(), 0, str_hash, strcmp);
	for (i = 0; i < count; i++) {
		if (msg[i].uidl == NULL)
			continue;
		value = hash_table_lookup(seen, msg[i].uidl);
		n = POINTER_CAST_TO(value, unsigned int);
		if (n == 0)
			array_push_back(&present, &msg[i].uidl);
		hash_table_update(seen, msg[i].uidl, POINTER_CAST(n + 1));
	}
	for (i = 0; i < count; i++) {
		if (msg[i].bad_uidl) {
			msg[i].skip = TRUE;
			pop3_skip(pc, "Leaving message %u on the server: "
				  "its UIDL is invalid (RFC 1939: 1-70 "
				  "characters 0x21..0x7e)", i + 1);
		} else if (msg[i].uidl == NULL && msg[i].listed) {
			msg[i].skip = TRUE;
			pop3_skip(pc, "Leaving message %u on the server: "
				  "it is in LIST but not in UIDL", i + 1);
		} else if (msg[i].uidl == NULL) {
			msg[i].skip = TRUE;
			pop3_skip(pc, "Leaving message %u on the server: "
				  "it is in neither UIDL nor LIST", i + 1);
		} else if (!msg[i].listed) {
			msg[i].skip = TRUE;
			pop3_skip(pc, "Leaving message %u (UIDL %s) on the "
				  "server: it is in UIDL but not in LIST",
				  i + 1, msg[i].uidl);
		} else if ((n = POINTER_CAST_TO(hash_table_lookup(seen,
				msg[i].uidl), unsigned int)) > 1) {
			/* a UIDL naming several messages names none: the
			   state can't tell which one was retrieved, and
			   deleting "the retrieved one" could delete
			   another that was never seen */
			msg[i].skip = TRUE;
			pop3_skip(pc, "Leaving message %u (UIDL %s) on the "
				  "server: the server lists this UIDL for %u "
				  "messages", i + 1, msg[i].uidl, n);
		}
	}
	if (pc->stat_count > count) {
		e_warning(pc->client.event, "STAT announced %u messages, "
			  "but the listings hold only %u",
			  pc->stat_count, count);
		retrieve_client_skipped(&pc->client, pc->stat_count - count);
	}
	hash_table_destroy(&seen);
	array_append_zero(&present);
	retrieve_client_prune(&pc->client, "", array_front(&present));
}

static void pop3_retr_broken(struct pop3_client *pc, unsigned int idx,
			     const char *why)
{
	const struct pop3_msg *msg = array_idx(&pc->msgs, idx);
	const char *error;

	error = t_strdup_printf("Message %u (UIDL %s) %s: not delivered, "
				"left on the server", idx + 1, msg->uidl, why);
	if (pc->broken_count++ == 0)
		pc->broken_error = p_strdup(pc->client.pool, error);
	pop3_skip(pc, "%s", error);
}

static int pop3_retr_done(struct pop3_client *pc, unsigned int idx,
			  struct istream *input)
{
	struct pop3_msg *msg = array_idx_modifiable(&pc->msgs, idx);
	struct retrieve_deliver_message dmsg;

	/* LIST counts CRLF line ends, as received; a big shortfall means
	   the message was cut off (e.g. a lone "." inside it): deleting the
	   original after delivering the part would lose the rest */
	if (retrieve_client_size_cut_short(msg->size, pc->received)) {
		pop3_retr_broken(pc, idx, t_strdup_printf(
			"ended after %"PRIuUOFF_T" of %"PRIuUOFF_T
			" announced bytes", pc->received, msg->size));
		return 0;
	}
	if (pc->received == 0 && msg->size > 0) {
		pop3_retr_broken(pc, idx, t_strdup_printf(
			"arrived empty, %"PRIuUOFF_T" bytes announced",
			msg->size));
		return 0;
	}

	i_zero(&dmsg);
	dmsg.input = input;
	dmsg.protocol = "pop3";
	dmsg.remote_folder = "";
	dmsg.remote_uid = msg->uidl;
	dmsg.received_date = (time_t)-1;
	if (retrieve_client_deliver(&pc->client, &dmsg, NULL, idx) < 0) {
		/* keep the connection so that QUIT commits the deletions
		   of what was delivered before */
		pc->stopping = TRUE;
	}
	return 0;
}

/* Committed locally and recorded: it may be deleted now */
static void pop3_committed(struct retrieve_client *client, uint32_t idx)
{
	struct pop3_client *pc = (struct pop3_client *)client;
	struct pop3_msg *msg = array_idx_modifiable(&pc->msgs, idx);

	msg->retrieved = TRUE;
	if (!pc->client.set->keep)
		array_push_back(&pc->dele_queue, &idx);
}

/* --- replies --- */

static void pop3_msg_timeout(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd = pop3_conn_cmd_head(pc->conn);
	const struct pop3_msg *msg = array_idx(&pc->msgs, cmd->msg_idx);

	pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL, t_strdup_printf(
		"Timed out after %u seconds receiving message %u (UIDL %s), "
		"%"PRIuUOFF_T" of %"PRIuUOFF_T" bytes received "
		"(retrieve_message_timeout)",
		pc->client.global_set->message_timeout_secs, cmd->msg_idx + 1,
		msg->uidl, pc->received, msg->size));
}

/* The wall-clock limit of one message runs from when its RETR reply is
   awaited (a trickled "+OK" line counts too) until its body has ended;
   arriving bytes never reset it, as they do the step timeout */
static void pop3_msg_deadline_start(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd;

	if (pc->to_msg != NULL)
		return;
	cmd = pop3_conn_cmd_head(pc->conn);
	if (cmd == NULL || cmd->type != POP3_CMD_RETR)
		return;
	pc->received = 0;
	pc->to_msg = timeout_add(pc->client.global_set->message_timeout_secs *
				 1000, pop3_msg_timeout, pc);
}

static void pop3_multiline_start(struct pop3_client *pc,
				 const struct pop3_cmd *cmd)
{
	const struct pop3_msg *msg;
	uoff_t limit;

	pop3_conn_multiline_begin(pc->conn);
	pc->received = 0;
	if (cmd->type != POP3_CMD_RETR) {
		pc->list_buf = str_new(default_pool, 1024);
		pc->list_lines = 0;
		pc->body_limit = POP3_MAX_LIST_SIZE;
		if (cmd->type == POP3_CMD_CAPA)
			pc->caps = 0;
		return;
	}
	msg = array_idx(&pc->msgs, cmd->msg_idx);
	/* the cap applies to bytes received, whatever LIST said */
	pc->max_size = retrieve_client_max_message_size(&pc->client);
	limit = msg->size / 2 + POP3_BODY_SLACK;
	limit = msg->size > UOFF_T_MAX - limit ? UOFF_T_MAX : msg->size + limit;
	pc->body_limit = I_MIN(limit, pc->max_size);
	pop3_msg_deadline_start(pc);
	if (!pc->stopping) {
		pc->spool = iostream_temp_create_sized(
			retrieve_client_temp_prefix(&pc->client), 0,
			"pop3 message", POP3_SPOOL_MEM_SIZE);
	}
}

static int pop3_multiline_done(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd = pop3_conn_cmd_pop(pc->conn);
	struct istream *input;
	int ret = 0;

	switch (cmd->type) {
	case POP3_CMD_CAPA:
	case POP3_CMD_UIDL:
	case POP3_CMD_LIST:
		ret = pop3_parse_listing(pc, cmd->type, TRUE);
		break;
	case POP3_CMD_RETR:
		timeout_remove(&pc->to_msg);
		if (pc->spool == NULL)
			break;
		if (o_stream_finish(pc->spool) < 0) {
			pop3_fail(pc, RETRIEVE_RESULT_LOCAL_TEMPFAIL, NULL,
				t_strdup_printf("Couldn't spool message: %s",
					o_stream_get_error(pc->spool)));
			return -1;
		}
		input = iostream_temp_finish(&pc->spool, IO_BLOCK_SIZE);
		T_BEGIN {
			ret = pop3_retr_done(pc, cmd->msg_idx, input);
		} T_END;
		i_stream_unref(&input);
		break;
	default:
		i_unreached();
	}
	str_free(&pc->list_buf);
	if (ret < 0)
		return -1;

	switch (cmd->type) {
	case POP3_CMD_CAPA:
		if (pc->client.set->ssl_mode == RETRIEVE_SSL_MODE_STARTTLS &&
		    !pop3_conn_has_tls(pc->conn)) {
			if ((pc->caps & POP3_CAP_STLS) == 0) {
				pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR,
					  NULL, "ssl=starttls, but the server "
					  "does not offer STLS");
				return -1;
			}
			pop3_send_simple(pc, POP3_CMD_STLS);
		} else {
			pop3_login(pc);
		}
		break;
	case POP3_CMD_UIDL:
		pop3_send_simple(pc, POP3_CMD_LIST);
		break;
	case POP3_CMD_LIST:
		T_BEGIN {
			pop3_check_listing(pc);
		} T_END;
		pc->window = (pc->caps & POP3_CAP_PIPELINING) != 0 ?
			POP3_PIPELINE_WINDOW : 1;
		pop3_fill_pipeline(pc);
		break;
	case POP3_CMD_RETR:
		pop3_fill_pipeline(pc);
		break;
	default:
		i_unreached();
	}
	return pc->client.finished ? -1 : 0;
}

static void pop3_fail_too_large(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd = pop3_conn_cmd_head(pc->conn);
	const struct pop3_msg *msg;

	if (cmd->type != POP3_CMD_RETR) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL, t_strdup_printf(
			"Server sent an endless %s response",
			pop3_cmd_name(cmd->type)));
		return;
	}
	msg = array_idx(&pc->msgs, cmd->msg_idx);
	if (pc->body_limit == pc->max_size) {
		/* the half-received message is dropped with the spool */
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL, t_strdup_printf(
			"Message %u (UIDL %s) grew beyond %"PRIuUOFF_T
			" bytes while being received (%s): not delivered",
			cmd->msg_idx + 1, msg->uidl, pc->max_size,
			pc->client.set->max_size == pc->max_size ?
			"max_size" : "retrieve_max_message_size"));
		return;
	}
	pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL, t_strdup_printf(
		"Message %u (UIDL %s): server sent far more than the "
		"%"PRIuUOFF_T" bytes it announced: not delivered",
		cmd->msg_idx + 1, msg->uidl, msg->size));
}

static int pop3_read_multiline(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd;
	const unsigned char *data;
	size_t size;
	int ret;

	cmd = pop3_conn_cmd_head(pc->conn);
	while ((ret = pop3_conn_multiline_read(pc->conn, &data, &size)) > 0) {
		if (size > pc->body_limit - pc->received) {
			pop3_fail_too_large(pc);
			return -1;
		}
		pc->received += size;
		if (pc->spool != NULL)
			o_stream_nsend(pc->spool, data, size);
		else if (pc->list_buf != NULL)
			str_append_data(pc->list_buf, data, size);
		pop3_conn_multiline_skip(pc->conn, size);
		if (pc->list_buf != NULL &&
		    pop3_parse_listing(pc, cmd->type, FALSE) < 0)
			return -1;
	}
	if (ret == 0)
		return 0;
	if (ret == -2) {
		/* the half-received message is dropped with the spool */
		return -1;
	}
	return pop3_multiline_done(pc) < 0 ? -1 : 1;
}

static enum retrieve_result_code
pop3_err_code(const struct pop3_reply *reply, enum retrieve_result_code def)
{
	/* RFC 2449 and 3206 */
	if (reply->resp_code == NULL)
		return def;
	if (strcasecmp(reply->resp_code, "IN-USE") == 0 ||
	    strcasecmp(reply->resp_code, "LOGIN-DELAY") == 0 ||
	    strcasecmp(reply->resp_code, "SYS/TEMP") == 0)
		return RETRIEVE_RESULT_REMOTE_TEMPFAIL;
	if (strcasecmp(reply->resp_code, "AUTH") == 0)
		return RETRIEVE_RESULT_AUTH_FAILED;
	if (strcasecmp(reply->resp_code, "SYS/PERM") == 0)
		return RETRIEVE_RESULT_REMOTE_ERROR;
	return def;
}

static void
pop3_fail_reply(struct pop3_client *pc, const struct pop3_cmd *cmd,
		const struct pop3_reply *reply, enum retrieve_result_code def)
{
	const char *resp = reply->resp_code == NULL ? "" :
		t_strdup_printf("[%s] ",
				pop3_server_text(pc, reply->resp_code, 40));

	pop3_fail(pc, pop3_err_code(reply, def), reply->resp_code,
		  t_strdup_printf("%s failed: -ERR %s%s",
				  pop3_cmd_name(cmd->type), resp,
				  pop3_server_text(pc, reply->text, 160)));
}

static void pop3_reply_line(struct pop3_client *pc, const char *line)
{
	const struct pop3_cmd *cmd;
	struct pop3_reply reply;
	struct pop3_msg *msg;

	cmd = pop3_conn_cmd_head(pc->conn);
	if (cmd == NULL) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Unexpected data from server: %s",
					  pop3_server_text(pc, line, 80)));
		return;
	}
	if (cmd->type == POP3_CMD_AUTH && line[0] == '+' &&
	    (line[1] == ' ' || line[1] == '\0')) {
		pop3_auth_continue(pc, line);
		return;
	}
	if (pop3_reply_parse(line, &reply) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Invalid reply to %s: %s",
					  pop3_cmd_name(cmd->type),
					  pop3_server_text(pc, line, 80)));
		return;
	}
	e_debug(pc->client.event, "S: %s", pop3_server_text(pc, line, 160));

	if (reply.status == POP3_REPLY_OK &&
	    (cmd->type == POP3_CMD_CAPA || cmd->type == POP3_CMD_UIDL ||
	     cmd->type == POP3_CMD_LIST || cmd->type == POP3_CMD_RETR)) {
		/* the command is popped when the body ends */
		pop3_multiline_start(pc, cmd);
		return;
	}
	cmd = pop3_conn_cmd_pop(pc->conn);

	switch (cmd->type) {
	case POP3_CMD_GREETING:
		if (reply.status != POP3_REPLY_OK) {
			pop3_fail_reply(pc, cmd, &reply,
					RETRIEVE_RESULT_REMOTE_TEMPFAIL);
			return;
		}
		pc->apop_timestamp = p_strdup(pc->client.pool,
			pop3_reply_apop_timestamp(reply.text));
		pop3_send_simple(pc, POP3_CMD_CAPA);
		break;
	case POP3_CMD_CAPA:
		/* an RFC 1939 server without CAPA: no extensions */
		pc->caps = 0;
		if (pc->client.set->ssl_mode == RETRIEVE_SSL_MODE_STARTTLS &&
		    !pop3_conn_has_tls(pc->conn)) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  "ssl=starttls, but the server does not "
				  "offer STLS (no CAPA)");
			return;
		}
		pop3_login(pc);
		break;
	case POP3_CMD_STLS:
		if (reply.status != POP3_REPLY_OK) {
			pop3_fail_reply(pc, cmd, &reply,
					RETRIEVE_RESULT_REMOTE_ERROR);
			return;
		}
		if (pop3_conn_start_tls(pc->conn) < 0)
			return;
		/* RFC 2595: capabilities may change after STLS */
		pop3_send_simple(pc, POP3_CMD_CAPA);
		break;
	case POP3_CMD_USER:
		if (reply.status != POP3_REPLY_OK) {
			pop3_fail_reply(pc, cmd, &reply,
					RETRIEVE_RESULT_AUTH_FAILED);
			return;
		}
		pop3_send(pc, POP3_CMD_PASS, 0, t_strconcat(
			"PASS ", pc->client.set->password, NULL));
		(void)pop3_flush(pc);
		break;
	case POP3_CMD_APOP:
	case POP3_CMD_AUTH:
	case POP3_CMD_PASS:
		if (reply.status != POP3_REPLY_OK) {
			pop3_fail_reply(pc, cmd, &reply,
					RETRIEVE_RESULT_AUTH_FAILED);
			return;
		}
		e_debug(pc->client.event, "Logged in");
		pop3_send_simple(pc, POP3_CMD_STAT);
		break;
	case POP3_CMD_STAT:
		if (reply.status != POP3_REPLY_OK) {
			pop3_fail_reply(pc, cmd, &reply,
					RETRIEVE_RESULT_REMOTE_ERROR);
			return;
		}
		if (pop3_stat_parse(reply.text, &pc->stat_count) < 0) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  t_strdup_printf("Invalid reply to STAT: %s",
					pop3_server_text(pc, line, 80)));
			return;
		}
		if (pc->stat_count > POP3_MAX_MESSAGES) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  t_strdup_printf("Server reports %u messages, "
					"more than the %u supported",
					pc->stat_count, POP3_MAX_MESSAGES));
			return;
		}
		pop3_send_simple(pc, POP3_CMD_UIDL);
		break;
	case POP3_CMD_UIDL:
	case POP3_CMD_LIST:
		pop3_fail_reply(pc, cmd, &reply, RETRIEVE_RESULT_REMOTE_ERROR);
		break;
	case POP3_CMD_RETR:
		/* deleted by another client meanwhile: retry next run */
		timeout_remove(&pc->to_msg);
		msg = array_idx_modifiable(&pc->msgs, cmd->msg_idx);
		e_warning(pc->client.event, "RETR %u (UIDL %s) failed: %s",
			  cmd->msg_idx + 1, msg->uidl,
			  pop3_server_text(pc, reply.text, 160));
		pop3_fill_pipeline(pc);
		break;
	case POP3_CMD_DELE:
		if (reply.status == POP3_REPLY_OK) {
			/* counted when QUIT commits it */
			pc->deleted_pending++;
		} else {
			e_warning(pc->client.event, "DELE %u failed: %s",
				  cmd->msg_idx + 1,
				  pop3_server_text(pc, reply.text, 160));
		}
		pop3_fill_pipeline(pc);
		break;
	case POP3_CMD_QUIT:
		if (reply.status != POP3_REPLY_OK) {
			/* the deletions were not committed; the state
			   remembers them, the next run deletes again */
			pop3_fail_reply(pc, cmd, &reply,
					RETRIEVE_RESULT_REMOTE_TEMPFAIL);
			return;
		}
		/* RFC 1939: the UPDATE state removes the messages now */
		for (; pc->deleted_pending > 0; pc->deleted_pending--)
			retrieve_client_deleted(&pc->client);
		if (pc->broken_count > 0) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  pc->broken_count == 1 ? pc->broken_error :
				  t_strdup_printf("%s (and %u more)",
					pc->broken_error,
					pc->broken_count - 1));
			return;
		}
		pop3_finish(pc);
		break;
	}
}

static void pop3_input(void *context)
{
	struct pop3_client *pc = context;
	const char *line;

	while (!pc->client.finished) {
		pop3_msg_deadline_start(pc);
		if (pop3_conn_in_multiline(pc->conn)) {
			if (pop3_read_multiline(pc) <= 0)
				return;
			continue;
		}
		if (pop3_conn_next_line(pc->conn, &line) <= 0)
			return;
		T_BEGIN {
			pop3_reply_line(pc, line);
		} T_END;
	}
}

/* --- setup --- */

static void pop3_run(struct retrieve_client *client)
{
	struct pop3_client *pc = (struct pop3_client *)client;

	pc->window = 1;
	pc->conn = pop3_conn_init(client, pop3_input, pop3_conn_failed, pc);
	pop3_conn_connect(pc->conn);
}

static struct retrieve_client *pop3_alloc(void)
{
	struct pop3_client *pc;
	pool_t pool;

	pool = pool_alloconly_create("retrieve pop3 client", 4096);
	pc = p_new(pool, struct pop3_client, 1);
	pc->client.pool = pool;
	p_array_init(&pc->msgs, pool, 64);
	p_array_init(&pc->dele_queue, pool, 32);
	return &pc->client;
}

static void pop3_deinit(struct retrieve_client *client)
{
	struct pop3_client *pc = (struct pop3_client *)client;

	pop3_disconnect(pc);
	pop3_conn_deinit(&pc->conn);
	str_free(&pc->list_buf);
}

const struct retrieve_backend retrieve_backend_pop3 = {
	.name = "pop3",
	.protocol = RETRIEVE_PROTOCOL_POP3,
	.v = {
		.alloc = pop3_alloc,
		.run = pop3_run,
		.deinit = pop3_deinit,
		.committed = pop3_committed,
	},
};
