/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "net.h"
#include "retrieve-url.h"

#include <ctype.h>
#include <arpa/inet.h>

/* Error messages deliberately quote no part of the URL except a validated
   scheme: a malformed URL may have its password anywhere (a '/' in an
   unencoded password ends the authority early, for example). */

struct retrieve_url_scheme {
	const char *name;
	enum retrieve_protocol protocol;
	bool implicit_ssl;
};

static const struct retrieve_url_scheme retrieve_url_schemes[] = {
	{ "pop3", RETRIEVE_PROTOCOL_POP3, FALSE },
	{ "pop3s", RETRIEVE_PROTOCOL_POP3, TRUE },
	{ "imap", RETRIEVE_PROTOCOL_IMAP, FALSE },
	{ "imaps", RETRIEVE_PROTOCOL_IMAP, TRUE },
};

static bool retrieve_url_scheme_is_valid(const char *scheme)
{
	/* RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!i_isalpha(*scheme))
		return FALSE;
	for (scheme++; *scheme != '\0'; scheme++) {
		if (!i_isalnum(*scheme) && *scheme != '+' &&
		    *scheme != '-' && *scheme != '.')
			return FALSE;
	}
	return TRUE;
}

static int
retrieve_url_parse_scheme(const char *scheme, struct retrieve_url *url_r,
			  const char **error_r)
{
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(retrieve_url_schemes); i++) {
		if (strcasecmp(scheme, retrieve_url_schemes[i].name) == 0) {
			url_r->protocol = retrieve_url_schemes[i].protocol;
			url_r->implicit_ssl =
				retrieve_url_schemes[i].implicit_ssl;
			return 0;
		}
	}
	if (retrieve_url_scheme_is_valid(scheme)) {
		*error_r = t_strdup_printf("unsupported scheme '%s' "
			"(use pop3, pop3s, imap or imaps)", scheme);
	} else {
		*error_r = "invalid scheme (use pop3, pop3s, imap or imaps)";
	}
	return -1;
}

static int hex_digit_value(char chr)
{
	if (chr >= '0' && chr <= '9')
		return chr - '0';
	if (chr >= 'a' && chr <= 'f')
		return chr - 'a' + 10;
	if (chr >= 'A' && chr <= 'F')
		return chr - 'A' + 10;
	return -1;
}

static int
retrieve_url_parse_user(const char *userinfo, pool_t pool,
			const char **user_r, const char **error_r)
{
	string_t *user;
	const char *p;
	int hi, lo;

	if (strchr(userinfo, ':') != NULL) {
		*error_r = "password in URL is not allowed; "
			"use the _password setting";
		return -1;
	}
	if (*userinfo == '\0') {
		*error_r = "empty user name in URL";
		return -1;
	}

	user = t_str_new(strlen(userinfo));
	for (p = userinfo; *p != '\0'; p++) {
		unsigned char chr = *p;

		if (chr == '%') {
			/* p[2] is not read when p[1] is the NUL */
			hi = hex_digit_value(p[1]);
			lo = hi < 0 ? -1 : hex_digit_value(p[2]);
			if (lo < 0) {
				*error_r = "invalid percent-encoding in user name";
				return -1;
			}
			chr = (unsigned char)(hi * 16 + lo);
			p += 2;
		} else if (chr == ' ') {
			*error_r = "space in user name must be percent-encoded";
			return -1;
		}
		/* A decoded CR/LF/NUL would inject protocol commands or cut
		   the string short. */
		if (chr < 0x20 || chr == 0x7f) {
			*error_r = "control character in user name";
			return -1;
		}
		str_append_c(user, chr);
	}
	*user_r = p_strdup(pool, str_c(user));
	return 0;
}

static bool retrieve_url_host_is_ipv4_like(const char *host)
{
	for (; *host != '\0'; host++) {
		if (!i_isdigit(*host) && *host != '.')
			return FALSE;
	}
	return TRUE;
}

static int retrieve_url_check_dns_name(const char *host, const char **error_r)
{
	const char *p;
	size_t label_len = 0;

	if (strlen(host) > 253) {
		*error_r = "host name is too long";
		return -1;
	}
	for (p = host;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label_len == 0 || label_len > 63) {
				*error_r = "invalid host name";
				return -1;
			}
			if (*p == '\0')
				break;
			label_len = 0;
		} else if (i_isalnum(*p) || *p == '-' || *p == '_') {
			label_len++;
		} else {
			*error_r = "invalid character in host name";
			return -1;
		}
	}
	return 0;
}

static int
retrieve_url_parse_port(const char *str, in_port_t *port_r,
			const char **error_r)
{
	unsigned int num;

	/* str_to_uint() accepts only digits, and there must be some */
	if (str_to_uint(str, &num) < 0 || num == 0 || num > 65535) {
		*error_r = "invalid port (must be 1..65535)";
		return -1;
	}
	*port_r = (in_port_t)num;
	return 0;
}

static int
retrieve_url_parse_hostport(const char *hostport, pool_t pool,
			    struct retrieve_url *url_r, const char **error_r)
{
	struct ip_addr ip;
	struct in_addr addr4;
	const char *host, *port = NULL, *p;

	if (*hostport == '[') {
		p = strchr(hostport, ']');
		if (p == NULL) {
			*error_r = "missing ']' after IPv6 address";
			return -1;
		}
		host = t_strdup_until(hostport + 1, p);
		if (net_addr2ip(host, &ip) < 0 || ip.family != AF_INET6) {
			*error_r = "invalid IPv6 address";
			return -1;
		}
		p++;
		if (*p == ':')
			port = p + 1;
		else if (*p != '\0') {
			*error_r = "invalid characters after IPv6 address";
			return -1;
		}
	} else {
		p = strchr(hostport, ':');
		if (p == NULL)
			host = hostport;
		else {
			host = t_strdup_until(hostport, p);
			port = p + 1;
			if (strchr(port, ':') != NULL) {
				*error_r = "IPv6 address must be in brackets";
				return -1;
			}
		}
		if (*host == '\0') {
			*error_r = "missing host";
			return -1;
		}
		if (retrieve_url_host_is_ipv4_like(host)) {
			/* inet_pton(), unlike inet_aton() behind
			   net_addr2ip(), refuses the ambiguous short and
			   octal forms such as "1.2.3" and "010.0.0.1" */
			if (inet_pton(AF_INET, host, &addr4) != 1) {
				*error_r = "invalid IPv4 address";
				return -1;
			}
		} else if (retrieve_url_check_dns_name(host, error_r) < 0) {
			return -1;
		}
	}

	url_r->port = 0;
	if (port != NULL &&
	    retrieve_url_parse_port(port, &url_r->port, error_r) < 0)
		return -1;
	url_r->host = p_strdup(pool, host);
	return 0;
}

int retrieve_url_parse(const char *url, pool_t pool,
		       struct retrieve_url *url_r, const char **error_r)
{
	const char *p, *authority, *rest, *at;
	size_t len;

	i_zero(url_r);

	p = strstr(url, "://");
	if (p == NULL) {
		*error_r = "missing scheme (use pop3://, pop3s://, "
			"imap:// or imaps://)";
		return -1;
	}
	if (retrieve_url_parse_scheme(t_strdup_until(url, p),
				      url_r, error_r) < 0)
		return -1;

	/* The authority ends at the first '/', '?' or '#'. Only a
	   trailing "/" may follow it. */
	p += 3;
	len = strcspn(p, "/?#");
	authority = t_strndup(p, len);
	rest = p + len;
	if (rest[0] != '\0' && strcmp(rest, "/") != 0) {
		*error_r = "URL must not have a path, query or fragment";
		return -1;
	}

	/* The last '@' ends the userinfo: an unencoded '@' in a password
	   must still count as userinfo so that it is refused, not taken
	   for a host. */
	at = strrchr(authority, '@');
	if (at != NULL) {
		if (retrieve_url_parse_user(t_strdup_until(authority, at),
					    pool, &url_r->user,
					    error_r) < 0)
			return -1;
		authority = at + 1;
	}
	if (*authority == '\0') {
		*error_r = "missing host";
		return -1;
	}
	return retrieve_url_parse_hostport(authority, pool, url_r, error_r);
}

const char *retrieve_protocol_name(enum retrieve_protocol protocol)
{
	switch (protocol) {
	case RETRIEVE_PROTOCOL_POP3:
		return "pop3";
	case RETRIEVE_PROTOCOL_IMAP:
		return "imap";
	}
	i_unreached();
}

in_port_t retrieve_protocol_default_port(enum retrieve_protocol protocol,
					 bool implicit_ssl)
{
	switch (protocol) {
	case RETRIEVE_PROTOCOL_POP3:
		return implicit_ssl ? 995 : 110;
	case RETRIEVE_PROTOCOL_IMAP:
		return implicit_ssl ? 993 : 143;
	}
	i_unreached();
}
