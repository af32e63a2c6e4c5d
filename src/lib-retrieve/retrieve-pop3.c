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

enum pop3_cmd_type {
	POP3_CMD_GREETING,
	POP3_CMD_CAPA,
	POP3_CMD_STLS,
	POP3_CMD_APOP,
	POP3_CMD_AUTH,
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_UIDL,
	POP3_CMD_LIST,
	POP3_CMD_RETR,
	POP3_CMD_DELE,
	POP3_CMD_QUIT,
};

static const char *const pop3_cmd_names[] = {
	"greeting", "CAPA", "STLS", "APOP", "AUTH", "USER", "PASS",
	"UIDL", "LIST", "RETR", "DELE", "QUIT",
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
	/* next message to consider for RETR or DELE */
	unsigned int next_msg;
	/* delivered, waiting for a DELE slot */
	ARRAY(unsigned int) dele_queue;
	unsigned int dele_head;

	/* a multi-line response being read */
	struct istream *dot_input;
	struct ostream *spool;
	string_t *list_buf;
	uoff_t body_limit;

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
pop3_fail(struct pop3_client *pc, enum retrieve_result_code code,
	  const char *resp_code, const char *error)
{
	pop3_disconnect(pc);
	retrieve_client_finish(&pc->client, code, resp_code, error);
}

static const char *pop3_input_error(struct pop3_client *pc)
{
	/* copied: the caller disconnects, which frees the ssl_iostream */
	if (pc->ssl_io != NULL && ssl_iostream_has_handshake_failed(pc->ssl_io))
		return t_strdup(ssl_iostream_get_last_error(pc->ssl_io));
	if (pc->input->stream_errno == 0 || pc->input->stream_errno == EPIPE)
		return "Connection closed by the server";
	return t_strdup_printf("Connection lost: %s",
			       i_stream_get_error(pc->input));
}

static void pop3_fail_input(struct pop3_client *pc)
{
	enum retrieve_result_code code = RETRIEVE_RESULT_REMOTE_TEMPFAIL;

	/* an untrusted certificate does not fix itself */
	if (pc->ssl_io != NULL && ssl_iostream_has_handshake_failed(pc->ssl_io))
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

static void pop3_login(struct pop3_client *pc)
{
	const struct retrieve_account_settings *set = pc->client.set;
	string_t *str;

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
		/* RFC 5034 initial response: authzid NUL authcid NUL pass */
		str = t_str_new(128);
		str_append_c(str, '\0');
		str_append(str, set->username);
		str_append_c(str, '\0');
		str_append(str, set->password);
		pop3_send(pc, POP3_CMD_AUTH, 0, t_strconcat("AUTH PLAIN ",
			str_c(t_base64_encode(0, 0, str_data(str),
					      str_len(str))), NULL));
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

static struct pop3_msg *pop3_msg_get(struct pop3_client *pc, unsigned int num)
{
	/* message numbers are dense (RFC 1939), but a broken server
	   should not make us allocate gigabytes */
	if (num == 0 || num > 10000000)
		return NULL;
	return array_idx_get_space(&pc->msgs, num - 1);
}

static void pop3_fill_pipeline(struct pop3_client *pc)
{
	const struct pop3_msg *msg;
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
		for (; pc->next_msg < count; pc->next_msg++) {
			msg = array_idx(&pc->msgs, pc->next_msg);
			if (msg->uidl == NULL)
				continue;
			if (retrieve_client_is_retrieved(&pc->client, "",
							 msg->uidl)) {
				if (!pc->client.set->keep)
					break;
			} else if (retrieve_client_want(&pc->client, "",
							msg->uidl, msg->size)) {
				break;
			}
		}
		if (pc->next_msg < count) {
			idx = pc->next_msg++;
			msg = array_idx(&pc->msgs, idx);
			if (msg->retrieved || !retrieve_client_is_retrieved(
					&pc->client, "", msg->uidl)) {
				pop3_send(pc, POP3_CMD_RETR, idx,
					  t_strdup_printf("RETR %u", idx + 1));
			} else {
				/* delivered by an earlier run */
				pop3_send(pc, POP3_CMD_DELE, idx,
					  t_strdup_printf("DELE %u", idx + 1));
			}
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

static int pop3_parse_uidl(struct pop3_client *pc)
{
	const char *const *lines, *uidl;
	struct pop3_msg *msg;
	unsigned int num;

	lines = t_strsplit(str_c(pc->list_buf), "\n");
	for (; *lines != NULL; lines++) {
		const char *line = t_strcut(*lines, '\r');

		if (*line == '\0')
			continue;
		if (pop3_uidl_line_parse(line, &num, &uidl) < 0 ||
		    (msg = pop3_msg_get(pc, num)) == NULL) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				t_strdup_printf("Invalid UIDL line from server: %s",
						str_sanitize(line, 80)));
			return -1;
		}
		msg->uidl = p_strdup(pc->client.pool, uidl);
	}
	return 0;
}

static int pop3_parse_list(struct pop3_client *pc)
{
	const char *const *lines;
	struct pop3_msg *msg;
	unsigned int num;
	uoff_t size;

	lines = t_strsplit(str_c(pc->list_buf), "\n");
	for (; *lines != NULL; lines++) {
		const char *line = t_strcut(*lines, '\r');

		if (*line == '\0')
			continue;
		if (pop3_list_line_parse(line, &num, &size) < 0 ||
		    (msg = pop3_msg_get(pc, num)) == NULL) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				t_strdup_printf("Invalid LIST line from server: %s",
						str_sanitize(line, 80)));
			return -1;
		}
		msg->size = size;
		msg->listed = TRUE;
	}
	return 0;
}

/* Forget UIDLs the server no longer has; drop duplicate UIDLs, which
   would otherwise be fetched twice or deleted unseen. */
static void pop3_prune(struct pop3_client *pc)
{
	ARRAY_TYPE(const_string) present;
	HASH_TABLE(const char *, struct pop3_msg *) seen;
	struct pop3_msg *msg;

	t_array_init(&present, array_count(&pc->msgs) + 1);
	hash_table_create(&seen, pool_datastack_create(), 0, str_hash, strcmp);
	array_foreach_modifiable(&pc->msgs, msg) {
		if (msg->uidl == NULL)
			continue;
		if (hash_table_lookup(seen, msg->uidl) != NULL) {
			e_warning(pc->client.event, "Server lists UIDL %s twice, "
				  "skipping the second", msg->uidl);
			msg->uidl = NULL;
			continue;
		}
		hash_table_insert(seen, msg->uidl, msg);
		array_push_back(&present, &msg->uidl);
	}
	hash_table_destroy(&seen);
	array_append_zero(&present);
	retrieve_client_prune(&pc->client, "", array_front(&present));
}

static int pop3_retr_done(struct pop3_client *pc, unsigned int idx,
			  struct istream *input)
{
	struct pop3_msg *msg = array_idx_modifiable(&pc->msgs, idx);
	struct retrieve_deliver_message dmsg;

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

static void pop3_multiline_start(struct pop3_client *pc,
				 const struct pop3_cmd *cmd)
{
	const struct pop3_msg *msg;

	pc->dot_input = i_stream_create_dot(pc->input, TRUE);
	if (cmd->type != POP3_CMD_RETR) {
		pc->list_buf = str_new(default_pool, 1024);
		pc->body_limit = POP3_MAX_LIST_SIZE;
		return;
	}
	msg = array_idx(&pc->msgs, cmd->msg_idx);
	pc->body_limit = msg->size + msg->size / 2 + POP3_BODY_SLACK;
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
		T_BEGIN {
			const char *const *lines =
				t_strsplit(str_c(pc->list_buf), "\n");
			pc->caps = 0;
			for (; *lines != NULL; lines++) {
				pc->caps |= pop3_capa_line_parse(
					t_strcut(*lines, '\r'));
			}
		} T_END;
		break;
	case POP3_CMD_UIDL:
		T_BEGIN {
			ret = pop3_parse_uidl(pc);
		} T_END;
		break;
	case POP3_CMD_LIST:
		T_BEGIN {
			ret = pop3_parse_list(pc);
		} T_END;
		break;
	case POP3_CMD_RETR:
		if (pc->spool == NULL)
			break;
		if (o_stream_finish(pc->spool) < 0) {
			pop3_fail(pc, RETRIEVE_RESULT_LOCAL_TEMPFAIL, NULL,
				t_strdup_printf("Couldn't spool message: %s",
					o_stream_get_error(pc->spool)));
			return -1;
		}
		input = iostream_temp_finish(&pc->spool, IO_BLOCK_SIZE);
		ret = pop3_retr_done(pc, cmd->msg_idx, input);
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
			pop3_prune(pc);
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

static int pop3_read_multiline(struct pop3_client *pc)
{
	const unsigned char *data;
	size_t size;
	ssize_t ret;

	while ((ret = i_stream_read_more(pc->dot_input, &data, &size)) > 0) {
		if (size > pc->body_limit) {
			pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
				  "Server sent far more than it announced");
			return -1;
		}
		pc->body_limit -= size;
		if (pc->spool != NULL)
			o_stream_nsend(pc->spool, data, size);
		else if (pc->list_buf != NULL)
			str_append_data(pc->list_buf, data, size);
		i_stream_skip(pc->dot_input, size);
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
		t_strdup_printf("[%s] ", reply->resp_code);

	pop3_fail(pc, pop3_err_code(reply, def), reply->resp_code,
		  t_strdup_printf("%s failed: -ERR %s%s",
				  pop3_cmd_names[cmd->type], resp,
				  str_sanitize(reply->text, 160)));
}

static void pop3_reply_line(struct pop3_client *pc, const char *line)
{
	const struct pop3_cmd *cmd;
	struct pop3_reply reply;
	struct pop3_msg *msg;

	if (pc->cmds_head == array_count(&pc->cmds)) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Unexpected data from server: %s",
					  str_sanitize(line, 80)));
		return;
	}
	cmd = array_idx(&pc->cmds, pc->cmds_head);
	if (pop3_reply_parse(line, &reply) < 0) {
		pop3_fail(pc, RETRIEVE_RESULT_REMOTE_ERROR, NULL,
			  t_strdup_printf("Invalid reply to %s: %s",
					  pop3_cmd_names[cmd->type],
					  str_sanitize(line, 80)));
		return;
	}
	e_debug(pc->client.event, "S: %s", str_sanitize(line, 160));

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
		pop3_send_simple(pc, POP3_CMD_UIDL);
		break;
	case POP3_CMD_UIDL:
	case POP3_CMD_LIST:
		pop3_fail_reply(pc, cmd, &reply, RETRIEVE_RESULT_REMOTE_ERROR);
		break;
	case POP3_CMD_RETR:
		/* deleted by another client meanwhile: retry next run */
		msg = array_idx_modifiable(&pc->msgs, cmd->msg_idx);
		e_warning(pc->client.event, "RETR %u (UIDL %s) failed: %s",
			  cmd->msg_idx + 1, msg->uidl,
			  str_sanitize(reply.text, 160));
		pop3_fill_pipeline(pc);
		break;
	case POP3_CMD_DELE:
		if (reply.status == POP3_REPLY_OK)
			retrieve_client_deleted(&pc->client);
		else {
			e_warning(pc->client.event, "DELE %u failed: %s",
				  cmd->msg_idx + 1,
				  str_sanitize(reply.text, 160));
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
		pop3_fail(pc, RETRIEVE_RESULT_OK, NULL, NULL);
		break;
	}
}

static void pop3_input(struct pop3_client *pc)
{
	const char *line;
	ssize_t ret;

	timeout_reset(pc->to);
	while (!pc->client.finished) {
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
