/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "imap-match.h"
#include "imap-utf7.h"
#include "retrieve-imap-folders.h"

/* What replaces a local separator inside a remote name component, so that
   a remote "a/b" under '.' does not become two local levels. */
#define RETRIEVE_IMAP_SEP_REPLACEMENT '_'

const char *retrieve_imap_folder_name_utf8(const char *remote_name)
{
	string_t *name = t_str_new(128);

	if (imap_utf7_to_utf8(remote_name, name) < 0)
		return remote_name;
	return str_c(name);
}

bool retrieve_imap_folder_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

bool retrieve_imap_folder_excluded(const struct retrieve_imap_folder *folder,
				   const char *const *patterns)
{
	struct imap_match_glob *glob;
	enum imap_match_result match;

	for (; *patterns != NULL; patterns++) {
		if ((*patterns)[0] == '\\') {
			if (folder->special_use != NULL &&
			    strcasecmp(folder->special_use, *patterns) == 0)
				return TRUE;
			continue;
		}
		glob = imap_match_init(pool_datastack_create(), *patterns,
				       TRUE, folder->sep);
		match = imap_match(glob, folder->name);
		if (match == IMAP_MATCH_YES)
			return TRUE;
	}
	return FALSE;
}

static void
retrieve_imap_folder_append_path(string_t *dest, const char *path,
				 char remote_sep, char local_sep)
{
	for (; *path != '\0'; path++) {
		if (*path == remote_sep && remote_sep != '\0')
			str_append_c(dest, local_sep);
		else if (*path == local_sep)
			str_append_c(dest, RETRIEVE_IMAP_SEP_REPLACEMENT);
		else
			str_append_c(dest, *path);
	}
}

const char *
retrieve_imap_folder_map(enum retrieve_folders_method method,
			 const char *dest, char local_sep,
			 const struct retrieve_imap_folder *folder,
			 const char *local_special)
{
	const char *rest;
	string_t *str;

	if (method != RETRIEVE_FOLDERS_MIRROR)
		return dest;
	if (retrieve_imap_folder_is_inbox(folder->name))
		return dest;
	if (local_special != NULL)
		return local_special;

	str = t_str_new(128);
	if (folder->sep != '\0' &&
	    strncasecmp(folder->name, "INBOX", 5) == 0 &&
	    folder->name[5] == folder->sep) {
		/* the remote INBOX's children go under what INBOX maps to */
		rest = folder->name + 6;
		str_append(str, dest);
		str_append_c(str, local_sep);
	} else {
		rest = folder->name;
		/* folder=INBOX mirrors at the top level */
		if (!retrieve_imap_folder_is_inbox(dest)) {
			str_append(str, dest);
			str_append_c(str, local_sep);
		}
	}
	retrieve_imap_folder_append_path(str, rest, folder->sep, local_sep);
	return str_c(str);
}
