/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The spamd reply parser, fed the input as the connection would: every
   prefix as it arrives (not closed), then the whole with the close; a
   verdict becomes headers, as delivery does with it. */

#include "lib.h"
#include "str.h"
#include "spamd-reply.h"
#include "retrieve-spam.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

static void fuzz_check_reply(const struct spamd_reply *reply)
{
	struct retrieve_spam_verdict verdict;
	string_t *hdr;
	const char *const *lines;

	i_assert(reply->message != NULL);
	if (reply->code != 0)
		return;
	/* what the parser promises delivery */
	i_assert(spam_reply_number_is_valid(reply->score));
	i_assert(spam_reply_number_is_valid(reply->required));
	i_assert(strlen(reply->symbols) <= SPAMD_REPLY_MAX_BODY);
	i_assert(strpbrk(reply->symbols, "\r\n ") == NULL);

	i_zero(&verdict);
	verdict.spam = reply->spam;
	verdict.score = reply->score;
	verdict.required = reply->required;
	verdict.tests = reply->symbols;
	hdr = t_str_new(256);
	retrieve_spam_verdict_headers(&verdict, hdr);
	/* header lines stay within RFC 5322's 998 */
	for (lines = t_strsplit(str_c(hdr), "\n"); *lines != NULL; lines++)
		i_assert(strlen(*lines) <= 998);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		struct spamd_reply reply;
		const char *error;
		size_t step = size / 16 + 1, i;
		int ret;

		for (i = 0; i < size; i += step) {
			ret = spamd_reply_parse(data, i, FALSE, &reply, &error);
			if (ret == 1)
				fuzz_check_reply(&reply);
			else if (ret < 0)
				i_assert(error != NULL);
		}
		ret = spamd_reply_parse(data, size, TRUE, &reply, &error);
		/* with the close, a reply is never incomplete */
		i_assert(ret != 0);
		if (ret == 1)
			fuzz_check_reply(&reply);
		else
			i_assert(error != NULL && strchr(error, '\n') == NULL);
	} T_END;
	return 0;
}
