/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The rspamd /checkv2 reply parsers: the input as an HTTP response (every
   sixteenth prefix as it arrives, then whole with the close), and as the
   JSON body; a verdict becomes headers, as delivery does with it. */

#include "lib.h"
#include "str.h"
#include "rspamd-reply.h"
#include "spamd-reply.h"
#include "retrieve-spam.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		struct rspamd_reply reply;
		struct rspamd_http_reply http_reply;
		struct retrieve_spam_verdict verdict;
		const char *error, *const *lines;
		string_t *hdr;
		size_t i, step = size / 16 + 1;
		int ret;

		for (i = 0; i < size; i += step) {
			ret = rspamd_http_reply_parse(data, i, FALSE,
						      &http_reply, &error);
			i_assert(ret >= 0 || error != NULL);
		}
		ret = rspamd_http_reply_parse(data, size, TRUE, &http_reply,
					      &error);
		i_assert(ret != 0);
		if (ret > 0) {
			i_assert(http_reply.body_size <= RSPAMD_REPLY_MAX_SIZE);
			i_assert(http_reply.body + http_reply.body_size <=
				 data + size);
			(void)rspamd_reply_parse(http_reply.body,
						 http_reply.body_size,
						 &reply, &error);
		}

		if (rspamd_reply_parse(data, size, &reply, &error) == 0) {
			/* what the parser promises delivery */
			i_assert(spam_reply_number_is_valid(reply.score));
			i_assert(spam_reply_number_is_valid(reply.required));
			i_assert(strpbrk(reply.symbols, "\r\n :") == NULL);
			i_zero(&verdict);
			verdict.spam = reply.spam;
			verdict.score = reply.score;
			verdict.required = reply.required;
			verdict.tests = reply.symbols;
			hdr = t_str_new(256);
			retrieve_spam_verdict_headers(&verdict, hdr);
			lines = t_strsplit(str_c(hdr), "\n");
			for (; *lines != NULL; lines++)
				i_assert(strlen(*lines) <= 998);
		} else {
			i_assert(error != NULL);
		}
	} T_END;
	return 0;
}
