/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The IMAP FETCH reply parser: the input is what follows "* n FETCH " in
   a server's untagged reply (e.g. "(UID 5 RFC822.SIZE 3 BODY[] {3}
   ..."), parsed into imap_args by Dovecot's imap-parser with the flags
   imapc uses, then handed to retrieve_imap_fetch_parse() as imapc
   would. A parsed BODY[] is read for its Message-ID. */

#include "lib.h"
#include "istream.h"
#include "imap-arg.h"
#include "imap-parser.h"
#include "imapc-client.h"
#include "retrieve-imap-private.h"
#include "fuzz-common.h"

#define FUZZ_MAX_LINE (64 * 1024)

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

static void fuzz_fetch(const struct imap_arg *args)
{
	struct imapc_untagged_reply reply;
	struct retrieve_imap_fetch fetch;
	const char *error, *message_id;

	i_zero(&reply);
	reply.name = "FETCH";
	reply.num = 1;
	reply.args = args;
	if (retrieve_imap_fetch_parse(&reply, &fetch, &error) < 0) {
		i_assert(error != NULL);
		return;
	}
	i_assert(fetch.uid != 0);
	if (fetch.body != NULL) {
		message_id = retrieve_imap_message_id(fetch.body);
		(void)retrieve_imap_fingerprint(message_id, fetch.size);
		i_stream_unref(&fetch.body);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct istream *input;
	struct imap_parser *parser;
	const struct imap_arg *args;
	int ret;

	input = i_stream_create_from_data(data, size);
	parser = imap_parser_create(input, NULL, FUZZ_MAX_LINE, NULL);
	T_BEGIN {
		(void)i_stream_read(input);
		ret = imap_parser_finish_line(parser, 0,
					      IMAP_PARSE_FLAG_LITERAL8 |
					      IMAP_PARSE_FLAG_ATOM_ALLCHARS,
					      &args);
		if (ret > 0)
			fuzz_fetch(args);
	} T_END;
	imap_parser_unref(&parser);
	i_stream_unref(&input);
	return 0;
}
