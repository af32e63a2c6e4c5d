#ifndef RETRIEVE_IMAP_PRIVATE_H
#define RETRIEVE_IMAP_PRIVATE_H

#include "mail-types.h"

/* Blocks in which a spooled BODY[] is read */
#define RETRIEVE_IMAP_BODY_BUFFER_SIZE (64*1024)
/* How much of a header is searched for the Message-ID */
#define RETRIEVE_IMAP_HEADER_MAX_SIZE (1024*1024)
/* What marks a hashed Message-ID in a fingerprint */
#define RETRIEVE_IMAP_FINGERPRINT_PREFIX "sha256:"

struct imap_arg;
struct imapc_untagged_reply;

/* One untagged FETCH reply, parsed */
struct retrieve_imap_fetch {
	uint32_t uid;
	/* (uoff_t)-1 when not sent */
	uoff_t size;
	/* (time_t)-1 when not sent */
	time_t internaldate;
	int internaldate_tz;
	bool have_flags;
	enum mail_flags flags;
	/* NULL-terminated, NULL without FLAGS */
	const char *const *keywords;
	/* BODY[] as a seekable stream, NULL when not sent */
	struct istream *body;
	/* BODY[]<offset>: where the (partial) body begins */
	uoff_t body_offset;
	/* BODY[HEADER.FIELDS (MESSAGE-ID)] value, NULL when not sent */
	const char *header_fields;
};

/* Parses the FETCH reply's list (data stack). Returns 0, or -1 with
   error_r on a malformed reply. fetch_r->body must be unref'd. */
int retrieve_imap_fetch_parse(const struct imapc_untagged_reply *reply,
			      struct retrieve_imap_fetch *fetch_r,
			      const char **error_r);

/* The Message-ID of a message header (the stream is rewound); NULL when
   it has none. */
const char *retrieve_imap_message_id(struct istream *input);

/* What identifies a message across a UIDVALIDITY change: size and a hash
   of the Message-ID; NULL when it has no Message-ID. */
const char *retrieve_imap_fingerprint(const char *message_id, uoff_t size);
/* A fingerprint from the state in today's form: older versions stored
   the Message-ID itself, which is hashed now */
const char *retrieve_imap_fingerprint_normalize(const char *fingerprint);

#endif
