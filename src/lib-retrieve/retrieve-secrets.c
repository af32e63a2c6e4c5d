/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "base64.h"
#include "safe-memset.h"
#include "retrieve-secrets.h"

/* a password's five forms; an OAuth2 account's refresh tokens, client
   secret and access tokens with their SASL forms */
#define RETRIEVE_SECRETS_MAX 24
#define RETRIEVE_SECRET_HIDDEN "<hidden>"
/* at most this many forms of the password, added first */
#define RETRIEVE_SECRETS_PASSWORD_FORMS 5

struct retrieve_secrets {
	/* i_malloc'd, so that deinit can zero them */
	char *forms[RETRIEVE_SECRETS_MAX];
	unsigned int count;
};

static void retrieve_secrets_add_form(struct retrieve_secrets *secrets,
				      const buffer_t *form)
{
	unsigned int i;

	if (form->used == 0)
		return;
	for (i = 0; i < secrets->count; i++) {
		if (strlen(secrets->forms[i]) == form->used &&
		    memcmp(secrets->forms[i], form->data, form->used) == 0)
			return;
	}
	if (secrets->count == RETRIEVE_SECRETS_MAX) {
		/* the oldest token form goes (a password's forms come
		   first and stay) */
		i_assert(secrets->count > RETRIEVE_SECRETS_PASSWORD_FORMS);
		safe_memset(secrets->forms[RETRIEVE_SECRETS_PASSWORD_FORMS], 0,
			    strlen(secrets->forms[RETRIEVE_SECRETS_PASSWORD_FORMS]));
		i_free(secrets->forms[RETRIEVE_SECRETS_PASSWORD_FORMS]);
		memmove(secrets->forms + RETRIEVE_SECRETS_PASSWORD_FORMS,
			secrets->forms + RETRIEVE_SECRETS_PASSWORD_FORMS + 1,
			(secrets->count - RETRIEVE_SECRETS_PASSWORD_FORMS - 1) *
			sizeof(secrets->forms[0]));
		secrets->count--;
	}
	secrets->forms[secrets->count++] = i_strndup(form->data, form->used);
}

static void retrieve_secrets_add_b64(struct retrieve_secrets *secrets,
				     const buffer_t *data, string_t *tmp)
{
	str_truncate(tmp, 0);
	base64_encode(data->data, data->used, tmp);
	retrieve_secrets_add_form(secrets, tmp);
}

void retrieve_secrets_add(struct retrieve_secrets *secrets, const char *secret)
{
	buffer_t form;

	if (secret == NULL)
		return;
	buffer_create_from_const_data(&form, secret, strlen(secret));
	retrieve_secrets_add_form(secrets, &form);
}

void retrieve_secrets_add_base64(struct retrieve_secrets *secrets,
				 const void *data, size_t size)
{
	buffer_t plain;
	string_t *tmp;

	T_BEGIN {
		buffer_create_from_const_data(&plain, data, size);
		tmp = t_str_new(MAX_BASE64_ENCODED_SIZE(size) + 1);
		retrieve_secrets_add_b64(secrets, &plain, tmp);
		safe_memset(buffer_get_modifiable_data(tmp, NULL), 0,
			    tmp->used);
	} T_END;
}

struct retrieve_secrets *
retrieve_secrets_init(const char *username, const char *password)
{
	struct retrieve_secrets *secrets;
	string_t *form, *plain;
	const char *p;

	secrets = i_new(struct retrieve_secrets, 1);
	if (password == NULL || *password == '\0')
		return secrets;
	if (username == NULL)
		username = "";

	/* The working buffers hold the password too: built on the stack
	   frame of this call and zeroed before it ends */
	T_BEGIN {
		form = t_str_new(256);
		plain = t_str_new(256);
		str_append(form, password);
		retrieve_secrets_add_form(secrets, form);
		str_truncate(form, 0);
		for (p = password; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				str_append_c(form, '\\');
			str_append_c(form, *p);
		}
		retrieve_secrets_add_form(secrets, form);

		str_append(plain, password);
		retrieve_secrets_add_b64(secrets, plain, form);
		str_truncate(plain, 0);
		str_append_c(plain, '\0');
		str_append(plain, username);
		str_append_c(plain, '\0');
		str_append(plain, password);
		retrieve_secrets_add_b64(secrets, plain, form);
		str_insert(plain, 0, username);
		retrieve_secrets_add_b64(secrets, plain, form);

		safe_memset(buffer_get_modifiable_data(form, NULL), 0,
			    form->used);
		safe_memset(buffer_get_modifiable_data(plain, NULL), 0,
			    plain->used);
	} T_END;
	return secrets;
}

void retrieve_secrets_deinit(struct retrieve_secrets **_secrets)
{
	struct retrieve_secrets *secrets = *_secrets;
	unsigned int i;

	if (secrets == NULL)
		return;
	*_secrets = NULL;
	for (i = 0; i < secrets->count; i++) {
		safe_memset(secrets->forms[i], 0, strlen(secrets->forms[i]));
		i_free(secrets->forms[i]);
	}
	i_free(secrets);
}

const char *retrieve_secrets_hide(const struct retrieve_secrets *secrets,
				  const char *text)
{
	const char *p, *best;
	size_t best_len, len;
	string_t *str = NULL;
	unsigned int i;

	if (text == NULL)
		return NULL;
	for (;;) {
		/* the earliest, then longest, form at this point wins */
		best = NULL;
		best_len = 0;
		for (i = 0; i < secrets->count; i++) {
			p = strstr(text, secrets->forms[i]);
			len = strlen(secrets->forms[i]);
			if (p != NULL && (best == NULL || p < best ||
					  (p == best && len > best_len))) {
				best = p;
				best_len = len;
			}
		}
		if (best == NULL)
			break;
		if (str == NULL)
			str = t_str_new(strlen(text) + 16);
		str_append_data(str, text, best - text);
		str_append(str, RETRIEVE_SECRET_HIDDEN);
		text = best + best_len;
	}
	if (str == NULL)
		return text;
	str_append(str, text);
	return str_c(str);
}
