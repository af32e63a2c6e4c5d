/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The account URL parser: the whole input is one URL. */

#include "lib.h"
#include "retrieve-url.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pool_t pool = pool_alloconly_create("fuzz url", 1024);

	T_BEGIN {
		struct retrieve_url url;
		const char *error;

		if (retrieve_url_parse(fuzz_t_str(data, size), pool,
				       &url, &error) == 0) {
			i_assert(url.host != NULL && url.host[0] != '\0');
			(void)retrieve_protocol_name(url.protocol);
			(void)retrieve_protocol_default_port(url.protocol,
							     url.implicit_ssl);
		} else {
			i_assert(error != NULL);
		}
	} T_END;
	pool_unref(&pool);
	return 0;
}
