#ifndef RETRIEVE_URL_H
#define RETRIEVE_URL_H

#include "net.h"

enum retrieve_protocol {
	RETRIEVE_PROTOCOL_POP3 = 0,
	RETRIEVE_PROTOCOL_IMAP,
};

/* pop3://[user@]host[:port], pop3s://, imap://, imaps://. IPv6 literals
   go in brackets. A password in the URL is refused: URLs get logged. */
struct retrieve_url {
	enum retrieve_protocol protocol;
	/* pop3s:// or imaps:// */
	bool implicit_ssl;
	/* percent-decoded; NULL when the URL has none */
	const char *user;
	const char *host;
	/* 0 when the URL names none */
	in_port_t port;
};

/* Returns 0 on success, -1 with error_r on malformed input. The error
   never repeats the URL's userinfo. */
int retrieve_url_parse(const char *url, pool_t pool,
		       struct retrieve_url *url_r, const char **error_r);

const char *retrieve_protocol_name(enum retrieve_protocol protocol);
in_port_t retrieve_protocol_default_port(enum retrieve_protocol protocol,
					 bool implicit_ssl);

#endif
