/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"

#include "sieve.h"
#include "sieve-extensions.h"
#include "sieve-ext-environment.h"

#include "retrieve-sieve-version.h"

/* Pigeonhole 0.5: version_env_item is a struct sieve_environment_item */
const unsigned int retrieve_sieve_version_series[2] = { 0, 5 };

const char *retrieve_sieve_version_item_value(const void *_item)
{
	const struct sieve_environment_item *item = _item;

	if (item->name == NULL || strcmp(item->name, "version") != 0)
		return NULL;
	return item->value;
}
