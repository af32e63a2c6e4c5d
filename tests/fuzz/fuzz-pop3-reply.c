/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The POP3 reply parser: every line of the input goes through each of
   the parsers a server line can reach (status line, greeting's APOP
   timestamp, CAPA, UIDL and LIST listings). */

#include "lib.h"
#include "array.h"
#include "pop3-reply.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		const char *const *lines = fuzz_t_lines(data, size, 256);
		struct pop3_reply reply;
		const char *uidl, *ts;
		unsigned int msgnum;
		uoff_t octets;

		for (; *lines != NULL; lines++) {
			if (pop3_reply_parse(*lines, &reply) == 0) {
				i_assert(reply.text != NULL);
				ts = pop3_reply_apop_timestamp(reply.text);
				if (ts != NULL) {
					i_assert(ts[0] == '<');
					(void)pop3_apop_digest(ts, "secret");
				}
			}
			(void)pop3_capa_line_parse(*lines);
			(void)pop3_capa_login_delay_parse(*lines, &msgnum);
			if (pop3_uidl_line_parse(*lines, &msgnum, &uidl) == 0) {
				/* what the parser promises its callers */
				i_assert(uidl[0] != '\0');
				i_assert(strlen(uidl) <= POP3_UIDL_MAX_LEN);
			}
			(void)pop3_list_line_parse(*lines, &msgnum, &octets);
		}
	} T_END;
	return 0;
}
