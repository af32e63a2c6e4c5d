/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "message-address.h"
#include "spam-envelope.h"

/* "[IPv6:" + the longest IPv6 text (45) + "]" */
#define SPAM_ENVELOPE_MAX_IP_LITERAL 52
/* folding is a space by now, but a value may still end in CRLF */
#define SPAM_ENVELOPE_IS_SPACE(c) \
	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

/* An address that can become a header value: printable ASCII or UTF-8,
   no space, no control character, bounded */
static const char *spam_envelope_address(const struct message_address *addr)
{
	const char *address;
	const unsigned char *p;

	if (addr == NULL || addr->invalid_syntax || addr->mailbox == NULL ||
	    addr->domain == NULL || addr->mailbox[0] == '\0' ||
	    addr->domain[0] == '\0')
		return NULL;
	address = t_strconcat(addr->mailbox, "@", addr->domain, NULL);
	if (strlen(address) > SPAM_ENVELOPE_MAX_ADDRESS)
		return NULL;
	for (p = (const unsigned char *)address; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return NULL;
	}
	return address;
}

static const struct message_address *
spam_envelope_parse_address(const unsigned char *value, size_t size)
{
	if (size > SPAM_ENVELOPE_MAX_VALUE)
		return NULL;
	return message_address_parse(pool_datastack_create(), value, size, 2,
				     MESSAGE_ADDRESS_PARSE_FLAG_STRICT_DOTS);
}

const char *spam_envelope_return_path(const unsigned char *value, size_t size)
{
	const struct message_address *addr;

	while (size > 0 && (value[0] == ' ' || value[0] == '\t')) {
		value++; size--;
	}
	while (size > 0 && (value[size-1] == ' ' || value[size-1] == '\t' ||
			    value[size-1] == '\r' || value[size-1] == '\n'))
		size--;
	/* only a bare angle-addr: the final delivery's reverse-path */
	if (size < 2 || value[0] != '<' || value[size-1] != '>')
		return NULL;
	addr = spam_envelope_parse_address(value, size);
	if (addr == NULL || addr->next != NULL || addr->name != NULL)
		return NULL;
	return spam_envelope_address(addr);
}

const char *spam_envelope_from(const unsigned char *value, size_t size)
{
	const struct message_address *addr;

	addr = spam_envelope_parse_address(value, size);
	/* a group's name comes first: its first member is the address */
	if (addr != NULL && addr->domain == NULL)
		addr = addr->next;
	return spam_envelope_address(addr);
}

static bool spam_envelope_ip_is_public(const struct ip_addr *ip)
{
	static const char *const local_nets[] = {
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
		"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
		"192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
	};
	struct ip_addr net_ip;
	unsigned int i, bits;

	for (i = 0; i < N_ELEMENTS(local_nets); i++) {
		if (net_parse_range(local_nets[i], &net_ip, &bits) < 0)
			i_unreached();
		if (net_is_in_network(ip, &net_ip, bits))
			return FALSE;
	}
	return TRUE;
}

static bool spam_envelope_is_word(const unsigned char *value, size_t size,
				  size_t pos, const char *word)
{
	size_t len = strlen(word);

	if (pos + len > size || strncasecmp((const char *)value + pos,
					    word, len) != 0)
		return FALSE;
	/* a whole word: "by" is not the start of "bytes" */
	if (pos > 0 && !SPAM_ENVELOPE_IS_SPACE(value[pos-1]) && value[pos-1] != ')')
		return FALSE;
	return pos + len == size || SPAM_ENVELOPE_IS_SPACE(value[pos + len]);
}

bool spam_envelope_received_ip(const unsigned char *value, size_t size,
			       struct ip_addr *ip_r)
{
	const unsigned char *end;
	const char *literal;
	size_t pos = 0, len;

	i_zero(ip_r);
	if (size > SPAM_ENVELOPE_MAX_VALUE)
		size = SPAM_ENVELOPE_MAX_VALUE;
	while (pos < size && SPAM_ENVELOPE_IS_SPACE(value[pos]))
		pos++;
	if (!spam_envelope_is_word(value, size, pos, "from"))
		return FALSE;
	for (pos += 4; pos < size; pos++) {
		if (spam_envelope_is_word(value, size, pos, "by"))
			return FALSE;
		if (value[pos] == '[')
			break;
	}
	if (pos == size)
		return FALSE;
	end = memchr(value + pos, ']', I_MIN(size - pos,
					     SPAM_ENVELOPE_MAX_IP_LITERAL));
	if (end == NULL)
		return FALSE;
	len = end - (value + pos) - 1;
	if (memchr(value + pos + 1, '\0', len) != NULL)
		return FALSE;
	literal = t_strndup(value + pos + 1, len);
	if (strncasecmp(literal, "IPv6:", 5) == 0)
		literal += 5;
	/* net_addr2ip() also takes a host name: digits, hex, '.' and ':'
	   only, and IPv6 only with its "IPv6:" tag or a ':' */
	if (literal[0] == '\0' ||
	    strspn(literal, "0123456789abcdefABCDEF.:") != strlen(literal) ||
	    net_addr2ip(literal, ip_r) < 0) {
		i_zero(ip_r);
		return FALSE;
	}
	/* an IPv4-mapped IPv6 literal is no client's */
	if ((ip_r->family == AF_INET6 &&
	     IN6_IS_ADDR_V4MAPPED(&ip_r->u.ip6)) ||
	    !spam_envelope_ip_is_public(ip_r)) {
		i_zero(ip_r);
		return FALSE;
	}
	return TRUE;
}
