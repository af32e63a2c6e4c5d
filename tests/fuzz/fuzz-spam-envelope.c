/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The parsers of a message's own Return-Path, From and Received values
   that become rspamd's From and IP request headers: whatever the input,
   what they return must be safe as a header value. */

#include "lib.h"
#include "spam-envelope.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

static void fuzz_check_address(const char *address)
{
	const unsigned char *p;

	if (address == NULL)
		return;
	i_assert(strlen(address) <= SPAM_ENVELOPE_MAX_ADDRESS);
	for (p = (const unsigned char *)address; *p != '\0'; p++)
		i_assert(*p > ' ' && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		struct ip_addr ip;

		if (spam_envelope_received_ip(data, size, &ip)) {
			i_assert(ip.family == AF_INET || ip.family == AF_INET6);
			i_assert(strpbrk(net_ip2addr(&ip), "\r\n ") == NULL);
		} else {
			i_assert(ip.family == 0);
		}
		fuzz_check_address(spam_envelope_return_path(data, size));
		fuzz_check_address(spam_envelope_from(data, size));
	} T_END;
	return 0;
}
