/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "base64.h"
#include "ioloop.h"
#include "istream.h"
#include "istream-dot.h"
#include "iostream-ssl.h"
#include "iostream-temp.h"
#include "ostream.h"
#include "str.h"
#include "str-sanitize.h"
#include "hash.h"
#include "net.h"
#include "dns-lookup.h"
#include "mail-user.h"
#include "pop3-reply.h"
#include "retrieve-client-private.h"

/* RFC 2449 allows 512 bytes; real servers are looser. */
#define POP3_MAX_LINE_LENGTH 8192
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

static const char *const pop3_cmd_names[] = {
	"greeting", "CAPA", "STLS", "APOP", "AUTH", "USER", "PASS",
	"STAT", "UIDL", "LIST", "RETR", "DELE", "QUIT",
};

struct pop3_cmd {
	enum pop3_cmd_type type;
	/* index into msgs for RETR and DELE */
	unsigned int msg_idx;
};

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

	struct dns_lookup *dns_lookup;
	struct ip_addr ip;
	int fd;
	struct istream *input;
	struct ostream *output;
	struct ssl_iostream *ssl_io;
	struct io *io;
	struct timeout *to;

	enum pop3_capability caps;
	const char *apop_timestamp;

	/* sent, awaiting replies, oldest first from cmds_head */
	ARRAY(struct pop3_cmd) cmds;
	unsigned int cmds_head;
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
	struct istream *dot_input;
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

	bool tls_started:1;
	bool quit_sent:1;
	/* a local failure: retrieve no more, delete what was delivered */
	bool stopping:1;
};

static void pop3_input(struct pop3_client *pc);

static void pop3_disconnect(struct pop3_client *pc)
{
	if (pc->dns_lookup != NULL)
		dns_lookup_abort(&pc->dns_lookup);
	io_remove(&pc->io);
	timeout_remove(&pc->to);
	timeout_remove(&pc->to_msg);
	i_stream_unref(&pc->dot_input);
	/* an unfinished spool is a half-received message: dropped */
	o_stream_destroy(&pc->spool);
	if (pc->ssl_io != NULL)
		ssl_iostream_destroy(&pc->ssl_io);
	i_stream_destroy(&pc->input);
	o_stream_destroy(&pc->output);
	if (pc->fd != -1) {
		net_disconnect(pc->fd);
		pc->fd = -1;
	}
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

	pc->client.result.skipped_too_large++;
	if (++pc->skip_warnings > POP3_MAX_SKIP_WARNINGS)
		return;
	va_start(args, fmt);
	e_warning(pc->client.event, "%s", t_strdup_vprintf(fmt, args));
	va_end(args);
}

/* The TLS handshake failed, or the connection ended in it (a server
   answering garbage may close before OpenSSL reports the failure) */
static bool pop3_tls_handshake_failed(struct pop3_client *pc)
{
	return pc->ssl_io != NULL &&
		(ssl_iostream_has_handshake_failed(pc->ssl_io) ||
		 !ssl_iostream_is_handshaked(pc->ssl_io));
}

static const char *pop3_input_error(struct pop3_client *pc)
{
	/* copied: the caller disconnects, which frees the ssl_iostream */
	if (pc->ssl_io != NULL && ssl_iostream_has_handshake_failed(pc->ssl_io))
		return t_strdup(ssl_iostream_get_last_error(pc->ssl_io));
	if (pop3_tls_handshake_failed(pc)) {
		return t_strdup_printf("TLS handshake failed: %s",
			pc->input->stream_errno == 0 ?
			"Connection closed by the server" :
			i_stream_get_error(pc->input));
	}
	if (pc->input->stream_errno == 0 || pc->input->stream_errno == EPIPE)
		return "Connection closed by the server";
	return t_strdup_printf("Connection lost: %s",
			       i_stream_get_error(pc->input));
}

static void pop3_fail_input(struct pop3_client *pc)
{
	enum retrieve_result_code code = RETRIEVE_RESULT_REMOTE_TEMPFAIL;

	/* an untrusted certificate, or a server that can't speak TLS, does
	   not fix itself */
	if (pop3_tls_handshake_failed(pc))
		code = RETRIEVE_RESULT_REMOTE_ERROR;
	pop3_fail(pc, code, NULL, pop3_input_error(pc));
}

static void pop3_timeout(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd;
	const char *waiting = "the server";

	if (pc->dns_lookup != NULL)
		waiting = "DNS";
	else if (pc->input == NULL)
		waiting = "connect()";
	else if (pc->cmds_head < array_count(&pc->cmds)) {
		cmd = array_idx(&pc->cmds, pc->cmds_head);
		waiting = t_strdup_printf("the reply to %s",
					  pop3_cmd_names[cmd->type]);
	}
	pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
		  t_strdup_printf("Timed out after %u seconds waiting for %s",
				  pc->client.global_set->timeout_secs, waiting));
}

static int pop3_flush(struct pop3_client *pc)
{
	if (o_stream_flush(pc->output) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			  t_strdup_printf("Connection lost: %s",
					  o_stream_get_error(pc->output)));
		return -1;
	}
	return 0;
}

/* line is sent as is and never logged: it may hold a credential */
static void
pop3_send(struct pop3_client *pc, enum pop3_cmd_type type,
	  unsigned int msg_idx, const char *line)
{
	struct pop3_cmd *cmd;

	cmd = array_append_space(&pc->cmds);
	cmd->type = type;
	cmd->msg_idx = msg_idx;
	o_stream_nsend_str(pc->output, t_strconcat(line, "\r\n", NULL));
	if (type != POP3_CMD_PASS && type != POP3_CMD_AUTH &&
	    type != POP3_CMD_APOP)
		e_debug(pc->client.event, "C: %s", line);
}

static unsigned int pop3_cmds_in_flight(struct pop3_client *pc)
{
	return array_count(&pc->cmds) - pc->cmds_head;
}

static const struct pop3_cmd *pop3_cmd_pop(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd;

	i_assert(pc->cmds_head < array_count(&pc->cmds));
	cmd = array_idx(&pc->cmds, pc->cmds_head++);
	if (pc->cmds_head == array_count(&pc->cmds)) {
		/* the pointer stays valid: clearing does not free */
		array_clear(&pc->cmds);
		pc->cmds_head = 0;
	}
	return cmd;
}

static void pop3_send_simple(struct pop3_client *pc, enum pop3_cmd_type type)
{
	pop3_send(pc, type, 0, pop3_cmd_names[type]);
	(void)pop3_flush(pc);
}

/* --- login --- */

static bool pop3_may_send_password(struct pop3_client *pc)
{
	/* ssl=no is only accepted where the administrator allowed
	   plaintext, so this guards against bugs, not settings */
	return pc->ssl_io != NULL ||
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

static void pop3_login(struct pop3_client *pc)
{
	const struct retrieve_account_settings *set = pc->client.set;

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

static int pop3_start_tls(struct pop3_client *pc);

static int pop3_handshaked(const char **error_r, void *context)
{
	struct pop3_client *pc = context;

	return retrieve_client_ssl_check_cert(&pc->client, pc->ssl_io, error_r);
}

static int pop3_start_tls(struct pop3_client *pc)
{
	const char *error;

	io_remove(&pc->io);
	if (retrieve_client_ssl_wrap(&pc->client, &pc->input, &pc->output,
				     &pc->ssl_io, &error) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_INTERNAL_ERROR, NULL, error);
		return -1;
	}
	ssl_iostream_set_handshake_callback(pc->ssl_io, pop3_handshaked, pc);
	if (ssl_iostream_handshake(pc->ssl_io) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("TLS handshake failed: %s",
				ssl_iostream_get_last_error(pc->ssl_io)));
		return -1;
	}
	pc->tls_started = TRUE;
	pc->io = io_add_istream(pc->input, pop3_input, pc);
	return 0;
}

/* --- retrieval --- */

/* The cap on bytes received of one message, whatever LIST announced */
static uoff_t pop3_max_message_size(struct pop3_client *pc)
{
	uoff_t max_size = pc->client.global_set->max_message_size;

	if (pc->client.set->max_size != 0 && pc->client.set->max_size < max_size)
		max_size = pc->client.set->max_size;
	return max_size;
}

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
	while (pop3_cmds_in_flight(pc) < pc->window && !pc->quit_sent) {
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
		/* nothing left to send: QUIT commits the deletions */
		if (pop3_cmds_in_flight(pc) == 0) {
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
			pop3_cmd_names[type]));
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
		pc->client.result.skipped_too_large += pc->stat_count - count;
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
	if (retrieve_client_deliver(&pc->client, &dmsg) < 0) {
		/* keep the connection so that QUIT commits the deletions
		   of what was delivered before */
		pc->stopping = TRUE;
		return 0;
	}
	msg->retrieved = TRUE;
	if (!pc->client.set->keep)
		array_push_back(&pc->dele_queue, &idx);
	return 0;
}

/* --- replies --- */

static void pop3_msg_timeout(struct pop3_client *pc)
{
	const struct pop3_cmd *cmd = array_idx(&pc->cmds, pc->cmds_head);
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

	if (pc->to_msg != NULL || pc->cmds_head == array_count(&pc->cmds))
		return;
	cmd = array_idx(&pc->cmds, pc->cmds_head);
	if (cmd->type != POP3_CMD_RETR)
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

	pc->dot_input = i_stream_create_dot(pc->input, TRUE);
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
	pc->max_size = pop3_max_message_size(pc);
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
	const struct pop3_cmd *cmd = pop3_cmd_pop(pc);
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
		    !pc->tls_started) {
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
	const struct pop3_cmd *cmd = array_idx(&pc->cmds, pc->cmds_head);
	const struct pop3_msg *msg;

	if (cmd->type != POP3_CMD_RETR) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL, t_strdup_printf(
			"Server sent an endless %s response",
			pop3_cmd_names[cmd->type]));
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
	ssize_t ret;

	cmd = array_idx(&pc->cmds, pc->cmds_head);
	while ((ret = i_stream_read_more(pc->dot_input, &data, &size)) > 0) {
		if (size > pc->body_limit - pc->received) {
			pop3_fail_too_large(pc);
			return -1;
		}
		pc->received += size;
		if (pc->spool != NULL)
			o_stream_nsend(pc->spool, data, size);
		else if (pc->list_buf != NULL)
			str_append_data(pc->list_buf, data, size);
		i_stream_skip(pc->dot_input, size);
		if (pc->list_buf != NULL &&
		    pop3_parse_listing(pc, cmd->type, FALSE) < 0)
			return -1;
	}
	if (ret == 0)
		return 0;
	i_assert(ret == -1);
	if (pc->dot_input->stream_errno != 0) {
		/* the half-received message is dropped with the spool */
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			  t_strdup_printf("%s in the middle of a response",
					  pop3_input_error(pc)));
		return -1;
	}
	i_stream_unref(&pc->dot_input);
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
				  pop3_cmd_names[cmd->type], resp,
				  pop3_server_text(pc, reply->text, 160)));
}

static void pop3_reply_line(struct pop3_client *pc, const char *line)
{
	const struct pop3_cmd *cmd;
	struct pop3_reply reply;
	struct pop3_msg *msg;

	if (pc->cmds_head == array_count(&pc->cmds)) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Unexpected data from server: %s",
					  pop3_server_text(pc, line, 80)));
		return;
	}
	cmd = array_idx(&pc->cmds, pc->cmds_head);
	if (pop3_reply_parse(line, &reply) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Invalid reply to %s: %s",
					  pop3_cmd_names[cmd->type],
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
	cmd = pop3_cmd_pop(pc);

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
		    !pc->tls_started) {
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
		if (pop3_start_tls(pc) < 0)
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

static void pop3_input(struct pop3_client *pc)
{
	const char *line;
	ssize_t ret;

	timeout_reset(pc->to);
	while (!pc->client.finished) {
		pop3_msg_deadline_start(pc);
		if (pc->dot_input != NULL) {
			if (pop3_read_multiline(pc) <= 0)
				return;
			continue;
		}
		line = i_stream_next_line(pc->input);
		if (line != NULL) {
			T_BEGIN {
				pop3_reply_line(pc, line);
			} T_END;
			continue;
		}
		ret = i_stream_read(pc->input);
		if (ret == 0)
			return;
		if (ret == -2) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  "Server sent a too long line");
			return;
		}
		if (ret < 0) {
			pop3_fail_input(pc);
			return;
		}
	}
}

/* --- connecting --- */

static void pop3_connected(struct pop3_client *pc)
{
	struct pop3_cmd *cmd;
	int err;

	io_remove(&pc->io);
	err = net_geterror(pc->fd);
	if (err != 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			  t_strdup_printf("connect(%s:%u) failed: %s",
					  net_ip2addr(&pc->ip),
					  pc->client.set->port, strerror(err)));
		return;
	}
	pc->input = i_stream_create_fd(pc->fd, POP3_MAX_LINE_LENGTH);
	pc->output = o_stream_create_fd(pc->fd, SIZE_MAX);
	i_stream_set_name(pc->input, pc->client.set->host);
	o_stream_set_name(pc->output, pc->client.set->host);
	o_stream_set_no_error_handling(pc->output, TRUE);

	/* the server speaks first */
	cmd = array_append_space(&pc->cmds);
	cmd->type = POP3_CMD_GREETING;

	if (pc->client.set->ssl_mode == RETRIEVE_SSL_MODE_IMPLICIT) {
		if (pop3_start_tls(pc) < 0)
			return;
	} else {
		pc->io = io_add_istream(pc->input, pop3_input, pc);
	}
	timeout_reset(pc->to);
}

static void pop3_connect(struct pop3_client *pc)
{
	const char *error;

	/* the administrator's network lists (SSRF) */
	if (retrieve_client_check_ip(&pc->client, &pc->ip, &error) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_CONFIG_ERROR, NULL, error);
		return;
	}
	pc->fd = net_connect_ip(&pc->ip, pc->client.set->port, NULL);
	if (pc->fd == -1) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			  t_strdup_printf("connect(%s:%u) failed: %m",
					  net_ip2addr(&pc->ip),
					  pc->client.set->port));
		return;
	}
	pc->io = io_add(pc->fd, IO_WRITE, pop3_connected, pc);
}

static void
pop3_dns_callback(const struct dns_lookup_result *result,
		  struct pop3_client *pc)
{
	pc->dns_lookup = NULL;
	if (result->ret != 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_TEMPFAIL, NULL,
			  t_strdup_printf("DNS lookup of %s failed: %s",
					  pc->client.set->host,
					  result->error));
		return;
	}
	pc->ip = result->ips[0];
	pop3_connect(pc);
}

static void pop3_run(struct retrieve_client *client)
{
	struct pop3_client *pc = (struct pop3_client *)client;
	struct dns_lookup_settings dns_set;

	pc->window = 1;
	pc->to = timeout_add(client->global_set->timeout_secs * 1000,
			     pop3_timeout, pc);
	if (net_addr2ip(client->set->host, &pc->ip) == 0) {
		pop3_connect(pc);
		return;
	}
	i_zero(&dns_set);
	dns_set.dns_client_socket_path =
		t_strconcat(client->user->set->base_dir, "/dns-client", NULL);
	dns_set.timeout_msecs = client->global_set->timeout_secs * 1000;
	dns_set.event_parent = client->event;
	if (dns_lookup(client->set->host, &dns_set, pop3_dns_callback, pc,
		       &pc->dns_lookup) < 0) {
		/* the callback already failed the run */
		pc->dns_lookup = NULL;
	}
}

static struct retrieve_client *pop3_alloc(void)
{
	struct pop3_client *pc;
	pool_t pool;

	pool = pool_alloconly_create("retrieve pop3 client", 4096);
	pc = p_new(pool, struct pop3_client, 1);
	pc->client.pool = pool;
	pc->fd = -1;
	p_array_init(&pc->cmds, pool, 32);
	p_array_init(&pc->msgs, pool, 64);
	p_array_init(&pc->dele_queue, pool, 32);
	return &pc->client;
}

static void pop3_deinit(struct retrieve_client *client)
{
	struct pop3_client *pc = (struct pop3_client *)client;

	pop3_disconnect(pc);
	str_free(&pc->list_buf);
}

const struct retrieve_backend retrieve_backend_pop3 = {
	.name = "pop3",
	.protocol = RETRIEVE_PROTOCOL_POP3,
	.v = {
		.alloc = pop3_alloc,
		.run = pop3_run,
		.deinit = pop3_deinit,
	},
};
