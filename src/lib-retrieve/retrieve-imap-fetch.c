/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strnum.h"
#include "istream.h"
#include "hex-binary.h"
#include "sha2.h"
#include "message-header-parser.h"
#include "imap-arg.h"
#include "imap-date.h"
#include "imap-util.h"
#include "imapc-client.h"
#include "retrieve-imap-private.h"
#include "retrieve-dovecot.h"

#include <unistd.h>

static int
retrieve_imap_fetch_flags(const struct imap_arg *arg,
			  struct retrieve_imap_fetch *fetch,
			  const char **error_r)
{
	const struct imap_arg *list;
	ARRAY_TYPE(const_string) keywords;
	const char *atom;
	enum mail_flags flag;

	if (!imap_arg_get_list(arg, &list)) {
		*error_r = "FLAGS is not a list";
		return -1;
	}
	t_array_init(&keywords, 8);
	for (; list->type != IMAP_ARG_EOL; list++) {
		if (!imap_arg_get_atom(list, &atom)) {
			*error_r = "FLAGS has a non-atom";
			return -1;
		}
		if (atom[0] == '\\') {
			/* \Recent and unknown system flags are not ours to
			   set, and \Deleted would have the local copy
			   expunged: a retrieved message is never saved as
			   deleted */
			flag = imap_parse_system_flag(atom);
			fetch->flags |= flag &
				ENUM_NEGATE(MAIL_RECENT | MAIL_DELETED);
		} else {
			array_push_back(&keywords, &atom);
		}
	}
	array_append_zero(&keywords);
	fetch->keywords = array_front(&keywords);
	fetch->have_flags = TRUE;
	return 0;
}

/* "BODY[]<offset>" */
static int retrieve_imap_fetch_body_offset(const char *key, uoff_t *offset_r)
{
	const char *end;

	if (strncasecmp(key, "BODY[]<", 7) != 0)
		return -1;
	if (str_parse_uoff(key + 7, offset_r, &end) < 0 ||
	    strcmp(end, ">") != 0)
		return -1;
	return 0;
}

static struct istream *
retrieve_imap_fetch_body(const struct imapc_untagged_reply *reply,
			 const struct imap_arg *list, unsigned int idx)
{
	const struct imap_arg *arg = &list[idx];
	const char *value;
	unsigned int i;
	int fd;

	if (arg->type == IMAP_ARG_LITERAL_SIZE) {
		/* imapc spooled a large literal into an unlinked file,
		   which it closes after this callback */
		for (i = 0; i < reply->file_args_count; i++) {
			const struct imapc_arg_file *farg = &reply->file_args[i];
			const struct imap_arg *parent_list =
				imap_arg_as_list(farg->parent_arg);

			if (&parent_list[farg->list_idx] == arg) {
				/* read from the spool file in bounded
				   blocks, however large the message */
				fd = dup(farg->fd);
				if (fd == -1)
					return NULL;
				return i_stream_create_fd_autoclose(
					&fd, RETRIEVE_IMAP_BODY_BUFFER_SIZE);
			}
		}
		return NULL;
	}
	if (!imap_arg_get_nstring(arg, &value) || value == NULL)
		return NULL;
	/* the parser's memory goes away with the reply */
	return i_stream_create_copy_from_data(value, arg->str_len);
}

static int
retrieve_imap_fetch_parse_list(const struct imapc_untagged_reply *reply,
			       struct retrieve_imap_fetch *fetch_r,
			       const char **error_r)
{
	const struct imap_arg *list;
	const char *key, *value;
	unsigned int i;

	i_zero(fetch_r);
	fetch_r->size = (uoff_t)-1;
	fetch_r->internaldate = (time_t)-1;
	if (!imap_arg_get_list(reply->args, &list)) {
		*error_r = "FETCH reply is not a list";
		return -1;
	}
	for (i = 0; list[i].type != IMAP_ARG_EOL; i += 2) {
		if (!imap_arg_get_atom(&list[i], &key) ||
		    list[i+1].type == IMAP_ARG_EOL) {
			*error_r = "FETCH reply is malformed";
			return -1;
		}
		if (strcasecmp(key, "UID") == 0) {
			if (!imap_arg_get_atom(&list[i+1], &value) ||
			    str_to_uint32(value, &fetch_r->uid) < 0 ||
			    fetch_r->uid == 0) {
				*error_r = "FETCH reply has an invalid UID";
				return -1;
			}
		} else if (strcasecmp(key, "RFC822.SIZE") == 0) {
			if (!imap_arg_get_atom(&list[i+1], &value) ||
			    str_to_uoff(value, &fetch_r->size) < 0) {
				*error_r = "FETCH reply has an invalid size";
				return -1;
			}
		} else if (strcasecmp(key, "INTERNALDATE") == 0) {
			if (!imap_arg_get_astring(&list[i+1], &value) ||
			    !imap_parse_datetime(value, &fetch_r->internaldate,
						 &fetch_r->internaldate_tz)) {
				*error_r = "FETCH reply has an invalid "
					"INTERNALDATE";
				return -1;
			}
		} else if (strcasecmp(key, "FLAGS") == 0) {
			if (retrieve_imap_fetch_flags(&list[i+1], fetch_r,
						      error_r) < 0)
				return -1;
		} else if (strcasecmp(key, "BODY[]") == 0 ||
			   retrieve_imap_fetch_body_offset(key,
				&fetch_r->body_offset) == 0) {
			/* BODY[]<offset>: the answer to a partial fetch */
			i_stream_unref(&fetch_r->body);
			fetch_r->body = retrieve_imap_fetch_body(reply, list,
								 i + 1);
			if (fetch_r->body == NULL) {
				*error_r = "FETCH reply has no usable BODY[]";
				return -1;
			}
		} else if (strcasecmp(key, "BODY[HEADER.FIELDS") == 0) {
			/* BODY[HEADER.FIELDS (MESSAGE-ID)] value: four
			   args */
			if (!imap_arg_atom_equals(&list[i+2], "]") ||
			    !imap_arg_get_nstring(&list[i+3], &value)) {
				*error_r = "FETCH reply has a malformed "
					"BODY[HEADER.FIELDS]";
				return -1;
			}
			fetch_r->header_fields = value == NULL ? "" : value;
			i += 2;
		}
	}
	if (fetch_r->uid == 0) {
		i_stream_unref(&fetch_r->body);
		*error_r = "FETCH reply has no UID";
		return -1;
	}
	return 0;
}

int retrieve_imap_fetch_parse(const struct imapc_untagged_reply *reply,
			      struct retrieve_imap_fetch *fetch_r,
			      const char **error_r)
{
	if (retrieve_imap_fetch_parse_list(reply, fetch_r, error_r) < 0) {
		/* a malformed item after BODY[] must not leak the body
		   (found by tests/fuzz/fuzz-imap-fetch) */
		i_stream_unref(&fetch_r->body);
		return -1;
	}
	return 0;
}

const char *retrieve_imap_message_id(struct istream *input)
{
	struct message_header_parser_ctx *parser;
	struct message_header_line *hdr;
	struct istream *limited;
	const char *message_id = NULL;
	int ret;

	/* a header without end (or one endless folded line) must not be
	   read into memory: look at its beginning only, and gather the
	   full value of Message-ID alone */
	limited = i_stream_create_limit(input, RETRIEVE_IMAP_HEADER_MAX_SIZE);
	parser = message_parse_header_init(limited, NULL, 0);
	while ((ret = message_parse_header_next(parser, &hdr)) > 0) {
		if (hdr->eoh)
			break;
		if (strcasecmp(hdr->name, "Message-ID") != 0 ||
		    message_id != NULL)
			continue;
		if (hdr->continues) {
			hdr->use_full_value = TRUE;
			continue;
		}
		message_id = t_strcut(t_strndup(hdr->full_value,
						hdr->full_value_len), '\r');
		message_id = t_str_trim(message_id, " \t\r\n");
	}
	message_parse_header_deinit(&parser);
	i_stream_unref(&limited);
	i_stream_seek(input, 0);
	return message_id == NULL || message_id[0] == '\0' ? NULL : message_id;
}

static const char *retrieve_imap_fingerprint_hash(const char *message_id)
{
	unsigned char digest[SHA256_RESULTLEN];

	sha256_get_digest(message_id, strlen(message_id), digest);
	return t_strconcat(RETRIEVE_IMAP_FINGERPRINT_PREFIX,
			   binary_to_hex(digest, sizeof(digest)), NULL);
}

const char *retrieve_imap_fingerprint(const char *message_id, uoff_t size)
{
	if (message_id == NULL)
		return NULL;
	/* a hash: a Message-ID can be of any length, a state line can't */
	return t_strdup_printf("%"PRIuUOFF_T" %s", size,
			       retrieve_imap_fingerprint_hash(message_id));
}

const char *retrieve_imap_fingerprint_normalize(const char *fingerprint)
{
	const char *p = strchr(fingerprint, ' ');

	if (p == NULL || str_begins_with(p + 1, RETRIEVE_IMAP_FINGERPRINT_PREFIX))
		return fingerprint;
	/* written by an older version: "<size> <Message-ID>" */
	return t_strdup_printf("%s %s", t_strdup_until(fingerprint, p),
			       retrieve_imap_fingerprint_hash(p + 1));
}
